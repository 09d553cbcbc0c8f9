"""CloudWatch query text built from the runtime's shared names: Metrics Insights queries for the
per-queue alarms and SEARCH expressions for the dashboard. Pure string building, no CDK.

Both select exactly the queue schema (Environment, QueueId, QueueName), so a queue that first
reports after the deploy is matched without a redeploy.
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


def queue_search(*, namespace: str, environment: str, metric: str, statistic: str, period_seconds: int) -> str:
    """A SEARCH expression graphing `metric` for every queue of `environment`, one line each."""
    schema = "{" + ",".join((f'"{namespace}"', *names.QUEUE_DIMENSIONS)) + "}"
    terms = f'MetricName="{metric}" {names.DIM_ENVIRONMENT}="{environment}"'
    return f"SEARCH('{schema} {terms}', '{statistic}', {period_seconds})"
