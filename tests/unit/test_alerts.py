"""EventBridge alarm events -> Alert: the queue, the state, the condition, and what was missing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from queue_stats import alarm_catalog
from queue_stats.alerts import ALARM, OK, UNKNOWN_STATE, Alert, Ignored, parse_event, unescape
from tests.fixtures import event


def alert(name: str, **changes: Any) -> Alert:
    parsed = parse_event({**event(name), **changes})
    assert isinstance(parsed, Alert), parsed
    return parsed


def test_a_queue_alarm_names_its_queue_kind_and_state() -> None:
    parsed = alert("queue_alarm")
    assert parsed.state == ALARM
    assert parsed.kind is alarm_catalog.BY_NAME["OldestItemAge"]
    assert parsed.queue is not None
    assert parsed.queue.queue_name == "Customer Care Inbound"
    assert parsed.contributor_id == "6d442278dba546f6"
    assert parsed.changed_at == datetime(2026, 9, 23, 19, 54, 49, 530000, tzinfo=UTC)
    assert parsed.problems == ()


def test_the_condition_is_read_from_the_reason() -> None:
    condition = alert("queue_alarm").condition
    assert condition.threshold == 300.0
    assert condition.comparison == "greater than or equal to"
    assert (condition.datapoints, condition.evaluated, condition.period_seconds) == (2, 2, 60)
    assert condition.latest_value == 420.0
    assert condition.minutes == 2


def test_the_documented_short_reason_form_is_read_too() -> None:
    # AWS's documented contributor example says "1 datapoint was less than the threshold (1.0)"
    changed = event("queue_alarm")
    changed["detail"]["state"]["reason"] = (
        "Threshold Crossed: 1 datapoint was less than the threshold (1.0). The most recent datapoint which "
        "crossed the threshold: [0.0 (01/12/25 13:34:00)]."
    )
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert (parsed.condition.threshold, parsed.condition.comparison, parsed.condition.datapoints) == (
        1.0,
        "less than",
        1,
    )
    assert parsed.condition.latest_value == 0.0
    assert parsed.condition.minutes == 2  # the description says "for 2 minutes"


def test_a_health_alarm_reads_reason_data_and_previous_state() -> None:
    parsed = alert("health_alarm")
    assert parsed.kind is alarm_catalog.BY_NAME["PollFailed"]
    assert parsed.queue is None
    assert parsed.previous_state == OK
    assert parsed.condition.threshold == 1.0
    assert parsed.condition.latest_value == 0.0
    assert parsed.metric is not None
    assert parsed.metric["metric"]["name"] == "PollSucceeded"


def test_ok_with_no_data_is_flagged() -> None:
    assert alert("queue_ok_no_data").no_data
    assert not alert("queue_ok").no_data


def test_a_mute_rule_is_read() -> None:
    mute = alert("queue_alarm_muted").mute
    assert mute is not None
    assert mute.rule_arn.endswith(":alarm-mute-rule:night-maintenance")
    assert (mute.window_start, mute.window_end) == ("2026-09-23T19:00:00.000+0000", "2026-09-23T21:00:00.000+0000")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"detail-type": "CloudWatch Alarm Configuration Change"}, "unsupported detail type"),
        ({"source": "aws.ec2"}, "unsupported event source 'aws.ec2'"),
    ],
)
def test_events_of_other_kinds_are_ignored_with_a_reason(changes: dict[str, str], words: str) -> None:
    parsed = parse_event({**event("queue_alarm"), **changes})
    assert isinstance(parsed, Ignored)
    assert words in parsed.reason


def test_a_non_object_event_is_ignored() -> None:
    parsed = parse_event(["not", "an", "event"])
    assert isinstance(parsed, Ignored)
    assert parsed.reason == "the event is a list, not a JSON object"


def test_the_alarm_level_change_of_a_per_queue_alarm_is_left_to_its_contributors() -> None:
    # Given AWS's "Alarm Example" for a multi-time-series alarm: a count, no queue
    changed = event("queue_alarm")
    changed["detail-type"] = "CloudWatch Alarm State Change"
    del changed["detail"]["alarmContributor"]
    changed["detail"]["state"]["reason"] = "2 out of 6 time series evaluated to ALARM"
    parsed = parse_event(changed)
    assert isinstance(parsed, Ignored)
    assert "each queue is notified by its contributor event" in parsed.reason


def test_a_contributor_without_attributes_is_an_alarm_level_alert_with_the_problem() -> None:
    changed = event("queue_alarm")
    del changed["detail"]["alarmContributor"]["attributes"]
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.queue is None
    assert parsed.problems == ("detail.alarmContributor.attributes is missing: the queue is unknown",)


def test_a_missing_queue_name_falls_back_to_the_id() -> None:
    changed = event("queue_alarm")
    del changed["detail"]["alarmContributor"]["attributes"]["QueueName"]
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.queue is not None
    assert parsed.queue.queue_name == parsed.queue.queue_id
    assert "no QueueName attribute" in parsed.problems[0]


def test_a_missing_alarm_name_is_taken_from_the_resources() -> None:
    changed = event("queue_alarm")
    del changed["detail"]["alarmName"]
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.alarm_name == "SymbeeQueueStats-prod-OldestItemAge"


def test_an_unknown_state_is_kept_as_unknown() -> None:
    changed = event("queue_alarm")
    changed["detail"]["state"]["value"] = "SOMETHING_NEW"
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.state == UNKNOWN_STATE
    assert "detail.state.value is 'SOMETHING_NEW'" in parsed.problems[0]


def test_an_alarm_of_another_name_falls_back_to_its_description() -> None:
    changed = event("queue_alarm")
    changed["detail"]["alarmName"] = "renamed-by-hand"
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.kind is alarm_catalog.BY_NAME["OldestItemAge"]


def test_an_alarm_neither_name_nor_description_identifies_is_unknown() -> None:
    changed = event("queue_alarm")
    changed["detail"]["alarmName"] = "someone-elses-alarm"
    changed["detail"]["configuration"]["description"] = "CPU too high"
    parsed = parse_event(changed)
    assert isinstance(parsed, Alert)
    assert parsed.kind is None
    assert parsed.title == "unknown alarm"


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("Z\\xfcrich", "Zürich"),
        ("Caf\\xe9 \\u00e9t\\u00e9", "Café été"),
        ("\\U0001f600 smile", "😀 smile"),
        ("literal \\x41 stays", "literal \\x41 stays"),  # the poller never escapes printable ASCII
        ("plain", "plain"),
    ],
)
def test_the_pollers_escapes_are_undone(escaped: str, plain: str) -> None:
    assert unescape(escaped) == plain
