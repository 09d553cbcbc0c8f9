"""A queue's numbers right now, for the message that tells people about it: one GetMetricData call.

The queries and the reading of the answer are pure (`queries`, `numbers_from`); `CloudWatchReader`
is the I/O edge. The per-queue dimensions are the contributor's attributes, which are exactly the
published dimension values; the environment's `PollSucceeded` and `QueuesIdle` say whether the
poller is healthy and whether it leaves idle queues out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from queue_stats import names as n
from queue_stats.alerts import Alert, Queue
from queue_stats.model import dimension_value

logger = logging.getLogger(__name__)

# What a person wants to see about a queue, in reading order.
QUEUE_METRICS: Final = (
    n.METRIC_ITEMS_IN_QUEUE,
    n.METRIC_OLDEST_ITEM_AGE,
    n.METRIC_AGENTS_AVAILABLE,
    n.METRIC_AGENTS_STAFFED,
    n.METRIC_AGENTS_WORKING,
    n.METRIC_AGENTS_IN_ERROR,
    n.METRIC_QUEUE_OPEN,
)
# Far enough back to see a few polls even at a 5-minute poll rate; short enough to be "now".
LOOKBACK_MINUTES: Final = 15
PERIOD_SECONDS: Final = 60

_POLL_MIN: Final = "pollmin"  # PollSucceeded Minimum: 0 in a minute with any failed poll
_POLL_MAX: Final = "pollmax"  # PollSucceeded Maximum: 1 in a minute with any successful poll
_IDLE: Final = "idle"
_REPORTED: Final = "reported"
_ALARM_METRIC: Final = "alarm"


@dataclass(frozen=True)
class Reading:
    """The latest datapoint of one metric in the lookback window."""

    value: float
    at: datetime


@dataclass(frozen=True)
class Numbers:
    """What CloudWatch holds about the queue and the poller now; `unavailable` says why not."""

    queue: Mapping[str, Reading] = field(default_factory=dict)  # metric name -> latest
    poll: Reading | None = None  # latest PollSucceeded minimum: 0 means a poll failed that minute
    last_success: datetime | None = None  # the latest minute with a successful poll
    queues_idle: Reading | None = None
    queues_reported: Reading | None = None
    alarm_metric: Reading | None = None  # a single-metric alarm's own metric, as it evaluates it
    unavailable: str | None = None
    lookback_minutes: int = LOOKBACK_MINUTES

    @property
    def as_of(self) -> datetime | None:
        times = [r.at for r in self.queue.values()]
        return max(times) if times else None

    @property
    def poller_failing(self) -> bool | None:
        """True when the latest poll minute had a failure or no poll succeeded in the window;
        None when CloudWatch could not be read."""
        if self.unavailable is not None:
            return None
        if self.last_success is None:
            return True
        return self.poll is not None and self.poll.value < 1


class MetricDataClient(Protocol):
    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]: ...


def queries(alert: Alert, *, environment: str, namespace: str) -> list[dict[str, Any]]:
    """The GetMetricData queries for this alert: the queue's numbers (when it names a queue), the
    poller's health, and a single-metric alarm's own metric."""
    env_dimension = {"Name": n.DIM_ENVIRONMENT, "Value": environment}
    out: list[dict[str, Any]] = []
    if alert.queue is not None:
        dimensions = [
            env_dimension,
            {"Name": n.DIM_QUEUE_ID, "Value": alert.queue.queue_id},
            {"Name": n.DIM_QUEUE_NAME, "Value": alert.queue.queue_name},
        ]
        for index, metric in enumerate(QUEUE_METRICS):
            out.append(_stat(f"q{index}", namespace, metric, dimensions, "Maximum"))
    health = [env_dimension]
    out.append(_stat(_POLL_MIN, namespace, n.METRIC_POLL_SUCCEEDED, health, "Minimum"))
    out.append(_stat(_POLL_MAX, namespace, n.METRIC_POLL_SUCCEEDED, health, "Maximum"))
    out.append(_stat(_IDLE, namespace, n.METRIC_QUEUES_IDLE, health, "Maximum"))
    if alert.queue is None:
        out.append(_stat(_REPORTED, namespace, n.METRIC_QUEUES_REPORTED, health, "Maximum"))
        own = _alarm_metric_query(alert.metric, namespace)
        if own is not None:
            out.append(own)
    return out


def numbers_from(results: Sequence[Mapping[str, Any]], *, lookback_minutes: int = LOOKBACK_MINUTES) -> Numbers:
    """The latest value of each query in a GetMetricData answer (values newest first)."""
    latest: dict[str, Reading] = {}
    last_success = None
    for result in results:
        query_id = str(result.get("Id", ""))
        pairs = sorted(zip(result.get("Timestamps", []), result.get("Values", []), strict=False), reverse=True)
        if not pairs:
            continue
        latest[query_id] = Reading(float(pairs[0][1]), pairs[0][0])
        if query_id == _POLL_MAX:
            last_success = next((when for when, value in pairs if value >= 1), None)
    queue = {metric: latest[f"q{i}"] for i, metric in enumerate(QUEUE_METRICS) if f"q{i}" in latest}
    return Numbers(
        queue=queue,
        poll=latest.get(_POLL_MIN),
        last_success=last_success,
        queues_idle=latest.get(_IDLE),
        queues_reported=latest.get(_REPORTED),
        alarm_metric=latest.get(_ALARM_METRIC),
        lookback_minutes=lookback_minutes,
    )


class CloudWatchReader:
    """Reads the numbers with one GetMetricData call; a failure becomes `Numbers(unavailable=...)`."""

    def __init__(self, client: MetricDataClient, *, environment: str, namespace: str) -> None:
        self._client = client
        self._environment = environment
        self._namespace = namespace

    def read(self, alert: Alert, *, now: datetime) -> Numbers:
        metric_queries = queries(alert, environment=self._environment, namespace=self._namespace)
        end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        try:
            answer = self._client.get_metric_data(
                MetricDataQueries=metric_queries,
                StartTime=end - timedelta(minutes=LOOKBACK_MINUTES + 1),
                EndTime=end,
                ScanBy="TimestampDescending",
            )
        except Exception as error:  # botocore's ClientError, timeouts, connection errors alike
            why = _why(error)
            logger.warning("Could not read the queue's numbers from CloudWatch: %s", why)
            return Numbers(unavailable=f"CloudWatch GetMetricData failed: {why}")
        return numbers_from(answer.get("MetricDataResults", []))


def _stat(query_id: str, namespace: str, metric: str, dimensions: list[dict[str, str]], stat: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
            "Period": PERIOD_SECONDS,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _alarm_metric_query(metric_stat: Mapping[str, Any] | None, namespace: str) -> dict[str, Any] | None:
    """The alarm's own metric (e.g. the poller's Lambda Errors), unless it is PollSucceeded, which
    the health queries already read."""
    if metric_stat is None:
        return None
    metric = metric_stat.get("metric", {})
    name, metric_namespace = metric.get("name"), metric.get("namespace")
    stat, period = metric_stat.get("stat"), metric_stat.get("period")
    dimensions = metric.get("dimensions", {})
    if not (isinstance(name, str) and isinstance(metric_namespace, str) and isinstance(stat, str)):
        return None
    if not isinstance(dimensions, dict) or not isinstance(period, int) or period <= 0:
        return None
    if name == n.METRIC_POLL_SUCCEEDED and metric_namespace == namespace:
        return None
    return {
        "Id": _ALARM_METRIC,
        "MetricStat": {
            "Metric": {
                "Namespace": metric_namespace,
                "MetricName": name,
                "Dimensions": [{"Name": str(k), "Value": str(v)} for k, v in dimensions.items()],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _why(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = response["Error"].get("Code", "error")
        message = str(response["Error"].get("Message", "")).strip()
        return f"{code}: {message}"[:300] if message else str(code)
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


class ListMetricsClient(Protocol):
    def list_metrics(self, **kwargs: Any) -> dict[str, Any]: ...


def find_queue(client: ListMetricsClient, *, namespace: str, environment: str, text: str) -> Queue | None:
    """The queue whose id or name is `text` (as people write it), from the metrics of the last
    3 hours: its dimension values exactly as published. None when no metric names it."""
    wanted = dimension_value(text.strip())
    for dimension in (n.DIM_QUEUE_ID, n.DIM_QUEUE_NAME):
        answer = client.list_metrics(
            Namespace=namespace,
            Dimensions=[{"Name": n.DIM_ENVIRONMENT, "Value": environment}, {"Name": dimension, "Value": wanted}],
            RecentlyActive="PT3H",
        )
        for metric in answer.get("Metrics", []):
            values = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions", [])}
            queue_id, queue_name = values.get(n.DIM_QUEUE_ID), values.get(n.DIM_QUEUE_NAME)
            if isinstance(queue_id, str) and isinstance(queue_name, str):
                return Queue(queue_id, queue_name)
    return None
