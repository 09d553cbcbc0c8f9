"""A queue's numbers right now, for the message that tells people about it: one GetMetricData call.

What is read is decided once (`wanted`: each series, its statistic per minute); the queries and the
reading of the answer are pure (`queries`, `numbers_from`); `CloudWatchReader` is the I/O edge.
The per-queue dimensions are the contributor's attributes, which are exactly the published
dimension values; the environment's `PollSucceeded` and `QueuesIdle` say whether the poller is
healthy and whether it leaves idle queues out. `promql_reader` reads the same series over
OpenTelemetry into the same `Numbers`.
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

POLL_MIN: Final = "pollmin"  # PollSucceeded Minimum: 0 in a minute with any failed poll
POLL_MAX: Final = "pollmax"  # PollSucceeded Maximum: 1 in a minute with any successful poll
IDLE: Final = "idle"
REPORTED: Final = "reported"
ALARM_METRIC: Final = "alarm"
MAXIMUM: Final = "Maximum"
MINIMUM: Final = "Minimum"


def reads_promql(metrics_backend: str) -> bool:
    """Where a queue's numbers are read, decided here only (the notifier's runtime and the stack's
    grant ask this). With `otel` the alarms are PromQL alarms over OTLP metrics, which GetMetricData
    does not see: the PromQL query API serves, and contributors are labelled with the names as the
    API gave them. With `both` the classic alarms act and the classic metrics exist: GetMetricData."""
    return metrics_backend == n.BACKEND_OTEL


@dataclass(frozen=True)
class Wanted:
    """One series to read: a metric of the environment (and of the queue, when `per_queue`),
    folded to one value per minute with `stat`; `id` names it in the answer."""

    id: str
    metric: str
    stat: str  # MAXIMUM or MINIMUM
    per_queue: bool = False


def wanted(alert: Alert) -> list[Wanted]:
    """What is read for this alert, whichever backend holds it: the queue's numbers (when it names
    a queue) and the poller's health (with the queues reported, for a health alarm)."""
    out: list[Wanted] = []
    if alert.queue is not None:
        out += [Wanted(f"q{index}", metric, MAXIMUM, per_queue=True) for index, metric in enumerate(QUEUE_METRICS)]
    out += [
        Wanted(POLL_MIN, n.METRIC_POLL_SUCCEEDED, MINIMUM),
        Wanted(POLL_MAX, n.METRIC_POLL_SUCCEEDED, MAXIMUM),
        Wanted(IDLE, n.METRIC_QUEUES_IDLE, MAXIMUM),
    ]
    if alert.queue is None:
        out.append(Wanted(REPORTED, n.METRIC_QUEUES_REPORTED, MAXIMUM))
    return out


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
    def queue_absent(self) -> bool | None:
        """True when the queue was not in the latest successful poll: it has no numbers in the
        window, its newest minute is older than the poller's last success, or the poller is
        failing. None when the numbers could not be read."""
        failing = self.poller_failing
        if failing is None or failing:
            return failing
        as_of = self.as_of
        return as_of is None or (self.last_success is not None and as_of < self.last_success)

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


class NumbersReader(Protocol):
    """Where the notifier reads numbers: CloudWatchReader, or promql_reader.PromQLReader with
    METRICS_BACKEND otel. Neither raises: a failure is `Numbers(unavailable=...)`."""

    def read(self, alert: Alert, *, now: datetime) -> Numbers: ...

    def find_queue(self, text: str) -> Queue | None: ...


def window(now: datetime) -> tuple[datetime, datetime]:
    """The minutes read, as (start of the first, end of the last): the lookback and the minute
    under way, each minute whole (GetMetricData's periods; PromQL's evaluation steps end them)."""
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return end - timedelta(minutes=LOOKBACK_MINUTES + 1), end


def queries(alert: Alert, *, environment: str, namespace: str) -> list[dict[str, Any]]:
    """The GetMetricData queries for this alert: what `wanted` names, and a single-metric alarm's
    own metric."""
    health = [{"Name": n.DIM_ENVIRONMENT, "Value": environment}]
    queue = alert.queue
    per_queue = health
    if queue is not None:
        per_queue = [
            *health,
            {"Name": n.DIM_QUEUE_ID, "Value": queue.queue_id},
            {"Name": n.DIM_QUEUE_NAME, "Value": queue.queue_name},
        ]
    out = [_stat(w.id, namespace, w.metric, per_queue if w.per_queue else health, w.stat) for w in wanted(alert)]
    own = alarm_metric_query(alert, namespace)
    if own is not None:
        out.append(own)
    return out


def alarm_metric_query(alert: Alert, namespace: str) -> dict[str, Any] | None:
    """A health alarm's own metric when it is not one of the poller's (e.g. its Lambda Errors):
    a classic metric under every backend."""
    return _alarm_metric_query(alert.metric, namespace) if alert.queue is None else None


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
        if query_id == POLL_MAX:
            last_success = next((when for when, value in pairs if value >= 1), None)
    queue = {metric: latest[f"q{i}"] for i, metric in enumerate(QUEUE_METRICS) if f"q{i}" in latest}
    return Numbers(
        queue=queue,
        poll=latest.get(POLL_MIN),
        last_success=last_success,
        queues_idle=latest.get(IDLE),
        queues_reported=latest.get(REPORTED),
        alarm_metric=latest.get(ALARM_METRIC),
        lookback_minutes=lookback_minutes,
    )


class CloudWatchReader:
    """Reads the numbers with one GetMetricData call; a failure becomes `Numbers(unavailable=...)`."""

    def __init__(self, client: Any, *, environment: str, namespace: str) -> None:
        self._client = client  # GetMetricData (and ListMetrics for find_queue)
        self._environment = environment
        self._namespace = namespace

    def read(self, alert: Alert, *, now: datetime) -> Numbers:
        return read_metric_data(
            self._client, queries(alert, environment=self._environment, namespace=self._namespace), now=now
        )

    def find_queue(self, text: str) -> Queue | None:
        return find_queue(self._client, namespace=self._namespace, environment=self._environment, text=text)


def read_metric_data(client: MetricDataClient, metric_queries: list[dict[str, Any]], *, now: datetime) -> Numbers:
    """One GetMetricData call over the window; never raises."""
    start, end = window(now)
    try:
        answer = client.get_metric_data(
            MetricDataQueries=metric_queries, StartTime=start, EndTime=end, ScanBy="TimestampDescending"
        )
    except Exception as error:  # botocore's ClientError, timeouts, connection errors alike
        why = _why(error)
        logger.warning("Could not read the numbers from CloudWatch: %s", why)
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
        "Id": ALARM_METRIC,
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
