"""The OpenTelemetry backend: a poll's snapshot as OTLP/HTTP protobuf (otlp_wire.py), SigV4-signed
for service `monitoring` with the function's credentials, POSTed to CloudWatch's OTLP endpoint.

Requests go out concurrently, like the PutMetricData batches. Each is retried on 429 (after its
`Retry-After` when given) and 5xx within the poll's time; any other refusal is final and named
in the failure line. Imported only when METRICS_BACKEND needs it, so the classic path never loads
protobuf.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

# The HTTP plumbing every client shares: a session that never follows redirects (a signed request
# goes to the configured host only) with connections the deadline watchdog can cut, and the same
# reading of Retry-After and of requests' errors.
from queue_stats import http
from queue_stats import names as n
from queue_stats.cloudwatch import MAX_CONCURRENT_REQUESTS
from queue_stats.http import CUT_GRACE_SECONDS, new_session
from queue_stats.otlp_wire import CONTENT_TYPE, ExportRequest, encode_snapshot, error_reason, partial_rejection
from queue_stats.publish import PublishReport, Snapshot, concurrently
from queue_stats.signed_http import CredentialsSource, Refused, Retryable, post, scrub, signed_headers
from queue_stats.symbee_api import MIN_ATTEMPT_SECONDS
from queue_stats.watchdog import Watchdog

logger = logging.getLogger(__name__)

REQUEST_NAME = "OTLP export"
# As for PutMetricData (runtime.py): 3 attempts of at most 1 s to connect and 3 s to answer, and
# backoff under 0.5 s then 1 s, fit in the 15 s the poll keeps back for publishing.
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0
BACKOFF_BASE_SECONDS = 0.25
# A server asking for a longer wait is not waited for: the next poll comes within a minute.
MAX_RETRY_AFTER_SECONDS = 10.0
# Answers are a few bytes (an empty ExportMetricsServiceResponse, or a Status); read no more.
MAX_RESPONSE_BYTES = 64 * 1024
# A refusal with these words is taken as "OTLP ingestion is not switched on for this account".
# What CloudWatch actually answers then is not documented; the words are a guess on purpose broad.
_NOT_ENABLED = re.compile(
    r"not\s+(?:been\s+|yet\s+)?(?:enabled|activated|turned\s+on|onboarded|subscribed)|opt[\s-]?in|enrichment",
    re.IGNORECASE,
)


# An attempt that may succeed when tried again, and one that would not.
_Retry = Retryable
_Final = Refused


class OtlpPublisher:
    """Publishes snapshots to one OTLP/HTTP metrics endpoint."""

    name = n.BACKEND_OTEL

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        credentials: CredentialsSource,
        session: requests.Session | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.region = region
        self._credentials = credentials
        self._session = session or new_session()
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._host = urlsplit(endpoint).hostname or endpoint

    def publish(self, snapshot: Snapshot, *, deadline: float) -> PublishReport:
        requests_ = encode_snapshot(snapshot)

        def export(request: ExportRequest) -> str | None:
            return self._export(request, deadline)

        failures = concurrently(export, requests_, limit=MAX_CONCURRENT_REQUESTS)
        return PublishReport(
            backend=self.name,
            request_name=REQUEST_NAME,
            datums=sum(r.points for r in requests_),
            requests=len(requests_),
            failures=tuple(failure for failure in failures if failure is not None),
        )

    def _export(self, request: ExportRequest, deadline: float) -> str | None:
        """One request with its retries; None when it landed, else the failure line."""
        what = f"{REQUEST_NAME} of {request.points} data points"
        failures = 0
        reason = ""
        while True:
            remaining = deadline - self._clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                if failures == 0:
                    return f"{what} not sent: the poll's time was up"
                return f"{what} failed {failures} time(s) and the poll's time was up; last: {reason}"
            try:
                return self._attempt(request, what, remaining)
            except _Final as final:
                return f"{what} failed: {final.reason}"
            except _Retry as retry:
                reason, delay = retry.reason, retry.delay
            failures += 1
            if failures >= self._max_attempts:
                return f"{what} failed {failures} times, last: {reason}"
            if delay is None:
                delay = random.uniform(0, BACKOFF_BASE_SECONDS * 2**failures)  # noqa: S311 - jitter
            elif delay > MAX_RETRY_AFTER_SECONDS:
                return f"{what} failed ({reason}) and asked to retry in {delay:.0f} s; not waited for"
            if self._clock() + delay + MIN_ATTEMPT_SECONDS > deadline:
                return f"{what} failed ({reason}) and a retry in {delay:.1f} s would not fit in the time budget"
            logger.warning("%s attempt %d failed (%s); retrying in %.1f s", what, failures, reason, delay)
            self._sleep(delay)

    def _attempt(self, request: ExportRequest, what: str, remaining: float) -> str | None:
        # Timeouts bound each wait; the watchdog bounds the whole answer (a server could trickle
        # it), cutting the connection a little after the timeouts would, and still by the deadline.
        budget = min(remaining - CUT_GRACE_SECONDS, CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
        headers, secrets = self._signed_headers(request.body)
        with Watchdog(budget + CUT_GRACE_SECONDS) as watchdog:
            try:
                status, content_type, retry_after, body = self._exchange(request.body, headers, budget)
            except _Retry:
                if not watchdog.fired:
                    raise
            # A cut can also end the answer early in a way that parses (a status line, no headers):
            # whatever was read then is not the server's answer.
            if watchdog.fired:
                raise _Retry(f"{self._host} was still answering after {budget:.1f} s; the connection was cut")
        reason = scrub(error_reason(body, content_type), secrets) if status >= 300 else ""
        detail = f"HTTP {status}" + (f": {reason}" if reason else "")
        if 200 <= status < 300:
            rejection = partial_rejection(body)
            if rejection is None:
                return None
            message = scrub(rejection.message, secrets) or "no reason given"
            return f"{what}: {rejection.rejected_points} of them rejected: {message}"
        if status == 429 or status >= 500:
            raise _Retry(detail, http.retry_after(retry_after))
        if status in (401, 403):
            raise _Final(f"{detail}; {self._refusal_hint(status, reason)}")
        raise _Final(detail)

    def _signed_headers(self, body: bytes) -> tuple[dict[str, str], tuple[str, ...]]:
        """SigV4 headers for this body, signed now with the current credentials (they rotate)."""
        return signed_headers(
            self._credentials, url=self.endpoint, body=body, content_type=CONTENT_TYPE, region=self.region
        )

    def _exchange(self, body: bytes, headers: dict[str, str], budget: float) -> tuple[int, str, str | None, bytes]:
        """(status, Content-Type, Retry-After, the start of the body)."""
        timeouts = (min(CONNECT_TIMEOUT_SECONDS, budget), min(READ_TIMEOUT_SECONDS, budget))
        status, headers_in, data = post(
            self._session, self.endpoint, body=body, headers=headers, timeouts=timeouts, max_bytes=MAX_RESPONSE_BYTES
        )
        # A body cut off after the status: the status still says what happened.
        return status, headers_in.get("Content-Type", ""), headers_in.get("Retry-After"), data or b""

    def _refusal_hint(self, status: int, reason: str) -> str:
        if _NOT_ENABLED.search(reason):
            return (
                "OTLP ingestion may not be enabled for this account: run `aws cloudwatch start-otel-enrichment "
                f"--region {self.region}` (AWS documents it for vended metrics; whether custom OTLP metrics need it "
                "is not documented) and see the README's 'OpenTelemetry backend'"
            )
        if status == 401:
            return f"the signature was not accepted: check the function's credentials and AWS_REGION ({self.region})"
        return (
            'the function\'s role needs cloudwatch:PutMetricData on "*" with no cloudwatch:namespace condition '
            "(such a condition blocks OTLP ingestion)"
        )
