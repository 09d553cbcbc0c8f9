"""Bad fields and records inside a good answer: each is skipped, counted and logged with its queue
id; every valid value around it is still published, unchanged."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from queue_stats import names as n
from symbee_sim import SimulatorServer, generate_queues
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_succeeded
from tests.faults.harness import Invoke, landed, queue_names, queues
from tests.faults.oracle import bad_fields, dimension, expected_values
from tests.faults.registry import Scenario, covers, params

NUMERIC_FIELDS = [m.field for m in n.COUNT_METRICS]
_HUGE_TEXT = "1" + "0" * 5000  # more digits than Python converts to int (4,300)
_HUGE_MARK = "__huge_integer__"


def good_records(count: int = 12) -> list[dict[str, Any]]:
    """Realistic, valid records with non-zero values, so a lost or changed value shows."""
    records = generate_queues(count, seed=7, now=time.time())
    for index, record in enumerate(records):
        for field in NUMERIC_FIELDS:
            record[field] = record[field] or index + 1  # every field present and distinctive
    return records


def body_of(records: list[Any]) -> bytes:
    """JSON as a server may send it: NaN/Infinity tokens allowed, a 5,000-digit integer spliced in."""
    return json.dumps(records).replace(f'"{_HUGE_MARK}"', _HUGE_TEXT).encode()


# One way of breaking a numeric field per scenario: record i breaks field i (so every field is hit).
BREAKS: dict[str, Callable[[int], object]] = {
    "field-missing": lambda i: ...,
    "field-null": lambda i: None,
    "field-negative": lambda i: -3,
    "field-fractional": lambda i: 2.5,
    "field-numeric-string": lambda i: "26",
    "field-boolean": lambda i: i % 2 == 0,
    "field-huge": lambda i: (2**53 + 1, 1e300, _HUGE_MARK)[i % 3],
    "field-nan": lambda i: float("nan"),
    "field-infinity": lambda i: (float("inf"), float("-inf"))[i % 2],
}


def _published_as_sent(points: dict[str, dict[str, float]], records: list[dict[str, Any]]) -> None:
    for record in records:
        queue_id = record["queueInfo"]["queueId"]
        assert points.get(dimension(queue_id), {}) == expected_values(record), queue_id


@covers(*BREAKS)
@pytest.mark.parametrize("scenario", params(*BREAKS))
def test_a_bad_numeric_field_is_skipped_counted_and_logged(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer, scenario: Scenario
) -> None:
    # Given ten records, record i with numeric field i broken, and two intact records
    records = good_records()
    broken = copy.deepcopy(records)
    for index, field in enumerate(NUMERIC_FIELDS):
        value = BREAKS[scenario.id](index)
        if value is ...:
            del broken[index][field]
        else:
            broken[index][field] = value
    serve(body_override=body_of(broken))
    # When the handler polls
    outcome = invoke()
    # Then what must be skipped is (a fractional age is a valid age), and counted
    expected_bad = [(i, f) for i, record in enumerate(broken) for f in bad_fields(_as_decoded(record))]
    assert_succeeded(outcome, aws, queues_reported=len(records), invalid=len(expected_bad), within=3)
    # and every other value was published exactly as the API sent it
    decoded = [_as_decoded(record) for record in broken]
    _published_as_sent(queues(landed(aws)), decoded)
    # and each skipped field has a log line naming record, queue and field
    for index, field in expected_bad:
        queue_id = broken[index]["queueInfo"]["queueId"]
        prefix = f"Skipped invalid data: record {index} (queue {queue_id!r}): {field} "
        assert [w for w in outcome.warnings if w.startswith(prefix)], prefix


def _as_decoded(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the poller decodes it: the 5,000-digit integer is +inf to it (beyond a double)."""
    return {k: (float("inf") if v == _HUGE_MARK else v) for k, v in record.items()}


@covers("field-tiny")
def test_an_age_too_small_for_cloudwatch_is_skipped(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    # Given ages CloudWatch cannot store (it refuses the whole request for one of them)
    records = good_records()
    for index, record in enumerate(records[:4]):
        record["oldestItem"] = (1e-300, 2.0**-400, 5e-324, 1e-120)[index]
    serve(body_override=body_of(records))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=len(records), invalid=4, within=3)
    _published_as_sent(queues(landed(aws)), records)
    assert [w for w in outcome.warnings if "oldestItem is too small for CloudWatch (1e-300)" in w]


RECORD_SKIPS: dict[str, Callable[[dict[str, Any]], object]] = {
    "queueInfo missing": lambda r: {k: v for k, v in r.items() if k != "queueInfo"},
    "queueInfo a string": lambda r: {**r, "queueInfo": "email-customer-care"},
    "queueInfo an array": lambda r: {**r, "queueInfo": [r["queueInfo"]]},
    "record a number": lambda r: 42,
    "record null": lambda r: None,
}


@covers("record-no-queue-info")
@pytest.mark.parametrize("variant", RECORD_SKIPS)
def test_a_record_without_queue_info_is_skipped_whole(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer, variant: str
) -> None:
    records = good_records(4)
    body = [records[0], RECORD_SKIPS[variant](records[1]), *records[2:]]
    serve(body_override=body_of(body))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=3, invalid=1, within=3)
    landed_queues = queues(landed(aws))
    assert set(landed_queues) == {r["queueInfo"]["queueId"] for r in (records[0], *records[2:])}
    _published_as_sent(landed_queues, [records[0], *records[2:]])
    assert [w for w in outcome.warnings if w.startswith("Skipped invalid data: record 1")]


BAD_IDS: dict[str, object] = {"empty": "", "blank": "   ", "a number": 42, "null": None, "1,025 characters": "q" * 1025}


@covers("record-bad-id")
@pytest.mark.parametrize("variant", BAD_IDS)
def test_a_record_with_an_unusable_id_is_skipped_whole(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer, variant: str
) -> None:
    records = good_records(3)
    records[1]["queueInfo"]["queueId"] = BAD_IDS[variant]
    serve(body_override=body_of(records))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=2, invalid=1, within=3)
    assert set(queues(landed(aws))) == {records[0]["queueInfo"]["queueId"], records[2]["queueInfo"]["queueId"]}
    assert [w for w in outcome.warnings if w.startswith("Skipped invalid data: record 1: queueInfo.queueId ")]


@covers("record-long-name")
def test_an_over_long_name_is_cut_to_the_dimension_limit(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    records = good_records(2)
    records[0]["queueInfo"]["queueName"] = "Support " * 500
    records[1]["queueInfo"]["queueId"] = "i" * 1024  # exactly the limit: kept
    serve(body_override=body_of(records))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=2, invalid=0, within=3)
    points = landed(aws)
    names = queue_names(points)
    assert names[records[0]["queueInfo"]["queueId"]] == ("Support " * 500)[:1024]
    _published_as_sent(queues(points), records)


@covers("record-non-ascii")
def test_non_ascii_and_control_characters_are_escaped_for_cloudwatch(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    # Given names and an id CloudWatch would refuse as dimension values (the proxy refuses them too)
    records = good_records(4)
    records[0]["queueInfo"]["queueName"] = "Kundenservice – Zürich"
    records[1]["queueInfo"]["queueName"] = "日本語サポート"
    records[2]["queueInfo"]["queueName"] = "Sales\tTeam 😀"
    records[3]["queueInfo"]["queueId"] = "q-é"
    serve(body_override=body_of(records))
    # When the handler polls
    outcome = invoke()
    # Then every queue landed, its values unchanged, its dimensions escaped to printable ASCII
    assert_succeeded(outcome, aws, queues_reported=4, invalid=0, within=3)
    points = landed(aws)
    names = queue_names(points)
    assert names[records[0]["queueInfo"]["queueId"]] == "Kundenservice \\u2013 Z\\xfcrich"
    assert names[records[1]["queueInfo"]["queueId"]] == "\\u65e5\\u672c\\u8a9e\\u30b5\\u30dd\\u30fc\\u30c8"
    assert names[records[2]["queueInfo"]["queueId"]] == "Sales\\x09Team \\U0001f600"
    assert "q-\\xe9" in names
    _published_as_sent(queues(points), records)


@covers("record-duplicate-id")
def test_a_duplicate_queue_id_keeps_the_first_record(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    records = good_records(2)
    first, other = records
    again = copy.deepcopy(first)
    again["itemsInQueue"] = first["itemsInQueue"] + 100
    serve(body_override=body_of([first, other, again, copy.deepcopy(again)]))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=2, invalid=2, within=3)
    points = landed(aws)
    assert {p.count for p in points.values()} == {1}  # one datapoint per metric: nothing doubled
    _published_as_sent(queues(points), [first, other])
    queue_id = first["queueInfo"]["queueId"]
    assert [
        w
        for w in outcome.warnings
        if w == f"Skipped invalid data: record 2 (queue {queue_id!r}): duplicate queueId (first seen at record 0)"
    ]
