"""AWS endpoints that accept a call and never answer, or answer a byte at a time: the invocation
still ends, with its one error line, before its time is up, and no abandoned call sends anything
afterwards."""

from __future__ import annotations

import threading
import time

import pytest

from queue_stats import names as n
from queue_stats.errors import ApiError, ApiKeyError, PublishError
from queue_stats.watchdog import CALL_THREAD_NAME
from symbee_sim import Fault, SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed, assert_failed_line
from tests.faults.harness import Invoke, Landed, Outcome, health, landed, remaining_ms_for_api
from tests.faults.registry import covers
from tests.faults.servers import AwsCall, AwsProxy, AwsRule, AwsSeen, Hang, Trickle

# 4 s left: 2 s for the key read and the API call, the snapshot's requests until 2.75 s, the
# failure report until 3.75 s.
REMAINING_MS = remaining_ms_for_api(2.0)
SECONDS_LEFT = REMAINING_MS / 1000
CUT = "not finished within its"
CUT_END = "budget; the connection was cut"
REPORT_FAILED = "Could not publish PollSucceeded=0 either: PutMetricData of 1 datums failed: "


def get_secret_value(call: AwsCall) -> bool:
    return call.operation == "GetSecretValue"


def put_metric_data(call: AwsCall) -> bool:
    return call.operation == "PutMetricData"


def failure_report(call: AwsCall) -> bool:
    """The request that holds PollSucceeded 0 and nothing else."""
    data = call.params.get("MetricData", []) if put_metric_data(call) and isinstance(call.params, dict) else []
    return [(d.get("MetricName"), d.get("Value")) for d in data] == [(n.METRIC_POLL_SUCCEEDED, 0)]


def settled(proxy: AwsProxy, operation: str) -> list[AwsSeen]:
    """The calls of `operation` once every call the poll abandoned has ended (its worker thread
    has finished), so the proxy has seen all it ever will."""
    for thread in threading.enumerate():
        if thread.name == CALL_THREAD_NAME:
            thread.join(timeout=10)
            assert not thread.is_alive(), "an abandoned AWS call is still running"
    return proxy.calls(operation)


def assert_cut_in_time(calls: list[AwsSeen], outcome: Outcome, ended: float) -> None:
    """Each stalled call was cut by the poller (not left to run), and none arrived after the end."""
    assert calls
    for call in calls:
        assert call.closed_by_client.wait(timeout=5), f"{call.operation} was abandoned, not cut"
        assert call.at < ended
    assert outcome.seconds < SECONDS_LEFT


@covers("key-secrets-manager-hangs", "key-secrets-manager-trickles")
@pytest.mark.parametrize("stall", [Hang(), Trickle()], ids=["hangs", "trickles"])
def test_a_stalled_secrets_manager_fails_the_poll_at_the_api_deadline(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy, stall: Hang | Trickle
) -> None:
    # Given Secrets Manager taking the key read and never answering, or answering a byte every
    # 0.5 s (no read ever times out)
    aws_proxy.add_rule(AwsRule(get_secret_value, stall))
    # When the handler runs with 4 s left, 2 s of them for the key read and the API call
    outcome = invoke(REMAINING_MS)
    ended = time.monotonic()
    # Then the poll fails naming the secret, publishes PollSucceeded 0 and ends in time
    assert_failed(
        outcome,
        aws,
        ApiKeyError,
        f"could not read the API key from Secrets Manager secret {n.DEFAULT_API_KEY_SECRET_ID!r} in us-east-1: {CUT}",
        CUT_END,
        within=SECONDS_LEFT,
    )
    # and the read was cut at the API deadline, not before, once, and the API never called
    assert outcome.seconds > 1.5
    reads = settled(aws_proxy, "GetSecretValue")
    assert len(reads) == 1
    assert_cut_in_time(reads, outcome, ended)
    assert simulator.requests == 0


@covers("cw-hangs")
def test_a_hanging_cloudwatch_fails_the_poll_and_the_report_in_time(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    # Given CloudWatch accepting every PutMetricData and never answering
    aws_proxy.add_rule(AwsRule(put_metric_data, Hang()))
    # When the handler runs with 4 s left
    outcome = invoke(REMAINING_MS)
    ended = time.monotonic()
    # Then the poll fails with the snapshot's request cut, nothing landed, and ends in time
    assert_failed(
        outcome,
        aws,
        PublishError,
        f"1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of 38 datums failed: {CUT}",
        CUT_END,
        within=SECONDS_LEFT,
        published={},
    )
    # and the failure report was tried in the time kept for it, and cut too
    assert [w for w in outcome.warnings if w.startswith(REPORT_FAILED + CUT)]
    # and exactly those two requests were sent, each cut, none retried
    puts = settled(aws_proxy, "PutMetricData")
    assert [call.datums for call in puts] == [38, 1]
    assert_cut_in_time(puts, outcome, ended)


@covers("cw-trickles")
@pytest.mark.parametrize(
    "deployed", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["4s", "deployed-timeout"]
)
def test_a_cloudwatch_trickling_its_answers_cannot_hold_the_invocation_past_its_time(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy, deployed: bool
) -> None:
    # Given CloudWatch taking in every request and sending its answer one byte every 0.5 s
    aws_proxy.add_rule(AwsRule(put_metric_data, Trickle()))
    # When the handler runs with 4 s left, or (slow) the function's whole deployed timeout
    remaining_ms = REMAINING_MS
    if deployed:
        from infra.poller import TIMEOUT  # the CDK libraries take seconds to import

        remaining_ms = int(TIMEOUT.to_seconds() * 1000)
    outcome = invoke(remaining_ms)
    ended = time.monotonic()
    print(f"\nCloudWatch trickling, {remaining_ms / 1000:g} s left: the invocation took {outcome.seconds:.2f} s")
    # Then it ends before its time with the one error line, the report tried and cut too
    assert_failed_line(
        outcome,
        PublishError,
        "1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of 38 datums failed: ",
        CUT,
        within=remaining_ms / 1000,
    )
    assert [w for w in outcome.warnings if w.startswith(REPORT_FAILED + CUT)]
    # and each request was sent once and cut, no retry after the cut
    puts = settled(aws_proxy, "PutMetricData")
    assert [call.datums for call in puts] == [38, 1]
    for call in puts:
        assert call.closed_by_client.wait(timeout=5)
        assert call.at < ended
    # and CloudWatch, which took both requests in whole, holds a 1 and a 0: the poll reads as failed
    assert health(landed(aws))["PollSucceeded"] == Landed(0, 1, 2)


@covers("cw-hangs-on-failure-report")
def test_a_cloudwatch_hanging_only_on_the_failure_report_cannot_hold_the_invocation(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    # Given an API that never answers, and CloudWatch hanging on the PollSucceeded 0 request only
    simulator.add_fault(Fault("hang", delay=60))
    aws_proxy.add_rule(AwsRule(failure_report, Hang()))
    # When the handler runs with 4 s left: the API call gets 2 s, the report what is left
    outcome = invoke(REMAINING_MS)
    ended = time.monotonic()
    # Then the poll fails for the API, in time, with nothing published
    assert_failed(outcome, aws, ApiError, "timed out waiting for the Symbee API", within=SECONDS_LEFT, published={})
    # and the report was sent once and cut at the end of its time
    assert [w for w in outcome.warnings if w.startswith(REPORT_FAILED + CUT)]
    assert_cut_in_time(settled(aws_proxy, "PutMetricData"), outcome, ended)
    assert len(aws_proxy.calls("PutMetricData")) == 1
