"""The alarms in the default template: every queue covered by a Metrics Insights query (so queues
created after the deploy are too), thresholds, periods, missing data, actions, descriptions."""

from __future__ import annotations

from typing import Any

import pytest

from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth

PREFIX = "SymbeeQueueStats-prod"
SCHEMA = 'SCHEMA("SymbeeConnect/Queues", Environment, QueueId, QueueName)'


def alarms_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm").values()
    }


def topic_ref(synth: Synth) -> dict[str, str]:
    (topic_id,) = synth.resources(DEFAULT_STACK, "AWS::SNS::Topic")
    return {"Ref": topic_id}


def test_the_default_alarm_set(default_synth: Synth) -> None:
    assert sorted(alarms_by_name(default_synth)) == sorted(
        f"{PREFIX}-{kind}"
        for kind in (
            "OldestItemAge",
            "ItemsInQueue",
            "UnattendedItems",
            "AgentsInError",
            "PollFailed",
            "PollerErrors",
            "PollerThrottles",
        )
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        # kind: (Metrics Insights function, metric, threshold, minutes = periods of one poll)
        ("OldestItemAge", ("MAX", names.METRIC_OLDEST_ITEM_AGE, 300, 2)),
        ("ItemsInQueue", ("MIN", names.METRIC_ITEMS_IN_QUEUE, 10, 5)),
        ("UnattendedItems", ("MIN", names.METRIC_UNATTENDED_ITEMS, 1, 5)),
        ("AgentsInError", ("MIN", names.METRIC_AGENTS_IN_ERROR, 1, 5)),
    ],
)
def test_queue_alarm_is_one_query_over_every_queue(
    default_synth: Synth, kind: str, expected: tuple[str, str, int, int]
) -> None:
    function, metric, threshold, periods = expected
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]

    # One multi-time-series Metrics Insights query: each (QueueId, QueueName) is a contributor,
    # and no QueueId filter, so a queue id that is nowhere in the config is covered too.
    assert alarm["Metrics"] == [
        {
            "Id": "q1",
            "Expression": f"SELECT {function}({metric}) FROM {SCHEMA} WHERE Environment = 'prod' "
            f"GROUP BY QueueId, QueueName ORDER BY {function}() DESC",
            "Period": 60,
            "ReturnData": True,
        }
    ]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == threshold
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == periods
    # A queue that stops reporting is the poll-failure alarm's business.
    assert alarm["TreatMissingData"] == "notBreaching"
    for single_metric_key in ("MetricName", "Namespace", "Statistic", "Period", "Dimensions"):
        assert single_metric_key not in alarm


def test_no_successful_poll_for_three_minutes(default_synth: Synth) -> None:
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-PollFailed"]
    assert {k: alarm[k] for k in alarm if k not in ("AlarmActions", "OKActions", "AlarmDescription", "Tags")} == {
        "AlarmName": f"{PREFIX}-PollFailed",
        "ActionsEnabled": True,
        "Namespace": names.DEFAULT_NAMESPACE,
        "MetricName": names.METRIC_POLL_SUCCEEDED,
        "Dimensions": [{"Name": names.DIM_ENVIRONMENT, "Value": "prod"}],
        # Minimum: a poll that publishes 1 and then 0 in the same minute still counts as failed.
        "Statistic": "Minimum",
        "Period": 60,
        "ComparisonOperator": "LessThanThreshold",
        "Threshold": 1,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3,
        # No datapoint means no poll ran: that is the failure itself.
        "TreatMissingData": "breaching",
    }


@pytest.mark.parametrize(("kind", "metric"), [("PollerErrors", "Errors"), ("PollerThrottles", "Throttles")])
def test_lambda_errors_and_throttles(default_synth: Synth, kind: str, metric: str) -> None:
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]
    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function")
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["MetricName"] == metric
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 60)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 3
    assert alarm["TreatMissingData"] == "notBreaching"


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(default_synth: Synth) -> None:
    for name, alarm in alarms_by_name(default_synth).items():
        assert alarm["ActionsEnabled"] is True, name
        assert alarm["AlarmActions"] == [topic_ref(default_synth)], name
        assert alarm["OKActions"] == [topic_ref(default_synth)], name
        assert "InsufficientDataActions" not in alarm, name


@pytest.mark.parametrize(
    ("kind", "section"),
    [
        ("OldestItemAge", "Oldest item too old"),
        ("ItemsInQueue", "Too many items waiting"),
        ("UnattendedItems", "Work waiting with no agent available"),
        ("AgentsInError", "Agents in error"),
        ("PollFailed", "No successful poll"),
        ("PollerErrors", "Poller errors"),
        ("PollerThrottles", "Poller throttled"),
    ],
)
def test_descriptions_say_what_it_means_and_where_the_first_steps_are(
    default_synth: Synth, kind: str, section: str
) -> None:
    description = alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]["AlarmDescription"]
    assert description.startswith("Symbee abc-gadgets/prod: ")
    assert f"README.md#when-an-alarm-fires (section '{section}')" in description
    assert len(description) <= 1024
