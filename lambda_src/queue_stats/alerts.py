"""One EventBridge alarm event -> one typed `Alert`, or `Ignored` saying why. Pure.

CloudWatch sends `CloudWatch Alarm Contributor State Change` for each queue of a per-queue
(Metrics Insights or PromQL) alarm and `CloudWatch Alarm State Change` for alarm-level changes. The
queue is only in the contributor's attributes; the threshold and window only in the reason text
(and, for single-metric alarms, `reasonData`). A PromQL health alarm's one series is a contributor
too (labelled `Environment`, or nothing at all): it is notified as the health alarm it is. Nothing
in an event is trusted to be there: what is missing or malformed is listed in `Alert.problems`, and
the alert keeps everything that could be read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from queue_stats import alarm_catalog
from queue_stats import names as n
from queue_stats.alarm_catalog import AlarmKind

ALARM: Final = "ALARM"
OK: Final = "OK"
INSUFFICIENT_DATA: Final = "INSUFFICIENT_DATA"
STATES: Final = (ALARM, OK, INSUFFICIENT_DATA)
UNKNOWN_STATE: Final = "UNKNOWN"

# What CloudWatch says when a contributor's series is no longer returned by the query: the queue
# stopped reporting, whatever the reason. The OK that follows is not a recovery.
NO_DATA_REASON: Final = "no data was returned for this contributor"
UNKNOWN_ALARM: Final = "unknown alarm"
DEFAULT_PERIOD_SECONDS: Final = 60

_THRESHOLD = re.compile(r"\bthreshold \(([-+0-9.eE]+)\)")
_OUT_OF = re.compile(r"\b(\d+) out of the last (\d+) datapoints?\b")
_DATAPOINTS = re.compile(r"Threshold Crossed: (\d+) datapoints? was")
_LATEST = re.compile(r"\[([-+0-9.eE]+) \(")
_COMPARISON = re.compile(
    r"\b(not )?(greater than or equal to|less than or equal to|greater than|less than)(?: the threshold)"
)
_DESCRIPTION_MINUTES = re.compile(r"\bfor (\d+) minutes?\b")
# The poller writes non-ASCII characters of queue names and ids as Python escapes (model.py);
# only escapes it could have written are undone, so a literal "\x41" in a name stays as it is.
_ESCAPE = re.compile(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\U([0-9a-f]{8})")


@dataclass(frozen=True)
class Ignored:
    """An event the notifier does not notify about, and why (logged, returned)."""

    reason: str


@dataclass(frozen=True)
class Queue:
    """The contributor: its dimension values (or OTLP labels) exactly as published, and the name as
    people write it."""

    queue_id: str
    queue_name: str  # the QueueName dimension value (ASCII, escaped) or OTLP label (as the API wrote it)
    escaped: bool = True  # False: OTLP labels, never escaped, so shown as they are

    @property
    def display_name(self) -> str:
        return unescape(self.queue_name) if self.escaped else self.queue_name

    @property
    def display_id(self) -> str:
        return unescape(self.queue_id) if self.escaped else self.queue_id


@dataclass(frozen=True)
class Mute:
    """The alarm mute rule that silenced a transition."""

    rule_arn: str
    window_start: str
    window_end: str


@dataclass(frozen=True)
class Condition:
    """What the alarm compares, as far as the event tells: any part may be unknown."""

    comparison: str | None = None  # e.g. "greater than or equal to"
    threshold: float | None = None
    datapoints: int | None = None  # breaching datapoints needed ...
    evaluated: int | None = None  # ... out of this many periods
    period_seconds: int | None = None
    latest_value: float | None = None  # the most recent datapoint the reason quotes
    window_minutes: int | None = None  # from the description when the reason does not say

    @property
    def minutes(self) -> int | None:
        """How long the condition must hold, in minutes."""
        if self.evaluated is not None and self.period_seconds:
            return max(1, round(self.evaluated * self.period_seconds / 60))
        return self.window_minutes


@dataclass(frozen=True)
class Alert:
    """One state transition of one (alarm, queue) - or of one health alarm - to tell people about."""

    alarm_name: str
    state: str  # ALARM, OK, INSUFFICIENT_DATA or UNKNOWN
    kind: AlarmKind | None
    queue: Queue | None  # None: an alarm-level transition
    reason: str = ""
    changed_at: datetime | None = None
    previous_state: str | None = None
    condition: Condition = field(default_factory=Condition)
    alarm_arn: str | None = None
    region: str | None = None
    account: str | None = None
    event_id: str | None = None
    contributor_id: str | None = None
    description: str = ""
    metric: dict[str, Any] | None = None  # a single-metric alarm's metricStat, as the event gave it
    mute: Mute | None = None
    problems: tuple[str, ...] = ()  # what the event lacked or got wrong
    test: bool = False  # a fire drill (`notify-test`), never a real transition
    # The numbers show the queue left out of the latest successful poll: for a PromQL contributor,
    # whose OK reason does not tell a vanished series from a recovered one (see notify_runtime).
    absent: bool = False

    @property
    def no_data(self) -> bool:
        """An OK because the queue's series vanished from the query: it stopped reporting."""
        return self.state == OK and (self.absent or NO_DATA_REASON in self.reason.lower())

    @property
    def title(self) -> str:
        return self.kind.title if self.kind else UNKNOWN_ALARM


def parse_event(event: object, *, escaped_labels: bool = True) -> Alert | Ignored:
    """The alert an EventBridge event describes; never raises. `escaped_labels` False: a queue
    contributor's attributes are OTLP labels (PromQL alarms), the names as the API gave them."""
    if not isinstance(event, dict):
        return Ignored(f"the event is a {type(event).__name__}, not a JSON object")
    source = event.get("source")
    detail_type = event.get("detail-type")
    if source != n.EVENT_SOURCE_CLOUDWATCH:
        return Ignored(f"unsupported event source {_short(source)} (expected {n.EVENT_SOURCE_CLOUDWATCH})")
    if detail_type not in (n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE, n.DETAIL_TYPE_ALARM_STATE_CHANGE):
        return Ignored(
            f"unsupported detail type {_short(detail_type)} (handled: {n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE}, "
            f"{n.DETAIL_TYPE_ALARM_STATE_CHANGE})"
        )
    problems: list[str] = []
    detail = event.get("detail")
    if not isinstance(detail, dict):
        problems.append("the event has no detail object")
        detail = {}

    alarm_arn = _first_resource(event)
    alarm_name = _text(detail.get("alarmName"))
    if not alarm_name and alarm_arn and ":alarm:" in alarm_arn:
        alarm_name = alarm_arn.split(":alarm:", 1)[1]
        problems.append("detail.alarmName is missing; the name was taken from the event's resources")
    if not alarm_name:
        problems.append("the event names no alarm (no detail.alarmName, no alarm ARN in resources)")

    configuration = _object(detail.get("configuration"))
    description = _text(configuration.get("description"))
    kind = alarm_catalog.kind_from_alarm_name(alarm_name) if alarm_name else None
    if kind is None and description:
        kind = alarm_catalog.kind_from_description(description)
    if kind is None:
        problems.append(f"the alarm {alarm_name or '(unnamed)'!r} is not one of this stack's kinds")

    state_detail = _object(detail.get("state"))
    state = _text(state_detail.get("value"))
    if state not in STATES:
        given = _short(state_detail.get("value"))
        problems.append(f"detail.state.value is {given}, not ALARM, OK or INSUFFICIENT_DATA")
        state = UNKNOWN_STATE
    reason = _text(state_detail.get("reason"))
    changed_at = _timestamp(state_detail.get("timestamp")) or _timestamp(event.get("time"))
    previous = _object(detail.get("previousState"))
    previous_state = _text(previous.get("value")) or None

    queue: Queue | None = None
    contributor_id: str | None = None
    if detail_type == n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE and kind is not None and not kind.per_queue:
        # A PromQL health alarm's series (`Environment`, or none for absent_over_time) is the
        # alarm's own state: one incident per alarm, whatever its attributes.
        contributor_id = _text(_object(detail.get("alarmContributor")).get("id")) or None
    elif detail_type == n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE:
        queue, contributor_id, queue_problems = _contributor(detail.get("alarmContributor"), escaped=escaped_labels)
        problems += queue_problems
    elif kind is not None and kind.per_queue:
        # Each queue's own contributor event carries this transition; the alarm-level summary
        # ("2 out of 6 time series evaluated to ALARM") would only repeat it without the queue.
        return Ignored(
            f"alarm-level change of the per-queue alarm {alarm_name!r}: each queue is notified by its contributor event"
        )

    metric = _metric_stat(configuration)
    return Alert(
        alarm_name=alarm_name or UNKNOWN_ALARM,
        state=state,
        kind=kind,
        queue=queue,
        reason=reason,
        changed_at=changed_at,
        previous_state=previous_state,
        condition=_condition(reason, state_detail.get("reasonData"), configuration, metric, description),
        alarm_arn=alarm_arn,
        region=_text(event.get("region")) or None,
        account=_text(event.get("account")) or None,
        event_id=_text(event.get("id")) or None,
        contributor_id=contributor_id,
        description=description,
        metric=metric,
        mute=_mute(detail.get("muteDetail")),
        problems=tuple(problems),
    )


def unescape(text: str) -> str:
    """Undo the poller's `\\xfc`-style escapes of non-ASCII characters in a dimension value."""
    if "\\" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        code = int(next(group for group in match.groups() if group), 16)
        if 0x20 <= code < 0x7F or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group(0)  # the poller never writes printable ASCII (or a non-character) escaped
        return chr(code)

    return _ESCAPE.sub(replace, text)


def _contributor(raw: object, *, escaped: bool) -> tuple[Queue | None, str | None, list[str]]:
    if not isinstance(raw, dict):
        return None, None, ["detail.alarmContributor is missing: the queue is unknown, notified at alarm level"]
    contributor_id = _text(raw.get("id")) or None
    attributes = raw.get("attributes")
    if not isinstance(attributes, dict):
        return None, contributor_id, ["detail.alarmContributor.attributes is missing: the queue is unknown"]
    queue_id = _text(attributes.get(n.DIM_QUEUE_ID))
    queue_name = _text(attributes.get(n.DIM_QUEUE_NAME))
    problems: list[str] = []
    if not queue_id and not queue_name:
        given = ", ".join(sorted(str(k) for k in attributes)) or "none"
        return None, contributor_id, [f"the contributor has no QueueId or QueueName attribute (has: {given})"]
    if not queue_id:
        problems.append("the contributor has no QueueId attribute; its QueueName stands in for it")
    if not queue_name:
        problems.append("the contributor has no QueueName attribute; its QueueId stands in for it")
    return Queue(queue_id or queue_name, queue_name or queue_id, escaped), contributor_id, problems


def _condition(
    reason: str,
    reason_data: object,
    configuration: dict[str, Any],
    metric: dict[str, Any] | None,
    description: str,
) -> Condition:
    data: dict[str, Any] = {}
    if isinstance(reason_data, str):
        try:
            loaded = json.loads(reason_data)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            data = loaded
    threshold = _number(data.get("threshold"))
    if threshold is None and (match := _THRESHOLD.search(reason)):
        threshold = _number(match.group(1))
    datapoints = evaluated = None
    if match := _OUT_OF.search(reason):
        datapoints, evaluated = int(match.group(1)), int(match.group(2))
    elif match := _DATAPOINTS.search(reason):
        datapoints = int(match.group(1))
    latest = None
    recent = data.get("recentDatapoints")
    if isinstance(recent, list) and recent:
        latest = _number(recent[-1])
    if latest is None and (match := _LATEST.search(reason)):
        latest = _number(match.group(1))
    comparison = None
    if match := _COMPARISON.search(reason):
        comparison = match.group(2)
    period = _int(data.get("period")) or _period(configuration, metric)
    window = None
    if match := _DESCRIPTION_MINUTES.search(description):
        window = int(match.group(1))
    return Condition(
        comparison=comparison,
        threshold=threshold,
        datapoints=datapoints,
        evaluated=evaluated,
        period_seconds=period,
        latest_value=latest,
        window_minutes=window,
    )


def _period(configuration: dict[str, Any], metric: dict[str, Any] | None) -> int | None:
    if metric is not None:
        return _int(metric.get("period"))
    metrics = configuration.get("metrics")
    if isinstance(metrics, list):
        for entry in metrics:
            if isinstance(entry, dict) and entry.get("returnData", True) and _int(entry.get("period")):
                return _int(entry.get("period"))
    return None


def _metric_stat(configuration: dict[str, Any]) -> dict[str, Any] | None:
    """A single-metric alarm's `metricStat` (namespace, name, dimensions, stat, period), if any."""
    metrics = configuration.get("metrics")
    if not isinstance(metrics, list) or len(metrics) != 1 or not isinstance(metrics[0], dict):
        return None
    stat = metrics[0].get("metricStat")
    if not isinstance(stat, dict) or not isinstance(stat.get("metric"), dict):
        return None
    return stat


def _mute(raw: object) -> Mute | None:
    if not isinstance(raw, dict):
        return None
    return Mute(
        rule_arn=_text(raw.get("mutedByArn")) or "an unnamed mute rule",
        window_start=_text(raw.get("muteWindowStart")) or "?",
        window_end=_text(raw.get("muteWindowEnd")) or "?",
    )


def _first_resource(event: dict[str, Any]) -> str | None:
    resources = event.get("resources")
    if isinstance(resources, list):
        for resource in resources:
            if isinstance(resource, str) and ":alarm:" in resource:
                return resource
    return None


def _timestamp(value: object) -> datetime | None:
    """CloudWatch writes `2026-09-23T19:54:49.530+0000`; EventBridge `2026-09-23T19:54:49Z`."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() and number > 0 else None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
