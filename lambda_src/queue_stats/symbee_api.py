"""HTTP client for the Symbee Realtime Queue Statistics API.

One `requests.Session` per client (reused across warm invocations), TLS verified, redirects never
followed (the key must not leave the configured host), bounded retries for connection errors,
429 and 5xx within a deadline, one forced key re-read on 401/403, and a cap on the body size.
Timeouts bound each wait for data; a watchdog cuts the connection at the deadline, so a server
that trickles its answer a byte at a time cannot hold a poll past it either.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from queue_stats import redact
from queue_stats.api_key import ApiKeySource
from queue_stats.errors import ApiError, ApiKeyRejected
from queue_stats.http import CUT_GRACE_SECONDS, error_reason, is_digits, new_session, retry_after
from queue_stats.settings import Settings
from queue_stats.watchdog import Watchdog

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.05
READ_TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 3  # for retryable failures; the one forced key re-read does not count
BACKOFF_BASE_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# The largest body we read: 50,000 queues take about 22 MB. Beyond this the answer is refused
# unread rather than risk the function's memory.
MAX_BODY_BYTES = 32 * 1024 * 1024
# An attempt is not started with less time left than this: it could not finish anyway.
MIN_ATTEMPT_SECONDS = 0.5
# Nor is the key re-read after a refusal: a slow Secrets Manager could hold the poll past its
# invocation (a healthy read takes well under a second).
MIN_KEY_REREAD_SECONDS = 3.0
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ApiResponse:
    body: bytes
    latency_ms: float  # the successful attempt, request sent to body read
    attempts: int  # HTTP attempts made, including retries and the key re-read


def request_body(settings: Settings) -> bytes:
    """The JSON body the vendor documents (valid JSON: its own example quotes no keys)."""
    payload: dict[str, object] = {
        "tenant": {
            "platformCode": settings.platform_code,
            "companyCode": settings.company_code,
            "environment": settings.environment,
        },
        "includeAmazonQueues": settings.include_amazon_queues,
    }
    if settings.queue_ids:
        payload["queuesInterested"] = [{"queueId": queue_id} for queue_id in settings.queue_ids]
    return json.dumps(payload, separators=(",", ":")).encode()


def request_headers(settings: Settings, api_key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-sc-platform-code": settings.platform_code,
        "X-sc-company-code": settings.company_code,
        "X-sc-company-environment": settings.environment,
        "X-sc-secrets-region": settings.secrets_region,
        "X-sc-company-api-key": api_key,
    }


class _Retryable(Exception):
    """An attempt failed in a way worth retrying; `delay` is the server's Retry-After, if any."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class SymbeeApiClient:
    def __init__(
        self,
        settings: Settings,
        api_key: ApiKeySource,
        *,
        session: requests.Session | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._api_key = api_key
        self._session = session or new_session()
        self._body = request_body(settings)
        self._max_attempts = max_attempts
        self._max_body_bytes = max_body_bytes
        self._clock = clock
        self._sleep = sleep
        self._host = urlsplit(settings.api_url).hostname

    def fetch(self, deadline: float) -> ApiResponse:
        """POST once, retrying within `deadline` (a `clock()` value). Raises ApiError."""
        if deadline - self._clock() < MIN_ATTEMPT_SECONDS:
            raise ApiError(self._out_of_time(0))  # before reading the key: no time for any of it
        key = self._api_key.get(deadline=deadline)
        key_refreshed = False
        failures = 0
        attempts = 0
        while True:
            remaining = deadline - self._clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                raise ApiError(self._out_of_time(attempts))
            attempts += 1
            started = self._clock()
            try:
                body = self._attempt(key, deadline, remaining)
                return ApiResponse(body, (self._clock() - started) * 1000.0, attempts)
            except _KeyRejected as rejected:
                if key_refreshed:
                    raise ApiKeyRejected(
                        f"Symbee API key rejected (HTTP {rejected.status}) even after re-reading it from "
                        f"Secrets Manager secret {self._settings.api_key_secret_id!r}"
                    ) from None
                if deadline - self._clock() < MIN_KEY_REREAD_SECONDS:
                    raise ApiKeyRejected(
                        f"Symbee API key rejected (HTTP {rejected.status}) with no time left to re-read it from "
                        f"Secrets Manager secret {self._settings.api_key_secret_id!r}; the next poll will"
                    ) from None
                logger.warning(
                    "Symbee API rejected the key (HTTP %s); re-reading it from Secrets Manager", rejected.status
                )
                key = self._api_key.get(refresh=True, deadline=deadline)
                key_refreshed = True
            except _Retryable as failure:
                failures += 1
                if failures >= self._max_attempts:
                    raise ApiError(f"Symbee API call failed {failures} times, last: {failure.reason}") from None
                delay = failure.delay if failure.delay is not None else self._backoff(failures)
                if self._clock() + delay + MIN_ATTEMPT_SECONDS > deadline:
                    raise ApiError(
                        f"Symbee API call failed ({failure.reason}) and a retry in {delay:.1f} s "
                        "would not fit in the time budget"
                    ) from None
                logger.warning("Symbee API attempt %d failed (%s); retrying in %.1f s", attempts, failure.reason, delay)
                self._sleep(delay)

    def _attempt(self, key: str, deadline: float, remaining: float) -> bytes:
        with Watchdog(remaining + CUT_GRACE_SECONDS) as watchdog:
            try:
                return self._exchange(key, deadline, remaining, watchdog)
            except _Retryable:
                if watchdog.fired:  # not a network failure: our own cut
                    raise ApiError(self._cut_off(remaining)) from None
                raise

    def _cut_off(self, budget: float) -> str:
        return f"Symbee API was still answering at the deadline ({budget:.1f} s); the connection was cut"

    def _exchange(self, key: str, deadline: float, remaining: float, watchdog: Watchdog) -> bytes:
        try:
            response = self._session.post(
                self._settings.api_url,
                data=self._body,
                headers=request_headers(self._settings, key),
                timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), min(READ_TIMEOUT_SECONDS, remaining)),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.SSLError as error:
            # A certificate that does not verify will not verify on a retry either.
            raise ApiError(f"TLS verification failed for {self._host}: {error_reason(error)}") from None
        except requests.exceptions.Timeout:
            raise _Retryable("timed out waiting for the Symbee API") from None
        except requests.exceptions.ConnectionError as error:
            raise _Retryable(f"could not connect to {self._host}: {error_reason(error)}") from None
        except requests.exceptions.RequestException as error:
            raise ApiError(f"Symbee API request failed: {error_reason(error)}") from None
        with response:
            status = response.status_code
            if status == 200:
                return self._read_body(response, deadline, watchdog)
            if status in (401, 403):
                raise _KeyRejected(status)
            if status == 429 or status >= 500:
                raise _Retryable(f"HTTP {status}", retry_after(response.headers.get("Retry-After")))
            if 300 <= status < 400:
                target = _redirect_target(response.headers.get("Location", ""))
                raise ApiError(
                    f"Symbee API redirected (HTTP {status}) to {target}; not followed, "
                    "the API key is sent only to the configured URL"
                )
            raise ApiError(f"Symbee API answered HTTP {status}{_snippet(response, key)}")

    def _read_body(self, response: requests.Response, deadline: float, watchdog: Watchdog) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and is_digits(declared) and int(declared) > self._max_body_bytes:
            raise ApiError(
                f"Symbee API response of {int(declared):,} bytes is over the "
                f"{self._max_body_bytes:,}-byte cap; not read"
            )
        chunks: list[bytes] = []
        total = 0
        raw = response.raw
        try:
            while True:
                # read1 returns what one socket read gives, so a body dribbling in byte by byte
                # cannot hold us past the deadline.
                chunk = raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    if watchdog.fired:  # the end of the body was the watchdog cutting it
                        raise ApiError(_late_body(total))
                    break
                total += len(chunk)
                if total > self._max_body_bytes:
                    raise ApiError(f"Symbee API response is over the {self._max_body_bytes:,}-byte cap; not read")
                chunks.append(chunk)
                if self._clock() > deadline:
                    raise ApiError(_late_body(total))
        except ApiError:
            raise
        except Exception as error:  # urllib3's protocol and timeout errors, socket errors
            if watchdog.fired:
                raise ApiError(_late_body(total)) from None
            raise _Retryable(f"the response body was cut off: {error_reason(error)}") from None
        return b"".join(chunks)

    def _backoff(self, failures: int) -> float:
        # Full jitter: spread retries from many pollers over the window.
        return random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_BASE_SECONDS * 2**failures))  # noqa: S311

    def _out_of_time(self, attempts: int) -> str:
        return f"Symbee API call ran out of time budget after {attempts} attempt(s)"


class _KeyRejected(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _late_body(received: int) -> str:
    return f"Symbee API response body was still arriving ({received:,} bytes) at the deadline"


def _redirect_target(location: str) -> str:
    try:
        return urlsplit(location).hostname or "an unnamed location"
    except ValueError:  # e.g. "http://[bad": not a URL at all
        return "an unreadable location"


def _snippet(response: requests.Response, key: str) -> str:
    """The start of an error body, for the message. The message goes out with the exception too
    (Lambda prints it), past the log redaction, so the key must be taken out here: read enough
    that a key straddling the cut is read whole (even escaped), redact, and only then cut."""
    limit = 300
    try:
        raw = response.raw.read(limit + 12 * len(key) + 64, decode_content=True)
    except Exception:
        return ""
    text = raw.decode("utf-8", "replace")
    if key:
        text = text.replace(key, "[key]")
    # A JSON body may write the key escaped ("/" as "\/"): redact() knows every registered form.
    text = " ".join(redact.redact(text)[:limit].split())[:200]
    return f": {text}" if text else ""
