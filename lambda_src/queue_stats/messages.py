"""An alert and the queue's numbers -> what each channel receives: an email people read, an Amazon
Q Developer chat notification, a PagerDuty Events API v2 event. Pure: plain data in, plain data out.

Each says which queue, what is wrong, its numbers now and where to click, without JSON to read.
An OK whose reason is "no data was returned" says the queue stopped reporting and why, as far as
the poller's health tells: it never reads as the problem being fixed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from queue_stats import names as n
from queue_stats.alarm_catalog import AlarmKind, stack_name_of
from queue_stats.alerts import ALARM, INSUFFICIENT_DATA, OK, Alert
from queue_stats.links import runbook_link
from queue_stats.readings import Numbers, Reading
from queue_stats.table import format_age

# SNS: a subject is ASCII, has no line breaks or control characters, and is under 100 characters.
MAX_SUBJECT: Final = 99
MIN_SUBJECT_PART: Final = 12
# PagerDuty Events API v2 limits.
MAX_DEDUP_KEY: Final = 255
MAX_SUMMARY: Final = 1024
# Amazon Q Developer renders long custom notifications poorly; these keep one on a phone screen.
MAX_CHAT_TITLE: Final = 250
MAX_CHAT_DESCRIPTION: Final = 8000
SEVERITY_QUEUE: Final = "error"  # one queue in trouble
SEVERITY_HEALTH: Final = "critical"  # the poller itself: every queue alarm is blind
CHAT_EVENT_TYPE: Final = "SymbeeQueueAlarm"
TEST_MARK: Final = "[TEST]"
NO_DATA_LABEL: Final = "OK (no data)"

_COMPARISONS: Final = {
    "greater than or equal to": ">=",
    "greater than": ">",
    "less than or equal to": "<=",
    "less than": "<",
}
_NEGATED: Final = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
# (label, metric) of the numbers block, in reading order.
_QUEUE_ROWS: Final = (
    ("Waiting", n.METRIC_ITEMS_IN_QUEUE),
    ("Oldest item", n.METRIC_OLDEST_ITEM_AGE),
    ("Agents available", n.METRIC_AGENTS_AVAILABLE),
    ("Agents working", n.METRIC_AGENTS_WORKING),
    ("Agents in error", n.METRIC_AGENTS_IN_ERROR),
    ("Queue", n.METRIC_QUEUE_OPEN),
)


@dataclass(frozen=True)
class MessageContext:
    """What messages need besides the alert: the notifier's settings that shape them."""

    environment: str
    dashboard_url: str | None = None  # None: derived from the alarm's name and region
    runbook_url: str | None = None  # None: "what to do" travels inline, the runbook link is the dashboard
    skip_idle_queues: bool = False
    region: str | None = None  # the notifier's own region, when the event names none


@dataclass(frozen=True)
class Links:
    dashboard: str | None
    alarm: str | None
    runbook: str | None
    steps_inline: bool  # no RUNBOOK_URL: the kind's steps are in the message itself


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


# --- the shared parts -----------------------------------------------------------------------------


def links(alert: Alert, context: MessageContext) -> Links:
    region = alert.region or _region_of(alert.alarm_arn) or context.region
    console = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}" if region else None
    dashboard = context.dashboard_url
    if dashboard is None and console is not None and (stack := stack_name_of(alert.alarm_name)):
        dashboard = f"{console}#dashboards/dashboard/{quote(stack, safe='')}"
    alarm = f"{console}#alarmsV2:alarm/{quote(alert.alarm_name, safe='')}" if console and not alert.test else None
    if context.runbook_url:
        runbook = runbook_link(context.runbook_url, alert.kind.anchor if alert.kind else "")
        return Links(dashboard, alarm, runbook, steps_inline=False)
    return Links(dashboard, alarm, dashboard, steps_inline=True)


def state_label(alert: Alert) -> str:
    if alert.no_data:
        return NO_DATA_LABEL
    return alert.state if alert.state in (ALARM, OK, INSUFFICIENT_DATA) else "UNKNOWN STATE"


def what_is_wrong(alert: Alert, numbers: Numbers, context: MessageContext) -> str:
    """One or two sentences a person reads first."""
    kind = alert.kind
    if alert.no_data:
        return stopped_reporting(alert, numbers, context)
    if kind is None:
        said = f' CloudWatch says: "{alert.reason}"' if alert.reason else ""
        return f"Unknown alarm: {alert.alarm_name} is not one of this stack's kinds. It is now {alert.state}.{said}"
    if alert.state == ALARM:
        return kind.problem
    if alert.state == OK:
        return kind.cleared
    if alert.state == INSUFFICIENT_DATA:
        return "The alarm has too little data to evaluate."
    reason = alert.reason or "no reason given"
    return f"CloudWatch reported a state this notifier does not know for this alarm: {reason}."


def stopped_reporting(alert: Alert, numbers: Numbers, context: MessageContext) -> str:
    """Why a queue's series left the alarm's query, as far as the poller's health tells."""
    queue = alert.queue.display_name if alert.queue else "The queue"
    not_fixed = "This OK does not mean the problem is fixed: CloudWatch stopped receiving numbers for the queue."
    failing = numbers.poller_failing
    if failing is None:
        return (
            f"{queue} stopped reporting, and CloudWatch could not be read to tell why ({numbers.unavailable}). "
            f"Check the poller's health on the dashboard. {not_fixed}"
        )
    if failing:
        return (
            f"{queue} stopped reporting because the poller is failing: its numbers are stale. "
            f"See the poller's health (No successful poll, Poller errors) on the dashboard. {not_fixed}"
        )
    idle = numbers.queues_idle is not None and numbers.queues_idle.value > 0
    if context.skip_idle_queues or idle:
        return (
            f"{queue} went idle (closed or nobody staffed, nothing waiting): the poller leaves idle queues "
            f"out, so there is nothing to measure. {not_fixed}"
        )
    return (
        f"{queue} stopped reporting (deleted, renamed, or filtered out of the poll): the poller is healthy "
        f"but returns no numbers for it. {not_fixed}"
    )


def condition_text(alert: Alert) -> str | None:
    """e.g. `Oldest item age >= 5m00s for 2 minutes (latest 7m00s)`; None when the event tells nothing."""
    condition = alert.condition
    kind = alert.kind
    measure = kind.measure if kind else "The alarm's metric"
    parts: list[str] = []
    symbol = _COMPARISONS.get(condition.comparison or "")
    if condition.threshold is not None:
        if symbol is None:
            shown = f"threshold {_value(kind, condition.threshold)}"
        elif alert.state == OK:
            shown = f"{_NEGATED[symbol]} {_value(kind, condition.threshold)}"
        else:
            shown = f"{symbol} {_value(kind, condition.threshold)}"
        parts.append(f"{measure} {shown}")
    minutes = condition.minutes
    if minutes is not None and parts:
        span = _plural(minutes, "minute")
        parts.append(f"for {span}" if alert.state != OK else f"(evaluated over {span})")
    if condition.latest_value is not None and not alert.no_data:
        parts.append(f"(latest {_value(kind, condition.latest_value)})")
    return " ".join(parts) or None


def numbers_rows(alert: Alert, numbers: Numbers) -> list[tuple[str, str]]:
    """(label, value) rows of the queue's (or the poller's) numbers now."""
    if numbers.unavailable is not None:
        return [("Numbers", f"unavailable: {numbers.unavailable}")]
    rows: list[tuple[str, str]] = []
    if alert.queue is not None:
        if not numbers.queue:
            rows.append(("Queue numbers", f"none in the last {numbers.lookback_minutes} minutes: it is not reporting"))
        else:
            values = {metric: reading.value for metric, reading in numbers.queue.items()}
            for label, metric in _QUEUE_ROWS:
                rows.append((label, _queue_value(metric, values)))
    rows.append(("Poller", _poller(numbers)))
    if alert.queue is None:
        if numbers.queues_reported is not None:
            rows.append(("Queues reported", _count(numbers.queues_reported.value)))
        if numbers.alarm_metric is not None and alert.kind is not None:
            rows.append((alert.kind.measure, f"{_count(numbers.alarm_metric.value)} ({_clock(numbers.alarm_metric)})"))
    return rows


def dedup_key(alert: Alert) -> str:
    """One PagerDuty incident per (alarm, queue); per alarm for health alarms. At most 255 characters."""
    parts = ["test"] if alert.test else []
    parts.append(alert.alarm_name)
    if alert.queue is not None:
        parts.append(alert.queue.queue_id)
    key = "/".join(parts)
    if len(key) <= MAX_DEDUP_KEY:
        return key
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"{key[: MAX_DEDUP_KEY - len(digest) - 1]}/{digest}"


def thread_id(alert: Alert) -> str:
    """One chat thread per (alarm, queue): every transition of one pair lands in the same thread."""
    return "symbee-" + hashlib.sha256(dedup_key(alert).encode()).hexdigest()[:40]


def who(alert: Alert, context: MessageContext) -> str:
    """The environment and queue a message is about, e.g. `prod / Customer Care Inbound`."""
    if alert.queue is None:
        return context.environment
    return f"{context.environment} / {alert.queue.display_name}"


# --- email ----------------------------------------------------------------------------------------


def subject(alert: Alert, context: MessageContext) -> str:
    """`ALARM: prod / Customer Care Inbound: Oldest item too old`: ASCII, under 100 characters; the
    queue's name is shortened first, the state never."""
    prefix = f"{TEST_MARK} " if alert.test else ""
    state = f"{prefix}{state_label(alert)}"
    parts = {
        "queue": _ascii(alert.queue.display_name) if alert.queue else None,
        "title": _ascii(alert.title if alert.kind else f"unknown alarm {alert.alarm_name}"),
        "env": _ascii(context.environment),
    }

    def build() -> str:
        where = f"{parts['env']} / {parts['queue']}" if parts["queue"] is not None else parts["env"]
        return f"{state}: {where}: {parts['title']}"

    for name in ("queue", "title", "env"):
        over = len(build()) - MAX_SUBJECT
        part = parts[name]
        if over <= 0:
            break
        if part is not None:
            parts[name] = _shorten(part, max(MIN_SUBJECT_PART, len(part) - over))
    return build()[:MAX_SUBJECT]


def email(alert: Alert, numbers: Numbers, context: MessageContext) -> Email:
    link = links(alert, context)
    lines: list[str] = []
    if alert.test:
        lines += [
            "THIS IS A TEST sent by `symbee-queue-stats notify-test`: nothing is wrong with this queue.",
            "It checks that this channel reaches you; the numbers below are real.",
            "",
        ]
    heading = (
        f"{alert.title} - {alert.queue.display_name} ({context.environment})"
        if alert.queue
        else (f"{alert.title} ({context.environment})")
    )
    lines += [heading, "", what_is_wrong(alert, numbers, context), ""]

    fields: list[tuple[str, str]] = [("State", _since(alert))]
    if alert.queue is not None:
        fields.append(("Queue", alert.queue.display_name))
        if alert.queue.display_id != alert.queue.display_name:
            fields.append(("Queue id", alert.queue.display_id))
    fields.append(("Environment", context.environment))
    if (condition := condition_text(alert)) is not None:
        fields.append(("Condition", condition))
    lines += _table(fields)

    as_of = numbers.as_of
    lines += ["", f"Now{f' (as of {as_of:%H:%M} UTC)' if as_of else ''}:"]
    lines += ["  " + line for line in _table(numbers_rows(alert, numbers))]

    if link.steps_inline and alert.kind is not None and alert.state == ALARM:
        lines += ["", "What to do:"]
        lines += [f"  {i}. {step}" for i, step in enumerate(alert.kind.steps, 1)]

    link_rows = [(label, url) for label, url in _link_rows(link) if url]
    if link_rows:
        lines += ["", "Links:"]
        lines += ["  " + line for line in _table(link_rows)]

    lines += ["", "--"]
    lines.append(
        f"Alarm {alert.alarm_name}"
        + (f", contributor {alert.contributor_id}" if alert.contributor_id else "")
        + (f". CloudWatch's reason: {alert.reason}" if alert.reason else ".")
    )
    if alert.problems:
        lines.append("The event was incomplete: " + "; ".join(alert.problems) + ".")
    lines.append(f"Sent by the {n.PRODUCT} notifier.")
    return Email(subject=subject(alert, context), body="\n".join(lines) + "\n")


# --- chat -----------------------------------------------------------------------------------------


def chat(alert: Alert, numbers: Numbers, context: MessageContext) -> dict[str, Any]:
    """Amazon Q Developer in chat applications' custom notification (version 1.0, source custom)."""
    link = links(alert, context)
    lines = [f"*{what_is_wrong(alert, numbers, context)}*"]
    if alert.test:
        lines.insert(0, "*THIS IS A TEST* (`symbee-queue-stats notify-test`): nothing is wrong with this queue.")
    if (condition := condition_text(alert)) is not None:
        lines.append(f"*Condition:* {condition}")
    as_of = numbers.as_of
    now = " · ".join(_compact(alert, numbers)) if numbers.unavailable is None else f"unavailable: {numbers.unavailable}"
    lines.append(f"*Now{f' ({as_of:%H:%M} UTC)' if as_of else ''}:* {now}")
    lines.append(f"*State:* {_since(alert)}")
    if alert.queue is not None:
        queue_id = f" (`{alert.queue.display_id}`)" if alert.queue.display_id != alert.queue.display_name else ""
        lines.append(f"*Queue:* {alert.queue.display_name}{queue_id} · *Environment:* {context.environment}")
    lines += [f"{label}: {url}" for label, url in _link_rows(link) if url]
    if link.steps_inline and alert.kind is not None and alert.state == ALARM:
        steps = list(alert.kind.steps)
    elif link.runbook and alert.state == ALARM:
        steps = [f"Follow the runbook: {link.runbook}"]
    else:
        steps = []
    title = f"{TEST_MARK + ' ' if alert.test else ''}{state_label(alert)}: {who(alert, context)}: {alert.title}"
    keywords = [context.environment, state_label(alert)]
    if alert.kind is not None:
        keywords.append(alert.kind.name)
    if alert.queue is not None:
        keywords.append(alert.queue.display_name)
    return {
        "version": "1.0",
        "source": "custom",
        "id": alert.event_id or thread_id(alert),
        "content": {
            "textType": "client-markdown",
            "title": _shorten(title, MAX_CHAT_TITLE),
            "description": _shorten("\n".join(lines), MAX_CHAT_DESCRIPTION),
            "nextSteps": steps,
            "keywords": [_shorten(k, 60) for k in keywords],
        },
        "metadata": {
            "threadId": thread_id(alert),
            "summary": _shorten(title, MAX_CHAT_TITLE),
            "eventType": CHAT_EVENT_TYPE,
            "relatedResources": [alert.alarm_arn] if alert.alarm_arn else [],
            "additionalContext": {
                "alarmName": alert.alarm_name,
                "state": alert.state,
                "environment": context.environment,
                **({"queueId": alert.queue.queue_id, "queueName": alert.queue.display_name} if alert.queue else {}),
            },
        },
    }


# --- pager ----------------------------------------------------------------------------------------


def pager_event(alert: Alert, numbers: Numbers, context: MessageContext) -> dict[str, Any] | None:
    """The Events API v2 event (without its routing key): trigger on ALARM, resolve on OK, nothing
    for any other state (an incident stays open until its own queue's OK)."""
    key = dedup_key(alert)
    if alert.state == OK:
        return {"event_action": "resolve", "dedup_key": key}
    if alert.state != ALARM:
        return None
    link = links(alert, context)
    details: dict[str, Any] = {
        "what is wrong": what_is_wrong(alert, numbers, context),
        "environment": context.environment,
        "alarm": alert.alarm_name,
        "state": _since(alert),
    }
    if alert.queue is not None:
        details["queue"] = alert.queue.display_name
        details["queue id"] = alert.queue.display_id
    if (condition := condition_text(alert)) is not None:
        details["condition"] = condition
    details["now"] = dict(numbers_rows(alert, numbers))
    if link.steps_inline and alert.kind is not None:
        details["what to do"] = list(alert.kind.steps)
    if alert.reason:
        details["cloudwatch reason"] = alert.reason
    compact = ", ".join(_compact(alert, numbers)) if numbers.unavailable is None and alert.queue else ""
    summary = f"{TEST_MARK + ' ' if alert.test else ''}{who(alert, context)}: {alert.title}"
    event: dict[str, Any] = {
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": _shorten(f"{summary} ({compact})" if compact else summary, MAX_SUMMARY),
            "source": context.environment,
            "severity": severity(alert),
            "component": alert.queue.display_name if alert.queue else n.PRODUCT,
            "group": context.environment,
            "class": alert.kind.name if alert.kind else "UnknownAlarm",
            "custom_details": details,
        },
        "client": n.PRODUCT,
        "links": [{"href": url, "text": label} for label, url in _link_rows(link) if url],
    }
    if alert.changed_at is not None:
        event["payload"]["timestamp"] = alert.changed_at.isoformat()
    if link.dashboard:
        event["client_url"] = link.dashboard
    return event


def severity(alert: Alert) -> str:
    return SEVERITY_HEALTH if alert.kind is not None and not alert.kind.per_queue else SEVERITY_QUEUE


# --- helpers --------------------------------------------------------------------------------------


def _link_rows(link: Links) -> list[tuple[str, str | None]]:
    runbook = None if link.runbook == link.dashboard else link.runbook
    return [("Dashboard", link.dashboard), ("Alarm", link.alarm), ("Runbook", runbook)]


def _since(alert: Alert) -> str:
    label = state_label(alert)
    when = f" since {alert.changed_at:%Y-%m-%d %H:%M} UTC" if alert.changed_at else ""
    was = f" (was {alert.previous_state})" if alert.previous_state and alert.previous_state != alert.state else ""
    return f"{label}{when}{was}"


def _compact(alert: Alert, numbers: Numbers) -> list[str]:
    if alert.queue is None:
        return [f"poller: {_poller(numbers)}"]
    if not numbers.queue:
        return [f"no numbers in the last {numbers.lookback_minutes} minutes"]
    values = {metric: reading.value for metric, reading in numbers.queue.items()}
    out = [
        f"{_queue_value(n.METRIC_ITEMS_IN_QUEUE, values)} waiting",
        f"oldest {_queue_value(n.METRIC_OLDEST_ITEM_AGE, values)}",
        f"{_number_or_dash(values, n.METRIC_AGENTS_AVAILABLE)} of "
        f"{_number_or_dash(values, n.METRIC_AGENTS_STAFFED)} agents available",
        f"{_queue_value(n.METRIC_AGENTS_WORKING, values)} working",
        f"{_queue_value(n.METRIC_AGENTS_IN_ERROR, values)} in error",
        _queue_value(n.METRIC_QUEUE_OPEN, values),
    ]
    return out


def _queue_value(metric: str, values: dict[str, float]) -> str:
    value = values.get(metric)
    if metric == n.METRIC_QUEUE_OPEN:
        return "open" if value == 1 else "closed" if value == 0 else "open/closed unknown"
    if metric == n.METRIC_AGENTS_AVAILABLE:
        return f"{_number_or_dash(values, metric)} of {_number_or_dash(values, n.METRIC_AGENTS_STAFFED)} staffed"
    if value is None:
        return "-"  # not published: not reported by the vendor, or not selected by PUBLISH_METRICS
    return format_age(value) if metric == n.METRIC_OLDEST_ITEM_AGE else _count(value)


def _number_or_dash(values: dict[str, float], metric: str) -> str:
    value = values.get(metric)
    return "-" if value is None else _count(value)


def _poller(numbers: Numbers) -> str:
    last = f"last successful poll {numbers.last_success:%H:%M} UTC" if numbers.last_success else None
    if numbers.poller_failing:
        return f"failing ({last})" if last else f"no successful poll in the last {numbers.lookback_minutes} minutes"
    return f"healthy, {last}" if last else "healthy"


def _value(kind: AlarmKind | None, value: float) -> str:
    if kind is not None and kind.metric == n.METRIC_OLDEST_ITEM_AGE:
        return format_age(value)
    return _count(value)


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _clock(reading: Reading) -> str:
    return f"{reading.at:%H:%M} UTC"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _table(rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(label) for label, _ in rows), default=0)
    return [f"{label + ':':<{width + 1}} {value}" for label, value in rows]


def _ascii(text: str) -> str:
    """Printable ASCII for an SNS subject: accents dropped (`Zürich` -> `Zurich`), anything else `?`."""
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue
        if " " <= char <= "~":
            out.append(char)
        elif char.isspace() or unicodedata.category(char).startswith("C"):
            out.append(" ")
        else:
            out.append("?")
    return re.sub(r"\s+", " ", "".join(out)).strip() or "?"


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: max(0, length - 3)].rstrip() + "..."


def _region_of(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[3] if len(parts) > 4 and parts[3] else None
