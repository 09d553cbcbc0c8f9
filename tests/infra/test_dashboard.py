"""The dashboard: alarm status, every queue through SEARCH expressions, and the poller's health."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth


def render(value: Any) -> str:
    """The dashboard body with CloudFormation references replaced by readable placeholders."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part) for part in parts)
    if "Fn::GetAtt" in value:
        return "GetAtt:" + ".".join(value["Fn::GetAtt"])
    if "Ref" in value:
        return f"Ref:{value['Ref']}"
    raise AssertionError(f"unexpected intrinsic {value}")


@pytest.fixture(scope="module")
def body(default_synth: Synth) -> dict[str, Any]:
    (dashboard,) = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "SymbeeQueueStats-prod"
    parsed: dict[str, Any] = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    return parsed


def widget_titled(body: dict[str, Any], title: str) -> dict[str, Any]:
    widgets: list[dict[str, Any]] = [w for w in body["widgets"] if w["properties"].get("title") == title]
    (widget,) = widgets
    return widget


def test_alarm_status_widget_lists_every_alarm(default_synth: Synth, body: dict[str, Any]) -> None:
    widget = widget_titled(body, "Alarms")
    assert widget["type"] == "alarm"
    alarm_ids = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm")
    assert sorted(widget["properties"]["alarms"]) == sorted(f"GetAtt:{i}.Arn" for i in alarm_ids)
    # It sits at the top, under the header.
    assert widget["y"] == 2


@pytest.mark.parametrize(
    ("title", "metric", "statistic"),
    [
        ("Items waiting", names.METRIC_ITEMS_IN_QUEUE, "Maximum"),
        ("Oldest item age", names.METRIC_OLDEST_ITEM_AGE, "Maximum"),
        ("Waiting with no agent available", names.METRIC_UNATTENDED_ITEMS, "Maximum"),
        ("Agents available", names.METRIC_AGENTS_AVAILABLE, "Minimum"),
        ("Agents working", names.METRIC_AGENTS_WORKING, "Maximum"),
        ("Agents staffed", names.METRIC_AGENTS_STAFFED, "Maximum"),
        ("Agents in error", names.METRIC_AGENTS_IN_ERROR, "Maximum"),
        ("Agents in after-contact work", names.METRIC_AGENTS_IN_WRAP, "Maximum"),
        ("Agents unavailable (break, lunch)", names.METRIC_AGENTS_UNAVAILABLE, "Maximum"),
        ("Items being delivered", names.METRIC_ITEMS_BEING_DELIVERED, "Maximum"),
        ("Callbacks scheduled", names.METRIC_ITEMS_SCHEDULED, "Maximum"),
        ("Queue open (1) / closed (0)", names.METRIC_QUEUE_OPEN, "Minimum"),
    ],
)
def test_queue_graphs_search_every_queue(body: dict[str, Any], title: str, metric: str, statistic: str) -> None:
    widget = widget_titled(body, title)
    (line,) = widget["properties"]["metrics"]
    assert line == [
        {
            "expression": (
                'SEARCH(\'{"SymbeeConnect/Queues",Environment,QueueId,QueueName} '
                f'MetricName="{metric}" Environment="prod"\', \'{statistic}\', 60)'
            ),
            "label": "${PROP('Dim.QueueName')}",
            "period": 60,
        }
    ]


def test_every_queue_metric_has_a_graph(body: dict[str, Any]) -> None:
    searched = " ".join(json.dumps(w["properties"].get("metrics", [])) for w in body["widgets"])
    for metric in names.QUEUE_METRIC_NAMES:
        assert f'MetricName=\\"{metric}\\"' in searched, metric


def test_poller_health_graphs(default_synth: Synth, body: dict[str, Any]) -> None:
    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function")
    lambda_metrics = widget_titled(body, "Poller: invocations, errors, throttles")["properties"]["metrics"]
    assert [m[1] for m in lambda_metrics] == ["Invocations", "Errors", "Throttles"]
    assert all(m[:4] == ["AWS/Lambda", m[1], "FunctionName", f"Ref:{function_id}"] for m in lambda_metrics)

    duration = widget_titled(body, "Poller: duration (ms)")["properties"]
    # Average is the dashboard's default statistic, so CDK leaves it out.
    assert [m[-1].get("stat", "Average") for m in duration["metrics"]] == ["Average", "Maximum"]
    assert duration["annotations"]["horizontal"] == [{"value": 30000, "label": "Timeout", "yAxis": "left"}]

    health = {
        "Polls succeeded (1) / failed (0)": [names.METRIC_POLL_SUCCEEDED],
        "Symbee API latency (ms)": [names.METRIC_API_LATENCY, names.METRIC_API_LATENCY],
        "Queues reported per poll": [names.METRIC_QUEUES_REPORTED],
        "Invalid records or fields skipped": [names.METRIC_INVALID_RECORDS],
    }
    for title, metrics in health.items():
        lines = widget_titled(body, title)["properties"]["metrics"]
        assert [line[:4] for line in lines] == [
            [names.DEFAULT_NAMESPACE, metric, names.DIM_ENVIRONMENT, "prod"] for metric in metrics
        ], title
