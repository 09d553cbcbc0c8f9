"""Alert + numbers -> email, chat and pager payloads: plain data in, plain data out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from queue_stats import messages
from queue_stats import names as n
from queue_stats.alerts import Alert, Queue, parse_event
from queue_stats.readings import Numbers, Reading
from tests.fixtures import event
from tests.notify_examples import AS_OF as NOW
from tests.notify_examples import CONTEXT
from tests.notify_examples import NUMBERS as HEALTHY  # the queue's numbers, the poller healthy


def alert(name: str = "queue_alarm", **changes: Any) -> Alert:
    parsed = parse_event(event(name))
    assert isinstance(parsed, Alert)
    return replace(parsed, **changes)


def with_queue(queue_id: str, queue_name: str) -> Alert:
    return alert(queue=Queue(queue_id, queue_name))


# --- email subject ----------------------------------------------------------------------------------


def test_the_subject_names_state_environment_queue_and_title() -> None:
    assert messages.subject(alert(), CONTEXT) == "ALARM: prod / Customer Care Inbound: Oldest item too old"


def test_a_health_subject_names_what_failed() -> None:
    assert messages.subject(alert("health_alarm"), CONTEXT) == "ALARM: prod: No successful poll"


def test_an_ok_with_no_data_says_so_in_the_subject() -> None:
    subject = messages.subject(alert("queue_ok_no_data"), CONTEXT)
    assert subject == "OK (no data): prod / Customer Care Inbound: Oldest item too old"


def test_escaped_accents_are_transliterated_for_the_subject() -> None:
    # Given the name as the poller published it: Zürich Général
    subject = messages.subject(with_queue("q1", "Z\\xfcrich G\\xe9n\\xe9ral"), CONTEXT)
    assert subject == "ALARM: prod / Zurich General: Oldest item too old"


@pytest.mark.parametrize(
    "name",
    [
        "A" * 300,
        "\\u6771\\u4eac " * 60,  # 東京, nothing to transliterate
        "line\nbreak\tand\x07bell " * 10,
    ],
    ids=["long", "no-latin", "control-characters"],
)
def test_every_subject_is_printable_ascii_under_100_and_keeps_its_state(name: str) -> None:
    subject = messages.subject(with_queue("q1", name), CONTEXT)
    assert len(subject) < 100
    assert subject.isascii()
    assert subject.isprintable()
    assert subject.startswith("ALARM: prod / ")
    assert subject.endswith(": Oldest item too old")


def test_a_long_environment_is_shortened_too() -> None:
    subject = messages.subject(alert(), replace(CONTEXT, environment="e" * 500))
    assert len(subject) < 100
    assert subject.startswith("ALARM: ")


def test_a_test_subject_is_marked() -> None:
    assert messages.subject(alert(test=True), CONTEXT).startswith("[TEST] ALARM: prod / ")


# --- email body ---------------------------------------------------------------------------------


def test_the_body_has_the_numbers_now_condition_and_steps() -> None:
    body = messages.email(alert(), HEALTHY, CONTEXT).body
    for words in (
        "A customer has waited in this queue longer than your target.",
        "Condition:   Oldest item age >= 5m00s for 2 minutes (latest 7m00s)",
        "Now (as of 19:55 UTC):",
        "Waiting:          5",
        "Agents available: 0 of 26 staffed",
        "Agents working:   11",
        "Queue:            open",
        "What to do:\n  1. Pick the queue in the dashboard",
    ):
        assert words in body, body


def test_numbers_unavailable_are_said_with_the_reason() -> None:
    body = messages.email(alert(), Numbers(unavailable="CloudWatch GetMetricData failed: Throttling"), CONTEXT).body
    assert "Numbers: unavailable: CloudWatch GetMetricData failed: Throttling" in body


def test_metrics_not_published_show_as_a_dash() -> None:
    partial = Numbers(queue={n.METRIC_ITEMS_IN_QUEUE: Reading(3, NOW)}, poll=Reading(1, NOW), last_success=NOW)
    body = messages.email(alert(), partial, CONTEXT).body
    assert "Oldest item:      -" in body
    assert "Agents available: - of - staffed" in body
    assert "Queue:            open/closed unknown" in body


@pytest.mark.parametrize(
    ("numbers", "context", "words"),
    [
        (
            Numbers(poll=Reading(0, NOW), last_success=datetime(2026, 9, 23, 19, 40, tzinfo=UTC)),
            CONTEXT,
            "stopped reporting because the poller is failing",
        ),
        (Numbers(), CONTEXT, "stopped reporting because the poller is failing"),  # no successful poll at all
        (Numbers(poll=Reading(1, NOW), last_success=NOW, queues_idle=Reading(3, NOW)), CONTEXT, "went idle"),
        (Numbers(poll=Reading(1, NOW), last_success=NOW), replace(CONTEXT, skip_idle_queues=True), "went idle"),
        (Numbers(poll=Reading(1, NOW), last_success=NOW), CONTEXT, "stopped reporting (deleted, renamed"),
        (Numbers(unavailable="timed out"), CONTEXT, "could not be read to tell why (timed out)"),
    ],
    ids=["poller-failing", "no-poll-at-all", "queues-idle", "skip-idle", "queue-gone", "numbers-unavailable"],
)
def test_no_data_says_why_and_never_reads_as_fixed(
    numbers: Numbers, context: messages.MessageContext, words: str
) -> None:
    mail = messages.email(alert("queue_ok_no_data"), numbers, context)
    assert words in mail.body
    assert "does not mean the problem is fixed" in mail.body
    assert "recover" not in mail.body.lower()


def test_an_unknown_alarm_says_so_plainly() -> None:
    unknown = alert(kind=None, alarm_name="someone-elses-alarm")
    assert (
        messages.subject(unknown, CONTEXT) == "ALARM: prod / Customer Care Inbound: unknown alarm someone-elses-alarm"
    )
    assert (
        "Unknown alarm: someone-elses-alarm is not one of this stack's kinds."
        in messages.email(unknown, HEALTHY, CONTEXT).body
    )


# --- links ------------------------------------------------------------------------------------------


def test_without_runbook_url_the_steps_travel_inline_and_the_runbook_is_the_dashboard() -> None:
    link = messages.links(alert(), CONTEXT)
    assert link.steps_inline
    assert link.runbook == link.dashboard
    assert link.dashboard == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#dashboards/dashboard/SymbeeQueueStats-prod"
    )
    assert link.alarm == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#alarmsV2:alarm/SymbeeQueueStats-prod-OldestItemAge"
    )


def test_with_runbook_url_the_link_goes_to_the_kinds_section() -> None:
    context = replace(CONTEXT, runbook_url="https://github.com/acme/ops/blob/main/README.md")
    link = messages.links(alert(), context)
    assert link.runbook == "https://github.com/acme/ops/blob/main/README.md#oldest-item-too-old"
    assert not link.steps_inline
    assert "What to do:" not in messages.email(alert(), HEALTHY, context).body


def test_the_dashboard_setting_wins() -> None:
    context = replace(CONTEXT, dashboard_url="https://example.com/dash")
    assert messages.links(alert(), context).dashboard == "https://example.com/dash"


# --- chat -----------------------------------------------------------------------------------------


def test_chat_is_a_custom_notification() -> None:
    chat = messages.chat(alert(), HEALTHY, CONTEXT)
    assert chat["version"] == "1.0"
    assert chat["source"] == "custom"
    assert chat["content"]["textType"] == "client-markdown"
    assert chat["content"]["title"] == "ALARM: prod / Customer Care Inbound: Oldest item too old"
    assert "5 waiting · oldest 7m00s · 0 of 26 agents available" in chat["content"]["description"]
    assert chat["content"]["nextSteps"][0].startswith("Pick the queue in the dashboard")
    assert chat["metadata"]["summary"] == chat["content"]["title"]


def test_one_thread_per_alarm_and_queue() -> None:
    a_alarm = messages.thread_id(alert())
    a_ok = messages.thread_id(alert("queue_ok"))
    b_alarm = messages.thread_id(with_queue("email-customer-care", "Email Customer Care"))
    other_alarm = messages.thread_id(alert(alarm_name="SymbeeQueueStats-prod-ItemsInQueue"))
    assert a_alarm == a_ok
    assert len({a_alarm, b_alarm, other_alarm}) == 3


# --- pager ----------------------------------------------------------------------------------------


def test_alarm_triggers_with_a_summary_naming_the_queue() -> None:
    pager = messages.pager_event(alert(), HEALTHY, CONTEXT)
    assert pager is not None
    assert pager["event_action"] == "trigger"
    assert pager["dedup_key"] == f"SymbeeQueueStats-prod-OldestItemAge/{alert().queue.queue_id}"  # type: ignore[union-attr]
    assert pager["payload"]["summary"].startswith("prod / Customer Care Inbound: Oldest item too old (5 waiting")
    assert pager["payload"]["severity"] == "error"
    assert pager["payload"]["source"] == "prod"
    assert pager["payload"]["custom_details"]["now"]["Waiting"] == "5"
    assert [link["text"] for link in pager["links"]] == ["Dashboard", "Alarm"]


def test_ok_resolves_that_key_only() -> None:
    assert messages.pager_event(alert("queue_ok"), HEALTHY, CONTEXT) == {
        "event_action": "resolve",
        "dedup_key": messages.dedup_key(alert()),
    }


def test_insufficient_data_sends_nothing_to_the_pager() -> None:
    assert messages.pager_event(alert(state="INSUFFICIENT_DATA"), HEALTHY, CONTEXT) is None


def test_health_alarms_page_critical() -> None:
    pager = messages.pager_event(alert("health_alarm"), HEALTHY, CONTEXT)
    assert pager is not None
    assert pager["payload"]["severity"] == "critical"
    assert pager["dedup_key"] == "SymbeeQueueStats-prod-PollFailed"


def test_a_long_dedup_key_is_hashed_within_255_and_stays_distinct() -> None:
    first = messages.dedup_key(with_queue("q" * 1024, "long"))
    second = messages.dedup_key(with_queue("q" * 1023 + "r", "long"))
    assert len(first) <= 255
    assert len(second) <= 255
    assert first != second


def test_a_test_drill_never_shares_a_real_incident() -> None:
    assert messages.dedup_key(alert(test=True)) != messages.dedup_key(alert())
    assert messages.dedup_key(alert(test=True)).startswith("test/")


def test_a_huge_summary_is_cut_to_1024() -> None:
    pager = messages.pager_event(with_queue("q1", "N" * 2000), HEALTHY, CONTEXT)
    assert pager is not None
    assert len(pager["payload"]["summary"]) <= 1024
