"""The OpenTelemetry backend's endpoint misbehaving: throttling, lasting 5xx, a request refused for
good, points rejected, OTLP not enabled, access denied, unreachable, never answering; and with
`both`, one backend down while the other works. The endpoint is the local OTLP receiver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from queue_stats import names as n
from queue_stats.errors import PublishError
from queue_stats.otlp_wire import FAILURE_OFFSET_NANOS
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from symbee_sim.otlp_receiver import OtlpFault, OtlpReceiver, ReceivedPoint, flatten
from tests.conftest import ENVIRONMENT
from tests.faults.checks import assert_failed, assert_failed_line
from tests.faults.harness import Invoke, Landed, health, landed, queues
from tests.faults.oracle import expected_values
from tests.faults.registry import covers
from tests.faults.servers import closed_port

FIRST = "1 of 1 OTLP export requests failed, the other 0 landed; first: OTLP export of 38 data points"
ALSO_FAILED = "Could not publish PollSucceeded=0 either: "


@pytest.fixture
def otel(env: dict[str, str], otlp: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> OtlpReceiver:
    """The poller publishing over OTLP only, to the local receiver."""
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "otel")
    monkeypatch.setenv(n.ENV_OTLP_METRICS_ENDPOINT, otlp.url)
    return otlp


def otlp_health(points: list[ReceivedPoint]) -> dict[str, list[float]]:
    """Health metric -> its values in arrival order (Environment is their only attribute)."""
    out: dict[str, list[float]] = {}
    for point in points:
        if point.attributes == {n.DIM_ENVIRONMENT: ENVIRONMENT}:
            out.setdefault(point.metric, []).append(point.value)
    return out


@covers("otlp-throttled-once")
def test_a_throttled_request_is_sent_again_after_the_wait_and_everything_lands(
    invoke: Invoke, otel: OtlpReceiver, aws: MotoServer
) -> None:
    otel.add_fault(OtlpFault("status", times=1, status=429, message="Rate exceeded", retry_after="1"))
    outcome = invoke()
    assert outcome.error is None, repr(outcome.error)
    assert outcome.warnings == [
        "OTLP export of 38 data points attempt 1 failed (HTTP 429: Rate exceeded); retrying in 1.0 s"
    ]
    assert [e.status for e in otel.exports] == [429, 200]
    points = otel.points()
    assert len(points) == 38
    assert {k: v for k, v in otlp_health(points).items() if k != n.METRIC_API_LATENCY} == {
        "PollSucceeded": [1],
        "QueuesReported": [3],
        "InvalidRecords": [0],
    }
    assert landed(aws) == {}  # nothing went the classic way
    assert outcome.seconds < 4


@covers("otlp-5xx-lasting")
def test_lasting_server_errors_fail_the_poll_after_three_tries(invoke: Invoke, otel: OtlpReceiver) -> None:
    otel.add_fault(OtlpFault("status", status=503, message="Service Unavailable"))
    outcome = invoke()
    assert_failed_line(outcome, PublishError, FIRST + " failed 3 times, last: HTTP 503: Service Unavailable", within=6)
    assert otel.points() == []
    assert len(otel.exports) == 6  # 3 tries for the values, 3 for PollSucceeded 0
    assert [w for w in outcome.warnings if w.startswith(ALSO_FAILED)]


@covers("otlp-batch-refused")
def test_one_request_refused_for_good_the_others_land_and_the_poll_is_failed(
    invoke: Invoke, otel: OtlpReceiver, serve: Callable[..., SimulatorServer]
) -> None:
    # Given 300 queues (over 3,000 data points: four requests), and the endpoint refusing for good
    # the request that holds the first queue
    records = serve(queues=300).records()
    marked = records[0]["queueInfo"]["queueId"]
    sent: list[tuple[bool, list[ReceivedPoint]]] = []

    def holds_marked(request: ExportMetricsServiceRequest) -> bool:
        points = flatten(request)
        refused = any(p.attributes.get(n.DIM_QUEUE_ID) == marked for p in points)
        sent.append((refused, points))
        return refused

    otel.add_fault(OtlpFault("status", status=400, message="label QueueName: value rejected", match=holds_marked))
    # When the handler polls
    outcome = invoke()
    # Then the poll is failed, naming the refusal and how many requests landed
    assert_failed_line(
        outcome,
        PublishError,
        "1 of 4 OTLP export requests failed, the other 3 landed; first: OTLP export of 1000 data points failed: "
        "HTTP 400: label QueueName: value rejected",
        within=10,
    )
    # and exactly the points of the other requests landed (then PollSucceeded 0, in a request of its own)
    accepted = [point for refused, points in sent if not refused for point in points]
    landed_points = otel.points()
    assert Counter(map(_key, landed_points)) == Counter(map(_key, accepted))
    # with the values the API sent, for a queue wholly in the landed requests
    by_queue: dict[str, dict[str, float]] = {}
    for point in landed_points:
        if n.DIM_QUEUE_ID in point.attributes:
            by_queue.setdefault(point.attributes[n.DIM_QUEUE_ID], {})[point.metric] = point.value
    sample = records[-1]
    assert by_queue[sample["queueInfo"]["queueId"]] == expected_values(sample)
    # and PollSucceeded has its 1 and, a millisecond later, its 0
    succeeded = sorted((p.time_unix_nano, p.value) for p in landed_points if p.metric == n.METRIC_POLL_SUCCEEDED)
    assert [value for _, value in succeeded] == [1, 0]
    assert succeeded[1][0] - succeeded[0][0] == FAILURE_OFFSET_NANOS


def _key(point: ReceivedPoint) -> tuple[str, str, float, int]:
    return point.metric, point.attributes.get(n.DIM_QUEUE_ID, ""), point.value, point.time_unix_nano


@covers("otlp-partly-rejected")
def test_points_rejected_in_a_successful_answer_fail_the_poll_naming_how_many_and_why(
    invoke: Invoke, otel: OtlpReceiver
) -> None:
    otel.add_fault(OtlpFault("partial", times=1, rejected=2, message="data point timestamp too far in the past"))
    outcome = invoke()
    assert_failed_line(
        outcome, PublishError, FIRST + ": 2 of them rejected: data point timestamp too far in the past", within=3
    )
    points = otel.points()
    assert len(points) == 38 - 2 + 1  # the accepted part, then PollSucceeded 0
    assert otlp_health(points)["PollSucceeded"] == [1, 0]


@covers("otlp-not-enabled")
def test_a_refusal_saying_otlp_is_not_enabled_tells_the_operator_what_to_run(
    invoke: Invoke, otel: OtlpReceiver, aws: MotoServer
) -> None:
    reason = "OTLP metric ingestion is not enabled for this account"
    otel.add_fault(OtlpFault("status", status=403, text=True, message=reason))
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        PublishError,
        FIRST + f" failed: HTTP 403: {reason}; OTLP ingestion may not be enabled for this account: run "
        "`aws cloudwatch start-otel-enrichment --region us-east-1`",
        "whether custom OTLP metrics need it is not documented",
        within=3,
        published={},
    )
    assert otel.points() == []


@covers("otlp-access-denied")
def test_denied_publishing_says_which_permission_the_role_needs(invoke: Invoke, otel: OtlpReceiver) -> None:
    denied = (
        "User: arn:aws:sts::123456789012:assumed-role/poller/fn is not authorized to perform: cloudwatch:PutMetricData"
    )
    otel.add_fault(OtlpFault("status", status=403, message=denied))
    outcome = invoke()
    assert_failed_line(
        outcome,
        PublishError,
        FIRST + f' failed: HTTP 403: {denied}; the function\'s role needs cloudwatch:PutMetricData on "*" with no '
        "cloudwatch:namespace condition (such a condition blocks OTLP ingestion)",
        within=3,
    )
    assert len(otel.exports) == 2  # the values, then PollSucceeded 0: neither retried
    assert [w for w in outcome.warnings if w.startswith(ALSO_FAILED)]


@covers("otlp-unreachable")
def test_an_unreachable_endpoint_fails_the_poll(
    invoke: Invoke, otel: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_OTLP_METRICS_ENDPOINT, f"http://127.0.0.1:{closed_port()}/v1/metrics")
    outcome = invoke()
    message = assert_failed_line(
        outcome, PublishError, FIRST + " failed 3 times, last: could not reach 127.0.0.1: ", within=6
    )
    assert "Connection refused" in message
    assert otel.exports == []


@pytest.mark.slow
@covers("otlp-never-answers")
def test_an_endpoint_that_never_answers_cannot_hold_the_invocation_past_its_end(
    invoke: Invoke, otel: OtlpReceiver
) -> None:
    # Given an endpoint that accepts connections and never answers, and an invocation with just
    # enough time for the API call and the publishing reserve
    otel.add_fault(OtlpFault("hang", delay=120))
    seconds_left = 17.0
    # When the handler polls
    outcome = invoke(int(seconds_left * 1000))
    # Then the poll fails naming the timeout, and ends before the invocation would
    assert_failed_line(
        outcome, PublishError, FIRST + " failed 3 times, last: timed out waiting for 127.0.0.1", within=seconds_left
    )
    assert otel.points() == []
    assert [w for w in outcome.warnings if w.startswith(ALSO_FAILED)]


@covers("otlp-both-one-down")
def test_with_both_backends_one_failing_never_stops_the_other(
    invoke: Invoke, otlp: OtlpReceiver, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given both backends, and the OTLP endpoint refusing everything
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, "both")
    monkeypatch.setenv(n.ENV_OTLP_METRICS_ENDPOINT, otlp.url)
    otlp.add_fault(OtlpFault("status", status=400, message="bad request"))
    # When the handler polls
    outcome = invoke()
    # Then the poll is failed for the OTLP side,
    assert_failed_line(
        outcome,
        PublishError,
        "1 of 2 PutMetricData/OTLP export requests failed, the other 1 landed; first: otel: OTLP export of 38 data "
        "points failed: HTTP 400: bad request",
        within=4,
    )
    # and CloudWatch holds every value, with PollSucceeded 1 and 0 (its minimum says the poll failed)
    points = landed(aws)
    assert len(queues(points)) == 3
    assert health(points)["PollSucceeded"] == Landed(0, 1, 2)
    assert otlp.points() == []
