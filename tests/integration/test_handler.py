"""The real handler over real HTTP: the simulator as the Symbee API, moto_server as AWS."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from queue_stats import names as n
from queue_stats.errors import ApiError, ApiKeyError, ApiKeyRejected, ConfigError, ResponseError
from queue_stats.handler import lambda_handler
from symbee_sim import Fault, SimulatorServer
from tests.conftest import API_KEY, FakeLambdaContext, list_metrics, read_metrics

ARN = "arn:aws:connect:us-east-1:xxxxx:instance/xxxx-xxxx-xxx-xxxx-xxxxxxx/queue/xxxxx-xxxx-xxxx-xxxx-xxxxxx"


def by_queue(points: list) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for p in points:
        if n.DIM_QUEUE_ID in p.dimensions:
            out.setdefault(p.dimensions[n.DIM_QUEUE_ID], {})[p.metric] = p.value
    return out


def health(points: list) -> dict[str, float]:
    return {p.metric: p.value for p in points if set(p.dimensions) == {n.DIM_ENVIRONMENT}}


@pytest.mark.usefixtures("poller_env")
def test_a_poll_publishes_the_vendor_example_exactly_by_the_contract() -> None:
    # Given the simulator serving the vendor's example and a key in Secrets Manager
    before = datetime.now(UTC) - timedelta(seconds=1)
    # When the handler runs once
    result = lambda_handler({"source": "aws.events", "detail-type": "Scheduled Event"}, FakeLambdaContext())
    # Then it reports success
    assert result["ok"] is True
    assert result["queues"] == 3
    assert result["requests"] == 1
    # and CloudWatch holds one datapoint per queue and known value, with the right dimensions and units
    points = read_metrics(units=True)
    assert {p.count for p in points} == {1}
    queues = by_queue(points)
    assert queues[ARN] == {
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
    assert "OldestItemAge" not in queues["email-customer-care"]  # Symbee: 0 with 27 waiting = not measured
    assert queues["email-customer-care"]["QueueOpen"] == 1
    assert queues["sms-customer-care"]["OldestItemAge"] == 0
    names = {p.dimensions["QueueId"]: p.dimensions["QueueName"] for p in points if "QueueId" in p.dimensions}
    assert names == {
        ARN: "Customer Care Inbound",
        "email-customer-care": "Email Customer Care",
        "sms-customer-care": "SMS Customer Care",
    }
    assert all(p.dimensions["Environment"] == "prod" for p in points)
    units = {p.metric: p.unit for p in points}
    assert units["OldestItemAge"] == "Seconds"
    assert units["QueueOpen"] == "None"
    assert units["AgentsStaffed"] == units["ItemsInQueue"] == "Count"
    assert units["ApiLatency"] == "Milliseconds"
    # and the poller's health says it worked
    assert health(points) == {
        "PollSucceeded": 1,
        "ApiLatency": pytest.approx(result["api_latency_ms"], abs=0.1),
        "QueuesReported": 3,
        "InvalidRecords": 0,
    }
    # and every datapoint carries the same poll time
    stamps = {p.timestamp for p in points}
    assert len(stamps) == 1
    assert before <= stamps.pop() <= datetime.now(UTC)


@pytest.mark.usefixtures("poller_env")
def test_the_request_carries_the_five_headers_and_the_documented_body(simulator: SimulatorServer) -> None:
    lambda_handler({}, FakeLambdaContext())
    request = simulator.received[-1]
    assert request.header("X-sc-platform-code") == "AWS Connect"
    assert request.header("X-sc-company-code") == "abc-gadgets"
    assert request.header("X-sc-company-environment") == "prod"
    assert request.header("X-sc-secrets-region") == "us-east-1"
    assert request.header("X-sc-company-api-key") == API_KEY
    assert request.json() == {
        "tenant": {"platformCode": "AWS Connect", "companyCode": "abc-gadgets", "environment": "prod"},
        "includeAmazonQueues": True,
    }


def test_the_queue_filter_and_amazon_switch_reach_the_api(
    poller_env: dict[str, str], simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(n.ENV_QUEUE_IDS, "email-customer-care,sms-customer-care")
    monkeypatch.setenv(n.ENV_INCLUDE_AMAZON_QUEUES, "false")
    result = lambda_handler({}, FakeLambdaContext())
    assert simulator.received[-1].json()["queuesInterested"] == [
        {"queueId": "email-customer-care"},
        {"queueId": "sms-customer-care"},
    ]
    assert simulator.received[-1].json()["includeAmazonQueues"] is False
    assert result["queues"] == 2


@pytest.mark.usefixtures("poller_env")
def test_a_warm_invocation_inside_the_keys_max_age_makes_no_secrets_manager_call(
    simulator: SimulatorServer,
) -> None:
    # Given a first, cold poll that read the key
    lambda_handler({}, FakeLambdaContext())
    # When the secret disappears from Secrets Manager (any call would now fail)
    boto3.client("secretsmanager").delete_secret(SecretId=n.DEFAULT_API_KEY_SECRET_ID, ForceDeleteWithoutRecovery=True)
    # Then a warm poll still succeeds on the cached key, over the same connection
    connections = simulator.connections
    assert lambda_handler({}, FakeLambdaContext())["ok"] is True
    assert simulator.connections == connections


@pytest.mark.usefixtures("poller_env")
def test_a_rotated_key_is_re_read_once_and_the_poll_succeeds(simulator: SimulatorServer) -> None:
    # Given a warm container holding the old key
    lambda_handler({}, FakeLambdaContext())
    # When Symbee rotates the key and Secrets Manager holds the new one
    simulator.rotate_key("new-key-after-rotation")
    boto3.client("secretsmanager").put_secret_value(
        SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString="new-key-after-rotation"
    )
    result = lambda_handler({}, FakeLambdaContext())
    # Then the poll saw one 401, re-read the secret and succeeded
    assert result["ok"] is True
    assert result["api_attempts"] == 2
    assert [r.status for r in simulator.received[-2:]] == [401, 200]
    assert simulator.received[-1].header("X-sc-company-api-key") == "new-key-after-rotation"


@pytest.mark.usefixtures("poller_env")
def test_a_key_rejected_twice_fails_clearly_without_a_loop(simulator: SimulatorServer) -> None:
    simulator.rotate_key("a-key-secrets-manager-does-not-have")
    with pytest.raises(ApiKeyRejected, match="rejected \\(HTTP 401\\) even after re-reading"):
        lambda_handler({}, FakeLambdaContext())
    assert simulator.requests == 2
    assert health(read_metrics()) == {"PollSucceeded": 0}


@pytest.mark.usefixtures("poller_env")
def test_a_missing_secret_fails_naming_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(n.ENV_API_KEY_SECRET_ID, "no-such-secret")
    with pytest.raises(ApiKeyError, match=r"'no-such-secret' in us-east-1: .*ResourceNotFoundException"):
        lambda_handler({}, FakeLambdaContext())
    assert health(read_metrics()) == {"PollSucceeded": 0}


@pytest.mark.usefixtures("poller_env")
def test_a_key_with_surrounding_whitespace_is_trimmed(simulator: SimulatorServer) -> None:
    boto3.client("secretsmanager").put_secret_value(SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString=f"  {API_KEY}\n")
    assert lambda_handler({}, FakeLambdaContext())["ok"] is True
    assert simulator.received[-1].header("X-sc-company-api-key") == API_KEY


@pytest.mark.usefixtures("poller_env")
@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_one_transient_failure_is_retried_and_the_poll_succeeds(simulator: SimulatorServer, status: int) -> None:
    simulator.add_fault(Fault("status", status=status, times=1, retry_after="0" if status == 429 else None))
    result = lambda_handler({}, FakeLambdaContext())
    assert result["ok"] is True
    assert result["api_attempts"] == 2


@pytest.mark.usefixtures("poller_env")
def test_retry_after_is_honoured(simulator: SimulatorServer) -> None:
    simulator.add_fault(Fault("status", status=429, times=1, retry_after="1"))
    started = time.monotonic()
    assert lambda_handler({}, FakeLambdaContext())["ok"] is True
    assert time.monotonic() - started >= 1.0


@pytest.mark.usefixtures("poller_env")
def test_a_lasting_outage_fails_after_bounded_retries(simulator: SimulatorServer) -> None:
    simulator.add_fault(Fault("status", status=503))
    with pytest.raises(ApiError, match="failed 3 times, last: HTTP 503"):
        lambda_handler({}, FakeLambdaContext())
    assert simulator.requests == 3
    assert health(read_metrics()) == {"PollSucceeded": 0}


@pytest.mark.usefixtures("poller_env")
@pytest.mark.parametrize("status", [400, 404, 422])
def test_other_client_errors_fail_at_once(simulator: SimulatorServer, status: int) -> None:
    simulator.add_fault(Fault("status", status=status))
    with pytest.raises(ApiError, match=f"HTTP {status}"):
        lambda_handler({}, FakeLambdaContext())
    assert simulator.requests == 1


@pytest.mark.usefixtures("poller_env")
def test_a_slow_answer_within_the_budget_succeeds(simulator: SimulatorServer) -> None:
    simulator.add_fault(Fault("slow", delay=0.5))
    assert lambda_handler({}, FakeLambdaContext())["ok"] is True


@pytest.mark.usefixtures("poller_env")
@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("malformed", "not valid JSON"),
        ("truncated", "not valid JSON"),
        ("html", "not valid JSON"),
        ("empty", "not valid JSON (empty body)"),
        ("null", "JSON null, expected an array"),
        ("object", "JSON object, expected an array"),
    ],
)
def test_a_body_that_is_not_an_array_fails_the_poll_clearly(
    simulator: SimulatorServer, kind: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.add_fault(Fault(kind))
    with pytest.raises(ResponseError) as caught:
        lambda_handler({}, FakeLambdaContext())
    assert words in str(caught.value)
    assert health(read_metrics()) == {"PollSucceeded": 0}
    assert not [m for m in list_metrics() if len(m["Dimensions"]) == 3]  # no queue metric


@pytest.mark.usefixtures("poller_env")
def test_wrong_types_skip_only_the_bad_fields_and_count_them(simulator: SimulatorServer) -> None:
    # Given a response in which some fields have wrong types
    simulator.add_fault(Fault("wrong_types"))
    result = lambda_handler({}, FakeLambdaContext())
    # Then the poll succeeds, counts what it skipped and publishes every valid value
    points = read_metrics()
    assert result["ok"] is True
    assert result["invalid_records"] > 0
    assert health(points)["InvalidRecords"] == result["invalid_records"]
    assert health(points)["QueuesReported"] == result["queues"]
    assert sum(1 for p in points if "QueueId" in p.dimensions) == result["datums"] - 4


def test_a_thousand_queues_go_out_in_the_fewest_requests(
    poller_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with SimulatorServer(api_key=API_KEY, queues=1000) as big:
        monkeypatch.setenv(n.ENV_API_URL, big.url)
        result = lambda_handler({}, FakeLambdaContext())
    assert result["queues"] == 1000
    datums = result["datums"]
    assert result["requests"] == -(-datums // 1000)
    assert len(list_metrics()) == datums


@pytest.mark.usefixtures("poller_env")
def test_a_missing_setting_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(n.ENV_COMPANY_CODE)
    with pytest.raises(ConfigError, match="SYMBEE_COMPANY_CODE"):
        lambda_handler({}, FakeLambdaContext())


@pytest.mark.usefixtures("poller_env")
def test_a_failed_poll_logs_one_error_line_naming_what_failed(
    simulator: SimulatorServer, lambda_logs: io.StringIO
) -> None:
    simulator.add_fault(Fault("object"))
    context = FakeLambdaContext()
    with pytest.raises(ResponseError):
        lambda_handler({}, context)
    lines = [json.loads(line) for line in lambda_logs.getvalue().splitlines()]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["message"] == (
        "Poll failed: Symbee API response is a JSON object, expected an array of queue records"
    )
    assert errors[0]["function_request_id"] == context.aws_request_id


@pytest.mark.usefixtures("poller_env")
def test_a_poll_logs_one_json_summary_line(lambda_logs: io.StringIO) -> None:
    lambda_handler({}, FakeLambdaContext())
    lines = [json.loads(line) for line in lambda_logs.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["Poll succeeded"]
    assert lines[0]["queues"] == 3
    assert lines[0]["invalid_records"] == 0
    assert lines[0]["api_latency_ms"] > 0


@pytest.mark.usefixtures("poller_env")
def test_the_key_never_appears_in_any_output_even_at_debug(
    simulator: SimulatorServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    simulator.rotate_key("rotated-key-value-XYZ")
    with pytest.raises(ApiKeyRejected) as caught:
        lambda_handler({}, FakeLambdaContext())
    captured = capsys.readouterr()
    for secret in (API_KEY, "rotated-key-value-XYZ"):
        assert secret not in captured.out + captured.err
        assert secret not in caplog.text
        assert secret not in str(caught.value)


def test_the_key_is_re_read_once_its_max_age_has_passed(
    poller_env: dict[str, str], simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a key cached for at most one second
    monkeypatch.setenv(n.ENV_API_KEY_MAX_AGE_SECONDS, "1")
    lambda_handler({}, FakeLambdaContext())
    # When the key rotates and more than that second passes
    simulator.rotate_key("the-next-key")
    boto3.client("secretsmanager").put_secret_value(SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString="the-next-key")
    time.sleep(1.1)
    result = lambda_handler({}, FakeLambdaContext())
    # Then the new key is read before the call: no refusal, one attempt
    assert result["api_attempts"] == 1
    assert [r.status for r in simulator.received] == [200, 200]


def _night_shift_body() -> bytes:
    """The vendor's example plus a closed queue with nobody staffed and nothing to do."""
    from symbee_sim.data import vendor_example

    records = vendor_example()
    closed = json.loads(json.dumps(records[1]))
    closed["queueInfo"].update(queueId="night-email", queueName="Night Email")
    closed.update(
        openClosedState="OPERATING_HOURS_CLOSED",
        agentsStaffed=0,
        agentsAvailable=0,
        agentsWorking=0,
        agentsInWrap=0,
        agentsInError=0,
        agentsUnavailable=0,
        itemsInQueue=0,
        itemsScheduled=0,
        itemsBeingDelivered=0,
        oldestItem=0,
    )
    return json.dumps([*records, closed]).encode()


def test_essential_metrics_and_idle_skipping_publish_less_and_say_so(
    poller_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the essential profile, idle skipping, and an answer holding one idle queue
    monkeypatch.setenv(n.ENV_PUBLISH_METRICS, "essential")
    monkeypatch.setenv(n.ENV_SKIP_IDLE_QUEUES, "true")
    with SimulatorServer(api_key=API_KEY, body_override=_night_shift_body()) as sim:
        monkeypatch.setenv(n.ENV_API_URL, sim.url)
        result = lambda_handler({}, FakeLambdaContext())
    # Then the idle queue publishes nothing, the others only the essential metrics
    points = read_metrics()
    queues = by_queue(points)
    assert set(queues) == {ARN, "email-customer-care", "sms-customer-care"}
    assert {metric for values in queues.values() for metric in values} <= set(n.ESSENTIAL_METRICS)
    assert set(queues[ARN]) == set(n.ESSENTIAL_METRICS) - {"QueueOpen"}  # its state is "unknown"
    # and the poller's own view stays complete: 3 reported, 1 idle
    assert health(points) == {
        "PollSucceeded": 1,
        "ApiLatency": pytest.approx(result["api_latency_ms"], abs=0.1),
        "QueuesReported": 3,
        "InvalidRecords": 0,
        "QueuesIdle": 1,
    }
    assert result["idle_queues_skipped"] == 1


@pytest.mark.usefixtures("poller_env")
def test_without_idle_skipping_no_queues_idle_figure_is_published() -> None:
    lambda_handler({}, FakeLambdaContext())
    assert "QueuesIdle" not in health(read_metrics())
