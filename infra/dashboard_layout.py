"""What the dashboard shows, row by row, and what each row answers: the one list that
`infra/dashboard.py` builds the widgets from and that the README's Dashboard section is rendered
from (scripts/dashboard_doc.py), so the two cannot drift. Pure data, no CDK.

With `metricsBackend` `otel` the same panels read the OpenTelemetry metrics with PromQL
(`promql_queries`): same titles and places, other query language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from infra import promql
from infra.config import AlarmKind
from queue_stats import names

GRID_WIDTH: Final = 24  # CloudWatch's dashboard grid
TOP_LIMIT: Final = 10  # rows of each "where it is worst" table
# Metrics Insights only reads the most recent 3 hours; widgets that use it are pinned to that.
INSIGHTS_HOURS: Final = 3
# "Right now" shows the latest poll with a sparkline of this much history (or 3 polls, if longer).
NOW_MINUTES: Final = 60
# "Where it is worst" ranks queues by their worst value over this window (or 2 polls, if longer).
TOP_MINUTES: Final = 15
# The failed-poll lines listed.
FAILED_POLL_LINES: Final = 20

# Dashboard body text the construct writes and the README quotes.
QUEUE_VARIABLE_LABEL: Final = "Queue"
README_START: Final = "<!-- dashboard-rows:start -->"
README_END: Final = "<!-- dashboard-rows:end -->"


class Kind(StrEnum):
    """How a panel gets its data; `infra/dashboard.py` has one builder per kind."""

    CURRENT = "current"  # single value: a Metrics Insights aggregate over every queue
    UNATTENDED_QUEUES = "unattended-queues"  # single value: queues with UnattendedItems > 0 (SEARCH)
    LAST_POLL = "last-poll"  # single value: PollSucceeded and how long ago
    ALARMS = "alarms"  # alarm status of every alarm of the stack
    TOP = "top"  # table: Metrics Insights ORDER BY ... DESC LIMIT n, one row per queue
    TOTALS = "totals"  # graph: Metrics Insights aggregates over every queue
    ONE_QUEUE = "one-queue"  # graph: SEARCH for the queue picked in the Queue variable
    HEALTH = "health"  # graph: the poller's health metrics (dimension Environment)
    FUNCTION = "function"  # graph: the function's own AWS/Lambda metrics
    FAILED_POLLS = "failed-polls"  # Logs Insights over the poller's log group


@dataclass(frozen=True)
class Line:
    """One value a panel draws: `function` (a Metrics Insights function, SUM/MAX/MIN/AVG) of `metric`."""

    label: str
    metric: str
    function: str
    idle_skipping_only: bool = False  # drawn only when idle queues are skipped (QueuesIdle)

    @property
    def statistic(self) -> str:
        """The CloudWatch statistic for the same aggregate over one metric's datapoints."""
        return STATISTICS[self.function]

    @property
    def per_queue_statistic(self) -> str:
        """The statistic for one queue's own series: a queue has one datapoint per poll, so SUM and
        MAX agree, except when an operator's `symbee-queue-stats poll` adds a second one."""
        return "Minimum" if self.function == "MIN" else "Maximum"


STATISTICS: Final = {"SUM": "Sum", "MAX": "Maximum", "MIN": "Minimum", "AVG": "Average"}


@dataclass(frozen=True)
class Panel:
    """One widget: its title, size, data and what it tells the reader (for the README)."""

    title: str
    kind: Kind
    width: int
    height: int
    explains: str
    lines: tuple[Line, ...] = ()
    threshold_of: AlarmKind | None = None  # draws (or colours at) that alarm's threshold
    shows_timeout: bool = False  # draws the function's timeout
    y_max: float | None = None  # for 0/1 values

    @property
    def queue_metrics(self) -> tuple[str, ...]:
        """The per-queue metrics it reads (those `PUBLISH_METRICS` can switch off)."""
        return tuple(line.metric for line in self.lines if line.metric in names.QUEUE_METRIC_NAMES)

    def keeping(self, published: Sequence[str], *, skip_idle_queues: bool) -> Panel | None:
        """This panel with only the lines that have data, or None when nothing is left to draw."""
        lines = tuple(
            line
            for line in self.lines
            if (line.metric not in names.QUEUE_METRIC_NAMES or line.metric in published)
            and (skip_idle_queues or not line.idle_skipping_only)
        )
        if self.lines and not lines:
            return None
        return replace(self, lines=lines)


@dataclass(frozen=True)
class Row:
    """A band of the dashboard that answers one question."""

    title: str
    question: str
    panels: tuple[Panel, ...]


def _line(label: str, metric: str, function: str) -> Line:
    return Line(label=label, metric=metric, function=function)


# The per-queue graphs, drawn twice: summed over every queue, and for the one queue picked.
WAITING: Final = (
    _line("Waiting", names.METRIC_ITEMS_IN_QUEUE, "SUM"),
    _line("Waiting, nobody available", names.METRIC_UNATTENDED_ITEMS, "SUM"),
    _line("Ringing at an agent", names.METRIC_ITEMS_BEING_DELIVERED, "SUM"),
    _line("Callbacks scheduled", names.METRIC_ITEMS_SCHEDULED, "SUM"),
)
OLDEST: Final = (_line("Oldest wait (s)", names.METRIC_OLDEST_ITEM_AGE, "MAX"),)
AGENTS: Final = (
    _line("Staffed", names.METRIC_AGENTS_STAFFED, "SUM"),
    _line("Available", names.METRIC_AGENTS_AVAILABLE, "SUM"),
    _line("Working", names.METRIC_AGENTS_WORKING, "SUM"),
    _line("After-contact work", names.METRIC_AGENTS_IN_WRAP, "SUM"),
    _line("In error", names.METRIC_AGENTS_IN_ERROR, "SUM"),
    _line("Unavailable (break, lunch)", names.METRIC_AGENTS_UNAVAILABLE, "SUM"),
)
OPEN: Final = (_line("Open", names.METRIC_QUEUE_OPEN, "SUM"),)
QUARTER = GRID_WIDTH // 4
THIRD = GRID_WIDTH // 3
GRAPH_HEIGHT: Final = 6


def _quarter(
    kind: Kind,
    title: str,
    lines: tuple[Line, ...],
    explains: str,
    *,
    threshold_of: AlarmKind | None = None,
    y_max: float | None = None,
) -> Panel:
    """A graph a quarter of the page wide, as the all-queues and one-queue rows have."""
    return Panel(
        title=title,
        kind=kind,
        width=QUARTER,
        height=GRAPH_HEIGHT,
        lines=lines,
        explains=explains,
        threshold_of=threshold_of,
        y_max=y_max,
    )


ROWS: Final = (
    Row(
        title="Right now",
        question="How much work is waiting, how long has the oldest item waited, and is anyone free to take it?",
        panels=(
            Panel(
                title="Items waiting",
                kind=Kind.CURRENT,
                width=3,
                height=5,
                lines=(_line("all queues", names.METRIC_ITEMS_IN_QUEUE, "SUM"),),
                explains="items waiting in every queue together at the latest poll, with the last hour's trend",
            ),
            Panel(
                title="Oldest wait",
                kind=Kind.CURRENT,
                width=3,
                height=5,
                lines=(_line("seconds, any queue", names.METRIC_OLDEST_ITEM_AGE, "MAX"),),
                explains="the longest any waiting item has waited, in any queue (queues that report an age)",
            ),
            Panel(
                title="Agents available / staffed",
                kind=Kind.CURRENT,
                width=5,
                height=5,
                lines=(
                    _line("available", names.METRIC_AGENTS_AVAILABLE, "SUM"),
                    _line("staffed", names.METRIC_AGENTS_STAFFED, "SUM"),
                ),
                explains="agents available of agents staffed, added up over the queues (an agent assigned to "
                "several queues counts in each)",
            ),
            Panel(
                title="Queues with nobody free",
                kind=Kind.UNATTENDED_QUEUES,
                width=3,
                height=5,
                lines=(_line("queues", names.METRIC_UNATTENDED_ITEMS, "MAX"),),
                explains="how many queues that are not closed have work waiting and no agent available (the "
                "*Work waiting with no agent available* alarm's condition, before it has lasted long enough); "
                "a SEARCH, so it counts up to 500 queues",
            ),
            Panel(
                title="Last poll",
                kind=Kind.LAST_POLL,
                width=4,
                height=5,
                lines=(_line("1 ok, 0 failed", names.METRIC_POLL_SUCCEEDED, "MIN"),),
                explains="whether the latest poll succeeded (1) or failed (0), and how long ago it ran: an old "
                "time means the poller is not running and every number on the page is stale",
            ),
            Panel(
                title="Alarms",
                kind=Kind.ALARMS,
                width=6,
                height=5,
                explains="every alarm of the environment, most recently changed first (100 per widget; more "
                "alarms add widgets below)",
            ),
        ),
    ),
    Row(
        title="Where it is worst",
        question=f"Which {TOP_LIMIT} queues need attention first?",
        panels=(
            Panel(
                title=f"Top {TOP_LIMIT}: items waiting",
                kind=Kind.TOP,
                width=THIRD,
                height=7,
                lines=(_line("Items waiting", names.METRIC_ITEMS_IN_QUEUE, "MAX"),),
                threshold_of=AlarmKind.ITEMS_IN_QUEUE,
                explains=f"the queues with the most items waiting (their highest count in the last {TOP_MINUTES} "
                "minutes), in red from the alarm's threshold",
            ),
            Panel(
                title=f"Top {TOP_LIMIT}: oldest wait (s)",
                kind=Kind.TOP,
                width=THIRD,
                height=7,
                lines=(_line("Oldest wait", names.METRIC_OLDEST_ITEM_AGE, "MAX"),),
                threshold_of=AlarmKind.OLDEST_ITEM_AGE,
                explains="the queues whose oldest item has waited longest, in red from the alarm's threshold",
            ),
            Panel(
                title=f"Top {TOP_LIMIT}: waiting with nobody available",
                kind=Kind.TOP,
                width=THIRD,
                height=7,
                lines=(_line("Unattended", names.METRIC_UNATTENDED_ITEMS, "MAX"),),
                threshold_of=AlarmKind.UNATTENDED_ITEMS,
                explains="the queues with the most items waiting while none of their agents is available, in red "
                "from the alarm's threshold",
            ),
        ),
    ),
    Row(
        title="All queues",
        question="How has the whole environment been doing over the last 3 hours?",
        panels=(
            _quarter(
                Kind.TOTALS,
                "Items, all queues",
                WAITING,
                "items waiting, waiting with nobody available, ringing at an agent and callbacks scheduled, added "
                "up over every queue",
            ),
            _quarter(
                Kind.TOTALS,
                "Oldest wait (s), any queue",
                OLDEST,
                "the longest wait in any queue, against the alarm's threshold",
                threshold_of=AlarmKind.OLDEST_ITEM_AGE,
            ),
            _quarter(
                Kind.TOTALS, "Agents, all queues", AGENTS, "agents staffed and in each state, added up over every queue"
            ),
            _quarter(Kind.TOTALS, "Queues open", OPEN, "how many queues are open"),
        ),
    ),
    Row(
        title="One queue",
        question=f"What is happening in the queue picked in the *{QUEUE_VARIABLE_LABEL}* menu at the top?",
        panels=(
            _quarter(
                Kind.ONE_QUEUE,
                "Queue: items",
                WAITING,
                "items waiting, waiting with nobody available, ringing at an agent and callbacks scheduled in that "
                "queue, against the items-waiting alarm's threshold",
                threshold_of=AlarmKind.ITEMS_IN_QUEUE,
            ),
            _quarter(
                Kind.ONE_QUEUE,
                "Queue: oldest wait (s)",
                OLDEST,
                "how long its oldest item has waited, against the alarm's threshold",
                threshold_of=AlarmKind.OLDEST_ITEM_AGE,
            ),
            _quarter(Kind.ONE_QUEUE, "Queue: agents", AGENTS, "its agents staffed and in each state"),
            _quarter(
                Kind.ONE_QUEUE,
                "Queue: open (1) / closed (0)",
                OPEN,
                "whether it is open; a gap means the state is unknown (or, with idle skipping, that the queue was "
                "idle)",
                y_max=1,
            ),
        ),
    ),
    Row(
        title="Poller health",
        question="Is the data on this page fresh and complete?",
        panels=(
            Panel(
                title="Polls succeeded (1) / failed (0)",
                kind=Kind.HEALTH,
                width=4,
                height=5,
                lines=(_line("Poll succeeded", names.METRIC_POLL_SUCCEEDED, "MIN"),),
                y_max=1,
                explains="0 in a period means a poll failed in it; the *No successful poll* alarm watches this",
            ),
            Panel(
                title="Symbee API latency (ms)",
                kind=Kind.HEALTH,
                width=4,
                height=5,
                lines=(
                    _line("Average", names.METRIC_API_LATENCY, "AVG"),
                    _line("Maximum", names.METRIC_API_LATENCY, "MAX"),
                ),
                explains="how long the Symbee API took to answer",
            ),
            Panel(
                title="Queues per poll",
                kind=Kind.HEALTH,
                width=5,
                height=5,
                lines=(
                    _line("Reported", names.METRIC_QUEUES_REPORTED, "MIN"),
                    Line("Idle, skipped", names.METRIC_QUEUES_IDLE, "MAX", idle_skipping_only=True),
                    _line("Invalid records or fields", names.METRIC_INVALID_RECORDS, "SUM"),
                ),
                explains="queues published, queues left out as idle (only with idle skipping) and records or "
                "fields skipped as invalid",
            ),
            Panel(
                title="Poller: invocations, errors, throttles",
                kind=Kind.FUNCTION,
                width=5,
                height=5,
                lines=(
                    _line("Invocations", "Invocations", "SUM"),
                    _line("Errors", "Errors", "SUM"),
                    _line("Throttles", "Throttles", "SUM"),
                ),
                explains="the function's runs, failures and refused runs",
            ),
            Panel(
                title="Poller: duration (ms)",
                kind=Kind.FUNCTION,
                width=6,
                height=5,
                lines=(_line("Average", "Duration", "AVG"), _line("Maximum", "Duration", "MAX")),
                shows_timeout=True,
                explains="how long a poll takes, against the function's timeout",
            ),
            Panel(
                title="Last failed polls",
                kind=Kind.FAILED_POLLS,
                width=GRID_WIDTH,
                height=5,
                explains=f"the newest {FAILED_POLL_LINES} `{names.LOG_POLL_FAILED} ...` lines from the poller's "
                "log group (Logs Insights), each naming what failed",
            ),
        ),
    ),
)


def render_markdown(rows: Sequence[Row] = ROWS) -> str:
    """The README's description of the rows, top to bottom."""
    parts: list[str] = []
    for number, row in enumerate(rows, start=1):
        parts.append(f"{number}. **{row.title}**: {row.question}")
        for panel in row.panels:
            reads = ", ".join(_reads(line, panel.kind) for line in panel.lines)
            parts.append(f"   - *{panel.title}*{f' ({reads})' if reads else ''}: {panel.explains}.")
    return "\n".join(parts)


def _reads(line: Line, kind: Kind) -> str:
    if kind in (Kind.CURRENT, Kind.TOP, Kind.TOTALS):
        return f"`{line.function}({line.metric})`"  # a Metrics Insights aggregate
    if kind is Kind.ONE_QUEUE:
        return f"`{line.metric}`"
    if kind is Kind.UNATTENDED_QUEUES:
        return f"`{line.metric}` > 0"
    return f"{'Lambda ' if kind is Kind.FUNCTION else ''}`{line.metric}` {line.statistic}"


# --- the same panels over OpenTelemetry metrics (metricsBackend otel) ----------------------------------
# Panels on the poller's metrics become PromQL charts; the function's own AWS/Lambda metrics, the
# alarm status and the Logs Insights table stay as they are.
PROMQL_KINDS: Final = frozenset(
    {Kind.CURRENT, Kind.UNATTENDED_QUEUES, Kind.LAST_POLL, Kind.TOP, Kind.TOTALS, Kind.ONE_QUEUE, Kind.HEALTH}
)
PROMQL_NUMBER_KINDS: Final = frozenset({Kind.CURRENT, Kind.UNATTENDED_QUEUES, Kind.LAST_POLL})
THRESHOLD_LABEL: Final = "Alarm threshold"


@dataclass(frozen=True)
class PromQLQuery:
    """One query of a PromQL chart; no label: each series is named by its labels (QueueName)."""

    label: str | None
    query: str


def promql_queries(
    panel: Panel, *, environment: str, poll_rate_minutes: int, threshold: float | None, queue_name_part: str
) -> tuple[PromQLQuery, ...]:
    """What `panel` reads with PromQL: one query per line (plus the alarm's threshold as a line,
    the chart having no annotations); empty for the panels that stay classic."""
    source = promql.Source(environment, poll_rate_minutes)
    queries: list[PromQLQuery] = []
    for line in panel.lines:
        if panel.kind in (Kind.CURRENT, Kind.TOTALS, Kind.LAST_POLL):
            query = promql.total_query(source, metric=line.metric, function=line.function)
        elif panel.kind is Kind.UNATTENDED_QUEUES:
            query = promql.count_above_zero_query(source, metric=line.metric)
        elif panel.kind is Kind.TOP:
            query = promql.top_queues_query(source, metric=line.metric, function=line.function, limit=TOP_LIMIT)
        elif panel.kind is Kind.ONE_QUEUE:
            query = promql.queue_name_query(
                source, metric=line.metric, function=line.function, name_part=queue_name_part
            )
        elif panel.kind is Kind.HEALTH:
            query = promql.health_query(source, metric=line.metric, function=line.function)
        else:
            return ()
        queries.append(PromQLQuery(None if panel.kind is Kind.TOP else line.label, query))
    if panel.kind is Kind.LAST_POLL:
        queries.append(PromQLQuery("seconds since the last poll", promql.seconds_since_poll_query(source)))
    if threshold is not None and panel.kind in (Kind.TOTALS, Kind.ONE_QUEUE):
        queries.append(PromQLQuery(THRESHOLD_LABEL, promql.threshold_line(threshold)))
    return tuple(queries)
