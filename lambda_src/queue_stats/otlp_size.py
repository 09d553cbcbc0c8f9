"""The billed size of the poller's OpenTelemetry data points, measured with its own encoder
(`otlp_wire`), for the cost model. Pure.

CloudWatch bills OTLP ingestion by the serialized size of each data point: its metric name, every
label key and value, the resource attributes, the timestamp and the value. Each point is measured
here as the poller would send it alone (a one-point export request): that counts all of these and,
as well, the request's few bytes of framing and the instrumentation scope, so it errs high by
about 30 bytes a point rather than low.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from queue_stats import names as n
from queue_stats.model import QueueStats
from queue_stats.otlp_wire import encode_snapshot
from queue_stats.publish import Health, Snapshot


@dataclass(frozen=True)
class TypicalQueue:
    """A queue as the API reports it, for sizing; the labels' lengths are what matters."""

    queue_id: str
    queue_name: str
    delivery_provider: str
    task_type: str


# One Symbee skill queue and one Amazon Connect queue (whose id is its ARN), with names of a common
# length; the API's example and the simulator use ids and names like these. With
# includeAmazonQueues the mix is the account's own: the two are weighted equally.
TYPICAL_QUEUES: tuple[TypicalQueue, ...] = (
    TypicalQueue("email-customer-care", "Email Customer Care", "SYMBEE", "EMAIL"),
    TypicalQueue(
        "arn:aws:connect:us-east-1:123456789012:instance/9f2c5b1e-6a7d-4c3e-8b91-2d4f6a8c0e13"
        "/queue/4b7e9d2a-1c3f-4e5a-9b6d-8f0a2c4e6b81",
        "Billing Support",
        "AMAZON",
        "AMAZON_ANY",
    ),
)
_SAMPLE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PointSize:
    """Average billed bytes of one data point: a queue's, and a poller-health one."""

    queue_point: float
    health_point: float


@lru_cache(maxsize=64)
def point_size(metrics: tuple[str, ...], environment: str) -> PointSize:
    """The billed bytes per point of `metrics` (per queue) and of the health metrics, for the
    typical queues of `environment`."""
    queues = [
        QueueStats(q.queue_id, q.queue_name, q.delivery_provider, q.task_type, None, dict.fromkeys(metrics, 1.0))
        for q in TYPICAL_QUEUES
    ]
    # Every health metric (QueuesIdle only with idle skipping: its size is the others' average).
    health = Health(succeeded=True, api_latency_ms=120.0, queues_reported=len(queues), invalid_records=0)
    snapshot = Snapshot(environment=environment, timestamp=_SAMPLE_TIME, queues=queues, health=health)
    sizes = [len(request.body) for request in encode_snapshot(snapshot, max_points=1)]
    queue_points = len(queues) * len(metrics)
    health_sizes = sizes[queue_points:]
    return PointSize(
        queue_point=sum(sizes[:queue_points]) / queue_points if queue_points else 0.0,
        health_point=sum(health_sizes) / len(health_sizes),
    )


def health_metric_count(*, skip_idle: bool) -> int:
    """Health points per poll (QueuesIdle only with idle skipping)."""
    return len(n.HEALTH_METRIC_NAMES) if skip_idle else len(n.HEALTH_METRIC_NAMES) - 1
