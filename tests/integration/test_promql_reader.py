"""The PromQL reader over real HTTP against the fake query API: signed for `monitoring` with the
function's credentials (the fake recomputes the signature), retried within its time, and every
failure a `Numbers(unavailable=...)` that says why, never a credential."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.credentials import Credentials

from queue_stats import names as n
from queue_stats.alerts import Alert, Queue, parse_event
from queue_stats.promql_reader import BUDGET_SECONDS, READING_LABEL, PromQLError, PromQLReader, range_query
from queue_stats.readings import Reading
from symbee_sim.promql_api import QUERY, QUERY_RANGE, FakePromQLApi
from tests.fixtures import event

KEY_ID, SECRET, TOKEN = "AKIDPROMQLTEST", "s3cr3t/PromQL+key", "session-token-value"
NOW = datetime.now(UTC)
MINUTE = NOW.replace(second=0, microsecond=0)
STEP = int((MINUTE + timedelta(minutes=1)).timestamp())  # the step that ends the minute under way


@pytest.fixture
def api() -> Iterator[FakePromQLApi]:
    with FakePromQLApi(credentials=(KEY_ID, SECRET), region="us-east-1") as fake:
        yield fake


class Sleeps:
    """The reader's waits, recorded instead of slept."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def reader(
    api: FakePromQLApi, *, secret: str = SECRET, sleep: Sleeps | None = None, classic: Any = None
) -> PromQLReader:
    return PromQLReader(
        endpoint=api.url,
        region="us-east-1",
        credentials=lambda: Credentials(KEY_ID, secret, TOKEN),
        environment="prod",
        namespace=n.DEFAULT_NAMESPACE,
        classic=classic,
        sleep=sleep or Sleeps(),
    )


def alert(name: str = "promql_queue_alarm") -> Alert:
    parsed = parse_event(event(name), escaped_labels=False)
    assert isinstance(parsed, Alert)
    return parsed


def healthy_queue(api: FakePromQLApi) -> None:
    api.set_result(
        QUERY_RANGE,
        [
            {"metric": {READING_LABEL: "q0"}, "values": [[STEP, "5"]]},
            {"metric": {READING_LABEL: "pollmin"}, "values": [[STEP, "1"]]},
            {"metric": {READING_LABEL: "pollmax"}, "values": [[STEP, "1"]]},
        ],
    )


def test_one_signed_query_range_reads_the_numbers(api: FakePromQLApi) -> None:
    # Given the API holding the queue's items and a successful poll
    healthy_queue(api)
    # When the reader reads them
    numbers = reader(api).read(alert(), now=NOW)
    # Then one POST to query_range, its signature good, carrying the reader's own query
    (request,) = api.received
    assert (request.method, request.path, request.signature_problem) == ("POST", QUERY_RANGE, None)
    assert request.params["query"] == range_query(alert(), environment="prod")
    assert numbers.queue == {n.METRIC_ITEMS_IN_QUEUE: Reading(5.0, MINUTE)}
    assert numbers.poller_failing is False


def test_a_wrong_signature_is_refused_and_named_without_the_secret(api: FakePromQLApi) -> None:
    # Given credentials the API does not know
    numbers = reader(api, secret="another-secret").read(alert(), now=NOW)
    # Then the numbers are unavailable, saying which permissions the role needs; no secret shown
    assert numbers.unavailable is not None
    assert numbers.unavailable.startswith("CloudWatch PromQL query failed: HTTP 403: SignatureDoesNotMatch")
    assert "cloudwatch:GetMetricData and cloudwatch:ListMetrics" in numbers.unavailable
    assert SECRET not in numbers.unavailable
    assert "another-secret" not in numbers.unavailable


def test_a_refused_query_is_final_and_says_what_the_engine_said(api: FakePromQLApi) -> None:
    api.fail_next(400, message="1:14: parse error: unexpected character")
    numbers = reader(api).read(alert(), now=NOW)
    assert numbers.unavailable == (
        "CloudWatch PromQL query failed: HTTP 400: bad_data: 1:14: parse error: unexpected character"
    )
    assert len(api.received) == 1


def test_a_server_error_is_retried_once(api: FakePromQLApi) -> None:
    # Given the API failing once with a 503, then answering
    healthy_queue(api)
    api.fail_next(503, message="try again")
    sleeps = Sleeps()
    # When the reader reads
    numbers = reader(api, sleep=sleeps).read(alert(), now=NOW)
    # Then the second attempt read the numbers, after a short backoff
    assert [r.status for r in api.received] == [503, 200]
    assert numbers.unavailable is None
    assert len(sleeps.waits) == 1
    assert sleeps.waits[0] < 1


def test_throttling_waits_what_retry_after_asks(api: FakePromQLApi) -> None:
    healthy_queue(api)
    api.fail_next(429, message="Rate exceeded", retry_after="2")
    sleeps = Sleeps()
    numbers = reader(api, sleep=sleeps).read(alert(), now=NOW)
    assert (sleeps.waits, numbers.unavailable) == ([2.0], None)


def test_a_retry_after_beyond_the_time_left_is_not_waited_for(api: FakePromQLApi) -> None:
    api.fail_next(429, message="Rate exceeded", retry_after="30")
    sleeps = Sleeps()
    numbers = reader(api, sleep=sleeps).read(alert(), now=NOW)
    assert sleeps.waits == []
    assert numbers.unavailable == (
        "CloudWatch PromQL query failed: HTTP 429: throttled: Rate exceeded; a retry in 30.0 s would not fit in "
        "the time left"
    )


def test_two_failures_give_up_with_the_last_reason(api: FakePromQLApi) -> None:
    api.fail_next(500, count=2, message="internal")
    numbers = reader(api).read(alert(), now=NOW)
    assert numbers.unavailable == "CloudWatch PromQL query failed: HTTP 500: internal: internal"
    assert len(api.received) == 2


@pytest.mark.slow
def test_an_api_that_never_answers_is_given_up_within_the_readers_budget(api: FakePromQLApi) -> None:
    # Given an API that reads each query and never answers
    api.hang_next(count=2, seconds=30)
    started = time.monotonic()
    # When the reader reads / Then it gives up, saying it timed out, within its budget
    numbers = reader(api).read(alert(), now=NOW)
    assert numbers.unavailable == "CloudWatch PromQL query failed: timed out waiting for 127.0.0.1"
    assert time.monotonic() - started < BUDGET_SECONDS + 2


def test_an_answer_in_another_format_is_named_unavailable(api: FakePromQLApi) -> None:
    api.set_result(QUERY_RANGE, [{"metric": {"__name__": "ItemsInQueue"}, "values": [[STEP, "1"]]}])
    numbers = reader(api).read(alert(), now=NOW)
    assert numbers.unavailable == (
        "CloudWatch PromQL answer not understood: a series without its reading label or values"
    )


def test_no_credentials_means_no_query(api: FakePromQLApi) -> None:
    blind = PromQLReader(
        endpoint=api.url, region="us-east-1", credentials=lambda: None, environment="prod", namespace="NS"
    )
    numbers = blind.read(alert(), now=NOW)
    assert numbers.unavailable == (
        "CloudWatch PromQL query failed: no AWS credentials to sign the request with (the function's role "
        "provides them)"
    )
    assert api.received == []


class ClassicLambdaErrors:
    """GetMetricData answering for a health alarm's own AWS/Lambda metric."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.asked.append(kwargs)
        return {"MetricDataResults": [{"Id": "alarm", "Timestamps": [MINUTE], "Values": [2.0]}]}


def test_a_health_alarms_lambda_metric_is_read_with_getmetricdata(api: FakePromQLApi) -> None:
    # Given the poller's Errors alarm (a classic alarm on AWS/Lambda under every backend)
    errors = event("health_alarm")
    errors["detail"]["alarmName"] = "SymbeeQueueStats-prod-PollerErrors"
    errors["detail"]["configuration"]["metrics"][0]["metricStat"] = {
        "metric": {"dimensions": {"FunctionName": "poller"}, "name": "Errors", "namespace": "AWS/Lambda"},
        "period": 60,
        "stat": "Sum",
    }
    parsed = parse_event(errors, escaped_labels=False)
    assert isinstance(parsed, Alert)
    classic = ClassicLambdaErrors()
    # When its numbers are read
    numbers = reader(api, classic=classic).read(parsed, now=NOW)
    # Then the poller's health came over PromQL and the Errors from GetMetricData
    assert [r.path for r in api.received] == [QUERY_RANGE]
    (asked,) = classic.asked
    assert [q["Id"] for q in asked["MetricDataQueries"]] == ["alarm"]
    assert numbers.alarm_metric == Reading(2.0, MINUTE)


def test_the_drill_finds_a_queue_by_name_with_an_instant_query(api: FakePromQLApi) -> None:
    api.set_result(
        QUERY, [{"metric": {"QueueId": "zurich-kundendienst", "QueueName": "Zürich Kundendienst"}, "value": [0, "1"]}]
    )
    found = reader(api).find_queue("Zürich Kundendienst")
    assert found == Queue("zurich-kundendienst", "Zürich Kundendienst", escaped=False)
    assert [(r.path, r.signature_problem) for r in api.received] == [(QUERY, None)]


def test_a_failed_lookup_raises_for_the_drill_to_report(api: FakePromQLApi) -> None:
    api.fail_next(403, message="User is not authorized to perform: cloudwatch:ListMetrics")
    with pytest.raises(PromQLError, match="HTTP 403: AccessDeniedException: User is not authorized"):
        reader(api).find_queue("Zürich Kundendienst")


def test_an_error_answer_echoing_the_session_token_is_scrubbed(api: FakePromQLApi) -> None:
    # Given an API whose refusal quotes the request's security token
    api.fail_next(400, message=f"bad header X-Amz-Security-Token: {TOKEN}")
    # When the reader reads / Then the reason keeps its words, not the token
    numbers = reader(api).read(alert(), now=NOW)
    assert numbers.unavailable == (
        "CloudWatch PromQL query failed: HTTP 400: bad_data: bad header X-Amz-Security-Token: [redacted]"
    )
