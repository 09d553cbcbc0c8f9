"""The queue's numbers: the GetMetricData queries (exactly the published dimensions) and the
latest value of each in the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from queue_stats import names as n
from queue_stats.alerts import Alert, Queue, parse_event
from queue_stats.readings import QUEUE_METRICS, Numbers, Reading, numbers_from, queries
from tests.fixtures import event

NOW = datetime(2026, 9, 23, 19, 55, tzinfo=UTC)


def alert(name: str = "queue_alarm") -> Alert:
    parsed = parse_event(event(name))
    assert isinstance(parsed, Alert)
    return parsed


def test_queue_queries_use_the_contributors_attributes_as_published() -> None:
    escaped = replace(alert(), queue=Queue("q-1", "Z\\xfcrich"))
    built = queries(escaped, environment="prod", namespace=n.DEFAULT_NAMESPACE)
    per_queue = [q for q in built if q["Id"].startswith("q")]
    assert [q["MetricStat"]["Metric"]["MetricName"] for q in per_queue] == list(QUEUE_METRICS)
    assert {str(q["MetricStat"]["Metric"]["Dimensions"]) for q in per_queue} == {
        str(
            [
                {"Name": "Environment", "Value": "prod"},
                {"Name": "QueueId", "Value": "q-1"},
                {"Name": "QueueName", "Value": "Z\\xfcrich"},
            ]
        )
    }


def test_the_pollers_health_is_read_with_every_alert() -> None:
    ids = {q["Id"]: q["MetricStat"]["Stat"] for q in queries(alert(), environment="prod", namespace="NS")}
    assert ids["pollmin"] == "Minimum"
    assert ids["pollmax"] == "Maximum"
    assert ids["idle"] == "Maximum"


def test_a_single_metric_alarms_own_metric_is_read_unless_already_read() -> None:
    health = alert("health_alarm")  # PollSucceeded: the health queries read it already
    assert "alarm" not in {q["Id"] for q in queries(health, environment="prod", namespace=n.DEFAULT_NAMESPACE)}
    errors = replace(
        health,
        metric={
            "metric": {"dimensions": {"FunctionName": "poller"}, "name": "Errors", "namespace": "AWS/Lambda"},
            "period": 60,
            "stat": "Sum",
        },
    )
    (own,) = [q for q in queries(errors, environment="prod", namespace=n.DEFAULT_NAMESPACE) if q["Id"] == "alarm"]
    assert own["MetricStat"]["Metric"] == {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": "poller"}],
    }


def test_the_latest_datapoint_of_each_query_is_taken() -> None:
    earlier = NOW - timedelta(minutes=1)
    numbers = numbers_from(
        [
            {"Id": "q0", "Timestamps": [NOW, earlier], "Values": [7.0, 3.0]},
            {"Id": "q1", "Timestamps": [earlier, NOW], "Values": [10.0, 20.0]},  # order not trusted
            {"Id": "pollmin", "Timestamps": [NOW], "Values": [0.0]},
            {"Id": "pollmax", "Timestamps": [NOW, earlier], "Values": [0.0, 1.0]},
            {"Id": "q2", "Timestamps": [], "Values": []},
        ]
    )
    assert numbers.queue == {n.METRIC_ITEMS_IN_QUEUE: Reading(7.0, NOW), n.METRIC_OLDEST_ITEM_AGE: Reading(20.0, NOW)}
    assert numbers.last_success == earlier
    assert numbers.poller_failing is True
    assert numbers.as_of == NOW


def test_the_poller_is_healthy_when_its_latest_minute_succeeded() -> None:
    assert Numbers(poll=Reading(1, NOW), last_success=NOW).poller_failing is False
    assert Numbers().poller_failing is True  # no successful poll in the window at all
    assert Numbers(unavailable="timed out").poller_failing is None
