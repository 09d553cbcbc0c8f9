"""A 200 whose body is not what it should be: not JSON, not an array, too big, too deep, huge."""

from __future__ import annotations

import gzip
import logging
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from queue_stats import names as n
from queue_stats.capacity import MAX_QUEUES_PER_POLL
from queue_stats.errors import ApiError, ResponseError
from queue_stats.symbee_api import MAX_BODY_BYTES
from symbee_sim import Fault, SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed, assert_succeeded
from tests.faults.harness import Invoke, Landed, health, landed, queues
from tests.faults.oracle import expected_values
from tests.faults.registry import Scenario, covers, params
from tests.faults.servers import AwsCall, AwsProxy, AwsRule, Exchange, ScriptedServer, aws_ok

CAP = f"{MAX_BODY_BYTES:,}-byte cap"

NOT_AN_ARRAY = {
    "body-not-json": ("malformed", "Symbee API response is not valid JSON: "),
    "body-html": ("html", "Symbee API response is not valid JSON: "),
    "body-empty": ("empty", "Symbee API response is not valid JSON (empty body): "),
    "body-truncated": ("truncated", "Symbee API response is not valid JSON: "),
    "body-null": ("null", "Symbee API response is a JSON null, expected an array of queue records"),
    "body-object": ("object", "Symbee API response is a JSON object, expected an array of queue records"),
}


@covers(*NOT_AN_ARRAY)
@pytest.mark.parametrize("scenario", params(*NOT_AN_ARRAY))
def test_a_body_that_is_not_an_array_fails_the_poll(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, scenario: Scenario
) -> None:
    kind, words = NOT_AN_ARRAY[scenario.id]
    simulator.add_fault(Fault(kind))
    outcome = invoke()
    assert_failed(outcome, aws, ResponseError, words, within=3)
    assert simulator.requests == 1  # a broken body is not retried: it would come back the same


@covers("body-deeply-nested")
def test_deeply_nested_json_fails_the_poll_clearly(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    serve(body_override=b"[" * 100_000 + b"]" * 100_000)
    outcome = invoke()
    assert_failed(outcome, aws, ResponseError, "nested too deeply to be queue statistics", within=3)


@covers("body-over-cap-declared")
def test_a_declared_length_over_the_cap_is_refused_unread(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    # Given the real cap, and a body one byte over it (valid JSON, so only the cap can refuse it)
    serve(body_override=b"[" + b" " * (MAX_BODY_BYTES - 1) + b"]")
    outcome = invoke()
    assert_failed(
        outcome,
        aws,
        ApiError,
        f"Symbee API response of {MAX_BODY_BYTES + 1:,} bytes is over the {CAP}; not read",
        within=3,
    )


@covers("body-over-cap-streamed")
def test_a_streamed_body_over_the_cap_is_cut_at_the_cap(
    invoke: Invoke, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []

    def respond(exchange: Exchange) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"["
            for _ in range(64):  # 64 MiB of valid JSON whitespace, if anyone read it all
                sent.append(1)
                yield b" " * (1024 * 1024)
            yield b"]"

        exchange.answer_chunked(200, chunks(), [("Content-Type", "application/json")])

    with ScriptedServer(respond) as server:
        monkeypatch.setenv(n.ENV_API_URL, server.url())
        outcome = invoke()
    assert_failed(outcome, aws, ApiError, f"Symbee API response is over the {CAP}; not read", within=5)


@covers("body-gzip-bomb")
def test_a_gzip_bomb_is_refused_at_the_cap_without_inflating_it(
    invoke: Invoke, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 1 GiB of JSON whitespace sent as about 1 MB of gzip (one small member, repeated)
    member = gzip.compress(b" " * (1024 * 1024), compresslevel=9)
    bomb = gzip.compress(b"[") + member * 1024 + gzip.compress(b"]")
    assert len(bomb) < 2 * 1024 * 1024

    def respond(exchange: Exchange) -> None:
        exchange.answer(200, bomb, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])

    with ScriptedServer(respond) as server:
        monkeypatch.setenv(n.ENV_API_URL, server.url())
        tracemalloc.start()
        try:
            outcome = invoke()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert_failed(outcome, aws, ApiError, f"Symbee API response is over the {CAP}; not read", within=10)
    # Then no more than the cap (plus a chunk) was ever held in memory
    assert peak < MAX_BODY_BYTES + 16 * 1024 * 1024, f"peak {peak:,} bytes"


@covers("body-empty-array")
def test_an_empty_array_is_a_successful_poll_of_no_queues(
    invoke: Invoke, serve: Callable[..., SimulatorServer], aws: MotoServer
) -> None:
    serve(body_override=b"[]")
    outcome = invoke()
    assert_succeeded(outcome, aws, queues_reported=0, invalid=0, within=3)
    assert not queues(landed(aws))


@covers("body-50000-queues")
def test_fifty_thousand_queues_publish_the_most_urgent_that_fit_and_say_what_was_left_out(
    invoke: Invoke,
    serve: Callable[..., SimulatorServer],
    aws: MotoServer,
    aws_proxy: AwsProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # botocore at DEBUG logs every request body: 280 MB of metric data, nothing about the key (the
    # Secrets Manager read is logged at DEBUG in every other scenario). Ours and urllib3 stay at DEBUG.
    caplog.set_level(logging.INFO, logger="botocore")
    # Given 50,000 queues, twice what one poll publishes in its time. moto_server needs most of a
    # minute to store 285,000 datums on two cores, so the proxy checks every PutMetricData as
    # CloudWatch would, answers all but the one holding the health metrics itself, and keeps which
    # queues went out and the datums of sample queues to compare.
    now = time.time()
    sim = serve(queues=50_000, clock=lambda: now)
    records = sim.records()
    by_id = {r["queueInfo"]["queueId"]: r for r in records}
    published: set[str] = set()
    seen: dict[str, dict[str, float]] = {}

    def sink(call: AwsCall) -> bool:
        if call.operation != "PutMetricData":
            return False
        for datum in call.params["MetricData"]:
            dims = {d["Name"]: d["Value"] for d in datum["Dimensions"]}
            queue_id = dims.get(n.DIM_QUEUE_ID)
            if queue_id is not None:
                published.add(queue_id)
                if len(seen) < 3 or queue_id in seen:
                    seen.setdefault(queue_id, {})[datum["MetricName"]] = datum["Value"]
        return b"PollSucceeded" not in call.body

    aws_proxy.add_rule(AwsRule(sink, aws_ok()))
    outcome = invoke()
    print(f"\n50,000 queues: the poll took {outcome.seconds:.1f} s")
    # Then the poll succeeded in the fewest requests, every one accepted as CloudWatch would
    assert outcome.error is None, repr(outcome.error)
    assert outcome.result is not None
    assert outcome.result["queues"] == 50_000
    assert outcome.result["queues_left_out"] == 25_000
    assert outcome.result["invalid_records"] == 0
    datums = outcome.result["datums"]
    puts = aws_proxy.calls("PutMetricData")
    assert outcome.result["requests"] == len(puts) == -(-datums // 1000)
    assert {call.status for call in puts} == {200}
    assert sum(call.datums for call in puts) == datums
    # and exactly the cap's queues went out, the most urgent: every queue with unattended work is
    # among them (the generated environment has fewer than 25,000 such queues)
    assert len(published) == MAX_QUEUES_PER_POLL
    unattended = {
        queue_id
        for queue_id, r in by_id.items()
        if r["itemsInQueue"] > 0 and r["agentsAvailable"] == 0 and "CLOSED" not in r["openClosedState"]
    }
    assert 0 < len(unattended) < MAX_QUEUES_PER_POLL
    assert unattended <= published
    # and one WARNING says how many were left out and names some
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(w.startswith("25,000 of 50,000 queues not published") for w in warnings), warnings
    # and the health metrics landed, and the sample queues went out exactly as the API sent them
    points = health(landed(aws, only=lambda dims: len(dims) == 1))
    assert points["PollSucceeded"] == Landed(1, 1, 1)
    assert points["QueuesReported"] == Landed(25_000, 25_000, 1)
    assert points["InvalidRecords"] == Landed(0, 0, 1)
    assert len(seen) == 3
    for queue_id, values in seen.items():
        assert values == expected_values(by_id[queue_id])
    print(f"{datums:,} datums in {len(puts)} requests")
    assert outcome.seconds < 60
