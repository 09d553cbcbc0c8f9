"""Queue snapshots -> datums, health datums and batching within PutMetricData's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.session
import pytest
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from queue_stats.metrics import (
    MAX_DATUMS_PER_REQUEST,
    batch_datums,
    health_datums,
    queue_datums,
)
from queue_stats.model import QueueStats
from queue_stats.names import HEALTH_METRIC_NAMES, QUEUE_METRIC_NAMES
from queue_stats.publish import Health
from queue_stats.runtime import _AWS_CONFIG, _CLOUDWATCH_CONFIG

WHEN = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)


def queue(queue_id: str = "q1", name: str = "Queue One", **values: float) -> QueueStats:
    return QueueStats(queue_id, name, "SYMBEE", "EMAIL", "OPERATING_HOURS_OPEN", values)


def test_each_value_becomes_one_datum_with_the_three_dimensions_unit_and_poll_time() -> None:
    datums = queue_datums([queue(ItemsInQueue=4, OldestItemAge=30, QueueOpen=1)], environment="prod", timestamp=WHEN)
    assert datums == [
        {
            "MetricName": name,
            "Dimensions": [
                {"Name": "Environment", "Value": "prod"},
                {"Name": "QueueId", "Value": "q1"},
                {"Name": "QueueName", "Value": "Queue One"},
            ],
            "Timestamp": WHEN,
            "Value": value,
            "Unit": unit,
        }
        for name, value, unit in [
            ("ItemsInQueue", 4, "Count"),
            ("OldestItemAge", 30, "Seconds"),
            ("QueueOpen", 1, "None"),
        ]
    ]


def test_health_datums_carry_only_the_environment_and_skip_unknown_values() -> None:
    ok = health_datums(
        environment="prod",
        timestamp=WHEN,
        health=Health(succeeded=True, api_latency_ms=81.5, queues_reported=3, invalid_records=0, queues_idle=2),
    )
    assert {d["MetricName"]: (d["Value"], d["Unit"]) for d in ok} == {
        "PollSucceeded": (1, "Count"),
        "ApiLatency": (81.5, "Milliseconds"),
        "QueuesReported": (3, "Count"),
        "InvalidRecords": (0, "Count"),
        "QueuesIdle": (2, "Count"),
    }
    assert all(d["Dimensions"] == [{"Name": "Environment", "Value": "prod"}] for d in ok)
    failed = health_datums(environment="prod", timestamp=WHEN, health=Health(succeeded=False))
    assert [(d["MetricName"], d["Value"]) for d in failed] == [("PollSucceeded", 0)]


def many(count: int, name_length: int = 20) -> list[dict[str, object]]:
    queues = [queue(f"queue-{i}", "n" * name_length, ItemsInQueue=i, AgentsStaffed=1) for i in range(count)]
    return queue_datums(queues, environment="prod", timestamp=WHEN)


@pytest.mark.parametrize(("datums", "requests"), [(0, 0), (1, 1), (1000, 1), (1001, 2), (2000, 2), (24_012, 25)])
def test_batches_are_the_fewest_the_1000_datum_limit_allows(datums: int, requests: int) -> None:
    data = many((datums + 1) // 2)[:datums]
    batches = batch_datums(data)
    assert len(batches) == requests
    assert all(len(b) <= MAX_DATUMS_PER_REQUEST for b in batches)
    assert [d for b in batches for d in b] == data  # nothing lost, order kept


def cbor_size(batch: list[dict[str, object]]) -> int:
    """The real request body size, serialised by botocore exactly as boto3 would send it."""
    model = botocore.session.get_session().get_service_model("cloudwatch")
    operation = model.operation_model("PutMetricData")
    serializer = create_serializer(model.resolved_protocol, include_validation=True)
    request = serializer.serialize_to_request({"Namespace": "SymbeeConnect/Queues", "MetricData": batch}, operation)
    return len(request["body"])


def test_a_full_batch_of_realistic_datums_is_far_below_the_1mb_payload_limit() -> None:
    # Given 1,000 datums with ARN-length ids (about 130 characters)
    arn = "arn:aws:connect:us-east-1:111122223333:instance/11111111-2222-3333-4444-555555555555/queue/"
    queues = [queue(f"{arn}{i:036d}", f"Queue {i}", ItemsInQueue=1, AgentsStaffed=2) for i in range(500)]
    batches = batch_datums(queue_datums(queues, environment="prod", timestamp=WHEN))
    # Then they fit one request, whose real encoded body is under 1 MB
    assert len(batches) == 1
    assert cbor_size(batches[0]) < 1_000_000


def test_huge_dimension_values_split_batches_by_size_and_each_stays_under_1mb() -> None:
    # Given 1,000 datums whose names are 1,024 multi-byte characters (3 KB each in UTF-8)
    queues = [queue(f"q{i}", "日" * 1024, ItemsInQueue=1, AgentsStaffed=1) for i in range(500)]
    batches = batch_datums(queue_datums(queues, environment="prod", timestamp=WHEN))
    # Then the size limit, not the count, splits them, and every real request body fits
    assert len(batches) > 1
    assert all(cbor_size(b) < 1_000_000 for b in batches)


def test_every_kind_of_datum_passes_botocores_own_parameter_validation() -> None:
    # The CloudWatch client skips botocore's client-side validation (half a large poll's CPU),
    # so it runs here instead: every metric a queue can have, and the poll's health.
    datums = queue_datums([queue(**dict.fromkeys(QUEUE_METRIC_NAMES, 1))], environment="prod", timestamp=WHEN)
    datums += health_datums(
        environment="prod",
        timestamp=WHEN,
        health=Health(succeeded=True, api_latency_ms=81.5, queues_reported=1, invalid_records=0, queues_idle=0),
    )
    shape = botocore.session.get_session().get_service_model("cloudwatch").operation_model("PutMetricData").input_shape
    report = ParamValidator().validate({"Namespace": "SymbeeConnect/Queues", "MetricData": datums}, shape)
    assert not report.has_errors(), report.generate_report()
    assert {d["MetricName"] for d in datums} == {*QUEUE_METRIC_NAMES, *HEALTH_METRIC_NAMES}


def test_the_cloudwatch_client_skips_client_side_validation_and_nothing_else_does() -> None:
    assert _CLOUDWATCH_CONFIG.parameter_validation is False
    assert _AWS_CONFIG.parameter_validation is not False
