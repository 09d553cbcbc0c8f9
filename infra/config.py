"""The stack's configuration: `cdk.json` context (or `cdk ... -c key=value`) parsed once, at synth,
into frozen, typed models. Each field's description and default also write the README's table and
the JSON Schema editors use (`scripts/config_docs.py`); what each value may be is in
`config_values.py`, the alarms' part in `config_alarms.py`.

Every problem raises `ConfigError` whose message starts with the offending key (for example
`environments[1].symbeeRegion`), so an operator can fix cdk.json without reading this code.
Values given with `-c` arrive as strings; numbers, booleans, lists and objects are therefore also
accepted in their string forms (`5`, `false`, `a,b` or a JSON list, a JSON object).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator

from infra import config_alarms as alarms_part
from infra import config_notify as notify_part
from infra import config_values as values
from infra.config_alarms import (
    DEFAULT_ALARMS,
    HEALTH_ALARM_KINDS,
    QUEUE_ALARM_KINDS,
    AlarmKind,
    AlarmSettings,
    AlarmWindow,
    QueueOverride,
)
from infra.config_notify import MuteRule, PagerDuty, SlackChannel, TeamsChannel
from infra.config_types import (
    Bool,
    InputShape,
    Model,
    ReadOnly,
    Whole,
    as_list,
    as_object,
    between,
    blank,
    located,
    problem,
)
from infra.config_values import LOG_RETENTION_DAYS
from queue_stats import names

# Also the alarm part's names, which other modules read from here.
__all__ = ["DEFAULT_ALARMS", "HEALTH_ALARM_KINDS", "LOG_RETENTION_DAYS", "QUEUE_ALARM_KINDS", "AlarmKind"]
__all__ += ["AlarmSettings", "AlarmWindow", "AppConfig", "ConfigError", "EnvironmentConfig", "QueueOverride"]
__all__ += ["load_config"]


class ConfigError(ValueError):
    """A context value is missing or invalid; the message names the key. `others` holds any
    further problems found in the same pass."""

    def __init__(self, key: str, problem: str, others: tuple[ConfigError, ...] = ()) -> None:
        super().__init__(f"cdk.json context key '{key}': {problem}")
        self.key = key
        self.others = others


DEFAULT_STACK_NAME: Final = "SymbeeQueueStats"
DEFAULT_POLL_RATE_MINUTES: Final = 1
DEFAULT_LOG_RETENTION_DAYS: Final = 30
DEFAULT_METRICS_INSIGHTS_ALARM_QUOTA: Final = 200  # per account and region, CloudWatch's default
# With `metricsBackend` `both`, PromQL copies of the alarms watch the OpenTelemetry metrics without
# acting; their names start with this, so nothing that matches the stack's own `<stackName>-`
# alarm names (the notifier's rule, mute rules, pagers) takes them for the alarms in charge.
SHADOW_ALARM_PREFIX: Final = "PromQL-"
# Lambda refuses a function whose variables (keys and values, in bytes) exceed 4 KB in all.
MAX_ENVIRONMENT_BYTES: Final = 4096
# The stack's region is unknown at synth (stacks are environment-agnostic); count a long name.
_REGION_PLACEHOLDER: Final = "x" * 16


def _shown(text: str, *as_written: Any) -> dict[str, Any]:
    """The README's default column where the default is computed rather than a value (and the
    default as cdk.json writes it, when that differs from the parsed one)."""
    return {"x-default-text": text, **({"x-default": as_written[0]} if as_written else {})}


# CloudFormation's limit on a stack's name.
MAX_STACK_NAME_LENGTH: Final = 128


class EnvironmentConfig(Model):
    """Everything one monitored Symbee environment needs; it becomes one stack. Every key is valid
    at the top level of the context (a default for all environments) and in each `environments`
    entry."""

    company_code: values.Identity = Field(
        description="the Symbee Connect company alias (ASCII letters, digits, spaces, `_ . : / = + - @`)"
    )
    environment: values.Identity = Field(
        description="the Symbee Connect environment name (same characters); also the metrics' `Environment` "
        "dimension and part of the stack name"
    )
    stack_prefix: values.StackPrefix = Field(
        DEFAULT_STACK_NAME,
        alias="stackName",
        description="prefix of each stack's name (`<stackName>-<environment>`), alarm names and dashboard name",
    )
    symbee_region: values.SymbeeRegion = Field(
        names.DEFAULT_SYMBEE_REGION,
        description="region of the Symbee environment; picks the API host. One of "
        + ", ".join(f"`{region}`" for region in names.SYMBEE_REGIONS),
    )
    api_url: values.HttpsUrl | None = Field(
        None,
        description="full API URL, overriding the region's host; `https://` only (the key travels in a header)",
        json_schema_extra=_shown("from `symbeeRegion`"),
    )
    include_amazon_queues: Bool = Field(True, description="also report the linked Amazon Connect instance's queues")
    queue_ids: values.QueueIds = Field(
        (),
        description="only these queue ids / Amazon Connect queue ARNs. Leave empty to monitor every queue, including "
        "queues created later",
        json_schema_extra=_shown("`[]` (every queue)"),
    )
    secret_id: values.SecretId = Field(
        names.DEFAULT_API_KEY_SECRET_ID,
        description="the API key's secret: a name, or its complete ARN (ending in the 6-character suffix). The "
        "function may read this one secret only (a name becomes the `arn:...:secret:NAME-??????` pattern)",
    )
    secret_region: values.AwsRegion | None = Field(
        None,
        validate_default=True,
        description="region of that secret (sent to Symbee as `X-sc-secrets-region`); taken from the ARN when "
        "`secretId` is one",
        json_schema_extra=_shown("the stack's region"),
    )
    secret_kms_key_arn: values.KmsKeyArn | None = Field(
        None,
        description="the KMS key ARN (not an alias) encrypting the secret, if it is not the AWS managed key; grants "
        "`kms:Decrypt` through Secrets Manager only",
    )
    api_key_max_age_seconds: values.KeyMaxAgeSeconds | None = Field(
        None,
        description="how long the poller caches the key; 1 to 3600",
        json_schema_extra=_shown(f"`{names.DEFAULT_API_KEY_MAX_AGE_SECONDS}` (the poller's default)"),
    )
    metrics_namespace: values.Namespace = Field(
        names.DEFAULT_NAMESPACE, description="the CloudWatch namespace; the function may publish to this namespace only"
    )
    poll_rate_minutes: values.PollRateMinutes = Field(
        DEFAULT_POLL_RATE_MINUTES,
        description="minutes between polls, 1 to 60. Alarm windows, the dashboard's period and the maximum event "
        "age follow it",
    )
    log_retention_days: values.RetentionDays = Field(
        DEFAULT_LOG_RETENTION_DAYS,
        description="retention of the function's log group; a value CloudWatch Logs accepts ("
        + ", ".join(map(str, LOG_RETENTION_DAYS))
        + ")",
    )
    reserved_concurrency: Bool = Field(
        False,
        description="reserve a concurrency of 1 for the function. Off by default: accounts at the minimum unreserved "
        "concurrency cannot reserve any, and the 30 s timeout under the poll interval already keeps polls from "
        "overlapping",
    )
    metrics: values.MetricSelection = Field(
        names.QUEUE_METRIC_NAMES,
        description="which per-queue metrics to publish: `all`, `essential` (what the default alarms and the "
        "dashboard's first rows read), or a list of metric names (see [Metrics](#metrics)). An alarm of the "
        "default set whose metric is left out is not created (synth says so); one switched on with "
        '`"enabled": true` is an error',
        json_schema_extra=_shown("`all`", names.PROFILE_ALL),
    )
    skip_idle_queues: Bool = Field(
        False,
        description="a queue that is closed or has nobody staffed, with nothing waiting, scheduled or being "
        "delivered, publishes nothing in that poll (fewer billed metrics; counted in `QueuesIdle`)",
    )
    metrics_backend: values.MetricsBackend = Field(
        names.DEFAULT_METRICS_BACKEND,
        description="where metrics go: `cloudwatch` (PutMetricData), `otel` (OpenTelemetry to CloudWatch; the alarms "
        "and the dashboard use PromQL), or `both` (for migrating: classic alarms act, PromQL copies watch). See "
        "[OpenTelemetry backend](#opentelemetry-backend)",
    )
    alarms: Annotated[
        Mapping[AlarmKind, AlarmSettings],
        BeforeValidator(alarms_part.resolve_alarms),
        ReadOnly(),
        InputShape(alarms_part.ALARMS_SHAPE),
    ] = Field(
        {},  # the validator resolves it to every alarm's settings
        validate_default=True,
        description="per alarm: `enabled` (`true`), `threshold`, `minutes`",
        json_schema_extra=_shown("see [Alarms](#alarms)", {}),
    )
    queue_overrides: Annotated[
        tuple[QueueOverride, ...],
        BeforeValidator(alarms_part.resolve_overrides),
        InputShape(alarms_part.OVERRIDES_SHAPE),
    ] = Field(
        (),
        description='per queue id, alarm settings that replace the fleet\'s for that queue: `{"<queueId>": '
        '{"oldestItemAge": {"threshold": 900}}}`. The queue gets its own alarm and leaves the fleet alarm of that '
        'kind; `{"enabled": false}` switches that alarm off for that queue only. Unset fields inherit the '
        "environment's settings",
        json_schema_extra=_shown("`{}`", {}),
    )
    notification_emails: values.Emails = Field(
        (),
        description="addresses subscribed to the email topic: the notifier's message for each transition, and the "
        "notifier's own health alarms (each address must confirm)",
    )
    alarm_topic_arns: values.TopicArns = Field(
        (),
        description="existing SNS topics that also receive CloudWatch's own alarm JSON from every alarm, for tools "
        "that read it, in the stack's region. Their policy must let `cloudwatch.amazonaws.com` publish, and their "
        "KMS key (if any) must let CloudWatch use it. A pager keyed on the alarm merges queues: see "
        "[Notifications](#notifications)",
    )
    notify_on_ok: Bool = Field(
        True,
        description="also tell people when an alarm returns to OK (email, chat, `alarmTopicArns`); `pagerDuty` "
        "incidents are resolved either way",
    )
    runbook_url: Annotated[values.HttpsUrl, notify_part.RUNBOOK_URL_LENGTH] | None = Field(
        None,
        description='where notifications and alarm descriptions link for "what to do" (`<runbookUrl>#<section>`), e.g. '
        "this README's address in your repository. At most "
        f"{notify_part.MAX_RUNBOOK_URL} characters",
        json_schema_extra=_shown("none: the steps travel in each notification"),
    )
    slack_channels: Annotated[tuple[SlackChannel, ...], BeforeValidator(notify_part.objects)] = Field(
        (),
        description="Slack channels for the notifier's chat messages, through Amazon Q Developer in chat applications: "
        '`[{"workspaceId": "T0123ABCD", "channelId": "C0123ABCD", "name": "ops"}]` (`name` optional). Authorize the '
        "workspace once in the Amazon Q Developer console first",
        json_schema_extra=_shown("`[]`", []),
    )
    teams_channels: Annotated[tuple[TeamsChannel, ...], BeforeValidator(notify_part.objects)] = Field(
        (),
        description='Microsoft Teams channels, likewise: `[{"teamId": "...", "channelId": "19:...@thread.tacv2", '
        '"tenantId": "...", "name": "ops"}]`. Authorize the team once in the console first',
        json_schema_extra=_shown("`[]`", []),
    )
    chat_service_key_access: Bool = Field(
        False,
        description="also let `chatbot.amazonaws.com` use the topics' KMS key. Off: AWS documents no need for it; "
        "switch it on only if chat messages do not arrive (see [Notifications](#notifications))",
    )
    pager_duty: PagerDuty | None = Field(
        None,
        description='paging through PagerDuty\'s Events API v2: `{"routingKeySecretId": "symbee/pagerduty", '
        '"routingKeySecretKmsKeyArn": "...", "eventsUrl": "..."}` (the last two optional). One incident per '
        "(alarm, queue), resolved by that queue's OK",
    )
    mute_rules: Annotated[tuple[MuteRule, ...], BeforeValidator(notify_part.objects)] = Field(
        (),
        description='CloudWatch alarm mute rules: `[{"name": "nights", "schedule": "cron(0 22 * * *)", '
        '"durationMinutes": 480, "timezone": "Europe/Berlin", "alarms": ["queue"]}]`; also `start`, `expire`. '
        "See [Mute rules](#mute-rules)",
        json_schema_extra=_shown("`[]`", []),
    )

    @field_validator("secret_region")
    @classmethod
    def _secret_region(cls, region: str | None, info: ValidationInfo) -> str | None:
        arn = values.SECRET_ARN.fullmatch(info.data.get("secret_id", ""))
        if arn is not None and region is not None and region != arn["region"]:
            raise problem(f"is {region} but secretId is an ARN in {arn['region']}")
        return arn["region"] if arn is not None else region

    @model_validator(mode="after")
    def _fits_cloudwatch_and_lambda(self) -> EnvironmentConfig:
        if len(self.stack_name) > MAX_STACK_NAME_LENGTH:
            # CDK would quietly shorten it with a hash, and doctor, notify-test and the README's
            # `<stackName>-<environment>` would name a stack that does not exist.
            raise located(
                ("environment",),
                f"with stackName it makes the stack name {self.stack_name[:40]!r}... of {len(self.stack_name)} "
                f"characters, over CloudFormation's {MAX_STACK_NAME_LENGTH}: shorten stackName or environment",
            )
        alarms_part.check_limits(self)
        notify_part.check(self)
        size = {
            (name, key): len(name.encode()) + len(value.encode())
            for name, key, value in self._variables(_REGION_PLACEHOLDER)
            if value is not None
        }
        if sum(size.values()) > MAX_ENVIRONMENT_BYTES:
            largest = sorted(size, key=size.__getitem__, reverse=True)[:3]
            raise located(
                (largest[0][1],),
                f"the function's environment variables would take {sum(size.values()):,} bytes, over the "
                f"{MAX_ENVIRONMENT_BYTES:,} Lambda allows in all; the largest: "
                + ", ".join(f"{name} {size[name, key]:,} bytes ({key})" for name, key in largest),
            )
        return self

    def chat_configuration_name(self, channel: SlackChannel | TeamsChannel) -> str:
        """The Amazon Q Developer configuration's name: the stack's, then the channel's."""
        if isinstance(channel, SlackChannel):
            return f"{self.stack_name}-{channel.name or channel.channel_id}"
        return f"{self.stack_name}-{channel.name or f'teams-{channel.digest}'}"

    @property
    def same_region_arns(self) -> tuple[tuple[str, str], ...]:
        """(cdk.json key, ARN) of what must live in the stack's own region: alarm actions cannot
        notify another region's topic, and the notifier reads its secret in its own region."""
        found = [("alarmTopicArns", arn) for arn in self.alarm_topic_arns]
        if self.pager_duty is not None and self.pager_duty.routing_key_secret_id.startswith("arn:"):
            found.append(("pagerDuty.routingKeySecretId", self.pager_duty.routing_key_secret_id))
        return tuple(found)

    def mute_rule_name(self, rule: MuteRule) -> str:
        """The mute rule's name in CloudWatch, unique per account and region: the stack's, then the rule's."""
        return f"{self.stack_name}-{rule.name}"

    def muted_alarm_names(self, kinds: tuple[AlarmKind, ...]) -> tuple[str, ...]:
        """The names of the alarms of these kinds that the stack creates, overrides included."""
        found = [self.alarm_name(kind) for kind in kinds if self.is_active(kind)]
        for override in self.queue_overrides:
            found += [
                self.alarm_name(kind, override.queue_id)
                for kind, settings in override.alarms.items()
                if kind in kinds and self.is_active(kind, settings)
            ]
        return tuple(found)

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
        return alarms_part.alarm_window(kind, minutes, self.poll_rate_minutes)

    def alarm_name(self, kind: AlarmKind, queue_id: str | None = None) -> str:
        """The CloudWatch alarm name: stack, alarm and (for an override) the queue id."""
        return f"{self.stack_name}-{kind.pascal_name}" + (f"-{queue_id}" if queue_id else "")

    def overridden_queue_ids(self, kind: AlarmKind) -> tuple[str, ...]:
        """Queue ids that have their own alarm (or none) for `kind`, so the fleet alarm skips them."""
        return tuple(o.queue_id for o in self.queue_overrides if kind in o.alarms)

    def alarm_names(self, kind: AlarmKind, queue_id: str | None = None) -> tuple[str, ...]:
        """Every name the stack gives the alarm: its own, then its PromQL shadow's with `both`."""
        name = self.alarm_name(kind, queue_id)
        return (name, SHADOW_ALARM_PREFIX + name) if self.promql_shadows else (name,)

    @property
    def promql_alarms(self) -> bool:
        """Whether PromQL alarms, not Metrics Insights or metric alarms, act on the poller's metrics
        (`otel`: the classic metrics they would read are not published)."""
        return alarms_part.promql_in_charge(self.metrics_backend)

    @property
    def promql_shadows(self) -> bool:
        """Whether PromQL copies of the alarms watch, without acting, beside the classic ones (`both`)."""
        return self.metrics_backend == names.BACKEND_BOTH

    def is_published(self, kind: AlarmKind, *, promql: bool | None = None) -> bool:
        """Whether every metric the alarm reads is published (the health alarms' always are), as the
        alarm in charge reads them or, with `promql`, as its PromQL form does."""
        reads = kind.reads(promql=self.promql_alarms if promql is None else promql)
        return all(metric in self.metrics for metric in reads)

    def is_active(self, kind: AlarmKind, settings: AlarmSettings | None = None, *, promql: bool | None = None) -> bool:
        """Whether the stack creates this alarm: enabled, and its metrics published."""
        return (settings or self.alarms[kind]).enabled and self.is_published(kind, promql=promql)

    @property
    def unpublished_alarms(self) -> tuple[AlarmKind, ...]:
        """Enabled alarms left out because `metrics` does not publish what they read."""
        return tuple(k for k in AlarmKind if self.alarms[k].enabled and not self.is_published(k))

    @property
    def metrics_insights_alarm_count(self) -> int:
        """The queue alarms that count against the Metrics Insights quota (PromQL ones do not)."""
        if self.promql_alarms:
            return 0
        fleet = sum(self.is_active(kind) for kind in QUEUE_ALARM_KINDS)
        return fleet + sum(self.is_active(k, s) for o in self.queue_overrides for k, s in o.alarms.items())

    def poller_environment(self, *, stack_region: str) -> dict[str, str]:
        """The poller function's environment variables (CONTRACT.md)."""
        return {name: value for name, _, value in self._variables(stack_region) if value is not None}

    def _variables(self, stack_region: str) -> list[tuple[str, str, str | None]]:
        """(variable, cdk.json key, value): optional variables only when they differ from the
        runtime's default, and a metric profile by name, to leave room in Lambda's 4 KB."""
        profile = next((p for p, chosen in names.METRIC_PROFILES.items() if tuple(chosen) == self.metrics), None)
        selection = None if profile == names.PROFILE_ALL else profile or ",".join(self.metrics)
        max_age = self.api_key_max_age_seconds
        backend = None if self.metrics_backend == names.DEFAULT_METRICS_BACKEND else self.metrics_backend
        return [
            (names.ENV_COMPANY_CODE, "companyCode", self.company_code),
            (names.ENV_ENVIRONMENT, "environment", self.environment),
            (names.ENV_REGION, "symbeeRegion", self.symbee_region),
            (names.ENV_API_URL, "apiUrl", self.api_url),
            (names.ENV_API_KEY_SECRET_ID, "secretId", self.secret_id),
            (names.ENV_SECRETS_REGION, "secretRegion", self.secret_region or stack_region),
            (names.ENV_INCLUDE_AMAZON_QUEUES, "includeAmazonQueues", str(self.include_amazon_queues).lower()),
            (names.ENV_QUEUE_IDS, "queueIds", ",".join(self.queue_ids) or None),
            (names.ENV_METRICS_NAMESPACE, "metricsNamespace", self.metrics_namespace),
            (names.ENV_API_KEY_MAX_AGE_SECONDS, "apiKeyMaxAgeSeconds", None if max_age is None else str(max_age)),
            (names.ENV_PUBLISH_METRICS, "metrics", selection),
            (names.ENV_SKIP_IDLE_QUEUES, "skipIdleQueues", "true" if self.skip_idle_queues else None),
            (
                names.ENV_METRICS_BACKEND,
                "metricsBackend",
                None if backend == names.DEFAULT_METRICS_BACKEND else backend,
            ),
        ]


class AppConfig(Model):
    """The whole context: one or several environments, and what they share in the account."""

    environments: tuple[EnvironmentConfig, ...] = Field(
        description="a list of objects to monitor several Symbee environments from one app, see below",
        json_schema_extra=_shown("none"),
    )
    metrics_insights_alarm_quota: Annotated[Whole, between(1, 100_000)] = Field(
        DEFAULT_METRICS_INSIGHTS_ALARM_QUOTA,
        description="the account's quota of Metrics Insights alarms per region (CloudWatch's default is 200). "
        "Synth refuses a configuration whose queue alarms and overrides, across all environments, need more "
        "(PromQL alarms, with `metricsBackend` `otel`, do not count); raise it only after raising the quota",
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
        channels: dict[tuple[str, str], int] = {}
        for index, env in enumerate(self.environments):
            for key, position, identity in notify_part.channel_identities(env):
                if identity in channels:
                    raise located(
                        ("environments", index, key, position),
                        f"is also a chat channel of environments[{channels[identity]}] ({key} at the top level "
                        "applies to every environment): Amazon Q Developer takes one configuration per channel and "
                        "account, so give each environment its own channel",
                    )
                channels[identity] = index
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
        """What synth should tell the operator without failing (at most one line each): what a
        metric selection leaves out of the dashboard, and the alarms it does not create."""
        parts = []
        for env in self.environments:
            left_out = [name for name in names.QUEUE_METRIC_NAMES if name not in env.metrics]
            if not left_out:
                continue
            part = f"{env.environment}: {', '.join(left_out)} not published, not drawn on the dashboard"
            if env.unpublished_alarms:
                part += f"; alarms not created: {', '.join(kind.value for kind in env.unpublished_alarms)}"
            parts.append(part)
        return (f"Note: 'metrics' leaves out ({'; '.join(parts)})",) if parts else ()


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
