"""The OTLP publisher over real HTTP to the local receiver: signing, concurrency, retries and the
failure line for every kind of refusal, and the time budget."""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import CredentialRetrievalError

from queue_stats.model import parse_body
from queue_stats.otlp import MAX_ATTEMPTS, OtlpPublisher
from queue_stats.publish import Health, PublishReport, Snapshot
from symbee_sim import generate_queues, vendor_example
from symbee_sim.otlp_receiver import OtlpFault, OtlpReceiver
from symbee_sim.tls import self_signed_certificate, server_context

KEY, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-EXAMPLE/abc+def="


def snapshot(queues: int | None = None) -> Snapshot:
    records = vendor_example() if queues is None else generate_queues(queues, seed=7, now=time.time())
    parsed = parse_body(json.dumps(records).encode())
    health = Health(True, api_latency_ms=50.0, queues_reported=len(parsed.queues), invalid_records=0)
    return Snapshot("prod", datetime.now(UTC), parsed.queues, health)


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver(credentials=(KEY, SECRET), region="eu-west-1") as server:
        yield server


@pytest.fixture
def tls_receiver() -> Iterator[tuple[OtlpReceiver, Path]]:
    """The receiver over HTTPS with a self-signed certificate, and that certificate."""
    with tempfile.TemporaryDirectory() as folder:
        cert, key = self_signed_certificate(Path(folder))
        with OtlpReceiver(
            credentials=(KEY, SECRET), region="eu-west-1", ssl_context=server_context(cert, key)
        ) as server:
            yield server, cert


def publisher(receiver: OtlpReceiver, *, token: str | None = TOKEN, sleeps: list[float] | None = None) -> OtlpPublisher:
    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(seconds)

    return OtlpPublisher(
        endpoint=receiver.url, region="eu-west-1", credentials=lambda: Credentials(KEY, SECRET, token), sleep=sleep
    )


def publish(receiver: OtlpReceiver, snap: Snapshot | None = None, *, seconds: float = 30.0) -> PublishReport:
    return publisher(receiver).publish(snap or snapshot(), deadline=time.monotonic() + seconds)


def test_every_request_is_sigv4_signed_for_monitoring_in_the_region_with_a_valid_signature(
    receiver: OtlpReceiver,
) -> None:
    # When a poll of 300 queues is published (four requests)
    report = publish(receiver, snapshot(300))
    # Then all landed, and the receiver recomputed each signature over the exact body and found it right
    assert report.ok, report.failures
    exports = receiver.exports
    assert len(exports) == report.requests == 4
    assert [e.signature_problem for e in exports] == [None] * 4
    for export in exports:
        authorization = export.headers["Authorization"]
        assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={KEY}/")
        assert "/eu-west-1/monitoring/aws4_request" in authorization
        assert export.headers["X-Amz-Security-Token"] == TOKEN  # temporary credentials, as Lambda's
        assert export.headers["Content-Type"] == "application/x-protobuf"
    assert len(receiver.points()) == report.datums


def test_a_wrong_signature_is_refused_and_the_failure_says_so(receiver: OtlpReceiver) -> None:
    wrong = OtlpPublisher(endpoint=receiver.url, region="eu-west-1", credentials=lambda: Credentials(KEY, "not-it"))
    report = wrong.publish(snapshot(), deadline=time.monotonic() + 10)
    assert report.failures == (
        "OTLP export of 38 data points failed: HTTP 403: SignatureDoesNotMatch: the request signature we calculated "
        'does not match the signature you provided; the function\'s role needs cloudwatch:PutMetricData on "*" '
        "with no cloudwatch:namespace condition (such a condition blocks OTLP ingestion)",
    )
    assert receiver.points() == []


def test_requests_of_one_poll_are_sent_concurrently(receiver: OtlpReceiver) -> None:
    # Given an endpoint that takes a while to answer each request
    receiver.add_fault(OtlpFault("slow", delay=0.5))
    # When a poll of four requests is published
    report = publish(receiver, snapshot(300))
    # Then they were in flight together, not one after another
    assert report.ok, report.failures
    assert receiver.max_in_flight >= 2


def test_a_throttled_request_is_retried_after_the_wait_asked_for_and_lands_once(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("status", times=1, status=429, message="Rate exceeded", retry_after="1"))
    sleeps: list[float] = []
    report = publisher(receiver, sleeps=sleeps).publish(snapshot(), deadline=time.monotonic() + 30)
    assert report.ok, report.failures
    assert sleeps == [1.0]
    assert [e.status for e in receiver.exports] == [429, 200]
    assert len(receiver.points()) == report.datums == 38


def test_lasting_server_errors_fail_after_3_attempts_naming_the_last(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("status", status=503, message="Service Unavailable"))
    report = publish(receiver)
    assert report.failures == ("OTLP export of 38 data points failed 3 times, last: HTTP 503: Service Unavailable",)
    assert len(receiver.exports) == MAX_ATTEMPTS


def test_a_retry_after_longer_than_the_time_left_is_not_waited_for(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("status", status=429, message="Slow down", retry_after="5"))
    started = time.monotonic()
    report = publish(receiver, seconds=3)
    assert report.failures == (
        "OTLP export of 38 data points failed (HTTP 429: Slow down) and a retry in 5.0 s would not fit in the "
        "time budget",
    )
    assert time.monotonic() - started < 2
    assert len(receiver.exports) == 1


def test_a_400_is_final_and_its_reason_is_in_the_failure_line(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("status", status=400, message="invalid metric name: must match [a-zA-Z_:]"))
    report = publish(receiver)
    assert report.failures == (
        "OTLP export of 38 data points failed: HTTP 400: invalid metric name: must match [a-zA-Z_:]",
    )
    assert len(receiver.exports) == 1  # not retried


def test_a_refusal_that_echoes_the_signing_secrets_never_repeats_them(receiver: OtlpReceiver) -> None:
    echo = f"bad request from {KEY} with token {TOKEN} and key {SECRET}"
    receiver.add_fault(OtlpFault("status", status=400, message=echo, text=True))
    (failure,) = publish(receiver).failures
    assert TOKEN not in failure
    assert SECRET not in failure
    assert failure.endswith(f"HTTP 400: bad request from {KEY} with token [redacted] and key [redacted]")


def test_a_partly_rejected_request_is_a_failure_naming_how_many_points_and_why(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("partial", rejected=2, message="too many labels for metric QueueOpen"))
    report = publish(receiver)
    assert report.failures == (
        "OTLP export of 38 data points: 2 of them rejected: too many labels for metric QueueOpen",
    )
    assert len(receiver.points()) == 36  # the rest was ingested


def test_a_refusal_saying_otlp_is_not_enabled_says_what_to_run(receiver: OtlpReceiver) -> None:
    receiver.add_fault(
        OtlpFault(
            "status", status=403, text=True, message="OpenTelemetry metrics ingestion is not enabled for this account"
        )
    )
    (failure,) = publish(receiver).failures
    assert "HTTP 403: OpenTelemetry metrics ingestion is not enabled for this account" in failure
    assert "run `aws cloudwatch start-otel-enrichment --region eu-west-1`" in failure
    assert "is not documented" in failure  # the fix is a guess, and it says so


def test_access_denied_says_which_permission_the_role_needs(receiver: OtlpReceiver) -> None:
    receiver.add_fault(
        OtlpFault(
            "status",
            status=403,
            message="User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: cloudwatch:PutMetricData",
        )
    )
    (failure,) = publish(receiver).failures
    assert 'needs cloudwatch:PutMetricData on "*" with no cloudwatch:namespace condition' in failure
    assert len(receiver.exports) == 1


def test_a_redirect_is_not_followed(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("status", status=307, message="moved"))
    assert publish(receiver).failures == ("OTLP export of 38 data points failed: HTTP 307: moved",)
    assert len(receiver.exports) == 1


def test_an_endpoint_that_never_answers_is_given_up_on_at_the_deadline(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("hang", delay=60))
    started = time.monotonic()
    (failure,) = publish(receiver, seconds=2.5).failures
    elapsed = time.monotonic() - started
    assert failure.startswith("OTLP export of 38 data points failed (timed out waiting for 127.0.0.1)")
    assert 2.0 < elapsed < 2.5 + 0.5  # the read timeout is the time left (a margin for a loaded machine)


def test_an_answer_trickled_byte_by_byte_is_cut_and_never_taken_for_a_success(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("trickle", delay=0.3))
    started = time.monotonic()
    (failure,) = publish(receiver, seconds=2.5).failures
    assert "127.0.0.1 was still answering after" in failure
    assert "the connection was cut" in failure
    assert time.monotonic() - started < 2.5 + 0.5


def test_a_reset_connection_is_retried(receiver: OtlpReceiver) -> None:
    receiver.add_fault(OtlpFault("reset", times=1))
    report = publish(receiver)
    assert report.ok, report.failures
    assert len(receiver.points()) == 38


def test_with_no_time_left_nothing_is_sent(receiver: OtlpReceiver) -> None:
    report = publisher(receiver).publish(snapshot(), deadline=time.monotonic() + 0.1)
    assert report.failures == ("OTLP export of 38 data points not sent: the poll's time was up",)
    assert receiver.exports == []


def test_without_credentials_nothing_is_sent_and_the_failure_says_why(receiver: OtlpReceiver) -> None:
    anonymous = OtlpPublisher(endpoint=receiver.url, region="eu-west-1", credentials=lambda: None)
    report = anonymous.publish(snapshot(), deadline=math.inf)
    assert report.failures == (
        "OTLP export of 38 data points failed: no AWS credentials to sign the request with "
        "(the function's role provides them)",
    )
    assert receiver.exports == []


def test_a_warm_publisher_reuses_its_connection(receiver: OtlpReceiver) -> None:
    warm = publisher(receiver)
    warm.publish(snapshot(), deadline=math.inf)
    before = receiver.connections
    warm.publish(snapshot(), deadline=math.inf)
    assert receiver.connections == before


def test_over_https_the_certificate_is_verified_and_an_untrusted_one_is_refused_at_once(
    tls_receiver: tuple[OtlpReceiver, Path],
) -> None:
    receiver, _ = tls_receiver
    (failure,) = publish(receiver).failures
    assert failure.startswith("OTLP export of 38 data points failed: TLS verification failed for 127.0.0.1: ")
    assert "CERTIFICATE_VERIFY_FAILED" in failure
    assert receiver.exports == []  # not retried, and nothing was sent


def test_over_https_a_trusted_certificate_carries_the_signed_request(
    tls_receiver: tuple[OtlpReceiver, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver, cert = tls_receiver
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # as an operator would trust a private CA
    report = publish(receiver)
    assert report.ok, report.failures
    assert [e.signature_problem for e in receiver.exports] == [None]


def test_credentials_that_cannot_be_refreshed_fail_the_request_with_a_clear_line(receiver: OtlpReceiver) -> None:
    def expired() -> Credentials:
        raise CredentialRetrievalError(provider="container-role", error_msg="the credentials endpoint timed out")

    broken = OtlpPublisher(endpoint=receiver.url, region="eu-west-1", credentials=expired)
    report = broken.publish(snapshot(), deadline=math.inf)
    assert report.failures == (
        "OTLP export of 38 data points failed: could not get AWS credentials to sign the request: Error when "
        "retrieving credentials from container-role: the credentials endpoint timed out",
    )
    assert receiver.exports == []
