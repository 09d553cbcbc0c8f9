"""Every fault scenario the suite runs, with what a user sees: the one list behind the tests and
the README's "Failure behaviour" table (scripts/failure_table.py renders it; a test keeps the
README equal to it).

Each scenario is run by exactly one test (see `covers`); `test_registry.py` checks both ways.
Words in `operator` name the stack's alarms: "No successful poll" (PollSucceeded minimum < 1,
missing data breaching) and "Poller errors" (the function's Errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from queue_stats.poll import MIN_REPORT_SECONDS
from queue_stats.runtime import END_MARGIN_SECONDS, MAX_API_SECONDS, PUBLISH_RESERVE_SECONDS, REPORT_RESERVE_SECONDS
from queue_stats.symbee_api import MIN_ATTEMPT_SECONDS

DEADLINE = f"min({MAX_API_SECONDS:g} s, max(remaining time − {PUBLISH_RESERVE_SECONDS:g} s, remaining time / 2))"
# What a poll does when an AWS endpoint holds its calls: where each kind of call stops.
CUT = "`…: not finished within its N s budget; the connection was cut`"
STOPS = (
    f"the snapshot's requests are cut {REPORT_RESERVE_SECONDS + END_MARGIN_SECONDS:g} s before the invocation's "
    f"end, the failure report {END_MARGIN_SECONDS:g} s before it, and neither is retried after its cut"
)


@dataclass(frozen=True)
class Scenario:
    id: str
    area: str
    title: str  # the situation, as the README's first column says it
    published: str  # what lands in CloudWatch
    operator: str  # what the operator sees: the log line, the metric, the alarm


FAILED = "`PollSucceeded` 0, nothing else"
PARTIAL = "Every valid value; `PollSucceeded` 1; `InvalidRecords` counts what was skipped"
SKIPPED = "WARNING `Skipped invalid data: record N (queue '<id>'): "


def failed(line: str, note: str = "") -> str:
    """The operator column of a failed poll: its one ERROR line, and what else is worth knowing."""
    return f"**Failed**: `Poll failed: {line}`" + (f"; {note}" if note else "")


def skipped(reason: str, note: str = "") -> str:
    return f"{SKIPPED}{reason}`" + (f"; {note}" if note else "")


SCENARIOS: tuple[Scenario, ...] = (
    # --- the Symbee API: transport and status --------------------------------------------------
    Scenario(
        "api-5xx-lasting",
        "Symbee API",
        "Answers 500, 502, 503 or 504 every time",
        FAILED,
        failed("Symbee API call failed 3 times, last: HTTP 503", "after 3 tries with jittered backoff (~2 s)"),
    ),
    Scenario(
        "api-429-retry-after",
        "Symbee API",
        "Answers 429 with `Retry-After: 1` every time",
        FAILED,
        failed("Symbee API call failed 3 times, last: HTTP 429", "each retry waits the 1 s asked for"),
    ),
    Scenario(
        "api-429-no-retry-after",
        "Symbee API",
        "Answers 429 without `Retry-After` every time",
        FAILED,
        failed("Symbee API call failed 3 times, last: HTTP 429", "jittered backoff"),
    ),
    Scenario(
        "api-retry-after-over-budget",
        "Symbee API",
        "Asks to retry later than the time budget allows (`Retry-After: 120`)",
        FAILED,
        failed(
            "Symbee API call failed (HTTP 429) and a retry in 120.0 s would not fit in the time budget",
            "at once, after 1 request",
        ),
    ),
    Scenario(
        "api-retry-after-unreadable",
        "Symbee API",
        "Sends a `Retry-After` that is not a number of seconds (`²`, `soon`)",
        "As usual, once a retry succeeds",
        "WARNING `Symbee API attempt 1 failed (HTTP 429); retrying in 0.9 s` (our own backoff), then success",
    ),
    Scenario(
        "api-connection-refused",
        "Symbee API",
        "Refuses the connection",
        FAILED,
        failed(
            "Symbee API call failed 3 times, last: could not connect to <host>: Failed to establish a new "
            "connection: [Errno 111] Connection refused"
        ),
    ),
    Scenario(
        "api-connection-reset",
        "Symbee API",
        "Resets every connection without answering",
        FAILED,
        failed(
            "Symbee API call failed 3 times, last: could not connect to <host>: [Errno 104] Connection reset by peer"
        ),
    ),
    Scenario(
        "api-dns-failure",
        "Symbee API",
        "Its host name does not resolve",
        FAILED,
        failed(
            "Symbee API call failed 3 times, last: could not connect to <host>: Failed to resolve '<host>' "
            "([Errno -2] Name or service not known)",
            "no hang",
        ),
    ),
    Scenario(
        "api-never-answers",
        "Symbee API",
        "Accepts the connection and never answers",
        FAILED,
        failed(
            "Symbee API call failed (timed out waiting for the Symbee API) and a retry in 0.4 s would not fit "
            "in the time budget",
            f"at the API deadline, {DEADLINE}",
        ),
    ),
    Scenario(
        "api-headers-dribble",
        "Symbee API",
        "Sends its status line and headers a byte at a time, past the deadline",
        FAILED,
        failed(
            "Symbee API was still answering at the deadline (2.0 s); the connection was cut",
            "a watchdog cuts it: timeouts alone bound each wait, not the whole answer",
        ),
    ),
    Scenario(
        "api-body-dribble",
        "Symbee API",
        "Sends its headers, then the body a few bytes at a time, past the deadline",
        FAILED,
        failed("Symbee API response body was still arriving (78 bytes) at the deadline"),
    ),
    Scenario(
        "api-tls-untrusted",
        "Symbee API",
        "Presents a self-signed certificate",
        FAILED,
        failed(
            "TLS verification failed for <host>: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "self-signed certificate …",
            "not retried; no request (so no key) is sent",
        ),
    ),
    Scenario(
        "api-redirect",
        "Symbee API",
        "Redirects (302, 307) to another host",
        FAILED,
        failed(
            "Symbee API redirected (HTTP 307) to <other host>; not followed, the API key is sent only to the "
            "configured URL",
            "the other host receives nothing",
        ),
    ),
    Scenario(
        "api-redirect-unparseable",
        "Symbee API",
        "Redirects to a `Location` that is not a URL",
        FAILED,
        failed("Symbee API redirected (HTTP 302) to an unreadable location; not followed, …"),
    ),
    Scenario(
        "api-400-echoes-key",
        "Symbee API",
        "Answers 400 with a body that repeats the API key",
        FAILED,
        failed('Symbee API answered HTTP 400: {"error": "tenant mismatch for key [key]"}', "not retried"),
    ),
    Scenario(
        "api-content-length-unreadable",
        "Symbee API",
        "Sends a `Content-Length` that is not a number",
        "As usual (the body is read under the size cap as it streams)",
        "INFO `Poll succeeded`",
    ),
    # --- the response body ---------------------------------------------------------------------
    Scenario(
        "body-not-json",
        "Response body",
        "200 with text that is not JSON",
        FAILED,
        failed("Symbee API response is not valid JSON: Expecting property name enclosed in double quotes: …"),
    ),
    Scenario(
        "body-html",
        "Response body",
        "200 with an HTML page (a proxy's error page)",
        FAILED,
        failed("Symbee API response is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    ),
    Scenario(
        "body-empty",
        "Response body",
        "200 with an empty body",
        FAILED,
        failed("Symbee API response is not valid JSON (empty body): Expecting value: …"),
    ),
    Scenario(
        "body-truncated",
        "Response body",
        "200 with a JSON array cut short",
        FAILED,
        failed("Symbee API response is not valid JSON: Unterminated string starting at: …"),
    ),
    Scenario(
        "body-null",
        "Response body",
        "200 with `null`",
        FAILED,
        failed("Symbee API response is a JSON null, expected an array of queue records"),
    ),
    Scenario(
        "body-object",
        "Response body",
        "200 with an object instead of an array",
        FAILED,
        failed("Symbee API response is a JSON object, expected an array of queue records"),
    ),
    Scenario(
        "body-deeply-nested",
        "Response body",
        "200 with JSON nested 100,000 levels deep",
        FAILED,
        failed("Symbee API response is nested too deeply to be queue statistics"),
    ),
    Scenario(
        "body-over-cap-declared",
        "Response body",
        "Declares a body over the 32 MiB cap (`Content-Length`)",
        FAILED,
        failed("Symbee API response of 33,554,433 bytes is over the 33,554,432-byte cap; not read"),
    ),
    Scenario(
        "body-over-cap-streamed",
        "Response body",
        "Streams a body over the cap without a length (chunked)",
        FAILED,
        failed("Symbee API response is over the 33,554,432-byte cap; not read", "reading stops at the cap"),
    ),
    Scenario(
        "body-gzip-bomb",
        "Response body",
        "Sends 1 MB of gzip that inflates to 1 GiB",
        FAILED,
        failed("Symbee API response is over the 33,554,432-byte cap; not read", "memory stays under cap + 16 MiB"),
    ),
    Scenario(
        "body-empty-array",
        "Response body",
        "200 with `[]`",
        "No queue metric; `PollSucceeded` 1, `QueuesReported` 0",
        "INFO `Poll succeeded` with `queues: 0`",
    ),
    Scenario(
        "body-50000-queues",
        "Response body",
        "50,000 queues (22 MB), twice what one poll publishes in its time",
        "The 25,000 most urgent queues (unattended work first, then the oldest wait, the most waiting, agents "
        "in error), every value, in the fewest PutMetricData requests; `PollSucceeded` 1, `QueuesReported` "
        "25,000",
        "WARNING `25,000 of 50,000 queues not published: over the 25,000 one poll publishes in its time; the "
        "least urgent were left out (…)`, then INFO `Poll succeeded` with `queues_left_out: 25000` (the test "
        "prints its time with `pytest -s`)",
    ),
    # --- queue records ---------------------------------------------------------------------------
    Scenario(
        "field-missing", "Queue records", "A numeric field is missing", PARTIAL, skipped("agentsStaffed is missing")
    ),
    Scenario("field-null", "Queue records", "A numeric field is `null`", PARTIAL, skipped("agentsStaffed is null")),
    Scenario(
        "field-negative",
        "Queue records",
        "A numeric field is negative",
        PARTIAL,
        skipped("agentsStaffed is negative (-3)"),
    ),
    Scenario(
        "field-fractional",
        "Queue records",
        "A count is fractional (`2.5`)",
        PARTIAL + " (a fractional `oldestItem` is a valid age, and published)",
        skipped("agentsStaffed is not a whole number (2.5)"),
    ),
    Scenario(
        "field-numeric-string",
        "Queue records",
        'A number sent as a string (`"26"`)',
        PARTIAL,
        skipped("agentsStaffed is a string ('26'), not a number"),
    ),
    Scenario(
        "field-boolean",
        "Queue records",
        "A number sent as `true`/`false`",
        PARTIAL,
        skipped("agentsStaffed is a boolean (true), not a number"),
    ),
    Scenario(
        "field-huge",
        "Queue records",
        "A number above 2^53 (`2^53+1`, `1e300`, a 5,000-digit integer)",
        PARTIAL,
        skipped("agentsStaffed is implausibly large (9.01e+15)", "or `is inf, not a finite number` beyond a double"),
    ),
    Scenario(
        "field-tiny",
        "Queue records",
        "An age below CloudWatch's smallest value, 2^-360 (`1e-300`)",
        PARTIAL,
        skipped("oldestItem is too small for CloudWatch (1e-300)", "CloudWatch would refuse the whole request"),
    ),
    Scenario(
        "field-nan", "Queue records", "A `NaN` token", PARTIAL, skipped("agentsStaffed is nan, not a finite number")
    ),
    Scenario(
        "field-infinity",
        "Queue records",
        "An `Infinity` or `-Infinity` token",
        PARTIAL,
        skipped("agentsStaffed is inf, not a finite number"),
    ),
    Scenario(
        "record-no-queue-info",
        "Queue records",
        "`queueInfo` missing or not an object, or the record not an object",
        "The other records; `InvalidRecords` counts the skipped one",
        "WARNING `Skipped invalid data: record 1: queueInfo is missing`",
    ),
    Scenario(
        "record-bad-id",
        "Queue records",
        "`queueId` empty, blank, not a string, or over 1,024 characters",
        "The other records; `InvalidRecords` counts the skipped one",
        "WARNING `Skipped invalid data: record 1: queueInfo.queueId is empty`",
    ),
    Scenario(
        "record-long-name",
        "Queue records",
        "`queueName` over 1,024 characters (CloudWatch's dimension limit)",
        "Every value; `QueueName` cut to 1,024 characters",
        "INFO `Poll succeeded`",
    ),
    Scenario(
        "record-non-ascii",
        "Queue records",
        "`queueName` or `queueId` with non-ASCII or control characters (`Zürich`, `日本`, a tab)",
        "Every value. CloudWatch refuses a whole request for one such dimension value, so those "
        "characters are written as escapes: `QueueName` `Z\\xfcrich`, `\\u65e5\\u672c`, `\\x09`",
        "INFO `Poll succeeded`; the command line shows the real names",
    ),
    Scenario(
        "record-duplicate-id",
        "Queue records",
        "The same `queueId` twice",
        "The first record's values; `InvalidRecords` counts the others",
        skipped("duplicate queueId (first seen at record 0)"),
    ),
    # --- the API key -----------------------------------------------------------------------------
    Scenario(
        "key-rotated",
        "API key",
        "The key was rotated since it was cached",
        "As usual",
        "WARNING `Symbee API rejected the key (HTTP 401); re-reading it from Secrets Manager`, then success",
    ),
    Scenario(
        "key-refused-twice",
        "API key",
        "The API refuses the key, and the re-read one too",
        FAILED,
        failed(
            "Symbee API key rejected (HTTP 401) even after re-reading it from Secrets Manager secret "
            "'SYMBEE_CONNECT_API_KEY'",
            "exactly 2 requests",
        ),
    ),
    Scenario(
        "key-secret-missing",
        "API key",
        "The secret does not exist",
        FAILED,
        failed(
            "could not read the API key from Secrets Manager secret 'no-such-secret' in us-east-1: An error "
            "occurred (ResourceNotFoundException) …"
        ),
    ),
    Scenario(
        "key-access-denied",
        "API key",
        "The function may not read the secret",
        FAILED,
        failed(
            "could not read the API key from Secrets Manager secret '…' in us-east-1: An error occurred "
            "(AccessDeniedException) … not authorized to perform: secretsmanager:GetSecretValue …",
            "the API is not called",
        ),
    ),
    Scenario(
        "key-secrets-manager-unreachable",
        "API key",
        "Secrets Manager cannot be reached",
        FAILED,
        failed(
            "could not read the API key from Secrets Manager secret '…' in us-east-1: Could not connect to the "
            "endpoint URL: …"
        ),
    ),
    Scenario(
        "key-secrets-manager-hangs",
        "API key",
        "Secrets Manager accepts the connection and never answers",
        FAILED,
        failed(
            "could not read the API key from Secrets Manager secret '…' in us-east-1: not finished within its "
            "2.0 s budget; the connection was cut",
            "the key read has the API call's deadline (or botocore's `Read timeout on endpoint URL: …` after 3 "
            "tries of 3 s, when that comes first); the API is not called",
        ),
    ),
    Scenario(
        "key-secrets-manager-trickles",
        "API key",
        "Secrets Manager sends its answer a byte at a time",
        FAILED,
        failed(
            "could not read the API key from Secrets Manager secret '…' in us-east-1: not finished within its "
            "2.0 s budget; the connection was cut",
            "at the API call's deadline: a read timeout bounds each wait, not the whole answer",
        ),
    ),
    Scenario(
        "key-whitespace",
        "API key",
        "Spaces, tabs or line breaks around the key in the secret",
        "As usual: surrounding whitespace is not part of the key",
        "INFO `Poll succeeded`",
    ),
    Scenario(
        "key-json-wrapped",
        "API key",
        'The secret is a JSON object (`{"apiKey": "…"}`), not the key itself',
        FAILED,
        failed(
            "Secrets Manager secret '…' holds a JSON object; it must hold the API key itself, as Symbee's "
            "stack stores it",
            "nothing is sent to the API",
        ),
    ),
    Scenario(
        "key-unusable",
        "API key",
        "The secret is blank, binary, or has a line break, control or non-ASCII character inside",
        FAILED,
        failed(
            "Secrets Manager secret '…' holds characters an HTTP header cannot carry (a line break, a control "
            "or non-ASCII character); it must hold the API key alone",
            "or `… is empty`, `… holds binary data …`; the value is never quoted; nothing is sent",
        ),
    ),
    # --- CloudWatch ------------------------------------------------------------------------------
    Scenario(
        "cw-throttled-once",
        "CloudWatch",
        "A PutMetricData request is throttled once",
        "Everything (botocore's standard retry sends it again); `PollSucceeded` 1",
        "INFO `Poll succeeded`",
    ),
    Scenario(
        "cw-batch-refused",
        "CloudWatch",
        "One of several PutMetricData requests (over 1,000 datums) is refused for good",
        "The other requests' datums, unchanged; `PollSucceeded` 1 and 0 in the same minute, so its minimum is 0",
        failed(
            "1 of 4 PutMetricData requests failed, the other 3 landed; first: PutMetricData of 1000 datums "
            "failed: InvalidParameterValue: …"
        ),
    ),
    Scenario(
        "cw-unreachable",
        "CloudWatch",
        "CloudWatch cannot be reached",
        "Nothing, not even `PollSucceeded` 0: the missing data is what *No successful poll* alarms on",
        failed(
            "1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of 38 datums failed: "
            "Could not connect to the endpoint URL: …",
            "and WARNING `Could not publish PollSucceeded=0 either: …`",
        ),
    ),
    Scenario(
        "cw-access-denied",
        "CloudWatch",
        "The function may not call PutMetricData",
        "Nothing (as above)",
        failed(
            "1 of 1 PutMetricData requests failed, … AccessDenied: … not authorized to perform: "
            "cloudwatch:PutMetricData",
            "and the same WARNING",
        ),
    ),
    Scenario(
        "cw-hangs",
        "CloudWatch",
        "CloudWatch accepts the connection and never answers",
        "Nothing (as above)",
        failed(
            "1 of 1 PutMetricData requests failed, the other 0 landed; first: PutMetricData of 38 datums failed: "
            "not finished within its 2.7 s budget; the connection was cut",
            f"and WARNING `Could not publish PollSucceeded=0 either: …` ending {CUT}; {STOPS} (or botocore's "
            "`Read timeout on endpoint URL: …` after 3 tries of 3 s, when that comes first)",
        ),
    ),
    Scenario(
        "cw-trickles",
        "CloudWatch",
        "CloudWatch sends its answers a byte at a time",
        "What CloudWatch took in before the cut: here every request, so `PollSucceeded` has a 1 and a 0 (minimum 0)",
        failed(
            "1 of 1 PutMetricData requests failed, …: not finished within its 2.7 s budget; the connection was cut",
            f"and the same WARNING; {STOPS}. Also tested at the deployed 30 s timeout: the invocation ends before it",
        ),
    ),
    Scenario(
        "cw-hangs-on-failure-report",
        "CloudWatch",
        "After a failed poll (here the API never answers), CloudWatch hangs on the `PollSucceeded` 0 request",
        "Nothing",
        failed(
            "Symbee API call failed (timed out waiting for the Symbee API) and a retry in … would not fit in "
            "the time budget",
            "and WARNING `Could not publish PollSucceeded=0 either: PutMetricData of 1 datums failed: not finished "
            f"within its 1.7 s budget; the connection was cut`: the report ends {END_MARGIN_SECONDS:g} s before the "
            "invocation does",
        ),
    ),
    # --- time ------------------------------------------------------------------------------------
    Scenario(
        "time-little-left",
        "Time",
        "The API hangs and the invocation has 6 s, 4 s or 1 s left",
        FAILED,
        failed(
            "Symbee API call failed (timed out waiting for the Symbee API) and a retry in … would not fit in the "
            "time budget",
            "the API call gets half the time when under "
            f"{2 * PUBLISH_RESERVE_SECONDS:g} s are left; with {2 * MIN_ATTEMPT_SECONDS:g} s or less neither the key "
            "nor the API is read (`Symbee API call ran out of time budget after 0 attempt(s)`); the invocation "
            "always ends before its time is up",
        ),
    ),
    Scenario(
        "time-no-time-for-report",
        "Time",
        f"The invocation has under {MIN_REPORT_SECONDS + END_MARGIN_SECONDS:g} s left",
        "Nothing",
        failed(
            "Symbee API call ran out of time budget after 0 attempt(s)",
            "and WARNING `Not publishing PollSucceeded=0: 0.35 s left, too little to send it`: a report that could "
            "not finish is not started",
        ),
    ),
    Scenario(
        "time-no-overlap",
        "Time",
        "Could a poll still run when the next one starts?",
        "—",
        f"No: the API call ends by {DEADLINE}, leaving the rest to publish, and the function's 30 s timeout "
        "is under the schedule's minute, so Lambda ends every invocation before the next",
    ),
    # --- configuration ---------------------------------------------------------------------------
    Scenario(
        "config-not-ascii",
        "Configuration",
        "`SYMBEE_ENVIRONMENT` or `SYMBEE_COMPANY_CODE` is not printable ASCII",
        "Nothing",
        failed(
            "SYMBEE_ENVIRONMENT='prod-ü' must be printable ASCII (it is sent as an HTTP header and used as a "
            "CloudWatch dimension)",
            "at once",
        ),
    ),
    # --- OpenTelemetry (METRICS_BACKEND otel or both; the endpoint is the local OTLP receiver) ---
    Scenario(
        "otlp-throttled-once",
        "OpenTelemetry",
        "The OTLP endpoint throttles a request once (429, `Retry-After: 1`)",
        "Everything, after the wait asked for; `PollSucceeded` 1",
        "WARNING `OTLP export of 38 data points attempt 1 failed (HTTP 429: Rate exceeded); retrying in 1.0 s`, "
        "then INFO `Poll succeeded`",
    ),
    Scenario(
        "otlp-5xx-lasting",
        "OpenTelemetry",
        "The OTLP endpoint answers 503 every time",
        "Nothing, not even `PollSucceeded` 0: the missing data is what the health alarm sees",
        failed(
            "1 of 1 OTLP export requests failed, the other 0 landed; first: OTLP export of 38 data points failed "
            "3 times, last: HTTP 503: Service Unavailable",
            "after 3 tries with jittered backoff; and WARNING `Could not publish PollSucceeded=0 either: …`",
        ),
    ),
    Scenario(
        "otlp-batch-refused",
        "OpenTelemetry",
        "The OTLP endpoint refuses one of several requests (over 1,000 data points) for good (400)",
        "The other requests' points, unchanged; `PollSucceeded` 1 and, 1 ms later, 0",
        failed(
            "1 of 4 OTLP export requests failed, the other 3 landed; first: OTLP export of 1000 data points "
            "failed: HTTP 400: <the endpoint's reason>",
            "not retried; the reason is read from the OTLP `Status` (or text) answer, cut to 200 characters",
        ),
    ),
    Scenario(
        "otlp-partly-rejected",
        "OpenTelemetry",
        "The OTLP endpoint answers 200 but rejects some data points (`partial_success`)",
        "The accepted points; `PollSucceeded` 1 and, 1 ms later, 0",
        failed(
            "1 of 1 OTLP export requests failed, the other 0 landed; first: OTLP export of 38 data points: "
            "2 of them rejected: <the endpoint's reason>"
        ),
    ),
    Scenario(
        "otlp-not-enabled",
        "OpenTelemetry",
        "The OTLP endpoint refuses (403) saying OTLP ingestion is not enabled for the account",
        "Nothing",
        failed(
            "… HTTP 403: <reason>; OTLP ingestion may not be enabled for this account: run `aws cloudwatch "
            "start-otel-enrichment --region us-east-1` (AWS documents it for vended metrics; whether custom OTLP "
            "metrics need it is not documented) …",
            "what AWS answers then is not documented: any 401/403 whose reason says *not enabled*, *opt in* or "
            "*enrichment* gets this advice",
        ),
    ),
    Scenario(
        "otlp-access-denied",
        "OpenTelemetry",
        "The OTLP endpoint refuses (403 AccessDenied): the role may not publish",
        "Nothing",
        failed(
            "… HTTP 403: … not authorized to perform: cloudwatch:PutMetricData; the function's role needs "
            'cloudwatch:PutMetricData on "*" with no cloudwatch:namespace condition (such a condition blocks OTLP '
            "ingestion)",
            "not retried",
        ),
    ),
    Scenario(
        "otlp-unreachable",
        "OpenTelemetry",
        "The OTLP endpoint cannot be reached (connection refused)",
        "Nothing",
        failed(
            "1 of 1 OTLP export requests failed, …; first: OTLP export of 38 data points failed 3 times, last: "
            "could not reach <host>: … Connection refused"
        ),
    ),
    Scenario(
        "otlp-never-answers",
        "OpenTelemetry",
        "The OTLP endpoint accepts the connection and never answers",
        "Nothing",
        failed(
            "1 of 1 OTLP export requests failed, …; first: OTLP export of 38 data points failed 3 times, last: "
            "timed out waiting for <host>",
            "each try waits 3 s at most; PollSucceeded 0 then gets the time left, and the invocation ends before "
            "its time is up. An answer trickled byte by byte is cut after 4.25 s by the same watchdog as the API's",
        ),
    ),
    Scenario(
        "otlp-both-one-down",
        "OpenTelemetry",
        "With `both`, the OTLP endpoint refuses and CloudWatch does not",
        "Everything in CloudWatch (`PollSucceeded` 1 and 0 there); nothing over OTLP",
        failed(
            "1 of 2 PutMetricData/OTLP export requests failed, the other 1 landed; first: otel: OTLP export of "
            "38 data points failed: HTTP 400: …",
            "one backend failing never stops the other",
        ),
    ),
)

BY_ID: dict[str, Scenario] = {s.id: s for s in SCENARIOS}
assert len(BY_ID) == len(SCENARIOS), "scenario ids must be unique"

# Scenario id -> the tests that run it, filled in as test modules are imported.
COVERED: dict[str, list[str]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def covers(*ids: str) -> Callable[[F], F]:
    """Marks a test as the one that runs these scenarios."""

    def mark(test: F) -> F:
        for scenario_id in ids:
            if scenario_id not in BY_ID:
                raise KeyError(f"unknown scenario {scenario_id!r}: add it to SCENARIOS")
            COVERED.setdefault(scenario_id, []).append(f"{test.__module__}.{test.__qualname__}")
        return test

    return mark


def params(*ids: str) -> list[Any]:
    """pytest parameters, one per scenario, named by id (for a test that runs several scenarios)."""
    return [pytest.param(BY_ID[i], id=i) for i in ids]


# --- the README table ----------------------------------------------------------------------------

START = "<!-- failure-table:start -->"
END = "<!-- failure-table:end -->"


def render() -> str:
    """The Markdown between the README's markers (markers excluded)."""
    lines = [
        "A **failed** poll logs one ERROR line of its own, `Poll failed: <what failed>`, publishes",
        "`PollSucceeded` 0 (when CloudWatch can be reached in the time left) and ends the invocation with an",
        "error, so Lambda counts it (Lambda's runtime then logs its own error record with the exception).",
        "Every network call of a poll (the key read, the API call, each PutMetricData, the failure report)",
        "ends by a deadline taken from the invocation's remaining time, however slowly the other end",
        "answers, so the invocation always ends, with that line, before Lambda's timeout.",
        "If polls keep failing, the *No successful poll* and *Poller errors* alarms fire",
        "(3 minutes by default). Skipped data never fails a poll: it is counted in `InvalidRecords`",
        "(on the dashboard) and logged with its queue id, and every valid value still goes out.",
        "",
        "Every scenario also runs with DEBUG logging on and checks that the API key appears in no log",
        "line, exception, environment variable or command-line output. AWS is moto_server behind a proxy",
        "that refuses what real CloudWatch refuses (non-ASCII dimensions, out-of-range values). The table",
        "is generated by `python scripts/failure_table.py --write`.",
        "",
        "| Area | Scenario | What is published | What the operator sees |",
        "| --- | --- | --- | --- |",
    ]
    for s in SCENARIOS:
        cells = (s.area, s.title, s.published, s.operator)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
