"""CloudWatch throttling, refusing one batch, unreachable, or denying PutMetricData."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from queue_stats import names as n
from queue_stats.errors import PublishError
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed, assert_failed_line, assert_succeeded
from tests.faults.harness import Invoke, Landed, health, landed, queues
from tests.faults.oracle import expected_values
from tests.faults.registry import covers
from tests.faults.servers import AwsCall, AwsProxy, AwsRule, aws_error, closed_port


def put_metric_data(call: AwsCall) -> bool:
    return call.operation == "PutMetricData"


@covers("cw-throttled-once")
def test_a_throttled_batch_is_resent_by_botocore_and_everything_lands(
    invoke: Invoke, aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    aws_proxy.add_rule(AwsRule(put_metric_data, aws_error("Throttling", "Rate exceeded"), times=1))
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=3, invalid=0, within=4)
    assert [call.status for call in aws_proxy.calls("PutMetricData")] == [400, 200]
    assert len(queues(landed(aws))) == 3


@covers("cw-batch-refused")
def test_one_batch_refused_for_good_the_others_land_and_the_poll_is_failed(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    # Given 300 queues (over 3,000 datums: at least three PutMetricData requests), and CloudWatch
    # refusing for good the request that holds the first queue
    records = serve(queues=300).records()
    marked = records[0]["queueInfo"]["queueId"]
    sent: list[tuple[bool, set[tuple[str, str]]]] = []  # (refused, (metric, queue id) of each datum)

    def refuse_marked(call: AwsCall) -> bool:
        if not put_metric_data(call) or n.DIM_QUEUE_ID.encode() not in call.body:
            return False
        datums = {(d["MetricName"], _queue_id(d)) for d in call.params["MetricData"] if _queue_id(d)}
        refused = any(queue_id == marked for _, queue_id in datums)
        sent.append((refused, datums))
        return refused

    refusal = aws_error("InvalidParameterValue", "The value for parameter MetricData.member.7.Value is invalid.")
    aws_proxy.add_rule(AwsRule(refuse_marked, refusal))
    # When the handler polls
    outcome = invoke()
    # Then the poll is reported failed, naming how many requests failed and how many landed
    requests = len(sent)
    assert requests >= 3
    assert_failed_line(
        outcome,
        PublishError,
        f"1 of {requests} PutMetricData requests failed, the other {requests - 1} landed; first: PutMetricData of ",
        "InvalidParameterValue",
        within=10,
    )
    # and exactly the datums of the other requests landed
    listed = boto3.client("cloudwatch", endpoint_url=aws.url).get_paginator("list_metrics")
    metrics = [m for page in listed.paginate(Namespace=n.DEFAULT_NAMESPACE) for m in page["Metrics"]]
    landed_ids = {(m["MetricName"], _queue_id(m)) for m in metrics if len(m["Dimensions"]) == 3}
    assert landed_ids == set().union(*(datums for refused, datums in sent if not refused))
    # with the values the API sent (checked for queues wholly in the landed requests)
    samples = {r["queueInfo"]["queueId"]: r for r in (records[150], records[-1])}
    points = landed(aws, only=lambda dims: len(dims) == 1 or dims.get(n.DIM_QUEUE_ID) in samples)
    compared = 0
    for queue_id, record in samples.items():
        expected = expected_values(record)
        if all((metric, queue_id) in landed_ids for metric in expected):  # not split across requests
            assert queues(points)[queue_id] == expected
            compared += 1
    assert compared
    # and PollSucceeded has a 1 (the request that held it landed) and a 0: its minimum is 0
    assert health(points)["PollSucceeded"] == Landed(0, 1, 2)


def _queue_id(datum: dict[str, Any]) -> str:
    """The QueueId dimension's value ("" for the health metrics, which have none)."""
    return next((d["Value"] for d in datum["Dimensions"] if d["Name"] == n.DIM_QUEUE_ID), "")


@covers("cw-unreachable")
def test_unreachable_cloudwatch_fails_the_poll_with_one_error_line(
    invoke: Invoke, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", f"http://127.0.0.1:{closed_port()}")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        PublishError,
        "1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of ",
        "Could not connect to the endpoint URL",
        within=10,
        published={},  # PollSucceeded 0 could not be published either
    )
    assert [w for w in outcome.warnings if w.startswith("Could not publish PollSucceeded=0 either: ")]


@covers("cw-access-denied")
def test_denied_put_metric_data_fails_the_poll(invoke: Invoke, aws: MotoServer, aws_proxy: AwsProxy) -> None:
    denied = aws_error(
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/poller/fn is not authorized to perform: cloudwatch:PutMetricData",
        status=403,
    )
    aws_proxy.add_rule(AwsRule(put_metric_data, denied))
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        PublishError,
        "1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of ",
        "AccessDenied",
        within=3,
        published={},
    )
    assert len(aws_proxy.calls("PutMetricData")) == 2  # the datums, then PollSucceeded 0: neither retried
    assert [w for w in outcome.warnings if w.startswith("Could not publish PollSucceeded=0 either: ")]
