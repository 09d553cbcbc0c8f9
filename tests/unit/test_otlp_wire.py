"""A poll's snapshot as OTLP requests: the same values as the classic datums, the labels, units
and times, the endpoint's limits; and reading what the endpoint answers."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from queue_stats import names as n
from queue_stats.metrics import health_values, snapshot_datums
from queue_stats.model import QueueStats, parse_records
from queue_stats.otlp_wire import (
    MAX_POINTS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    ExportRequest,
    encode_snapshot,
    error_reason,
    label_value,
    partial_rejection,
    unix_nanos,
)
from queue_stats.publish import Health, Snapshot
from symbee_sim import break_types, generate_queues, vendor_example
from symbee_sim.otlp_receiver import ReceivedPoint, flatten, status_body
from tests.otlp_checks import datum_view, otlp_view

WHEN = datetime(2026, 11, 26, 12, 0, 5, 123456, tzinfo=UTC)
WHEN_NANOS = 1_795_694_405_123_456_000  # calendar.timegm of WHEN, plus its microseconds
HEALTH = Health(succeeded=True, api_latency_ms=81.5, queues_reported=3, invalid_records=2, queues_idle=1)


def snapshot(records: list[dict[str, object]], health: Health = HEALTH) -> Snapshot:
    return Snapshot("prod", WHEN, parse_records(records).queues, health)


def decode(requests: list[ExportRequest]) -> list[ReceivedPoint]:
    points: list[ReceivedPoint] = []
    for request in requests:
        message = ExportMetricsServiceRequest()
        message.ParseFromString(request.body)
        points += flatten(message)
    return points


def queue(queue_id: str, name: str, provider: str | None = "SYMBEE", task: str | None = "EMAIL") -> QueueStats:
    return QueueStats(queue_id, name, provider, task, "OPERATING_HOURS_OPEN", {n.METRIC_ITEMS_IN_QUEUE: 4})


@pytest.mark.parametrize(
    "records",
    [vendor_example(), generate_queues(40, seed=3, now=1.8e9), break_types(generate_queues(30, seed=4, now=1.8e9))],
    ids=["vendor example", "generated", "broken fields"],
)
def test_every_classic_datum_is_one_gauge_point_with_the_same_name_dimensions_and_value(
    records: list[dict[str, object]],
) -> None:
    # Given one poll's snapshot (valid, or with fields the parser skipped)
    snap = snapshot(records)
    # When it is encoded for OTLP
    points = decode(encode_snapshot(snap))
    # Then its points are exactly the classic path's datums, value for value
    assert otlp_view(points) == datum_view(snapshot_datums(snap))


def test_every_point_is_stamped_with_the_polls_time_to_the_nanosecond() -> None:
    assert unix_nanos(WHEN) == WHEN_NANOS
    points = decode(encode_snapshot(snapshot(vendor_example())))
    assert {p.time_unix_nano for p in points} == {WHEN_NANOS}


def test_a_failed_polls_poll_succeeded_0_is_stamped_1_ms_later_to_be_a_sample_of_its_own() -> None:
    # A series holds one sample per timestamp: a 0 at the instant of a landed 1 would be a duplicate.
    points = decode(encode_snapshot(Snapshot("prod", WHEN, (), Health(succeeded=False))))
    assert [(p.metric, p.value, p.time_unix_nano) for p in points] == [
        (n.METRIC_POLL_SUCCEEDED, 0.0, WHEN_NANOS + 1_000_000)
    ]


def test_queue_points_carry_provider_and_task_type_health_points_the_environment_only() -> None:
    snap = Snapshot("prod", WHEN, (queue("q1", "Queue One"),), HEALTH)
    points = decode(encode_snapshot(snap))
    by_metric = {p.metric: p.attributes for p in points}
    assert by_metric[n.METRIC_ITEMS_IN_QUEUE] == {
        "Environment": "prod",
        "QueueId": "q1",
        "QueueName": "Queue One",
        "DeliveryProvider": "SYMBEE",
        "TaskType": "EMAIL",
    }
    assert {by_metric[name] == {"Environment": "prod"} for name in n.HEALTH_METRIC_NAMES} == {True}


def test_provider_and_task_type_are_left_out_when_the_api_did_not_give_them() -> None:
    snap = Snapshot("prod", WHEN, (queue("q1", "Queue One", provider=None, task=""),), HEALTH)
    points = decode(encode_snapshot(snap))
    assert set(points[0].attributes) == {"Environment", "QueueId", "QueueName"}


def test_an_absurdly_long_provider_or_task_type_is_cut_like_a_name_so_requests_stay_sendable() -> None:
    snap = Snapshot("prod", WHEN, (queue("q1", "Queue One", provider="P" * 2_000_000, task="T" * 5000),), HEALTH)
    requests = encode_snapshot(snap)
    (point,) = [p for p in decode(requests) if p.metric == n.METRIC_ITEMS_IN_QUEUE]
    assert (point.attributes["DeliveryProvider"], point.attributes["TaskType"]) == ("P" * 1024, "T" * 1024)
    assert max(len(r.body) for r in requests) < 10_000


def test_names_are_kept_as_the_api_wrote_them_not_escaped() -> None:
    snap = Snapshot("prod", WHEN, (queue("zürich-1", "Zürich\t日本 😀"),), HEALTH)
    points = decode(encode_snapshot(snap))
    assert (points[0].attributes["QueueId"], points[0].attributes["QueueName"]) == ("zürich-1", "Zürich\t日本 😀")


def test_a_lone_surrogate_which_no_utf8_string_holds_is_escaped_and_the_request_still_encodes() -> None:
    records = [{"queueInfo": {"queueId": "q-\ud800", "queueName": "A \udfff B"}, "itemsInQueue": 1}]
    points = decode(encode_snapshot(snapshot(records)))
    queue_point = next(p for p in points if p.metric == n.METRIC_ITEMS_IN_QUEUE)
    assert (queue_point.attributes["QueueId"], queue_point.attributes["QueueName"]) == ("q-\\ud800", "A \\udfff B")
    assert label_value("plain") == "plain"


def test_units_are_cloudwatchs_own_opentelemetry_names_for_its_units() -> None:
    points = decode(encode_snapshot(snapshot(vendor_example())))
    units = {p.metric: p.unit for p in points}
    assert units[n.METRIC_ITEMS_IN_QUEUE] == "{Count}"
    assert units[n.METRIC_OLDEST_ITEM_AGE] == "s"
    assert units[n.METRIC_QUEUE_OPEN] == "1"
    assert units[n.METRIC_API_LATENCY] == "ms"
    assert units[n.METRIC_POLL_SUCCEEDED] == "{Count}"


def test_the_resource_names_the_service_that_sent_the_points() -> None:
    points = decode(encode_snapshot(snapshot(vendor_example())))
    assert {json.dumps(p.resource) for p in points} == {json.dumps({"service.name": n.PRODUCT})}


@pytest.mark.parametrize("queues", [1, 88, 89, 500, 2000])
def test_requests_hold_at_most_1000_points_in_the_fewest_requests(queues: int) -> None:
    snap = snapshot(generate_queues(queues, seed=5, now=1.8e9))
    requests = encode_snapshot(snap)
    total = sum(r.points for r in requests)
    assert total == len(snapshot_datums(snap))
    assert max(r.points for r in requests) <= MAX_POINTS_PER_REQUEST
    assert len(requests) == math.ceil(total / MAX_POINTS_PER_REQUEST)
    assert [len(decode([r])) for r in requests] == [r.points for r in requests]


def test_points_with_the_longest_names_split_requests_by_size_each_under_1_mb() -> None:
    # Given queues whose id and name are 1,024 four-byte characters (4 KB each in UTF-8)
    long = "😀" * 1024
    records = [
        {"queueInfo": {"queueId": f"{i:04d}" + "😀" * 250, "queueName": long}, "itemsInQueue": i, "agentsStaffed": 1}
        for i in range(300)
    ]
    snap = snapshot(records)
    requests = encode_snapshot(snap)
    # Then every request is under the endpoint's limit, and well filled: the fewest the limit allows
    sizes = [len(r.body) for r in requests]
    assert max(sizes) <= MAX_REQUEST_BYTES
    point_size = 6000  # about 5.2 KB each here
    assert all(size > MAX_REQUEST_BYTES - 2 * point_size for size in sizes[:-1])
    assert len(decode(requests)) == len(snapshot_datums(snap))


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=40),
    max_bytes=st.integers(min_value=2_500, max_value=60_000),
    max_points=st.integers(min_value=1, max_value=50),
)
def test_any_names_and_limits_every_request_within_them_and_every_point_sent_once(
    names: list[str], max_bytes: int, max_points: int
) -> None:
    queues = tuple(
        QueueStats(f"id-{i}-{name}", name, name, None, None, {n.METRIC_ITEMS_IN_QUEUE: i, n.METRIC_QUEUE_OPEN: 1})
        for i, name in enumerate(names)
    )
    snap = Snapshot("prod", WHEN, queues, HEALTH)
    requests = encode_snapshot(snap, max_points=max_points, max_bytes=max_bytes)
    assert all(len(r.body) <= max_bytes and 1 <= r.points <= max_points for r in requests)
    sent = sorted((p.metric, p.attributes.get("QueueId", ""), p.value) for p in decode(requests))
    assert sent == sorted(
        [(metric, label_value(q.queue_id), value) for q in queues for metric, value in q.values.items()]
        + [(metric, "", value) for metric, value in health_values(HEALTH)]
    )


def test_a_snapshot_with_nothing_known_encodes_to_no_request_at_all() -> None:
    assert encode_snapshot(Snapshot("prod", WHEN, (queue("q", "Q"),), Health(True))) != []
    empty = QueueStats("q", "Q", None, None, None, {})
    requests = encode_snapshot(Snapshot("prod", WHEN, (empty,), Health(True)))
    assert [(p.metric, p.value) for p in decode(requests)] == [(n.METRIC_POLL_SUCCEEDED, 1.0)]


# --- what the endpoint answers -------------------------------------------------------------------


def test_an_empty_success_answer_rejects_nothing() -> None:
    assert partial_rejection(b"") is None
    assert partial_rejection(ExportMetricsServiceResponse().SerializeToString()) is None
    assert partial_rejection(b"\xff\xff not protobuf") is None


def test_a_partial_success_says_how_many_points_were_rejected_and_why() -> None:
    response = ExportMetricsServiceResponse()
    response.partial_success.rejected_data_points = 7
    response.partial_success.error_message = "timestamp too old\nfor 7 points"
    rejection = partial_rejection(response.SerializeToString())
    assert rejection is not None
    assert (rejection.rejected_points, rejection.message) == (7, "timestamp too old for 7 points")


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (status_body("metric name too long"), "application/x-protobuf", "metric name too long"),
        (b'{"code": 3, "message": "label value invalid"}', "application/json", "label value invalid"),
        (b'{"Message": "User is not authorized"}', "application/x-amz-json-1.1", "User is not authorized"),
        (b"Bad Request\r\n  try again", "text/plain", "Bad Request try again"),
        (b"", "application/x-protobuf", ""),
        (b"\xff\xfe\xfa", "text/plain", "\ufffd\ufffd\ufffd"),
    ],
    ids=["otlp status", "json status", "aws json", "text", "empty", "not utf-8"],
)
def test_an_error_answer_gives_its_reason_on_one_line(body: bytes, content_type: str, reason: str) -> None:
    assert error_reason(body, content_type) == reason


def test_a_long_reason_is_cut_to_200_characters() -> None:
    reason = error_reason(("x" * 500).encode(), "text/plain")
    assert reason == "x" * 200 + "..."


def test_timestamps_are_exact_for_any_instant() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=999_999)
    assert unix_nanos(moment) == 1_767_225_600_999_999_000
