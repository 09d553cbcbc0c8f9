"""A queue's numbers over OpenTelemetry (METRICS_BACKEND otel): the same `readings.Numbers` the
classic reader gives, read from CloudWatch's Prometheus-compatible query API, which sees the OTLP
metrics GetMetricData does not.

One `query_range` call reads everything `readings.wanted` names: each series folded to one value
per minute (`max_over_time` / `min_over_time` over the minute each evaluation step ends, as
GetMetricData's 60-second Maximum / Minimum), tagged with its reading's id by `label_replace`, all
joined with `or`; the answer goes through the classic reader's own `numbers_from`. A health alarm's
own metric on AWS/Lambda is a classic metric under every backend: GetMetricData reads it.

Query building and answer parsing are pure (tests/promql/ has promtool evaluate the exact strings);
`PromQLReader` is the I/O edge: POST with a form body, SigV4-signed for service `monitoring` like
the OTLP export, over the shared HTTP plumbing (no redirects, TLS verified), bounded in time.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import requests

from queue_stats import http, readings
from queue_stats import names as n
from queue_stats.alerts import Alert, Queue
from queue_stats.http import CUT_GRACE_SECONDS, new_session
from queue_stats.readings import LOOKBACK_MINUTES, MAXIMUM, PERIOD_SECONDS, MetricDataClient, Numbers, Wanted
from queue_stats.rules import otlp_label_value
from queue_stats.signed_http import CredentialsSource, Refused, Retryable, post, scrub, signed_headers
from queue_stats.watchdog import Watchdog

logger = logging.getLogger(__name__)

READING_LABEL: Final = "reading"  # the label that tells the readings of one answer apart
STEP: Final = f"{PERIOD_SECONDS // 60}m"  # each evaluation folds the minute it ends
# `notify-test --queue` looks a queue up among the series of this long, as ListMetrics does.
FIND_WINDOW: Final = "3h"
FORM: Final = "application/x-www-form-urlencoded"
QUERY_FAILED: Final = "CloudWatch PromQL query failed"  # what a message shows when the numbers could not be read
# As the classic reader's client: two attempts of at most 1 s to connect and 3 s to answer, all
# within 8 s, so the channels keep the rest of the notifier's time (it reads with 13 s left).
MAX_ATTEMPTS: Final = 2
CONNECT_TIMEOUT_SECONDS: Final = 1.0
READ_TIMEOUT_SECONDS: Final = 3.0
BUDGET_SECONDS: Final = 8.0
MIN_ATTEMPT_SECONDS: Final = 0.5
BACKOFF_SECONDS: Final = 0.25
# 16 steps of about a dozen series are a few KB; a bigger answer is not one of ours.
MAX_ANSWER_BYTES: Final = 1024 * 1024


class PromQLError(Exception):
    """The query API could not be read, in words a person can act on (never a credential)."""


class AnswerError(ValueError):
    """An answer that is not the one our query asks for (not Prometheus's format, or not ours)."""


# --- the queries (pure) ------------------------------------------------------------------------------
def promql_string(value: str) -> str:
    """`value` as a double-quoted PromQL string: JSON's escapes are a subset of the Go escapes
    PromQL reads, so quotes, backslashes and control characters stay inside the literal."""
    return json.dumps(value, ensure_ascii=False)


def selector(metric: str, labels: Mapping[str, str]) -> str:
    """`metric{label="value",...}`: the metric by its exact name, as the API requires."""
    matchers = ",".join(f"{name}={promql_string(value)}" for name, value in labels.items())
    return f"{metric}{{{matchers}}}"


def range_query(alert: Alert, *, environment: str) -> str:
    """The one expression of the `query_range` call for this alert: every reading of
    `readings.wanted`, one value per step, labelled `reading="<id>"`."""
    health = {n.DIM_ENVIRONMENT: environment}
    per_queue = dict(health)
    if alert.queue is not None:
        per_queue |= {n.DIM_QUEUE_ID: alert.queue.queue_id, n.DIM_QUEUE_NAME: alert.queue.queue_name}
    return " or ".join(_reading(w, per_queue if w.per_queue else health) for w in readings.wanted(alert))


def _reading(wanted: Wanted, labels: Mapping[str, str]) -> str:
    # The series of one queue (one per TaskType, should that change) fold like its CloudWatch
    # datapoints in one minute; aggregating drops every label, so `reading` alone names the result.
    fold = "max" if wanted.stat == MAXIMUM else "min"
    folded = f"{fold}({fold}_over_time({selector(wanted.metric, labels)}[{STEP}]))"
    return f'label_replace({folded}, "{READING_LABEL}", "{wanted.id}", "", "")'


def range_params(alert: Alert, *, environment: str, now: datetime) -> dict[str, str]:
    """The `query_range` form: the classic reader's window, each step ending the minute it reads."""
    start, end = readings.window(now)
    return {
        "query": range_query(alert, environment=environment),
        "start": _unix(start + timedelta(seconds=PERIOD_SECONDS)),
        "end": _unix(end),
        "step": str(PERIOD_SECONDS),
    }


def find_query(text: str, *, environment: str) -> str:
    """An instant query for the queue whose id or name is `text` (as people write it): one series
    per (QueueId, QueueName) that reported any queue metric in the last 3 hours."""
    wanted = otlp_label_value(text.strip())
    parts = [
        f"last_over_time({selector(metric, {n.DIM_ENVIRONMENT: environment, label: wanted})}[{FIND_WINDOW}])"
        for label in (n.DIM_QUEUE_ID, n.DIM_QUEUE_NAME)
        for metric in n.QUEUE_METRIC_NAMES
    ]
    return f"max by ({n.DIM_QUEUE_ID}, {n.DIM_QUEUE_NAME}) ({' or '.join(parts)})"


# --- the answers (pure) ------------------------------------------------------------------------------
def numbers_from_answer(answer: object) -> Numbers:
    """`Numbers` from a `query_range` answer of `range_query` (Prometheus's JSON format). A value
    that is not a finite number is left out (no fake values); AnswerError when the answer is not
    one of ours."""
    results = []
    for series in _result(answer, "matrix"):
        reading = series["metric"].get(READING_LABEL)
        values = series.get("values")
        if not isinstance(reading, str) or not isinstance(values, list):
            raise AnswerError("a series without its reading label or values")
        pairs = [pair for pair in (_sample(value) for value in values) if pair is not None]
        # A step ends the minute it folds; GetMetricData names that minute by its start.
        results.append(
            {
                "Id": reading,
                "Timestamps": [at - timedelta(seconds=PERIOD_SECONDS) for at, _ in pairs],
                "Values": [value for _, value in pairs],
            }
        )
    return readings.numbers_from(results, lookback_minutes=LOOKBACK_MINUTES)


def queue_from_answer(answer: object, text: str) -> Queue | None:
    """The queue `find_query` found: the one whose id is `text` first, then by name; None when
    none reported."""
    wanted = otlp_label_value(text.strip())
    found = []
    for series in _result(answer, "vector"):
        labels = series["metric"]
        queue_id, queue_name = labels.get(n.DIM_QUEUE_ID), labels.get(n.DIM_QUEUE_NAME)
        if isinstance(queue_id, str) and isinstance(queue_name, str):
            found.append(Queue(queue_id, queue_name, escaped=False))
    found.sort(key=lambda q: (q.queue_id != wanted, q.queue_id, q.queue_name))
    return found[0] if found else None


def warnings_of(answer: object) -> list[str]:
    """The engine's warnings (e.g. a result cut at the series limit), for the log."""
    warnings = answer.get("warnings") if isinstance(answer, dict) else None
    return [str(w)[:300] for w in warnings[:3]] if isinstance(warnings, list) else []


def error_of(body: bytes) -> str:
    """What an error answer says: Prometheus's `errorType: error`, AWS's `message`, or its text."""
    text = body.decode("utf-8", "replace")
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        if isinstance(loaded.get("error"), str):
            kind = loaded.get("errorType")
            return f"{kind}: {loaded['error']}" if isinstance(kind, str) and kind else loaded["error"]
        for key in ("message", "Message"):
            if isinstance(loaded.get(key), str):
                code = loaded.get("__type") or loaded.get("code") or loaded.get("Code")
                return f"{code}: {loaded[key]}" if isinstance(code, str) and code else loaded[key]
    return " ".join(text.split())


def _result(answer: object, result_type: str) -> list[dict[str, Any]]:
    if not isinstance(answer, dict) or answer.get("status") != "success":
        raise AnswerError("not a successful Prometheus API answer")
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != result_type:
        given = data.get("resultType") if isinstance(data, dict) else None
        raise AnswerError(f"the result is a {given!r}, not a {result_type}")
    result = data.get("result")
    if not isinstance(result, list) or not all(
        isinstance(series, dict) and isinstance(series.get("metric"), dict) for series in result
    ):
        raise AnswerError("the result is not a list of series")
    return result


def _sample(value: object) -> tuple[datetime, float] | None:
    """[<unix seconds>, "<value>"]; None for NaN, infinities and anything malformed."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    stamp, text = value
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not isinstance(text, str):
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    try:
        return datetime.fromtimestamp(stamp, UTC), number
    except (OverflowError, OSError, ValueError):  # NaN, or beyond the calendar
        return None


def _unix(when: datetime) -> str:
    return str(int(when.timestamp()))


# --- the I/O edge --------------------------------------------------------------------------------------
class PromQLReader:
    """Reads the numbers from one PromQL query API (`endpoint` is its base URL); a failure becomes
    `Numbers(unavailable=...)`, never an exception."""

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        credentials: CredentialsSource,
        environment: str,
        namespace: str,
        classic: MetricDataClient | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self._credentials = credentials
        self._environment = environment
        self._namespace = namespace
        self._classic = classic
        self._session = session or new_session()
        self._clock = clock
        self._sleep = sleep
        self._host = urlsplit(endpoint).hostname or endpoint

    def read(self, alert: Alert, *, now: datetime) -> Numbers:
        params = range_params(alert, environment=self._environment, now=now)
        try:
            numbers = numbers_from_answer(self.query(n.PROMQL_QUERY_RANGE_PATH, params))
        except PromQLError as error:
            logger.warning("Could not read the queue's numbers with PromQL: %s", error)
            numbers = Numbers(unavailable=f"{QUERY_FAILED}: {error}")
        except AnswerError as error:
            logger.warning("Could not understand the PromQL answer: %s", error)
            numbers = Numbers(unavailable=f"CloudWatch PromQL answer not understood: {error}")
        own = readings.alarm_metric_query(alert, self._namespace)
        if own is not None and self._classic is not None:
            numbers = replace(
                numbers, alarm_metric=readings.read_metric_data(self._classic, [own], now=now).alarm_metric
            )
        return numbers

    def find_queue(self, text: str) -> Queue | None:
        """The queue named by `text` among the last 3 hours' series; raises PromQLError."""
        answer = self.query(n.PROMQL_QUERY_PATH, {"query": find_query(text, environment=self._environment)})
        try:
            return queue_from_answer(answer, text)
        except AnswerError as error:
            raise PromQLError(f"the answer was not understood: {error}") from None

    def query(self, path: str, params: Mapping[str, str]) -> object:
        """One query with its retries within BUDGET_SECONDS: the decoded JSON answer, or PromQLError."""
        deadline = self._clock() + BUDGET_SECONDS
        body = urlencode(params).encode()
        reason = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = deadline - self._clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                break
            try:
                answer = self._attempt(path, body, remaining)
            except Refused as refused:
                raise PromQLError(refused.reason) from None
            except Retryable as retry:
                reason = retry.reason
                delay = retry.delay if retry.delay is not None else random.uniform(0, BACKOFF_SECONDS)  # noqa: S311
                if attempt == MAX_ATTEMPTS:
                    break
                if self._clock() + delay + MIN_ATTEMPT_SECONDS > deadline:
                    raise PromQLError(f"{reason}; a retry in {delay:.1f} s would not fit in the time left") from None
                logger.warning("PromQL query attempt %d failed (%s); retrying in %.1f s", attempt, reason, delay)
                self._sleep(delay)
                continue
            for warning in warnings_of(answer):
                logger.warning("The PromQL query API warns: %s", warning)
            return answer
        raise PromQLError(reason or "no time was left to ask")

    def _attempt(self, path: str, body: bytes, remaining: float) -> object:
        url = f"{self.endpoint}{path}"
        headers, secrets = signed_headers(self._credentials, url=url, body=body, content_type=FORM, region=self.region)
        # The timeouts bound each wait; the watchdog the whole answer (a server could trickle it).
        budget = min(remaining, CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
        timeouts = (min(CONNECT_TIMEOUT_SECONDS, budget), min(READ_TIMEOUT_SECONDS, budget))
        with Watchdog(budget + CUT_GRACE_SECONDS) as watchdog:
            try:
                status, answer_headers, data = post(
                    self._session, url, body=body, headers=headers, timeouts=timeouts, max_bytes=MAX_ANSWER_BYTES + 1
                )
            except Retryable:
                if not watchdog.fired:
                    raise
            if watchdog.fired:
                raise Retryable(f"{self._host} was still answering after {budget:.1f} s; the connection was cut")
        if data is None:
            raise Retryable(f"the answer from {self._host} was cut off")
        if 200 <= status < 300:
            if len(data) > MAX_ANSWER_BYTES:
                raise Refused(f"{self._host} answered more than {MAX_ANSWER_BYTES // 1024} KB; not read")
            try:
                return json.loads(data)
            except ValueError:
                raise Refused(f"{self._host} answered HTTP {status} with a body that is not JSON") from None
        said = scrub(error_of(data[:2048]), secrets)[:300]
        detail = f"HTTP {status}: {said}" if said else f"HTTP {status}"
        if status == 429 or status >= 500:
            raise Retryable(detail, http.retry_after(answer_headers.get("Retry-After")))
        if status in (401, 403):
            raise Refused(
                f"{detail}; the function's role needs cloudwatch:GetMetricData and cloudwatch:ListMetrics "
                f"(what the PromQL query API asks), and AWS_REGION ({self.region}) must be the metrics' region"
            )
        if 300 <= status < 400:
            raise Refused(f"{self._host} redirected (HTTP {status}); not followed, a signed request stays put")
        raise Refused(detail)
