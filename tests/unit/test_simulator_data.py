"""The simulator's data: the vendor example, generated queues and the documented broken records."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from symbee_sim import Fault, break_types, generate_queues, vendor_example

# 2026-01-05 00:00:00 UTC, the start of a minute: tests pick times relative to it.
T0 = 1_767_571_200.0
AGENT_STATES = ("agentsAvailable", "agentsWorking", "agentsInWrap", "agentsInError", "agentsUnavailable")
NUMBER_FIELDS = ("agentsStaffed", *AGENT_STATES, "itemsInQueue", "itemsScheduled", "itemsBeingDelivered", "oldestItem")
ARN = re.compile(
    r"^arn:aws:connect:us-east-1:123456789012:instance/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
    r"/queue/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"
)
SYMBEE_ID = re.compile(r"^[a-z]+(-[a-z]+)*-\d{3,}$")
SYMBEE_TYPES = {"EMAIL", "SMS_PINPOINT", "CHAT", "SOCIAL", "PREVIEW_DIAL", "ROUTED_EMAIL"}
SYMBEE_STATES = {"OPERATING_HOURS_OPEN", "FORCED_OPEN", "OPERATING_HOURS_CLOSED"}


@pytest.fixture(scope="module")
def day() -> list[dict[str, Any]]:
    """Every record of 90 queues, sampled every 17 minutes through one whole day."""
    return [record for minute in range(0, 24 * 60, 17) for record in generate_queues(90, now=T0 + minute * 60)]


# --- the vendor example -------------------------------------------------------------------------


def test_vendor_example_is_the_vendors_three_queues() -> None:
    # Given / When the vendor's example
    records = vendor_example()

    # Then it has the page's three queues with the page's numbers
    assert [r["queueInfo"]["queueId"] for r in records] == [
        "arn:aws:connect:us-east-1:xxxxx:instance/xxxx-xxxx-xxx-xxxx-xxxxxxx/queue/xxxxx-xxxx-xxxx-xxxx-xxxxxx",
        "email-customer-care",
        "sms-customer-care",
    ]
    assert records[0] == {
        "queueInfo": {
            "queueId": records[0]["queueInfo"]["queueId"],
            "queueName": "Customer Care Inbound",
            "deliveryProvider": "AMAZON",
            "taskType": "AMAZON_ANY",
        },
        "openClosedState": "OPERATING_HOURS_UNKNOWN",
        "agentsStaffed": 26,
        "agentsAvailable": 0,
        "agentsWorking": 11,
        "agentsInWrap": 3,
        "agentsInError": 0,
        "agentsUnavailable": 10,
        "itemsInQueue": 5,
        "itemsScheduled": 0,
        "itemsBeingDelivered": 0,
        "oldestItem": 125,
    }
    assert [r["openClosedState"] for r in records] == [
        "OPERATING_HOURS_UNKNOWN",
        "OPERATING_HOURS_OPEN",
        "FORCED_OPEN",
    ]
    assert [r["itemsInQueue"] for r in records] == [5, 27, 0]


def test_vendor_example_is_a_fresh_copy_each_time() -> None:
    # Given a caller that changes the example it got
    first = vendor_example()
    first[0]["queueInfo"]["queueName"] = "changed"
    first[1]["agentsStaffed"] = -1

    # When it asks again
    second = vendor_example()

    # Then the example is untouched
    assert second[0]["queueInfo"]["queueName"] == "Customer Care Inbound"
    assert second[1]["agentsStaffed"] == 10


# --- generated queues: identity -----------------------------------------------------------------


def test_generation_is_deterministic() -> None:
    # Given / When the same count, seed and minute twice
    # Then the same queues come back
    assert generate_queues(50, seed=3, now=T0) == generate_queues(50, seed=3, now=T0)


def test_seed_changes_the_queues() -> None:
    assert generate_queues(50, seed=1, now=T0) != generate_queues(50, seed=2, now=T0)


def test_numbers_hold_within_a_minute() -> None:
    # Given two instants in the same minute
    # Then the numbers are the same
    assert generate_queues(50, now=T0) == generate_queues(50, now=T0 + 59.9)


def test_numbers_change_from_one_minute_to_the_next() -> None:
    # Given the same queues one minute apart
    before = generate_queues(50, now=T0 + 10 * 3600)
    after = generate_queues(50, now=T0 + 10 * 3600 + 60)

    # Then their identities are the same but some numbers moved
    assert [r["queueInfo"] for r in before] == [r["queueInfo"] for r in after]
    assert [[r[f] for f in NUMBER_FIELDS] for r in before] != [[r[f] for f in NUMBER_FIELDS] for r in after]


def test_more_queues_keep_the_first_ones() -> None:
    # Given / When a bigger count
    # Then the first queues are the same queues with the same numbers
    assert generate_queues(40, now=T0)[:10] == generate_queues(10, now=T0)


def test_count_is_honoured_and_ids_are_unique() -> None:
    records = generate_queues(1000, now=T0)

    assert len(records) == 1000
    assert len({r["queueInfo"]["queueId"] for r in records}) == 1000
    assert generate_queues(0, now=T0) == []


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        generate_queues(-1, now=T0)


def test_a_third_are_amazon_queues_with_arns() -> None:
    # Given 300 queues
    records = generate_queues(300, now=T0)

    # When the Amazon ones are picked out
    amazon = [r for r in records if r["queueInfo"]["deliveryProvider"] == "AMAZON"]

    # Then they are a third, with ARN ids in one instance, AMAZON_ANY and an unknown state
    assert len(amazon) == 100
    assert all(ARN.match(r["queueInfo"]["queueId"]) for r in amazon)
    assert len({r["queueInfo"]["queueId"].split("/queue/")[0] for r in amazon}) == 1
    assert {r["queueInfo"]["taskType"] for r in amazon} == {"AMAZON_ANY"}
    assert {r["openClosedState"] for r in amazon} == {"OPERATING_HOURS_UNKNOWN"}


def test_the_rest_are_symbee_queues_with_readable_ids() -> None:
    # Given 300 queues
    records = generate_queues(300, now=T0 + 12 * 3600)

    # When the Symbee ones are picked out
    symbee = [r for r in records if r["queueInfo"]["deliveryProvider"] == "SYMBEE"]

    # Then they are the other two thirds, with readable ids and every task type and state in use
    assert len(symbee) == 200
    assert all(SYMBEE_ID.match(r["queueInfo"]["queueId"]) for r in symbee)
    assert {r["queueInfo"]["taskType"] for r in symbee} == SYMBEE_TYPES
    assert {r["openClosedState"] for r in symbee} == SYMBEE_STATES
    assert all(r["queueInfo"]["queueName"] for r in symbee)


# --- generated queues: numbers through a day ----------------------------------------------------


def test_every_number_is_a_non_negative_integer(day: list[dict[str, Any]]) -> None:
    for record in day:
        for name in NUMBER_FIELDS:
            value = record[name]
            assert isinstance(value, int)
            assert not isinstance(value, bool)
            assert value >= 0, (name, record)


def test_agent_states_never_exceed_staffed(day: list[dict[str, Any]]) -> None:
    for record in day:
        assert sum(record[name] for name in AGENT_STATES) <= record["agentsStaffed"], record


def test_closed_queues_hold_few_items(day: list[dict[str, Any]]) -> None:
    closed = [r for r in day if r["openClosedState"] == "OPERATING_HOURS_CLOSED"]

    assert closed
    assert max(r["itemsInQueue"] for r in closed) <= 3


def test_amazon_oldest_item_is_set_exactly_when_items_wait(day: list[dict[str, Any]]) -> None:
    amazon = [r for r in day if r["queueInfo"]["deliveryProvider"] == "AMAZON"]

    assert any(r["itemsInQueue"] for r in amazon)  # the rule is exercised both ways
    for record in amazon:
        assert (record["oldestItem"] > 0) == (record["itemsInQueue"] > 0), record


def test_symbee_queues_never_report_an_oldest_item_or_scheduled_items(day: list[dict[str, Any]]) -> None:
    symbee = [r for r in day if r["queueInfo"]["deliveryProvider"] == "SYMBEE"]

    assert any(r["itemsInQueue"] for r in symbee)  # work does wait; the vendor just does not age it
    assert all(r["oldestItem"] == 0 for r in symbee)
    assert all(r["itemsScheduled"] == 0 for r in symbee)


def test_scheduled_callbacks_appear_on_amazon_queues(day: list[dict[str, Any]]) -> None:
    amazon = [r for r in day if r["queueInfo"]["deliveryProvider"] == "AMAZON"]

    assert any(r["itemsScheduled"] for r in amazon)


def test_staffing_follows_a_daily_curve() -> None:
    # Given the total staffing of 300 queues at each hour of one day
    staffed = [sum(r["agentsStaffed"] for r in generate_queues(300, now=T0 + hour * 3600)) for hour in range(24)]

    # Then the busiest hour has well over one and a half times the quietest hour's agents
    assert max(staffed) > 1.5 * min(staffed)


def test_ten_thousand_queues_generate_in_well_under_a_second() -> None:
    # Given / When 10,000 queues are generated
    # (timed in this thread's CPU seconds, so a busy machine cannot fail the test)
    started = time.thread_time()
    records = generate_queues(10_000, now=T0)
    elapsed = time.thread_time() - started

    # Then it takes well under a second
    assert len(records) == 10_000
    assert elapsed < 1.0, f"{elapsed:.2f}s"


# --- faults' data -------------------------------------------------------------------------------


def test_break_types_breaks_the_documented_fields() -> None:
    # Given the vendor example
    records = vendor_example()

    # When its types are broken
    broken = break_types(records)

    # Then record 0 has a numeric string and a null, record 1 a negative and a boolean,
    # record 2 no queueInfo, and every other field is intact
    assert broken[0]["agentsStaffed"] == "26"
    assert broken[0]["agentsAvailable"] is None
    assert broken[1]["itemsInQueue"] == -28
    assert broken[1]["agentsWorking"] is True
    assert "queueInfo" not in broken[2]
    assert broken[0]["agentsWorking"] == 11
    assert broken[2]["agentsStaffed"] == 6
    assert records == vendor_example()  # the input is not changed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "teapot"}, "unknown fault kind"),
        ({"kind": "status", "times": 0}, "times"),
        ({"kind": "status", "status": 99}, "status"),
        ({"kind": "slow", "delay": -1.0}, "delay"),
        ({"kind": "redirect"}, "location"),
    ],
)
def test_invalid_faults_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**kwargs)
