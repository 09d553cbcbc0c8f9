"""What each kind of configuration value may be: one annotated type per kind, carrying its parsing,
its rule (with the message synth shows) and its JSON Schema. Where the runtime has a rule for the
same value, it is the runtime's (`queue_stats.rules`), so synth refuses what every poll would.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final
from urllib.parse import urlparse

from pydantic import BeforeValidator

from infra.config_types import (
    Check,
    InputShape,
    Strings,
    Text,
    Whole,
    as_list,
    between,
    each,
    located,
    matches,
    one_of,
    problem,
)
from queue_stats import names, rules

MAX_POLL_RATE_MINUTES: Final = 60
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
SECRET_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}"
)


def _url_problem(url: str) -> str | None:
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - parsing the port is the check: "h:abc" raises here
    except ValueError:
        return "is not a valid URL"
    return None if parsed.scheme == "https" and parsed.netloc else "must be an https:// URL"


def queue_id_problem(queue_id: str) -> str | None:
    if not queue_id or queue_id != queue_id.strip():
        return f"queue id '{queue_id}' is empty or has surrounding spaces"
    # Commas separate ids in SYMBEE_QUEUE_IDS; quotes, backslashes and control characters would
    # break out of (or be ambiguous in) the quoted literals of alarm queries.
    if "," in queue_id or re.search(r"['\"\\\x00-\x1f\x7f]", queue_id):
        return f"queue id '{queue_id}' must not contain commas, quotes, backslashes or control characters"
    if not rules.queue_id_fits(queue_id):
        return f"queue id '{queue_id[:40]}...' is over CloudWatch's {names.MAX_DIMENSION_VALUE}-character limit"
    return None


def _queue_ids_problem(queue_ids: tuple[str, ...]) -> str | None:
    if (problem_with_one := next(filter(None, map(queue_id_problem, queue_ids)), None)) is not None:
        return problem_with_one
    joined = len(",".join(queue_ids))
    if joined > names.MAX_QUEUE_IDS_LENGTH:
        return (
            f"{len(queue_ids)} ids take {joined:,} characters, over the {names.MAX_QUEUE_IDS_LENGTH:,} that fit in "
            "the function's environment (Lambda allows 4 KB in all): list fewer, or leave queueIds empty to monitor "
            "every queue"
        )
    return None


def _secret_id_problem(secret_id: str) -> str | None:
    if secret_id.startswith("arn:"):
        if SECRET_ARN.fullmatch(secret_id):
            return None
        return (
            "must be a secret name or its complete ARN (ending in the 6-character suffix Secrets Manager adds, "
            "e.g. ...:secret:SYMBEE_CONNECT_API_KEY-AbC123)"
        )
    if re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", secret_id):
        return None
    return "must be a secret name (letters, digits and /_+=.@-) or an ARN"


def _metrics(value: Any) -> tuple[str, ...]:
    """`all`, `essential` or metric names, as the contract's ordered tuple of names."""
    if isinstance(value, str) and value.strip().lower() in names.METRIC_PROFILES:
        return tuple(names.METRIC_PROFILES[value.strip().lower()])
    wanted = as_list(value)
    for index, name in enumerate(wanted):
        if name not in names.QUEUE_METRIC_NAMES:
            profiles = " or ".join(names.METRIC_PROFILES)
            raise located(
                (index,), f"unknown metric {name!r}; give {profiles}, or some of: {', '.join(names.QUEUE_METRIC_NAMES)}"
            )
    if not wanted:
        raise problem("names no metric; give 'all' to publish every one")
    return tuple(name for name in names.QUEUE_METRIC_NAMES if name in wanted)


def _checked(rule: Any, schema: dict[str, Any] | None = None) -> Check:
    """A check from a function returning the problem, or None when the value is fine."""
    return Check(lambda v: rule(v) is None, lambda v: rule(v) or "", schema or {})


# Tag values, quoted in alarm and SEARCH queries, sent as HTTP headers: printable ASCII first (the
# runtime's rule, with its message), then the characters tags and queries take.
Identity = Annotated[
    Text,
    Check(rules.is_header_value, "must be printable ASCII (it is sent as an HTTP header)"),
    matches(r"[A-Za-z0-9 _.:/=+\-@]{1,128}", "must be 1-128 ASCII letters, digits, spaces or _ . : / = + - @"),
]
StackPrefix = Annotated[
    Text,
    matches(
        r"[A-Za-z][A-Za-z0-9-]{0,99}", "must start with a letter and contain only letters, digits and '-' (max 100)"
    ),
]
SymbeeRegion = Annotated[Text, one_of(names.SYMBEE_REGIONS)]
HttpsUrl = Annotated[Text, _checked(_url_problem, {"format": "uri", "pattern": "^https://"})]
QueueId = Annotated[str, _checked(queue_id_problem)]
QueueIds = Annotated[Strings, _checked(_queue_ids_problem)]
SecretId = Annotated[Text, _checked(_secret_id_problem)]
AwsRegion = Annotated[Text, matches(names.AWS_REGION_PATTERN, "must be an AWS region such as us-east-1")]
KmsKeyArn = Annotated[
    Text,
    matches(
        r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+",
        "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); IAM cannot grant through an alias",
    ),
]
KeyMaxAgeSeconds = Annotated[Whole, between(1, names.MAX_API_KEY_MAX_AGE_SECONDS)]
Namespace = Annotated[
    Text,
    Check(
        lambda v: re.fullmatch(names.NAMESPACE_PATTERN, v) is not None and not v.startswith("AWS/"),
        "must be 1-255 of letters, digits and . - _ / # : and must not start with 'AWS/'",
        {"pattern": f"^(?!AWS/){names.NAMESPACE_PATTERN}$"},
    ),
]
PollRateMinutes = Annotated[Whole, between(1, MAX_POLL_RATE_MINUTES)]
RetentionDays = Annotated[Whole, one_of(LOG_RETENTION_DAYS)]
MetricSelection = Annotated[
    tuple[str, ...],
    BeforeValidator(_metrics),
    InputShape(
        {
            "anyOf": [
                {"enum": list(names.METRIC_PROFILES)},
                {"type": "array", "items": {"enum": list(names.QUEUE_METRIC_NAMES)}, "minItems": 1},
            ]
        }
    ),
]
MetricsBackend = Annotated[Text, one_of(names.METRICS_BACKENDS)]
Emails = Annotated[
    Strings,
    each(lambda e: None if re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", e) else f"'{e}' is not an email address"),
]
# CloudWatch takes at most 5 actions per alarm state; the notifier's own alarms have the email topic
# and every one of these.
MAX_ALARM_TOPIC_ARNS: Final = 4
TopicArns = Annotated[
    Strings,
    Check(
        lambda v: len(v) <= MAX_ALARM_TOPIC_ARNS,
        f"at most {MAX_ALARM_TOPIC_ARNS} topics: a CloudWatch alarm takes at most 5 actions per state, and the "
        "notifier's own alarms also notify the stack's email topic",
        {"maxItems": MAX_ALARM_TOPIC_ARNS},
    ),
    each(
        lambda a: (
            None
            if re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", a)
            else f"'{a}' is not a standard SNS topic ARN"
        )
    ),
]
