"""Events of PromQL alarms (METRICS_BACKEND otel), shaped like AWS's documented contributor event:
queue contributors labelled with the names as the API gave them, and "No successful poll", whose one
series (labelled Environment, or nothing) arrives as a contributor and is a health alarm."""

from __future__ import annotations

from dataclasses import replace

import pytest

from queue_stats import alarm_catalog, messages
from queue_stats.alerts import ALARM, OK, Alert, Queue, parse_event
from tests.fixtures import event
from tests.notify_examples import CONTEXT
from tests.notify_examples import NUMBERS as HEALTHY

POLL_FAILED = "SymbeeQueueStats-prod-PollFailed"


def otel(name: str) -> Alert:
    parsed = parse_event(event(name), escaped_labels=False)
    assert isinstance(parsed, Alert), parsed
    return parsed


@pytest.mark.parametrize("name", ["promql_health_alarm", "promql_health_ok_no_labels"])
def test_a_health_alarms_series_is_notified_as_the_health_alarm(name: str) -> None:
    # Given No successful poll's series as a contributor event (Environment, or no labels at all)
    parsed = otel(name)
    # Then it is the health alarm, with nothing missing: no queue, no problem reported
    assert (parsed.kind, parsed.queue, parsed.problems) == (alarm_catalog.BY_NAME["PollFailed"], None, ())


def test_both_series_of_the_health_alarm_are_one_incident_keyed_on_the_alarm() -> None:
    # Given the failed-polls series' ALARM and the no-polls series' OK
    alarm, ok = otel("promql_health_alarm"), otel("promql_health_ok_no_labels")
    # Then both have the alarm's name as dedup key, so the OK resolves the one incident
    assert messages.dedup_key(alarm) == messages.dedup_key(ok) == POLL_FAILED
    assert (alarm.state, ok.state) == (ALARM, OK)


def test_the_health_alarm_pages_critical_with_the_health_subject() -> None:
    # When the contributor event of No successful poll is formatted
    parsed = otel("promql_health_alarm")
    event_ = messages.pager_event(parsed, HEALTHY, CONTEXT)
    # Then it reads like the classic health alarm's
    assert messages.subject(parsed, CONTEXT) == "ALARM: prod: No successful poll"
    assert event_ is not None
    assert event_["payload"]["severity"] == messages.SEVERITY_HEALTH


def test_a_health_contributor_keeps_its_contributor_id() -> None:
    assert otel("promql_health_alarm").contributor_id == "4f1c0a9e7d3b2a61"


def test_an_otlp_queue_label_is_shown_as_the_api_wrote_it() -> None:
    # Given a PromQL queue contributor whose name holds what looks like the poller's escape
    changed = event("promql_queue_alarm")
    changed["detail"]["alarmContributor"]["attributes"]["QueueName"] = "Desk \\xfc Zürich"
    parsed = parse_event(changed, escaped_labels=False)
    assert isinstance(parsed, Alert)
    assert parsed.queue is not None
    # Then the name is shown (and matched) exactly as labelled: OTLP never escapes
    assert (parsed.queue.queue_name, parsed.queue.display_name) == ("Desk \\xfc Zürich", "Desk \\xfc Zürich")


def test_a_classic_dimension_value_is_still_unescaped() -> None:
    # Given the same name as the classic poller writes it into a CloudWatch dimension
    parsed = parse_event(event("queue_alarm"))
    assert isinstance(parsed, Alert)
    classic = replace(parsed, queue=Queue("q", "Z\\xfcrich"))
    # Then people read the name, not the escape
    assert classic.queue is not None
    assert classic.queue.display_name == "Zürich"


def test_an_otlp_queue_names_the_subject_and_pager_key_as_labelled() -> None:
    parsed = otel("promql_queue_alarm")
    assert messages.subject(parsed, CONTEXT) == "ALARM: prod / Zurich Kundendienst: Oldest item too old"
    assert messages.dedup_key(parsed) == "SymbeeQueueStats-prod-OldestItemAge/zurich-kundendienst"


def test_a_queue_contributor_without_queue_labels_is_still_a_problem() -> None:
    # Given a queue alarm's contributor carrying only Environment (not one of the stack's queries)
    changed = event("promql_queue_alarm")
    changed["detail"]["alarmContributor"]["attributes"] = {"Environment": "prod"}
    parsed = parse_event(changed, escaped_labels=False)
    assert isinstance(parsed, Alert)
    # Then it is sent at alarm level, saying what the event lacked
    assert parsed.queue is None
    assert parsed.problems == ("the contributor has no QueueId or QueueName attribute (has: Environment)",)
