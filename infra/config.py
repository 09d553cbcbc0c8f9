"""The stack's configuration: `cdk.json` context (or `cdk ... -c key=value`) parsed once, at synth,
into frozen values.

Every problem raises `ConfigError` whose message starts with the offending key (for example
`environments[1].symbeeRegion`), so an operator can fix cdk.json without reading this code.
Values given with `-c` arrive as strings; numbers, booleans, lists and objects are therefore also
accepted in their string forms (`5`, `false`, `a,b` or a JSON list, a JSON object).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlparse

from infra import queries
from queue_stats import names


class ConfigError(ValueError):
    """A context value is missing or invalid; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"cdk.json context key '{key}': {problem}")
        self.key = key


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


# Per-queue alarms are Metrics Insights alarms (one contributor per queue) and accept overrides.
QUEUE_ALARM_KINDS: Final = (
    AlarmKind.OLDEST_ITEM_AGE,
    AlarmKind.ITEMS_IN_QUEUE,
    AlarmKind.UNATTENDED_ITEMS,
    AlarmKind.AGENTS_IN_ERROR,
)
HEALTH_ALARM_KINDS: Final = (AlarmKind.POLL_FAILED, AlarmKind.POLLER_ERRORS, AlarmKind.POLLER_THROTTLES)


@dataclass(frozen=True)
class AlarmSettings:
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
FIXED_THRESHOLD_KINDS: Final = frozenset({AlarmKind.POLL_FAILED})

# Metrics Insights alarms can only evaluate the latest 3 hours of data; CloudWatch alarms in
# general at most one day.
MAX_QUEUE_ALARM_MINUTES: Final = 180
MAX_ALARM_MINUTES: Final = 1440
MAX_ALARM_NAME_LENGTH: Final = 255


@dataclass(frozen=True)
class QueueOverride:
    """Alarm settings for one queue id; that queue leaves the fleet alarm of each kind listed."""

    queue_id: str
    alarms: Mapping[AlarmKind, AlarmSettings]


# --- the configuration --------------------------------------------------------------------------
DEFAULT_STACK_NAME: Final = "SymbeeQueueStats"
DEFAULT_POLL_RATE_MINUTES: Final = 1
MAX_POLL_RATE_MINUTES: Final = 60
DEFAULT_LOG_RETENTION_DAYS: Final = 30
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything one monitored Symbee environment needs; it becomes one stack."""

    stack_name: str
    company_code: str
    environment: str
    symbee_region: str
    api_url: str | None
    include_amazon_queues: bool
    queue_ids: tuple[str, ...]
    secret_id: str
    secret_region: str | None  # None: the stack's own region
    secret_kms_key_arn: str | None
    api_key_max_age_seconds: int | None
    metrics_namespace: str
    poll_rate_minutes: int
    log_retention_days: int
    reserved_concurrency: bool
    alarms: Mapping[AlarmKind, AlarmSettings]
    queue_overrides: tuple[QueueOverride, ...]
    notification_emails: tuple[str, ...]
    alarm_topic_arns: tuple[str, ...]
    notify_on_ok: bool

    @property
    def secret_is_arn(self) -> bool:
        return self.secret_id.startswith("arn:")

    def evaluation_periods(self, minutes: int) -> int:
        """How many poll periods cover `minutes` (at least one)."""
        return max(1, math.ceil(minutes / self.poll_rate_minutes))

    def alarm_name(self, kind: AlarmKind, queue_id: str | None = None) -> str:
        """The CloudWatch alarm name: stack, alarm and (for an override) the queue id."""
        return f"{self.stack_name}-{kind.pascal_name}" + (f"-{queue_id}" if queue_id else "")

    def overridden_queue_ids(self, kind: AlarmKind) -> tuple[str, ...]:
        """Queue ids that have their own alarm (or none) for `kind`, so the fleet alarm skips them."""
        return tuple(o.queue_id for o in self.queue_overrides if kind in o.alarms)


@dataclass(frozen=True)
class AppConfig:
    environments: tuple[EnvironmentConfig, ...]


# Keys valid at the top level and in each `environments` entry (the entry's value wins).
ENVIRONMENT_KEYS: Final = (
    "companyCode",
    "environment",
    "symbeeRegion",
    "apiUrl",
    "includeAmazonQueues",
    "queueIds",
    "secretId",
    "secretRegion",
    "secretKmsKeyArn",
    "apiKeyMaxAgeSeconds",
    "metricsNamespace",
    "pollRateMinutes",
    "logRetentionDays",
    "reservedConcurrency",
    "alarms",
    "queueOverrides",
    "notificationEmails",
    "alarmTopicArns",
    "notifyOnOk",
)
APP_KEYS: Final = ("stackName", "environments")
CONFIG_KEYS: Final = (*APP_KEYS, *ENVIRONMENT_KEYS)

_REGION = re.compile(f"^{names.AWS_REGION_PATTERN}$")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,99}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
)
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
_NAMESPACE = re.compile(f"^{names.NAMESPACE_PATTERN}$")
_TAG_SAFE = re.compile(r"^[\w .:/=+\-@]{1,128}$")
# Characters that would break out of a quoted Metrics Insights or SEARCH literal.
_QUERY_UNSAFE = re.compile(r"['\"\\\x00-\x1f]")


def load_config(lookup: Callable[[str], Any]) -> AppConfig:
    """Build the configuration from a context lookup such as `app.node.try_get_context`."""
    stack_prefix = _string(lookup("stackName"), "stackName", default=DEFAULT_STACK_NAME)
    if not _STACK_NAME.match(stack_prefix):
        raise ConfigError("stackName", "must start with a letter and contain only letters, digits and '-' (max 100)")
    base = {key: lookup(key) for key in ENVIRONMENT_KEYS}
    entries = _list(lookup("environments"), "environments", item_kind="object")
    if not entries:
        return AppConfig(environments=(_environment(base, "", stack_prefix),))

    if base["environment"] is not None:
        raise ConfigError(
            "environment",
            "set 'environment' inside each entry of 'environments', not at the top level, when 'environments' is used",
        )
    environments: list[EnvironmentConfig] = []
    for index, raw in enumerate(entries):
        where = f"environments[{index}]."
        entry = _object(raw, f"environments[{index}]")
        for key in entry:
            if key not in ENVIRONMENT_KEYS:
                raise ConfigError(f"{where}{key}", f"unknown key; valid keys: {', '.join(ENVIRONMENT_KEYS)}")
        merged = dict(base)
        for key, value in entry.items():
            if key in ("alarms", "queueOverrides"):
                merged[key] = _deep_merge(_object(base[key], key, allow_none=True), _object(value, f"{where}{key}"))
            else:
                merged[key] = value
        environments.append(_environment(merged, where, stack_prefix))

    seen: dict[str, int] = {}
    for index, env in enumerate(environments):
        if env.stack_name in seen:
            raise ConfigError(
                f"environments[{index}].environment",
                f"'{env.environment}' gives the same stack name ({env.stack_name}) as "
                f"environments[{seen[env.stack_name]}]",
            )
        seen[env.stack_name] = index
    return AppConfig(environments=tuple(environments))


def _environment(raw: Mapping[str, Any], where: str, stack_prefix: str) -> EnvironmentConfig:
    def key(name: str) -> str:
        return f"{where}{name}"

    company_code = _required_string(raw["companyCode"], key("companyCode"))
    environment = _required_string(raw["environment"], key("environment"))
    for name, value in (("companyCode", company_code), ("environment", environment)):
        # Both become tag values, and the environment a quoted literal in alarm and SEARCH queries.
        if not _TAG_SAFE.match(value) or _QUERY_UNSAFE.search(value):
            raise ConfigError(key(name), "must be 1-128 letters, digits, spaces or _ . : / = + - @")

    symbee_region = _string(raw["symbeeRegion"], key("symbeeRegion"), default=names.DEFAULT_SYMBEE_REGION)
    if symbee_region not in names.SYMBEE_REGIONS:
        raise ConfigError(key("symbeeRegion"), f"must be one of {', '.join(names.SYMBEE_REGIONS)}")

    api_url = _optional_string(raw["apiUrl"], key("apiUrl"))
    if api_url is not None:
        try:
            parsed = urlparse(api_url)
            parsed.port  # noqa: B018 - parsing the port is the check: "h:abc" raises here
        except ValueError:
            raise ConfigError(key("apiUrl"), "is not a valid URL") from None
        # The API key travels in a header, so plain HTTP is never acceptable from AWS.
        if parsed.scheme != "https" or not parsed.netloc:
            raise ConfigError(key("apiUrl"), "must be an https:// URL")

    queue_ids = tuple(_list(raw["queueIds"], key("queueIds"), item_kind="string"))
    for queue_id in queue_ids:
        _check_queue_id(queue_id, key("queueIds"))
    joined = len(",".join(queue_ids))
    if joined > names.MAX_QUEUE_IDS_LENGTH:
        raise ConfigError(
            key("queueIds"),
            f"{len(queue_ids)} ids take {joined:,} characters, over the {names.MAX_QUEUE_IDS_LENGTH:,} that fit in "
            "the function's environment (Lambda allows 4 KB in all): list fewer, or leave queueIds empty to "
            "monitor every queue",
        )

    secret_id = _string(raw["secretId"], key("secretId"), default=names.DEFAULT_API_KEY_SECRET_ID)
    secret_region = _optional_string(raw["secretRegion"], key("secretRegion"))
    if secret_region is not None and not _REGION.match(secret_region):
        raise ConfigError(key("secretRegion"), "must be an AWS region such as us-east-1")
    if secret_id.startswith("arn:"):
        match = _SECRET_ARN.match(secret_id)
        if match is None:
            raise ConfigError(
                key("secretId"),
                "must be a secret name or its complete ARN (ending in the 6-character suffix "
                "Secrets Manager adds, e.g. ...:secret:SYMBEE_CONNECT_API_KEY-AbC123)",
            )
        if secret_region is not None and secret_region != match["region"]:
            raise ConfigError(key("secretRegion"), f"is {secret_region} but secretId is an ARN in {match['region']}")
        secret_region = match["region"]
    elif not _SECRET_NAME.match(secret_id):
        raise ConfigError(key("secretId"), "must be a secret name (letters, digits and /_+=.@-) or an ARN")

    kms_key_arn = _optional_string(raw["secretKmsKeyArn"], key("secretKmsKeyArn"))
    if kms_key_arn is not None and not _KMS_KEY_ARN.match(kms_key_arn):
        raise ConfigError(
            key("secretKmsKeyArn"),
            "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); IAM cannot grant through an alias",
        )

    max_age = _optional_int(raw["apiKeyMaxAgeSeconds"], key("apiKeyMaxAgeSeconds"))
    if max_age is not None and not 1 <= max_age <= names.MAX_API_KEY_MAX_AGE_SECONDS:
        raise ConfigError(key("apiKeyMaxAgeSeconds"), f"must be between 1 and {names.MAX_API_KEY_MAX_AGE_SECONDS}")

    namespace = _string(raw["metricsNamespace"], key("metricsNamespace"), default=names.DEFAULT_NAMESPACE)
    if not _NAMESPACE.match(namespace) or namespace.startswith("AWS/"):
        raise ConfigError(
            key("metricsNamespace"),
            "must be 1-255 of letters, digits and . - _ / # : and must not start with 'AWS/'",
        )

    rate = _int(raw["pollRateMinutes"], key("pollRateMinutes"), default=DEFAULT_POLL_RATE_MINUTES)
    if not 1 <= rate <= MAX_POLL_RATE_MINUTES:
        raise ConfigError(key("pollRateMinutes"), f"must be between 1 and {MAX_POLL_RATE_MINUTES}")

    retention = _int(raw["logRetentionDays"], key("logRetentionDays"), default=DEFAULT_LOG_RETENTION_DAYS)
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(key("logRetentionDays"), f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")

    alarms = _alarms(raw["alarms"], key("alarms"), DEFAULT_ALARMS, (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS))
    overrides = _queue_overrides(raw["queueOverrides"], key("queueOverrides"), alarms)

    emails = tuple(_list(raw["notificationEmails"], key("notificationEmails"), item_kind="string"))
    for email in emails:
        if not _EMAIL.match(email):
            raise ConfigError(key("notificationEmails"), f"'{email}' is not an email address")
    topic_arns = tuple(_list(raw["alarmTopicArns"], key("alarmTopicArns"), item_kind="string"))
    for arn in topic_arns:
        if not _TOPIC_ARN.match(arn):
            raise ConfigError(key("alarmTopicArns"), f"'{arn}' is not a standard SNS topic ARN")

    config = EnvironmentConfig(
        stack_name=f"{stack_prefix}-{_stack_suffix(environment)}",
        company_code=company_code,
        environment=environment,
        symbee_region=symbee_region,
        api_url=api_url,
        include_amazon_queues=_bool(raw["includeAmazonQueues"], key("includeAmazonQueues"), default=True),
        queue_ids=queue_ids,
        secret_id=secret_id,
        secret_region=secret_region,
        secret_kms_key_arn=kms_key_arn,
        api_key_max_age_seconds=max_age,
        metrics_namespace=namespace,
        poll_rate_minutes=rate,
        log_retention_days=retention,
        reserved_concurrency=_bool(raw["reservedConcurrency"], key("reservedConcurrency"), default=False),
        alarms=alarms,
        queue_overrides=overrides,
        notification_emails=emails,
        alarm_topic_arns=topic_arns,
        notify_on_ok=_bool(raw["notifyOnOk"], key("notifyOnOk"), default=True),
    )
    for override in overrides:
        for kind in override.alarms:
            if len(config.alarm_name(kind, override.queue_id)) > MAX_ALARM_NAME_LENGTH:
                raise ConfigError(
                    key(f"queueOverrides.{override.queue_id}"),
                    f"the alarm name {config.alarm_name(kind, override.queue_id)!r} would be longer "
                    f"than {MAX_ALARM_NAME_LENGTH} characters; use a shorter stackName",
                )
    for kind in QUEUE_ALARM_KINDS:
        excluded = config.overridden_queue_ids(kind)
        # The metric and function names are short; the longest ones stand in for any alarm.
        query = queries.queue_alarm_query(
            namespace=namespace,
            environment=environment,
            metric=names.METRIC_ITEMS_BEING_DELIVERED,
            function="MAX",
            exclude_queues=excluded,
        )
        if len(query) > queries.MAX_EXPRESSION_LENGTH:
            raise ConfigError(
                key("queueOverrides"),
                f"{len(excluded)} queues override '{kind}': the fleet alarm's query, which excludes "
                f"them, would exceed {queries.MAX_EXPRESSION_LENGTH} characters; override fewer queues",
            )
    return config


def _alarms(
    raw: Any,
    key: str,
    defaults: Mapping[AlarmKind, AlarmSettings],
    allowed: tuple[AlarmKind, ...],
) -> Mapping[AlarmKind, AlarmSettings]:
    given = _object(raw, key, allow_none=True)
    result = dict(defaults)
    for name, value in given.items():
        try:
            kind = AlarmKind(name)
        except ValueError:
            kind = None
        if kind is None or kind not in allowed:
            raise ConfigError(f"{key}.{name}", f"unknown alarm; valid: {', '.join(allowed)}")
        result[kind] = _alarm_settings(value, f"{key}.{name}", kind, defaults[kind])
    return MappingProxyType(result)


def _alarm_settings(raw: Any, key: str, kind: AlarmKind, base: AlarmSettings) -> AlarmSettings:
    fields = _object(raw, key)
    for name in fields:
        if name not in ("enabled", "threshold", "minutes"):
            raise ConfigError(f"{key}.{name}", "unknown setting; valid: enabled, threshold, minutes")
    if "threshold" in fields and kind in FIXED_THRESHOLD_KINDS:
        raise ConfigError(f"{key}.threshold", "this alarm has no threshold (it fires on any failed poll)")
    threshold = _number(fields.get("threshold"), f"{key}.threshold", default=base.threshold)
    if threshold <= 0:
        raise ConfigError(f"{key}.threshold", "must be greater than 0")
    minutes = _int(fields.get("minutes"), f"{key}.minutes", default=base.minutes)
    limit = MAX_QUEUE_ALARM_MINUTES if kind in QUEUE_ALARM_KINDS else MAX_ALARM_MINUTES
    if not 1 <= minutes <= limit:
        raise ConfigError(f"{key}.minutes", f"must be between 1 and {limit}")
    enabled = _bool(fields.get("enabled"), f"{key}.enabled", default=base.enabled)
    return AlarmSettings(enabled=enabled, threshold=threshold, minutes=minutes)


def _queue_overrides(raw: Any, key: str, alarms: Mapping[AlarmKind, AlarmSettings]) -> tuple[QueueOverride, ...]:
    overrides = []
    for queue_id, value in _object(raw, key, allow_none=True).items():
        _check_queue_id(queue_id, f"{key}.{queue_id}")
        settings = _object(value, f"{key}.{queue_id}")
        if not settings:
            raise ConfigError(f"{key}.{queue_id}", "names no alarm to override")
        parsed = _alarms(settings, f"{key}.{queue_id}", alarms, QUEUE_ALARM_KINDS)
        overrides.append(
            QueueOverride(
                queue_id=queue_id,
                alarms=MappingProxyType({AlarmKind(k): parsed[AlarmKind(k)] for k in settings}),
            )
        )
    return tuple(overrides)


def _check_queue_id(queue_id: str, key: str) -> None:
    if not queue_id or queue_id != queue_id.strip():
        raise ConfigError(key, f"queue id '{queue_id}' is empty or has surrounding spaces")
    if "," in queue_id or _QUERY_UNSAFE.search(queue_id):
        raise ConfigError(
            key, f"queue id '{queue_id}' must not contain commas, quotes, backslashes or control characters"
        )


def _stack_suffix(environment: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", environment).strip("-") or "env"


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = _deep_merge(merged[name], value)
        else:
            merged[name] = value
    return merged


# --- scalar and container parsers: accept native JSON values and their `-c` string forms --------
def _required_string(value: Any, key: str) -> str:
    result = _optional_string(value, key)
    if result is None:
        raise ConfigError(key, "is required")
    return result


def _optional_string(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {type(value).__name__}")
    value = value.strip()
    return value or None


def _string(value: Any, key: str, *, default: str) -> str:
    result = _optional_string(value, key)
    return default if result is None else result


def _bool(value: Any, key: str, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(key, f"must be true or false, got {value!r}")


def _optional_int(value: Any, key: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ConfigError(key, f"must be a whole number, got {value!r}")


def _int(value: Any, key: str, *, default: int) -> int:
    result = _optional_int(value, key)
    return default if result is None else result


def _number(value: Any, key: str, *, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a number, got {value!r}")
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    raise ConfigError(key, f"must be a number, got {value!r}")


def _list(value: Any, key: str, *, item_kind: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = _json(text, key)
        elif item_kind == "string":
            value = [part.strip() for part in text.split(",") if part.strip()]
        else:
            raise ConfigError(key, "must be a JSON list")
    if not isinstance(value, list):
        raise ConfigError(key, f"must be a list, got {type(value).__name__}")
    if item_kind == "string":
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise ConfigError(f"{key}[{index}]", "must be a non-empty string")
        return [item.strip() for item in value]
    for index, item in enumerate(value):
        _object(item, f"{key}[{index}]")
    return value


def _object(value: Any, key: str, *, allow_none: bool = False) -> dict[str, Any]:
    if value is None and allow_none:
        return {}
    if isinstance(value, str):
        value = _json(value, key)
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be an object, got {type(value).__name__}")
    return dict(value)


def _json(text: str, key: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(key, f"is not valid JSON: {error.msg}") from None
