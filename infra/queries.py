"""CloudWatch query text built from the runtime's shared names: Metrics Insights queries for the
per-queue alarms and the dashboard, SEARCH expressions and the Logs Insights query for the dashboard.
Pure string building, no CDK.

The metric queries select exactly the queue schema (Environment, QueueId, QueueName), so a queue
that first reports after the deploy is matched without a redeploy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from queue_stats import names, rules

# CloudWatch rejects a metric data query expression longer than this.
MAX_EXPRESSION_LENGTH: Final = 2048


def label_literal(value: str) -> str:
    """`value` as a quoted Metrics Insights label value matching the dimension the poller
    publishes: the runtime's escaping to ASCII first (`Zürich` is stored as `Z\\xfcrich`), then
    the query language's own backslash escapes for backslashes and quotes."""
    published = rules.dimension_value(value)
    return "'" + published.replace("\\", "\\\\").replace("'", "\\'") + "'"


def queue_alarm_query(
    *,
    namespace: str,
    environment: str,
    metric: str,
    function: str,
    only_queue: str | None = None,
    exclude_queues: Sequence[str] = (),
) -> str:
    """A multi-time-series query: one contributor per (QueueId, QueueName) of `environment`. Queue
    ids are given as configured (the API's ids); the query holds them as published."""
    conditions = [f"{names.DIM_ENVIRONMENT} = {label_literal(environment)}"]
    if only_queue is not None:
        conditions.append(f"{names.DIM_QUEUE_ID} = {label_literal(only_queue)}")
    conditions += [f"{names.DIM_QUEUE_ID} != {label_literal(queue_id)}" for queue_id in exclude_queues]
    schema = f'SCHEMA("{namespace}", {", ".join(names.QUEUE_DIMENSIONS)})'
    # Not SQL: a CloudWatch query whose label values are escaped above.
    select = f"SELECT {function}({metric}) FROM {schema}"  # noqa: S608
    where = " AND ".join(conditions)
    # A multi-time-series alarm needs GROUP BY (one contributor per group) and ORDER BY (which
    # contributors come first when more than the 500 a query returns exist: the worst ones).
    group = f"GROUP BY {names.DIM_QUEUE_ID}, {names.DIM_QUEUE_NAME} ORDER BY {function}() DESC"
    return f"{select} WHERE {where} {group}"


def insights_schema(namespace: str) -> str:
    """The Metrics Insights FROM target: every metric with exactly the queue dimensions."""
    return f'SCHEMA("{namespace}", {", ".join(names.QUEUE_DIMENSIONS)})'


def queue_total_query(*, namespace: str, environment: str, metric: str, function: str) -> str:
    """One time series: `function` of `metric` over every queue of `environment` (e.g. the items
    waiting in all queues together). Metrics Insights reads up to 10,000 metrics but only the
    last 3 hours."""
    # Not SQL: a CloudWatch query whose one literal config.py has checked for quotes.
    select = f"SELECT {function}({metric}) FROM {insights_schema(namespace)}"  # noqa: S608
    return f"{select} WHERE {names.DIM_ENVIRONMENT} = '{environment}'"


def top_queues_query(*, namespace: str, environment: str, metric: str, function: str, limit: int) -> str:
    """The `limit` queues with the highest `function` of `metric`, one time series each, labelled
    with the queue's name."""
    total = queue_total_query(namespace=namespace, environment=environment, metric=metric, function=function)
    return f"{total} GROUP BY {names.DIM_QUEUE_NAME} ORDER BY {function}() DESC LIMIT {limit}"


def queue_search_terms(*, namespace: str, environment: str, metric: str, queue_name: str | None = None) -> str:
    """The text inside a SEARCH: `metric` of every queue of `environment`, or of the queues named
    `queue_name` (exact match). Also what fills the dashboard's queue picker."""
    schema = "{" + ",".join((f'"{namespace}"', *names.QUEUE_DIMENSIONS)) + "}"
    terms = f'{schema} MetricName="{metric}" {names.DIM_ENVIRONMENT}="{environment}"'
    return terms if queue_name is None else f'{terms} {names.DIM_QUEUE_NAME}="{queue_name}"'


def queue_search(
    *,
    namespace: str,
    environment: str,
    metric: str,
    statistic: str,
    period_seconds: int,
    queue_name: str | None = None,
) -> str:
    """A SEARCH expression graphing `metric` for every queue of `environment` (or the queues named
    `queue_name`), one line each. A SEARCH returns at most 500 time series."""
    terms = queue_search_terms(namespace=namespace, environment=environment, metric=metric, queue_name=queue_name)
    return f"SEARCH('{terms}', '{statistic}', {period_seconds})"


def count_above_zero(search: str) -> str:
    """How many of the time series `search` finds are above zero, per period (comparison is
    applied to each series, SUM adds the 1s). A series without a datapoint is not counted."""
    return f"SUM({search} > 0)"


def log_lines_query(*, containing: str, fields: Sequence[str], limit: int) -> str:
    """Logs Insights: the newest `limit` log lines that contain `containing`, newest first."""
    quoted = containing.replace("\\", "\\\\").replace('"', '\\"')
    return "\n".join(
        (
            f"fields {', '.join(('@timestamp', *fields))}",
            f'| filter @message like "{quoted}"',
            "| sort @timestamp desc",
            f"| limit {limit}",
        )
    )
