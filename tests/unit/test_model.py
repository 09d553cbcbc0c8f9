"""The parser and the contract's publishing rules, with plain data."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from queue_stats import names as n
from queue_stats.errors import ResponseError
from queue_stats.model import MAX_VALUE, parse_body, parse_records
from symbee_sim import vendor_example

AMAZON_ARN = "arn:aws:connect:us-east-1:111122223333:instance/aaaa/queue/bbbb"


def record(**overrides: Any) -> dict[str, Any]:
    """The vendor example's Amazon queue record, with AMAZON_ARN as its id; overrides replace
    top-level fields (_DELETE removes one)."""
    base = vendor_example()[0]
    base["queueInfo"]["queueId"] = AMAZON_ARN
    for key, value in overrides.items():
        if value is _DELETE:
            base.pop(key, None)
        else:
            base[key] = value
    return base


_DELETE = object()

# The vendor's own example response, as the simulator serves it (test_simulator_data checks that
# against the vendor's page), with a readable ARN.
VENDOR_EXAMPLE = json.dumps([record(), *vendor_example()[1:]]).encode()


def only(data: list[Any]) -> Any:
    parsed = parse_records(data)
    assert len(parsed.queues) == 1
    return parsed.queues[0], parsed.problems


def test_vendor_example_maps_every_value_by_the_contract() -> None:
    # Given the vendor's own example response
    # When it is parsed
    parsed = parse_body(VENDOR_EXAMPLE)
    # Then all three queues come out, nothing is counted invalid
    assert [q.queue_id for q in parsed.queues] == [AMAZON_ARN, "email-customer-care", "sms-customer-care"]
    assert parsed.problems == ()
    amazon, email, sms = parsed.queues
    # and the Amazon queue publishes every count, its age, no QueueOpen (state unknown)
    assert amazon.values == {
        "AgentsStaffed": 26,
        "AgentsAvailable": 0,
        "AgentsWorking": 11,
        "AgentsInWrap": 3,
        "AgentsInError": 0,
        "AgentsUnavailable": 10,
        "ItemsInQueue": 5,
        "ItemsScheduled": 0,
        "ItemsBeingDelivered": 0,
        "OldestItemAge": 125,
        "UnattendedItems": 5,
    }
    # and the Symbee email queue with 27 waiting does not publish the unmeasured age of 0
    assert "OldestItemAge" not in email.values
    assert email.values["QueueOpen"] == 1
    assert email.values["UnattendedItems"] == 27
    # and the idle SMS queue publishes age 0: nobody waits, that is a true 0
    assert sms.values["OldestItemAge"] == 0
    assert sms.values["QueueOpen"] == 1
    assert sms.values["UnattendedItems"] == 0
    assert (sms.delivery_provider, sms.task_type, sms.open_state) == ("SYMBEE", "SMS_PINPOINT", "FORCED_OPEN")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("OPERATING_HOURS_OPEN", 1),
        ("FORCED_OPEN", 1),
        ("OPERATING_HOURS_CLOSED", 0),
        ("FORCED_CLOSED", 0),
        ("OPERATING_HOURS_UNKNOWN", None),
    ],
)
def test_queue_open_is_one_for_open_zero_for_closed_absent_when_unknown(state: str, expected: int | None) -> None:
    queue, problems = only([record(openClosedState=state)])
    assert queue.values.get("QueueOpen") == expected
    assert problems == ()


@pytest.mark.parametrize("state", ["MAINTENANCE", "", 3, None, _DELETE])
def test_unrecognised_or_missing_state_is_not_published_and_is_counted(state: object) -> None:
    queue, problems = only([record(openClosedState=state)])
    assert "QueueOpen" not in queue.values
    assert [p.field for p in problems] == ["openClosedState"]


@pytest.mark.parametrize("metric", n.COUNT_METRICS, ids=lambda m: m.field)
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_DELETE, "missing"),
        (None, "null"),
        (-1, "negative"),
        ("5", "string"),
        (True, "boolean"),
        (MAX_VALUE + 1, "large"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ([1], "array"),
        ({"v": 1}, "object"),
    ],
)
def test_a_bad_numeric_field_is_skipped_counted_and_the_rest_still_goes_out(
    metric: n.CountMetric, bad: object, reason: str
) -> None:
    # Given one record whose field is bad
    queue, problems = only([record(**{metric.field: bad})])
    # Then that metric is absent, the problem names the field, queue and why
    assert metric.name not in queue.values
    assert len(problems) == 1
    assert problems[0].field == metric.field
    assert problems[0].queue_id == AMAZON_ARN
    assert reason in problems[0].reason
    # and every other count of the record is still there
    others = {m.name for m in n.COUNT_METRICS} - {metric.name}
    assert others <= set(queue.values)


def test_a_fractional_count_is_invalid_but_a_fractional_age_is_kept() -> None:
    queue, problems = only([record(agentsWorking=2.5, oldestItem=12.5)])
    assert "AgentsWorking" not in queue.values
    assert [p.field for p in problems] == ["agentsWorking"]
    assert queue.values["OldestItemAge"] == 12.5


def test_a_whole_float_count_is_kept_unchanged() -> None:
    queue, problems = only([record(agentsWorking=11.0)])
    assert queue.values["AgentsWorking"] == 11
    assert problems == ()


def test_oldest_zero_is_not_published_when_the_item_count_is_unknown() -> None:
    queue, problems = only([record(itemsInQueue=None, oldestItem=0)])
    assert "OldestItemAge" not in queue.values
    assert [p.field for p in problems] == ["itemsInQueue"]


def test_oldest_above_zero_is_published_even_without_an_item_count() -> None:
    queue, _ = only([record(itemsInQueue=_DELETE, oldestItem=40)])
    assert queue.values["OldestItemAge"] == 40


def test_unattended_items_is_zero_when_the_queue_is_closed() -> None:
    queue, _ = only([record(openClosedState="OPERATING_HOURS_CLOSED", agentsAvailable=0, itemsInQueue=9)])
    assert queue.values["UnattendedItems"] == 0


def test_unattended_items_is_zero_when_an_agent_is_available() -> None:
    queue, _ = only([record(agentsAvailable=1, itemsInQueue=9)])
    assert queue.values["UnattendedItems"] == 0


def test_unattended_items_is_not_published_when_an_input_is_unknown() -> None:
    queue, _ = only([record(agentsAvailable="0", itemsInQueue=9)])
    assert "UnattendedItems" not in queue.values


def test_unknown_fields_and_enum_values_are_accepted() -> None:
    data = record(newVendorField={"x": 1})
    data["queueInfo"] = {**data["queueInfo"], "deliveryProvider": "TWILIO", "taskType": "VIDEO", "extra": 1}
    queue, problems = only([data])
    assert (queue.delivery_provider, queue.task_type) == ("TWILIO", "VIDEO")
    assert problems == ()


@pytest.mark.parametrize(
    "info",
    [
        _DELETE,
        None,
        "queue",
        [],
        {"queueName": "no id"},
        {"queueId": ""},
        {"queueId": "   "},
        {"queueId": 42},
        {"queueId": "x" * 1025},
        {"queueId": "ü" * 600},  # 2,400 characters once escaped to ASCII for CloudWatch
    ],
)
def test_a_record_without_a_usable_queue_id_is_skipped_whole(info: object) -> None:
    parsed = parse_records([record(queueInfo=info), record()])
    assert [q.queue_id for q in parsed.queues] == [AMAZON_ARN]
    assert len(parsed.problems) == 1
    assert parsed.problems[0].index == 0


def test_a_queue_id_of_exactly_1024_characters_is_kept() -> None:
    queue, problems = only([record(queueInfo={"queueId": "q" * 1024})])
    assert queue.queue_id == "q" * 1024
    assert problems == ()


@pytest.mark.parametrize("name", [_DELETE, None, "", "  "])
def test_a_missing_or_empty_name_uses_the_queue_id(name: object) -> None:
    info = {"queueId": "q1"} if name is _DELETE else {"queueId": "q1", "queueName": name}
    queue, problems = only([record(queueInfo=info)])
    assert queue.queue_name == "q1"
    assert problems == ()


def test_a_name_that_is_not_a_string_uses_the_id_and_is_counted() -> None:
    queue, problems = only([record(queueInfo={"queueId": "q1", "queueName": 7})])
    assert queue.queue_name == "q1"
    assert [p.field for p in problems] == ["queueInfo.queueName"]


def test_an_over_long_name_is_cut_to_cloudwatchs_limit() -> None:
    queue, _ = only([record(queueInfo={"queueId": "q1", "queueName": "n" * 5000})])
    assert queue.queue_name == "n" * 1024


def test_non_ascii_names_are_kept_unchanged() -> None:
    queue, _ = only([record(queueInfo={"queueId": "q-é", "queueName": "Kundenservice – Zürich 日本"})])
    assert (queue.queue_id, queue.queue_name) == ("q-é", "Kundenservice – Zürich 日本")


def test_a_duplicate_queue_id_keeps_the_first_record_and_counts_the_rest() -> None:
    # Given the same queue twice with different numbers
    parsed = parse_records([record(itemsInQueue=5), record(itemsInQueue=99), record(itemsInQueue=7)])
    # Then the first record's values are kept, each later one is counted once
    assert len(parsed.queues) == 1
    assert parsed.queues[0].values["ItemsInQueue"] == 5
    assert [(p.index, p.reason) for p in parsed.problems] == [
        (1, "duplicate queueId (first seen at record 0)"),
        (2, "duplicate queueId (first seen at record 0)"),
    ]


@pytest.mark.parametrize("item", [None, 1, "x", [], True])
def test_an_array_item_that_is_not_an_object_is_skipped(item: object) -> None:
    parsed = parse_records([item, record()])
    assert len(parsed.queues) == 1
    assert len(parsed.problems) == 1


def test_an_empty_array_is_a_valid_answer_with_no_queues() -> None:
    assert parse_body(b"[]").queues == ()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not valid JSON (empty body)"),
        (b"<html>Service Unavailable</html>", "not valid JSON"),
        (VENDOR_EXAMPLE[: len(VENDOR_EXAMPLE) // 2], "not valid JSON"),
        (b"null", "a JSON null, expected an array"),
        (b'{"queues": []}', "a JSON object, expected an array"),
        (b'"text"', "a JSON string"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_array_fails_with_a_clear_error(body: bytes, words: str) -> None:
    with pytest.raises(ResponseError, match="Symbee API response") as caught:
        parse_body(body)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_parsing_does_not_modify_its_input() -> None:
    data = [record(), record(queueInfo={"queueId": "q2"}, itemsInQueue=-3)]
    before = copy.deepcopy(data)
    parse_records(data)
    assert data == before


def test_problem_text_names_record_queue_field_and_reason() -> None:
    _, problems = only([record(agentsInError=-2)])
    assert str(problems[0]) == f"record 0 (queue {AMAZON_ARN!r}): agentsInError is negative (-2)"


def test_non_ascii_ids_that_fit_once_escaped_stay_distinct_queues() -> None:
    ids = ["ü" * 255 + "a", "ü" * 255 + "b"]  # 1,021 characters each once escaped
    parsed = parse_records([record(queueInfo={"queueId": queue_id}) for queue_id in ids])
    assert [q.queue_id for q in parsed.queues] == ids
    assert parsed.problems == ()
