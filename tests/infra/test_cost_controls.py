"""Cost controls reach the deployed stack: the metric selection and idle skipping configure the
poller, the dashboard and the alarms alike (issue: publish what matters, pay only for hours with data)."""

from __future__ import annotations

from typing import Any

import pytest

from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth, cdk_json_context, synthesize


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    context = {**cdk_json_context(), "metrics": "essential", "skipIdleQueues": True}
    return synthesize(context, tmp_path_factory.mktemp("lean") / "cdk.out")


def function_environment(synth: Synth) -> dict[str, str]:
    (function,) = (
        f
        for f in synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == names.HANDLER
    )
    variables: dict[str, str] = function["Properties"]["Environment"]["Variables"]
    return variables


def dashboard_body(synth: Synth) -> str:
    (dashboard,) = synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Dashboard").values()
    body: Any = dashboard["Properties"]["DashboardBody"]
    # The body is a Fn::Join of literal text and alarm ARNs; the text is what matters here.
    return "".join(part for part in body["Fn::Join"][1] if isinstance(part, str))


def test_the_poller_publishes_the_essential_profile_and_skips_idle_queues(lean: Synth) -> None:
    variables = function_environment(lean)
    assert variables[names.ENV_PUBLISH_METRICS] == names.PROFILE_ESSENTIAL
    assert variables[names.ENV_SKIP_IDLE_QUEUES] == "true"


def test_the_dashboard_draws_no_metric_the_poller_does_not_publish(lean: Synth) -> None:
    body = dashboard_body(lean)
    left_out = [m for m in names.QUEUE_METRIC_NAMES if m not in names.ESSENTIAL_METRICS]
    assert left_out  # the profile leaves something out, so the check below can fail
    for metric in left_out:
        assert metric not in body, metric
    for metric in names.ESSENTIAL_METRICS:
        assert metric in body, metric
    # and it says why an idle queue's graph has a gap
    assert names.ENV_SKIP_IDLE_QUEUES in body


def test_the_default_stack_draws_every_metric_and_sets_no_selection(default_synth: Synth) -> None:
    variables = function_environment(default_synth)
    assert names.ENV_PUBLISH_METRICS not in variables
    assert names.ENV_SKIP_IDLE_QUEUES not in variables
    body = dashboard_body(default_synth)
    assert all(metric in body for metric in names.QUEUE_METRIC_NAMES)


def test_every_default_alarm_still_exists_with_the_essential_profile(lean: Synth, default_synth: Synth) -> None:
    def alarm_names(synth: Synth) -> set[str]:
        return {a["Properties"]["AlarmName"] for a in synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm").values()}

    assert alarm_names(lean) == alarm_names(default_synth)
