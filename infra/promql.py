"""PromQL text built from the runtime's shared names: the alarm conditions and the dashboard's
queries over the poller's OpenTelemetry metrics (`metricsBackend` `otel` or `both`). Pure string
building, no CDK.

Every selector names the metric and the environment's `Environment` label (plus `QueueId` for a
queue override): plain label names, which every PromQL engine parses. Prometheus 2.42's promtool,
which proves these queries in tests/promql/, cannot parse quoted label names, so the resource
attribute `"@resource.service.name"` is not matched; another sender's metric of the same name and
`Environment` in the same account and region would be read too (the README says so).

Points arrive once per poll, so a selector reads the latest sample of the last poll interval plus
a minute (`last_over_time`): the answer does not depend on the engine's default lookback (5
minutes in Prometheus, not documented for CloudWatch), and a queue that stops reporting drops out
one interval later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from queue_stats import names, rules

# Metrics Insights function (the dashboard layout's and the classic alarms' names) -> PromQL.
AGGREGATIONS: Final = {"SUM": "sum", "MAX": "max", "MIN": "min", "AVG": "avg"}
QUEUE_LABELS: Final = f"{names.DIM_QUEUE_ID}, {names.DIM_QUEUE_NAME}"
# Minutes a sample stays "the latest" past the poll interval: a poll that lands late (the API's
# answer time, ingestion) must not make a queue vanish between two polls.
LATE_POLL_MINUTES: Final = 1
# CloudWatch rejects a PromQL alarm query longer than this (AlarmPromQLCriteria.Query).
MAX_QUERY_LENGTH: Final = 10_000


def string_literal(value: str) -> str:
    """`value` as a double-quoted PromQL string: JSON's escapes are a subset of the Go escapes
    PromQL reads, so quotes, backslashes and control characters stay inside the literal."""
    return json.dumps(value, ensure_ascii=False)


def number(value: float) -> str:
    """A threshold as PromQL reads it, without a trailing `.0` for whole numbers."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def queue_matchers(*, only_queue: str | None = None, exclude_queues: Sequence[str] = ()) -> list[str]:
    """`QueueId` matchers for an override's own alarm or a fleet alarm that leaves overrides out.
    Over OTLP ids travel as the API wrote them (no CloudWatch escaping), so a configured id is
    matched as the poller sends it."""
    matchers = []
    if only_queue is not None:
        matchers.append(f"{names.DIM_QUEUE_ID}={string_literal(rules.otlp_label_value(only_queue))}")
    matchers += [f"{names.DIM_QUEUE_ID}!={string_literal(rules.otlp_label_value(q))}" for q in exclude_queues]
    return matchers


@dataclass(frozen=True)
class Source:
    """What the queries read: one environment's metrics, a point per series every poll."""

    environment: str
    poll_rate_minutes: int

    @property
    def window(self) -> str:
        """The range holding the latest poll's sample (see the module's docstring)."""
        return f"{self.poll_rate_minutes + LATE_POLL_MINUTES}m"

    def selector(self, metric: str, matchers: Sequence[str] = ()) -> str:
        """`metric` of this environment, with any further label matchers."""
        labels = [f"{names.DIM_ENVIRONMENT}={string_literal(self.environment)}", *matchers]
        return f"{metric}{{{','.join(labels)}}}"

    def latest(self, metric: str, matchers: Sequence[str] = ()) -> str:
        """Each series' latest sample, while it is at most one poll interval (and a minute) old."""
        return f"last_over_time({self.selector(metric, matchers)}[{self.window}])"


# --- alarm conditions: every series returned is a contributor in breach ----------------------------
def queue_alarm_query(
    source: Source,
    *,
    metric: str,
    function: str,
    threshold: float,
    only_queue: str | None = None,
    exclude_queues: Sequence[str] = (),
) -> str:
    """One contributor per (QueueId, QueueName) whose latest `metric` is at least `threshold`;
    `function` folds the series of one queue (e.g. one per TaskType) into one."""
    values = source.latest(metric, queue_matchers(only_queue=only_queue, exclude_queues=exclude_queues))
    return f"{AGGREGATIONS[function]} by ({QUEUE_LABELS}) ({values}) >= {number(threshold)}"


def unattended_query(
    source: Source, *, threshold: float, only_queue: str | None = None, exclude_queues: Sequence[str] = ()
) -> str:
    """Work waiting with nobody available while the queue is not closed, per queue: at least
    `threshold` items, and zero agents available, unless the queue says it is closed. A queue whose
    open state is unknown (no QueueOpen sample) is not closed, so it can fire."""
    waiting = queue_alarm_query(
        source,
        metric=names.METRIC_ITEMS_IN_QUEUE,
        function="MIN",
        threshold=threshold,
        only_queue=only_queue,
        exclude_queues=exclude_queues,
    )
    nobody = f"max by ({names.DIM_QUEUE_ID}) ({source.latest(names.METRIC_AGENTS_AVAILABLE)}) == 0"
    closed = f"max by ({names.DIM_QUEUE_ID}) ({source.latest(names.METRIC_QUEUE_OPEN)}) == 0"
    on = f"on ({names.DIM_QUEUE_ID})"
    return f"(({waiting}) and {on} ({nobody})) unless {on} ({closed})"


def poll_failed_query(source: Source) -> str:
    """One contributor (the environment) while the latest poll failed (PollSucceeded 0) or no poll
    has reported for a poll interval and a minute: a dead poller sends nothing at all."""
    polls = source.selector(names.METRIC_POLL_SUCCEEDED)
    failed = f"max by ({names.DIM_ENVIRONMENT}) (last_over_time({polls}[{source.window}])) < 1"
    return f"({failed}) or absent_over_time({polls}[{source.window}])"


# --- dashboard queries -----------------------------------------------------------------------------
def total_query(source: Source, *, metric: str, function: str) -> str:
    """`function` of `metric` over every queue that reported in the last poll."""
    return f"{AGGREGATIONS[function]}({source.latest(metric)})"


def top_queues_query(source: Source, *, metric: str, function: str, limit: int) -> str:
    """The `limit` queues with the highest `metric`, one series each, labelled with the name."""
    return f"topk({limit}, {AGGREGATIONS[function]} by ({names.DIM_QUEUE_NAME}) ({source.latest(metric)}))"


def count_above_zero_query(source: Source, *, metric: str) -> str:
    """How many queues have `metric` above zero (0, not nothing, when none has)."""
    return f"count(max by ({names.DIM_QUEUE_ID}) ({source.latest(metric)}) > 0) or vector(0)"


def queue_name_query(source: Source, *, metric: str, function: str, name_part: str) -> str:
    """`function` of `metric` over the queues whose name contains `name_part` (any case): the
    dashboard puts its Queue field's text there, so typing part of a name is enough."""
    matcher = f"{names.DIM_QUEUE_NAME}=~{string_literal(f'(?i).*{name_part}.*')}"
    return f"{AGGREGATIONS[function]}({source.latest(metric, [matcher])})"


def health_query(source: Source, *, metric: str, function: str) -> str:
    """`function` of a poller-health metric over each poll interval (one sample per poll)."""
    return f"{AGGREGATIONS[function]}_over_time({source.selector(metric)}[{source.poll_rate_minutes}m])"


def seconds_since_poll_query(source: Source) -> str:
    """Seconds since the newest PollSucceeded sample, successful or not (nothing once an hour and
    a poll interval have passed without one)."""
    stamps = f"timestamp({source.selector(names.METRIC_POLL_SUCCEEDED)})"
    return f"time() - max(max_over_time({stamps}[{60 + source.poll_rate_minutes}m:1m]))"


def threshold_line(value: float) -> str:
    """A constant line at an alarm's threshold (the PromQL chart has no annotations)."""
    return f"vector({number(value)})"
