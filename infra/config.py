"""The stack's configuration: `cdk.json` context (or `cdk ... -c key=value`) parsed once, at synth,
into frozen, typed models. Each field's description and default also write the README's table and
the JSON Schema editors use (`scripts/config_docs.py`).

Every problem raises `ConfigError` whose message starts with the offending key (for example
`environments[1].symbeeRegion`), so an operator can fix cdk.json without reading this code.
Values given with `-c` arrive as strings; numbers, booleans, lists and objects are therefore also
accepted in their string forms (`5`, `false`, `a,b` or a JSON list, a JSON object).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Final
from urllib.parse import urlparse

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo
from pydantic import create_model, field_validator, model_validator

from infra import queries
from infra.config_types import (
    Bool,
    Check,
    InputShape,
    Loc,
    Model,
    Number,
    Strings,
    Text,
    Whole,
    as_list,
    as_object,
    between,
    blank,
    each,
    located,
    matches,
    one_of,
    problem,
)
from queue_stats import names, rules


class ConfigError(ValueError):
    """A context value is missing or invalid; the message names the key. `others` holds any
    further problems found in the same pass."""

    def __init__(self, key: str, problem: str, others: tuple[ConfigError, ...] = ()) -> None:
        super().__init__(f"cdk.json context key '{key}': {problem}")
        self.key = key
        self.others = others


# --- alarms -------------------------------------------------------------------------------------
class AlarmKind(StrEnum):
    """The alarms the stack can create; each value is its key under `alarms` in cdk.json."""

    OLDEST_ITEM_AGE = "oldestItemAge"
    ITEMS_IN_QUEUE = "itemsInQueue"
    UNATTENDED_ITEMS = "unattendedItems"
    AGENTS_IN_ERROR = "agentsInError"
    POLL_FAILED = "pollFailed"
    POLLER_ERRORS = "pollerErrors"
    POLLER_THROTTLES = "pollerThrottles"

    @property
    def pascal_name(self) -> str:
        """The kind as it appears in alarm names and construct ids, e.g. OldestItemAge."""
        return self.value[0].upper() + self.value[1:]

    @property
    def metric(self) -> str | None:
        """The per-queue metric this alarm reads, None for the poller-health alarms."""
        from infra.alarms import SPECS  # noqa: PLC0415 - alarms.py imports this module

        metric = SPECS[self].metric
        return metric if metric in names.QUEUE_METRIC_NAMES else None


# Per-queue alarms are Metrics Insights alarms (one contributor per queue) and accept overrides.
QUEUE_ALARM_KINDS: Final = (
    AlarmKind.OLDEST_ITEM_AGE,
    AlarmKind.ITEMS_IN_QUEUE,
    AlarmKind.UNATTENDED_ITEMS,
    AlarmKind.AGENTS_IN_ERROR,
)
HEALTH_ALARM_KINDS: Final = (AlarmKind.POLL_FAILED, AlarmKind.POLLER_ERRORS, AlarmKind.POLLER_THROTTLES)
FIXED_THRESHOLD_KINDS: Final = frozenset({AlarmKind.POLL_FAILED})
# Metrics Insights alarms can only evaluate the latest 3 hours of data; CloudWatch alarms in
# general at most one day when their period is under an hour, 7 days otherwise.
MAX_QUEUE_ALARM_MINUTES: Final = 180
MAX_ALARM_MINUTES: Final = 1440
MAX_LONG_PERIOD_ALARM_MINUTES: Final = 7 * 1440
MAX_ALARM_NAME_LENGTH: Final = 255
# A multi-time-series (GROUP BY) Metrics Insights alarm evaluates one-minute periods.
QUEUE_ALARM_PERIOD_SECONDS: Final = 60
DEFAULT_METRICS_INSIGHTS_ALARM_QUOTA: Final = 200  # per account and region, CloudWatch's default


class AlarmSettings(Model):
    """One alarm's knobs: fires when the condition holds for `minutes` (rounded up to whole polls)."""

    enabled: bool
    threshold: float
    minutes: int


DEFAULT_ALARMS: Final[Mapping[AlarmKind, AlarmSettings]] = MappingProxyType(
    {
        # 5 minutes is a common service-level target for a first response; two polls in a row
        # keep one slow pick-up from paging.
        AlarmKind.OLDEST_ITEM_AGE: AlarmSettings(enabled=True, threshold=300, minutes=2),
        AlarmKind.ITEMS_IN_QUEUE: AlarmSettings(enabled=True, threshold=10, minutes=5),
        # Any waiting work with nobody available, sustained, while the queue is not closed.
        AlarmKind.UNATTENDED_ITEMS: AlarmSettings(enabled=True, threshold=1, minutes=5),
        AlarmKind.AGENTS_IN_ERROR: AlarmSettings(enabled=True, threshold=1, minutes=5),
        # The poll-failure alarm is "PollSucceeded minimum < 1"; its threshold is fixed at 1.
        AlarmKind.POLL_FAILED: AlarmSettings(enabled=True, threshold=1, minutes=3),
        AlarmKind.POLLER_ERRORS: AlarmSettings(enabled=True, threshold=1, minutes=3),
        AlarmKind.POLLER_THROTTLES: AlarmSettings(enabled=True, threshold=1, minutes=3),
    }
)


@dataclass(frozen=True)
class AlarmWindow:
    """What an alarm evaluates: `evaluation_periods` periods, of which `datapoints_to_alarm` must
    breach. Queue alarms use one-minute periods with one datapoint per poll in them."""

    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int

    @property
    def minutes(self) -> int:
        return self.period_seconds * self.evaluation_periods // 60


def alarm_window(kind: AlarmKind, minutes: int, poll_rate_minutes: int) -> AlarmWindow:
    """`minutes` rounded up to whole polls, as the alarm of `kind` evaluates it."""
    polls = max(1, math.ceil(minutes / poll_rate_minutes))
    if kind in QUEUE_ALARM_KINDS:
        return AlarmWindow(QUEUE_ALARM_PERIOD_SECONDS, polls * poll_rate_minutes, polls)
    return AlarmWindow(poll_rate_minutes * 60, polls, polls)


def _window_problem(kind: AlarmKind, minutes: int, rate: int) -> str | None:
    window = alarm_window(kind, minutes, rate)
    if kind in QUEUE_ALARM_KINDS:
        limit, what = MAX_QUEUE_ALARM_MINUTES, "a Metrics Insights alarm (it evaluates the last 3 hours only)"
    elif window.period_seconds < 3600:
        limit, what = MAX_ALARM_MINUTES, "an alarm whose period is under an hour (one day)"
    else:
        limit, what = MAX_LONG_PERIOD_ALARM_MINUTES, "an alarm (7 days)"
    if window.minutes <= limit:
        return None
    return (
        f"{minutes} minutes at pollRateMinutes {rate} become {window.minutes} minutes of evaluation "
        f"(whole polls), over the {limit} CloudWatch accepts for {what}: set at most {limit // rate * rate}"
    )


def _alarm_input(max_minutes: int, *, fixed_threshold: bool = False) -> type[Model]:
    """The cdk.json form of one alarm's settings; unset fields inherit."""
    fields: dict[str, Any] = {"enabled": (Bool | None, Field(None, description="create this alarm"))}
    if not fixed_threshold:
        positive = Check(lambda v: v > 0, "must be greater than 0", {"exclusiveMinimum": 0})
        fields["threshold"] = (Annotated[Number, positive] | None, Field(None, description="the alarm's threshold"))
    fields["minutes"] = (
        Annotated[Whole, between(1, max_minutes)] | None,
        Field(None, description="how long the condition must hold, rounded up to whole polls"),
    )
    name = "FixedThresholdAlarm" if fixed_threshold else f"Alarm{max_minutes}Minutes"
    model: type[Model] = create_model(name, __base__=Model, **fields)
    model.unknown_key = "unknown setting; valid"
    if fixed_threshold:
        model.refused_keys = {"threshold": "this alarm has no threshold (it fires on any failed poll)"}
    return model


_QUEUE_ALARM_INPUT: Final = _alarm_input(MAX_QUEUE_ALARM_MINUTES)
_HEALTH_ALARM_INPUT: Final = _alarm_input(MAX_ALARM_MINUTES)
_INPUT_BY_KIND: Final = {
    **dict.fromkeys(QUEUE_ALARM_KINDS, _QUEUE_ALARM_INPUT),
    AlarmKind.POLL_FAILED: _alarm_input(MAX_ALARM_MINUTES, fixed_threshold=True),
    AlarmKind.POLLER_ERRORS: _HEALTH_ALARM_INPUT,
    AlarmKind.POLLER_THROTTLES: _HEALTH_ALARM_INPUT,
}


def _alarms_input(name: str, kinds: tuple[AlarmKind, ...]) -> type[Model]:
    """The cdk.json form of a set of alarms: one optional entry per kind."""

    def described(kind: AlarmKind) -> Any:
        default = DEFAULT_ALARMS[kind]
        threshold = "" if kind in FIXED_THRESHOLD_KINDS else f"threshold {default.threshold:g}, "
        return Field(None, description=f"default: {threshold}{default.minutes} minutes")

    fields = {kind.value: (_INPUT_BY_KIND[kind] | None, described(kind)) for kind in kinds}
    model: type[Model] = create_model(name, __base__=Model, **fields)
    model.unknown_key = "unknown alarm; valid"
    return model


_Alarms = _alarms_input("Alarms", (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS))
_ALARMS: Final = TypeAdapter(_Alarms)
_QueueAlarms = _alarms_input("QueueAlarms", QUEUE_ALARM_KINDS)


def _queue_id_problem(queue_id: str) -> str | None:
    if not queue_id or queue_id != queue_id.strip():
        return f"queue id '{queue_id}' is empty or has surrounding spaces"
    # Commas separate ids in SYMBEE_QUEUE_IDS; quotes, backslashes and control characters would
    # break out of (or be ambiguous in) the quoted literals of alarm queries.
    if "," in queue_id or re.search(r"['\"\\\x00-\x1f\x7f]", queue_id):
        return f"queue id '{queue_id}' must not contain commas, quotes, backslashes or control characters"
    if not rules.queue_id_fits(queue_id):
        return f"queue id '{queue_id[:40]}...' is over CloudWatch's {names.MAX_DIMENSION_VALUE}-character limit"
    return None


QueueId = Annotated[str, Check(lambda q: _queue_id_problem(q) is None, lambda q: _queue_id_problem(q) or "")]
_Overrides = dict[QueueId, _QueueAlarms]  # type: ignore[valid-type]
_OVERRIDES: Final = TypeAdapter(_Overrides)


class QueueOverride(Model):
    """Alarm settings for one queue id; that queue leaves the fleet alarm of each kind listed."""

    model_config = ConfigDict(validate_by_name=True)  # built by the validator, not read from cdk.json
    queue_id: str
    alarms: Mapping[AlarmKind, AlarmSettings]


def _settings(base: AlarmSettings, given: Model) -> AlarmSettings:
    return base.model_copy(update={k: v for k, v in given.model_dump().items() if v is not None})


def _check_alarm(info: ValidationInfo, where: Loc, kind: AlarmKind, settings: AlarmSettings, switch: Loc | None) -> None:
    """Refuse an alarm switched on (at `switch`) for a metric not published, or a window
    CloudWatch would refuse (or could never fill). `where` is the alarm's path below the field."""
    published, rate = info.data.get("metrics"), info.data.get("poll_rate_minutes")
    if switch is not None and published is not None and kind.metric is not None and kind.metric not in published:
        raise located(
            switch,
            f"switches on an alarm on {kind.metric}, which the 'metrics' key leaves out: add it to 'metrics', "
            "or switch the alarm off",
        )
    window_problem = _window_problem(kind, settings.minutes, rate) if rate else None
    if window_problem is not None:
        raise located((*where, "minutes"), window_problem, settings.minutes)


def _resolve_alarms(raw: Any, info: ValidationInfo) -> Mapping[AlarmKind, AlarmSettings]:
    given = _ALARMS.validate_python(raw)
    resolved = {}
    for kind in AlarmKind:
        partial = getattr(given, kind.value)
        resolved[kind] = _settings(DEFAULT_ALARMS[kind], partial) if partial is not None else DEFAULT_ALARMS[kind]
        switched_on = getattr(partial, "enabled", None) is True
        _check_alarm(info, (kind.value,), kind, resolved[kind], (kind.value, "enabled") if switched_on else None)
    return MappingProxyType(resolved)


def _resolve_overrides(raw: Any, info: ValidationInfo) -> tuple[QueueOverride, ...]:
    base: Mapping[AlarmKind, AlarmSettings] = info.data.get("alarms", DEFAULT_ALARMS)
    overrides = []
    for queue_id, given in _OVERRIDES.validate_python(raw).items():
        alarms = {}
        for kind in QUEUE_ALARM_KINDS:
            partial = getattr(given, kind.value)
            if partial is not None:
                alarms[kind] = _settings(base[kind], partial)
                where = (queue_id, kind.value)
                _check_alarm(info, where, kind, alarms[kind], where if alarms[kind].enabled else None)
        if not alarms:
            raise located((queue_id,), "names no alarm to override", {})
        overrides.append(QueueOverride(queue_id=queue_id, alarms=MappingProxyType(alarms)))
    return tuple(overrides)


# --- value rules ----------------------------------------------------------------------------------
DEFAULT_STACK_NAME: Final = "SymbeeQueueStats"
DEFAULT_POLL_RATE_MINUTES: Final = 1
MAX_POLL_RATE_MINUTES: Final = 60
DEFAULT_LOG_RETENTION_DAYS: Final = 30
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
# Lambda refuses a function whose variables (keys and values, in bytes) exceed 4 KB in all.
MAX_ENVIRONMENT_BYTES: Final = 4096
# The stack's region is unknown at synth (stacks are environment-agnostic); count the longest name.
_REGION_PLACEHOLDER: Final = "x" * 16

_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}"
)
# Tag values, quoted in alarm and SEARCH queries, sent as HTTP headers: ASCII (the runtime's rule).
_IDENTITY = matches(r"[A-Za-z0-9 _.:/=+\-@]{1,128}", "must be 1-128 ASCII letters, digits, spaces or _ . : / = + - @")
_HEADER_SAFE = Check(rules.is_header_value, "must be printable ASCII (it is sent as an HTTP header)")
Identity = Annotated[Text, _HEADER_SAFE, _IDENTITY]


def _url_problem(url: str) -> str | None:
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - parsing the port is the check: "h:abc" raises here
    except ValueError:
        return "is not a valid URL"
    return None if parsed.scheme == "https" and parsed.netloc else "must be an https:// URL"


HttpsUrl = Annotated[
    Text,
    Check(lambda u: _url_problem(u) is None, lambda u: _url_problem(u) or "", {"format": "uri", "pattern": "^https://"}),
]


def _metrics(value: Any) -> tuple[str, ...]:
    """`all`, `essential` or metric names, as the contract's ordered tuple of names."""
    if isinstance(value, str) and value.strip().lower() in names.METRIC_PROFILES:
        return tuple(names.METRIC_PROFILES[value.strip().lower()])
    wanted = as_list(value)
    for index, name in enumerate(wanted):
        if name not in names.QUEUE_METRIC_NAMES:
            raise located(
                (index,),
                f"unknown metric {name!r}; give {' or '.join(names.METRIC_PROFILES)}, or a list of: "
                + ", ".join(names.QUEUE_METRIC_NAMES),
                name,
            )
    if not wanted:
        raise problem("names no metric; give 'all' to publish every one")
    return tuple(name for name in names.QUEUE_METRIC_NAMES if name in wanted)


_METRICS_SCHEMA: Final = {
    "anyOf": [
        {"enum": list(names.METRIC_PROFILES)},
        {"type": "array", "items": {"enum": list(names.QUEUE_METRIC_NAMES)}, "minItems": 1, "uniqueItems": True},
    ]
}
_ENV_VAR_KEYS: Final = {
    names.ENV_COMPANY_CODE: "companyCode",
    names.ENV_ENVIRONMENT: "environment",
    names.ENV_REGION: "symbeeRegion",
    names.ENV_API_URL: "apiUrl",
    names.ENV_API_KEY_SECRET_ID: "secretId",
    names.ENV_SECRETS_REGION: "secretRegion",
    names.ENV_INCLUDE_AMAZON_QUEUES: "includeAmazonQueues",
    names.ENV_QUEUE_IDS: "queueIds",
    names.ENV_METRICS_NAMESPACE: "metricsNamespace",
    names.ENV_API_KEY_MAX_AGE_SECONDS: "apiKeyMaxAgeSeconds",
    names.ENV_PUBLISH_METRICS: "metrics",
    names.ENV_SKIP_IDLE_QUEUES: "skipIdleQueues",
    names.ENV_METRICS_BACKEND: "metricsBackend",
}


def _shown(text: str) -> dict[str, Any]:
    """The README's default column where the default is computed rather than a value."""
    return {"x-default-text": text}


# --- the configuration --------------------------------------------------------------------------
class EnvironmentConfig(Model):
    """Everything one monitored Symbee environment needs; it becomes one stack. Every key is valid
    at the top level of the context (a default for all environments) and in each `environments`
    entry."""

    company_code: Identity = Field(
        description="the Symbee Connect company alias (ASCII letters, digits, spaces, `_ . : / = + - @`)"
    )
    environment: Identity = Field(
        description="the Symbee Connect environment name (same characters); also the metrics' `Environment` "
        "dimension and part of the stack name"
    )
    stack_prefix: Annotated[
        Text, matches(r"[A-Za-z][A-Za-z0-9-]{0,99}", "must start with a letter and contain only letters, digits and '-' (max 100)")
    ] = Field(
        DEFAULT_STACK_NAME,
        alias="stackName",
        description="prefix of each stack's name (`<stackName>-<environment>`), alarm names and dashboard name",
    )
    symbee_region: Annotated[Text, one_of(names.SYMBEE_REGIONS)] = Field(
        names.DEFAULT_SYMBEE_REGION, description="region of the Symbee environment; picks the API host"
    )
    api_url: HttpsUrl | None = Field(
        None,
        description="full API URL, overriding the region's host; `https://` only (the key travels in a header)",
        json_schema_extra=_shown("from `symbeeRegion`"),
    )
    include_amazon_queues: Bool = Field(True, description="also report the linked Amazon Connect instance's queues")
    queue_ids: Annotated[Strings, each(_queue_id_problem)] = Field(
        (),
        description="only these queue ids / Amazon Connect queue ARNs. Leave empty to monitor every queue, including "
        "queues created later",
        json_schema_extra=_shown("`[]` (every queue)"),
    )
    secret_id: Text = Field(
        names.DEFAULT_API_KEY_SECRET_ID,
        description="the API key's secret: a name, or its complete ARN (ending in the 6-character suffix). The "
        "function may read this one secret only (a name becomes the `arn:...:secret:NAME-??????` pattern)",
    )
    secret_region: Text | None = Field(
        None,
        validate_default=True,
        description="region of that secret (sent to Symbee as `X-sc-secrets-region`); taken from the ARN when "
        "`secretId` is one",
        json_schema_extra=_shown("the stack's region"),
    )
    secret_kms_key_arn: Annotated[
        Text,
        matches(
            r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+",
            "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); IAM cannot grant through an alias",
        ),
    ] | None = Field(
        None,
        description="the KMS key ARN (not an alias) encrypting the secret, if it is not the AWS managed key; grants "
        "`kms:Decrypt` through Secrets Manager only",
    )
    api_key_max_age_seconds: Annotated[Whole, between(1, names.MAX_API_KEY_MAX_AGE_SECONDS)] | None = Field(
        None,
        description="how long the poller caches the key; 1 to 3600",
        json_schema_extra=_shown(f"`{names.DEFAULT_API_KEY_MAX_AGE_SECONDS}` (the poller's default)"),
    )
    metrics_namespace: Annotated[
        Text,
        Check(
            lambda v: re.fullmatch(names.NAMESPACE_PATTERN, v) is not None and not v.startswith("AWS/"),
            "must be 1-255 of letters, digits and . - _ / # : and must not start with 'AWS/'",
            {"pattern": f"^(?!AWS/){names.NAMESPACE_PATTERN}$"},
        ),
    ] = Field(
        names.DEFAULT_NAMESPACE,
        description="the CloudWatch namespace; the function may publish to this namespace only",
    )
    poll_rate_minutes: Annotated[Whole, between(1, MAX_POLL_RATE_MINUTES)] = Field(
        DEFAULT_POLL_RATE_MINUTES,
        description="minutes between polls, 1 to 60. Alarm windows, the dashboard's period and the maximum event "
        "age follow it",
    )
    log_retention_days: Annotated[Whole, one_of(LOG_RETENTION_DAYS)] = Field(
        DEFAULT_LOG_RETENTION_DAYS,
        description="retention of the function's log group; a value CloudWatch Logs accepts",
    )
    reserved_concurrency: Bool = Field(
        False,
        description="reserve a concurrency of 1 for the function. Off by default: accounts at the minimum unreserved "
        "concurrency cannot reserve any, and the 30 s timeout under the poll interval already keeps polls from "
        "overlapping",
    )
    metrics: Annotated[tuple[str, ...], BeforeValidator(_metrics), InputShape(_METRICS_SCHEMA)] = Field(
        names.QUEUE_METRIC_NAMES,
        description="which per-queue metrics to publish: `all`, `essential` (what the default alarms and the "
        "dashboard's first rows read), or a list of metric names (see [Metrics](#metrics)). An alarm of the "
        "default set whose metric is left out is not created (synth says so); one switched on with "
        '`"enabled": true` is an error',
        json_schema_extra=_shown("`all`"),
    )
    skip_idle_queues: Bool = Field(
        False,
        description="a queue that is closed or has nobody staffed, with nothing waiting, scheduled or being "
        "delivered, publishes nothing in that poll (fewer billed metrics; counted in `QueuesIdle`)",
    )
    metrics_backend: Annotated[Text, one_of(names.METRICS_BACKENDS)] = Field(
        names.DEFAULT_METRICS_BACKEND,
        description="where metrics go: `cloudwatch` (PutMetricData), `otel` (OpenTelemetry to CloudWatch), or `both`",
    )
    alarms: Annotated[
        Mapping[AlarmKind, AlarmSettings], BeforeValidator(_resolve_alarms), InputShape(_Alarms)
    ] = Field(
        {},  # type: ignore[arg-type] - resolved to every alarm by the validator
        validate_default=True,
        description="per alarm: `enabled` (`true`), `threshold`, `minutes`",
        json_schema_extra=_shown("see [Alarms](#alarms)"),
    )
    queue_overrides: Annotated[
        tuple[QueueOverride, ...], BeforeValidator(_resolve_overrides), InputShape(_Overrides)
    ] = Field(
        (),
        description='per queue id, alarm settings that replace the fleet\'s for that queue: `{"<queueId>": '
        '{"oldestItemAge": {"threshold": 900}}}`. The queue gets its own alarm and leaves the fleet alarm of that '
        'kind; `{"enabled": false}` switches that alarm off for that queue only. Unset fields inherit the '
        "environment's settings",
        json_schema_extra=_shown("`{}`"),
    )
    notification_emails: Annotated[
        Strings,
        each(lambda e: None if re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", e) else f"'{e}' is not an email address"),
    ] = Field((), description="addresses subscribed to the alarm topic (each must confirm)")
    alarm_topic_arns: Annotated[
        Strings,
        each(
            lambda a: None
            if re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", a)
            else f"'{a}' is not a standard SNS topic ARN"
        ),
    ] = Field(
        (),
        description="existing SNS topics every alarm also notifies (PagerDuty, Opsgenie, chat), in the stack's "
        "region. Their policy must let `cloudwatch.amazonaws.com` publish, and their KMS key (if any) must let "
        "CloudWatch use it",
    )
    notify_on_ok: Bool = Field(
        True, description="also notify when an alarm returns to OK (pagers use it to resolve incidents)"
    )
    runbook_url: HttpsUrl | None = Field(
        None,
        description="where notifications link for \"what to do\"",
        json_schema_extra=_shown("the README's *When an alarm fires*"),
    )

    @field_validator("secret_id")
    @classmethod
    def _secret_id(cls, secret_id: str) -> str:
        if secret_id.startswith("arn:") and not _SECRET_ARN.fullmatch(secret_id):
            raise problem(
                "must be a secret name or its complete ARN (ending in the 6-character suffix "
                "Secrets Manager adds, e.g. ...:secret:SYMBEE_CONNECT_API_KEY-AbC123)"
            )
        if not secret_id.startswith("arn:") and not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", secret_id):
            raise problem("must be a secret name (letters, digits and /_+=.@-) or an ARN")
        return secret_id

    @field_validator("secret_region")
    @classmethod
    def _secret_region(cls, region: str | None, info: ValidationInfo) -> str | None:
        if region is not None and not re.fullmatch(names.AWS_REGION_PATTERN, region):
            raise problem("must be an AWS region such as us-east-1")
        arn = _SECRET_ARN.fullmatch(info.data.get("secret_id", ""))
        if arn is not None and region is not None and region != arn["region"]:
            raise problem(f"is {region} but secretId is an ARN in {arn['region']}")
        return arn["region"] if arn is not None else region

    @field_validator("queue_ids")
    @classmethod
    def _queue_ids_fit(cls, queue_ids: tuple[str, ...]) -> tuple[str, ...]:
        joined = len(",".join(queue_ids))
        if joined > names.MAX_QUEUE_IDS_LENGTH:
            raise problem(
                f"{len(queue_ids)} ids take {joined:,} characters, over the {names.MAX_QUEUE_IDS_LENGTH:,} that fit "
                "in the function's environment (Lambda allows 4 KB in all): list fewer, or leave queueIds empty to "
                "monitor every queue"
            )
        return queue_ids

    @model_validator(mode="after")
    def _fits_cloudwatch_and_lambda(self) -> EnvironmentConfig:
        for override in self.queue_overrides:
            for kind in override.alarms:
                if len(self.alarm_name(kind, override.queue_id)) > MAX_ALARM_NAME_LENGTH:
                    raise located(
                        ("queueOverrides", override.queue_id),
                        f"the alarm name {self.alarm_name(kind, override.queue_id)!r} would be longer than "
                        f"{MAX_ALARM_NAME_LENGTH} characters; use a shorter stackName",
                    )
        for kind in QUEUE_ALARM_KINDS:
            excluded = self.overridden_queue_ids(kind)
            # The metric and function names are short; the longest ones stand in for any alarm.
            query = queries.queue_alarm_query(
                namespace=self.metrics_namespace,
                environment=self.environment,
                metric=names.METRIC_ITEMS_BEING_DELIVERED,
                function="MAX",
                exclude_queues=excluded,
            )
            if len(query) > queries.MAX_EXPRESSION_LENGTH:
                raise located(
                    ("queueOverrides",),
                    f"{len(excluded)} queues override '{kind}': the fleet alarm's query, which excludes them, "
                    f"would exceed {queries.MAX_EXPRESSION_LENGTH} characters; override fewer queues",
                )
        variables = self.poller_environment(stack_region=_REGION_PLACEHOLDER)
        size = {name: len(name.encode()) + len(value.encode()) for name, value in variables.items()}
        if sum(size.values()) > MAX_ENVIRONMENT_BYTES:
            largest = sorted(size, key=size.__getitem__, reverse=True)[:3]
            raise located(
                (_ENV_VAR_KEYS[largest[0]],),
                f"the function's environment variables would take {sum(size.values()):,} bytes, over the "
                f"{MAX_ENVIRONMENT_BYTES:,} Lambda allows in all; the largest: "
                + ", ".join(f"{name} {size[name]:,} bytes ({_ENV_VAR_KEYS[name]})" for name in largest),
            )
        return self

    @property
    def stack_name(self) -> str:
        suffix = re.sub(r"[^A-Za-z0-9-]+", "-", self.environment).strip("-") or "env"
        return f"{self.stack_prefix}-{suffix}"

    @property
    def secret_is_arn(self) -> bool:
        return self.secret_id.startswith("arn:")

    def evaluation_periods(self, minutes: int) -> int:
        """How many poll periods cover `minutes` (at least one)."""
        return max(1, math.ceil(minutes / self.poll_rate_minutes))

    def alarm_window(self, kind: AlarmKind, minutes: int) -> AlarmWindow:
        return alarm_window(kind, minutes, self.poll_rate_minutes)

    def alarm_name(self, kind: AlarmKind, queue_id: str | None = None) -> str:
        """The CloudWatch alarm name: stack, alarm and (for an override) the queue id."""
        return f"{self.stack_name}-{kind.pascal_name}" + (f"-{queue_id}" if queue_id else "")

    def overridden_queue_ids(self, kind: AlarmKind) -> tuple[str, ...]:
        """Queue ids that have their own alarm (or none) for `kind`, so the fleet alarm skips them."""
        return tuple(o.queue_id for o in self.queue_overrides if kind in o.alarms)

    def is_published(self, kind: AlarmKind) -> bool:
        """Whether the metric the alarm reads is published (the health alarms' always are)."""
        return kind.metric is None or kind.metric in self.metrics

    def is_active(self, kind: AlarmKind, settings: AlarmSettings | None = None) -> bool:
        """Whether the stack creates this alarm: enabled, and its metric published."""
        return (settings or self.alarms[kind]).enabled and self.is_published(kind)

    @property
    def unpublished_alarms(self) -> tuple[AlarmKind, ...]:
        """Enabled alarms left out because `metrics` does not publish what they read."""
        return tuple(k for k in AlarmKind if self.alarms[k].enabled and not self.is_published(k))

    @property
    def metrics_insights_alarm_count(self) -> int:
        fleet = sum(self.is_active(kind) for kind in QUEUE_ALARM_KINDS)
        own = sum(self.is_active(k, s) for o in self.queue_overrides for k, s in o.alarms.items())
        return fleet + own

    @property
    def publish_metrics_setting(self) -> str | None:
        """PUBLISH_METRICS for the function: a profile's name when the selection is one (fewer
        bytes of the 4 KB), the names otherwise; None for the runtime's default, everything."""
        if self.metrics == tuple(names.METRIC_PROFILES[names.PROFILE_ALL]):
            return None
        profile = next((p for p, chosen in names.METRIC_PROFILES.items() if tuple(chosen) == self.metrics), None)
        return profile or ",".join(self.metrics)

    def poller_environment(self, *, stack_region: str) -> dict[str, str]:
        """The poller function's environment variables (CONTRACT.md); optional ones only when they
        differ from the runtime's default, to leave room in Lambda's 4 KB."""
        optional = {
            names.ENV_API_URL: self.api_url,
            names.ENV_QUEUE_IDS: ",".join(self.queue_ids) or None,
            names.ENV_API_KEY_MAX_AGE_SECONDS: None if self.api_key_max_age_seconds is None else str(self.api_key_max_age_seconds),
            names.ENV_PUBLISH_METRICS: self.publish_metrics_setting,
            names.ENV_SKIP_IDLE_QUEUES: "true" if self.skip_idle_queues else None,
            names.ENV_METRICS_BACKEND: None if self.metrics_backend == names.DEFAULT_METRICS_BACKEND else self.metrics_backend,
        }
        return {
            names.ENV_COMPANY_CODE: self.company_code,
            names.ENV_ENVIRONMENT: self.environment,
            names.ENV_REGION: self.symbee_region,
            names.ENV_API_KEY_SECRET_ID: self.secret_id,
            names.ENV_SECRETS_REGION: self.secret_region or stack_region,
            names.ENV_INCLUDE_AMAZON_QUEUES: "true" if self.include_amazon_queues else "false",
            names.ENV_METRICS_NAMESPACE: self.metrics_namespace,
            **{name: value for name, value in optional.items() if value is not None},
        }


class AppConfig(Model):
    """The whole context: one or several environments, and what they share in the account."""

    environments: tuple[EnvironmentConfig, ...] = Field(
        description="a list of objects to monitor several Symbee environments from one app, see below",
        json_schema_extra=_shown("none"),
    )
    metrics_insights_alarm_quota: Annotated[Whole, between(1, 100_000)] = Field(
        DEFAULT_METRICS_INSIGHTS_ALARM_QUOTA,
        description="the account's quota of Metrics Insights alarms per region (CloudWatch's default is 200). "
        "Synth refuses a configuration whose queue alarms and overrides, across all environments, need more; "
        "raise it only after raising the quota",
    )

    @model_validator(mode="after")
    def _unique_and_within_quota(self) -> AppConfig:
        seen: dict[str, int] = {}
        for index, env in enumerate(self.environments):
            if env.stack_name in seen:
                raise located(
                    ("environments", index, "environment"),
                    f"'{env.environment}' gives the same stack name ({env.stack_name}) as "
                    f"environments[{seen[env.stack_name]}]",
                )
            seen[env.stack_name] = index
        counts = [env.metrics_insights_alarm_count for env in self.environments]
        if sum(counts) > self.metrics_insights_alarm_quota:
            index = max(range(len(counts)), key=counts.__getitem__)
            raise located(
                ("environments", index, "queueOverrides"),
                f"the stacks need {sum(counts)} Metrics Insights alarms ("
                + ", ".join(f"{e.environment}: {c}" for e, c in zip(self.environments, counts, strict=True))
                + f"), over the account's {self.metrics_insights_alarm_quota} per region "
                "(metricsInsightsAlarmQuota): override fewer queues or switch queue alarms off",
            )
        return self

    @property
    def notes(self) -> tuple[str, ...]:
        """What synth should tell the operator without failing (at most one line each)."""
        skipped = [
            f"{env.environment}: {', '.join(kind.value for kind in env.unpublished_alarms)}"
            for env in self.environments
            if env.unpublished_alarms
        ]
        if not skipped:
            return ()
        return (
            f"Note: alarms not created because 'metrics' does not publish what they read ({'; '.join(skipped)})",
        )


ENVIRONMENT_KEYS: Final = tuple(f.alias or n for n, f in EnvironmentConfig.model_fields.items())
APP_KEYS: Final = tuple(f.alias or n for n, f in AppConfig.model_fields.items())
CONFIG_KEYS: Final = (*ENVIRONMENT_KEYS, *APP_KEYS)
_MERGED_KEYS: Final = ("alarms", "queueOverrides")


def load_config(lookup: Callable[[str], Any]) -> AppConfig:
    """Build the configuration from a context lookup such as `app.node.try_get_context`."""
    context = {key: lookup(key) for key in CONFIG_KEYS}
    try:
        entries = [] if blank(context["environments"]) else as_list(context["environments"], comma_separated=False)
        return AppConfig.model_validate({**_app_keys(context), "environments": _environments(context, entries)})
    except ValidationError as error:
        raise _config_error(error, single=not entries) from None
    except ValueError as error:  # a PydanticCustomError raised outside a model: `environments` itself
        raise ConfigError("environments", str(error)) from None


def _app_keys(context: Mapping[str, Any]) -> dict[str, Any]:
    return {key: context[key] for key in APP_KEYS if key != "environments" and not blank(context[key])}


def _environments(context: Mapping[str, Any], entries: list[Any]) -> list[dict[str, Any]]:
    """Each entry over the top-level keys: `alarms` and `queueOverrides` merged field by field,
    any other key replacing the top-level value."""
    base = {key: context[key] for key in ENVIRONMENT_KEYS if context[key] is not None}
    if not entries:
        return [base]
    if "environment" in base:
        raise located(
            ("environment",),
            "set 'environment' inside each entry of 'environments', not at the top level, when 'environments' is used",
        )
    tops = {}
    for key in _MERGED_KEYS:
        try:
            tops[key] = {} if blank(base.get(key)) else as_object(base[key])
        except ValueError as error:
            raise located((key,), str(error), base[key]) from None
    merged = []
    for index, raw in enumerate(entries):
        try:
            entry = as_object(raw)
            for key in _MERGED_KEYS:
                if not blank(entry.get(key)):
                    entry[key] = _deep_merge(tops[key], as_object(entry[key]))
        except ValueError as error:
            raise located(("environments", index), str(error), raw) from None
        merged.append({**base, **entry})
    return merged


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = _deep_merge(merged[name], value)
        else:
            merged[name] = value
    return merged


def _config_error(error: ValidationError, *, single: bool) -> ConfigError:
    """Pydantic's errors as one ConfigError (the first, carrying the others) whose key is the
    path in cdk.json."""
    found = []
    for detail in error.errors(include_url=False):
        loc = [part for part in detail["loc"] if part != "[key]"]
        if single and loc[:2] == ["environments", 0]:
            loc = loc[2:]
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        found.append((key, _problem_text(detail)))
    (key, text), *others = found
    return ConfigError(key, text, tuple(ConfigError(*other) for other in others))


def _problem_text(detail: Any) -> str:
    kind, given = detail["type"], type(detail.get("input")).__name__
    if kind == "missing":
        return "is required"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be an object, got {given}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list, got {given}"
    return str(detail["msg"])
