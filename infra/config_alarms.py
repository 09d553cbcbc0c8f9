"""The alarm part of the configuration: the alarms there are, their defaults, their cdk.json form
(`alarms` and `queueOverrides`, unset fields inherited) and the window each evaluates, checked
against what CloudWatch accepts. `infra/config.py` puts them in the environment's model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import ConfigDict, Field, TypeAdapter, ValidationInfo, create_model

from infra import promql, queries
from infra.config_types import Bool, Check, Loc, Model, Number, ReadOnly, Whole, between, located
from infra.config_values import QueueId
from queue_stats import alarm_catalog, names

if TYPE_CHECKING:
    from infra.config import EnvironmentConfig


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
    def catalog(self) -> alarm_catalog.AlarmKind:
        """What the runtime (the notifier) and the README know of this alarm: title, metric, steps."""
        return alarm_catalog.BY_KEY[self.value]

    @property
    def metric(self) -> str | None:
        """The per-queue metric this alarm reads, None for the poller-health alarms."""
        return self.catalog.metric if self.catalog.per_queue else None

    def reads(self, *, promql: bool) -> tuple[str, ...]:
        """The per-queue metrics this alarm reads as a Metrics Insights alarm over classic metrics
        or (`promql`) as a PromQL alarm over OpenTelemetry ones; none for the poller-health alarms."""
        if not self.catalog.per_queue:
            return ()
        return alarm_catalog.promql_metrics(self.catalog) if promql else (self.catalog.metric,)


def promql_in_charge(backend: str) -> bool:
    """Whether PromQL alarms act for this backend: only `otel` (with `both` the classic ones do)."""
    return backend == names.BACKEND_OTEL


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

    fields: dict[str, Any] = {kind.value: (_INPUT_BY_KIND[kind] | None, described(kind)) for kind in kinds}
    model: type[Model] = create_model(name, __base__=Model, **fields)
    model.unknown_key = "unknown alarm; valid"
    return model


ALARMS_SHAPE = _alarms_input("Alarms", (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS))
_ALARMS: Final = TypeAdapter(ALARMS_SHAPE)
_QueueAlarms = _alarms_input("QueueAlarms", QUEUE_ALARM_KINDS)


OVERRIDES_SHAPE = dict[QueueId, _QueueAlarms]  # type: ignore[valid-type]
_OVERRIDES: Final = TypeAdapter(OVERRIDES_SHAPE)


class QueueOverride(Model):
    """Alarm settings for one queue id; that queue leaves the fleet alarm of each kind listed."""

    model_config = ConfigDict(validate_by_name=True)  # built by the validator, not read from cdk.json
    queue_id: str
    alarms: Annotated[Mapping[AlarmKind, AlarmSettings], ReadOnly()]


def _settings(base: AlarmSettings, given: Model) -> AlarmSettings:
    return base.model_copy(update={k: v for k, v in given.model_dump().items() if v is not None})


def _check_alarm(
    info: ValidationInfo, where: Loc, kind: AlarmKind, settings: AlarmSettings, switch: Loc | None
) -> None:
    """Refuse an alarm switched on (at `switch`) for a metric not published, or a window
    CloudWatch would refuse (or could never fill). `where` is the alarm's path below the field."""
    published, rate = info.data.get("metrics"), info.data.get("poll_rate_minutes")
    backend = info.data.get("metrics_backend", names.DEFAULT_METRICS_BACKEND)
    missing = [m for m in kind.reads(promql=promql_in_charge(backend)) if published is not None and m not in published]
    if switch is not None and missing:
        raise located(
            switch,
            f"switches on an alarm on {', '.join(missing)}, which the 'metrics' key leaves out: add "
            f"{'them' if len(missing) > 1 else 'it'} to 'metrics', or switch the alarm off",
        )
    window_problem = _window_problem(kind, settings.minutes, rate) if rate else None
    if window_problem is not None:
        raise located((*where, "minutes"), window_problem, settings.minutes)


def resolve_alarms(raw: Any, info: ValidationInfo) -> Mapping[AlarmKind, AlarmSettings]:
    given = _ALARMS.validate_python(raw)
    resolved = {}
    for kind in AlarmKind:
        partial = getattr(given, kind.value)
        resolved[kind] = _settings(DEFAULT_ALARMS[kind], partial) if partial is not None else DEFAULT_ALARMS[kind]
        switched_on = getattr(partial, "enabled", None) is True
        _check_alarm(info, (kind.value,), kind, resolved[kind], (kind.value, "enabled") if switched_on else None)
    return MappingProxyType(resolved)


def resolve_overrides(raw: Any, info: ValidationInfo) -> tuple[QueueOverride, ...]:
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


def check_limits(env: EnvironmentConfig) -> None:
    """Alarm names within CloudWatch's length, and every fleet query, which excludes the overridden
    queues, within its language's limit (Metrics Insights; PromQL with the otel backends)."""
    for override in env.queue_overrides:
        for kind in override.alarms:
            name = env.alarm_names(kind, override.queue_id)[-1]
            if len(name) > MAX_ALARM_NAME_LENGTH:
                raise located(
                    ("queueOverrides", override.queue_id),
                    f"the alarm name {name!r} would be longer than "
                    f"{MAX_ALARM_NAME_LENGTH} characters; use a shorter stackName",
                )
    for kind in QUEUE_ALARM_KINDS:
        excluded = env.overridden_queue_ids(kind)
        # The metric and function names are short; the longest ones stand in for any alarm.
        query = queries.queue_alarm_query(
            namespace=env.metrics_namespace,
            environment=env.environment,
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
        # The longest PromQL condition (items, agents and open state), for the same exclusions.
        longest = promql.unattended_query(
            promql.Source(env.environment, env.poll_rate_minutes),
            threshold=env.alarms[kind].threshold,
            exclude_queues=excluded,
        )
        if env.metrics_backend != names.BACKEND_CLOUDWATCH and len(longest) > promql.MAX_QUERY_LENGTH:
            raise located(
                ("queueOverrides",),
                f"{len(excluded)} queues override '{kind}': the PromQL fleet alarm's query, which excludes "
                f"them, would exceed {promql.MAX_QUERY_LENGTH:,} characters; override fewer queues",
            )
