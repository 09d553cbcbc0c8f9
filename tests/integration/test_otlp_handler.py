"""The real handler with METRICS_BACKEND=otel and both: the simulator as the API, moto_server as
Secrets Manager and CloudWatch, the local OTLP receiver as CloudWatch's OTLP endpoint. With `both`,
what the receiver decoded is checked point by point against what landed in CloudWatch for the
same response."""

from __future__ import annotations

import json

import pytest

from queue_stats import names as n
from queue_stats.errors import ApiError
from queue_stats.handler import lambda_handler
from symbee_sim import Fault, SimulatorServer, generate_queues, vendor_example
from symbee_sim.otlp_receiver import OtlpReceiver, ReceivedPoint
from tests.conftest import API_KEY, ENVIRONMENT, FakeLambdaContext, list_metrics, read_metrics
from tests.faults.oracle import expected_values
from tests.otlp_checks import landed_view, otlp_view

ARN = "arn:aws:connect:us-east-1:xxxxx:instance/xxxx-xxxx-xxx-xxxx-xxxxxxx/queue/xxxxx-xxxx-xxxx-xxxx-xxxxxx"


@pytest.fixture
def backend(poller_env: dict[str, str], otlp: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> OtlpReceiver:
    """The poller pointed at the receiver (plain HTTP on loopback); the test sets METRICS_BACKEND."""
    monkeypatch.setenv(n.ENV_OTLP_METRICS_ENDPOINT, otlp.url)
    return otlp


def health(points: list[ReceivedPoint]) -> dict[str, float]:
    return {p.metric: p.value for p in points if set(p.attributes) == {n.DIM_ENVIRONMENT}}


def test_otel_publishes_every_value_over_otlp_and_nothing_as_classic_metrics(
    backend: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given METRICS_BACKEND=otel
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "otel")
    # When the handler polls the vendor's example
    result = lambda_handler({}, FakeLambdaContext())
    # Then one signed OTLP request carried every value, and CloudWatch's classic store holds nothing
    assert (result["ok"], result["backend"], result["requests"], result["queues"]) == (True, "otel", 1, 3)
    (export,) = backend.exports
    assert export.signature_problem is None
    assert "/us-east-1/monitoring/aws4_request" in export.headers["Authorization"]
    points = backend.points()
    assert len(points) == result["datums"]
    assert list_metrics() == []
    queue = {p.metric: p.value for p in points if p.attributes.get(n.DIM_QUEUE_ID) == ARN}
    assert queue == expected_values(vendor_example()[0])  # the contract's rules, written independently
    assert queue[n.METRIC_OLDEST_ITEM_AGE] == 125
    labels = next(p.attributes for p in points if p.attributes.get(n.DIM_QUEUE_ID) == ARN)
    assert labels == {
        "Environment": ENVIRONMENT,
        "QueueId": ARN,
        "QueueName": "Customer Care Inbound",
        "DeliveryProvider": "AMAZON",
        "TaskType": "AMAZON_ANY",
    }
    assert health(points) == {
        "PollSucceeded": 1,
        "ApiLatency": pytest.approx(result["api_latency_ms"], abs=0.1),
        "QueuesReported": 3,
        "InvalidRecords": 0,
    }


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(generate_queues(15, seed=11, now=1.8e9)).encode(),
        json.dumps(
            [
                {**r, "queueInfo": {**r["queueInfo"], "queueName": name}}
                for r, name in zip(vendor_example(), ["Zürich Care", "日本\tサポート", "😀"], strict=True)
            ]
        ).encode(),
    ],
    ids=["15 queues", "non-ascii names"],
)
def test_both_backends_publish_the_same_values_point_by_point(
    backend: OtlpReceiver, monkeypatch: pytest.MonkeyPatch, body: bytes
) -> None:
    # Given METRICS_BACKEND=both and an answer of many queues (or names CloudWatch must escape)
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "both")
    with SimulatorServer(api_key=API_KEY, body_override=body) as sim:
        monkeypatch.setenv(n.ENV_API_URL, sim.url)
        result = lambda_handler({}, FakeLambdaContext())
    # Then every value landed in both, equal point by point (names compared as CloudWatch stores them)
    assert result["backend"] == "cloudwatch+otel"
    otlp_points = otlp_view(backend.points())
    assert otlp_points == landed_view(read_metrics())
    assert len(otlp_points) * 2 == result["datums"]


def test_both_backends_skip_and_count_the_same_invalid_fields(
    backend: OtlpReceiver, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given fields of the wrong type in the answer
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "both")
    simulator.add_fault(Fault("wrong_types"))
    # When the handler polls
    result = lambda_handler({}, FakeLambdaContext())
    # Then both backends left out exactly the same values and counted the same InvalidRecords
    otlp_points = otlp_view(backend.points())
    assert otlp_points == landed_view(read_metrics())
    invalid = (n.METRIC_INVALID_RECORDS, ((n.DIM_ENVIRONMENT, ENVIRONMENT),))
    assert otlp_points[invalid] == result["invalid_records"] > 0


def test_names_reach_otlp_as_the_api_wrote_them(backend: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "otel")
    records = [{**r, "queueInfo": {**r["queueInfo"], "queueName": "Zürich Care"}} for r in vendor_example()[:1]]
    with SimulatorServer(api_key=API_KEY, body_override=json.dumps(records).encode()) as sim:
        monkeypatch.setenv(n.ENV_API_URL, sim.url)
        lambda_handler({}, FakeLambdaContext())
    assert {p.attributes.get(n.DIM_QUEUE_NAME) for p in backend.points()} == {"Zürich Care", None}


def test_the_metric_selection_and_idle_skipping_apply_to_otlp_too(
    backend: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given both backends, the essential profile and idle skipping, and one idle queue
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "both")
    monkeypatch.setenv(n.ENV_PUBLISH_METRICS, "essential")
    monkeypatch.setenv(n.ENV_SKIP_IDLE_QUEUES, "true")
    idle = {
        **vendor_example()[1],
        "queueInfo": {"queueId": "night-queue", "queueName": "Night", "deliveryProvider": "SYMBEE"},
        "openClosedState": "OPERATING_HOURS_CLOSED",
        "itemsInQueue": 0,
        "itemsScheduled": 0,
        "itemsBeingDelivered": 0,
    }
    with SimulatorServer(api_key=API_KEY, body_override=json.dumps([*vendor_example(), idle]).encode()) as sim:
        monkeypatch.setenv(n.ENV_API_URL, sim.url)
        lambda_handler({}, FakeLambdaContext())
    # Then OTLP carries the same selection as CloudWatch: no idle queue, essential metrics, QueuesIdle 1
    points = backend.points()
    assert otlp_view(points) == landed_view(read_metrics())
    assert "night-queue" not in {p.attributes.get(n.DIM_QUEUE_ID) for p in points}
    assert {p.metric for p in points if n.DIM_QUEUE_ID in p.attributes} <= set(n.ESSENTIAL_METRICS)
    assert health(points)["QueuesIdle"] == 1


def test_a_failed_poll_publishes_poll_succeeded_0_over_otlp(
    backend: OtlpReceiver, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "otel")
    simulator.add_fault(Fault("status", status=400))  # not retried: the test stays short
    with pytest.raises(ApiError):
        lambda_handler({}, FakeLambdaContext())
    assert [(p.metric, p.value, p.attributes) for p in backend.points()] == [
        (n.METRIC_POLL_SUCCEEDED, 0.0, {n.DIM_ENVIRONMENT: ENVIRONMENT})
    ]
