"""Queue snapshots and poll health -> CloudWatch `MetricData` datums, and their batching. Pure.

Datums are plain dicts in the shape boto3's `put_metric_data` takes, so publishing is one call
per batch and tests can compare them with plain data. They carry no StorageResolution: CloudWatch's
default, standard (60-second) resolution, is what one datapoint a minute needs, and every key costs
encoding time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from queue_stats import names as n
from queue_stats.model import QueueStats, dimension_value
from queue_stats.publish import Health, Snapshot

Datum = dict[str, Any]

# PutMetricData accepts at most 1,000 datums and a 1 MB payload per request.
MAX_DATUMS_PER_REQUEST = 1000
# Our size estimate is of the encoded strings plus a fixed overhead per datum; the margin to the
# 1 MB limit covers the request envelope and any encoding slack.
MAX_REQUEST_BYTES = 800_000
_DATUM_OVERHEAD_BYTES = 120

UNITS: dict[str, str] = {
    **{m.name: m.unit for m in n.COUNT_METRICS},
    n.METRIC_QUEUE_OPEN: "None",
    n.METRIC_UNATTENDED_ITEMS: "Count",
    n.METRIC_POLL_SUCCEEDED: "Count",
    n.METRIC_API_LATENCY: "Milliseconds",
    n.METRIC_QUEUES_REPORTED: "Count",
    n.METRIC_INVALID_RECORDS: "Count",
    n.METRIC_QUEUES_IDLE: "Count",
}


def queue_datums(queues: Iterable[QueueStats], *, environment: str, timestamp: datetime) -> list[Datum]:
    """One datum per known value of each queue, all stamped with the poll's time."""
    datums: list[Datum] = []
    append = datums.append
    for queue in queues:
        # One dimensions list per queue, shared by its datums: boto3 only reads it.
        dimensions = [
            {"Name": n.DIM_ENVIRONMENT, "Value": environment},
            {"Name": n.DIM_QUEUE_ID, "Value": dimension_value(queue.queue_id)},
            {"Name": n.DIM_QUEUE_NAME, "Value": dimension_value(queue.queue_name)},
        ]
        for name, value in queue.values.items():
            append(
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": timestamp,
                    "Value": value,
                    "Unit": UNITS[name],
                }
            )
    return datums


def health_values(health: Health) -> list[tuple[str, float]]:
    """(metric name, value) of the poller's own health, leaving out what is not known. Every
    backend publishes exactly these."""
    values: list[tuple[str, float | None]] = [
        (n.METRIC_POLL_SUCCEEDED, 1 if health.succeeded else 0),
        (n.METRIC_API_LATENCY, health.api_latency_ms),
        (n.METRIC_QUEUES_REPORTED, health.queues_reported),
        (n.METRIC_INVALID_RECORDS, health.invalid_records),
        (n.METRIC_QUEUES_IDLE, health.queues_idle),
    ]
    return [(name, value) for name, value in values if value is not None]


def health_datums(*, environment: str, timestamp: datetime, health: Health) -> list[Datum]:
    """The poller's own health for one poll (dimension Environment only)."""
    dimensions = [{"Name": n.DIM_ENVIRONMENT, "Value": environment}]
    return [
        {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": timestamp,
            "Value": value,
            "Unit": UNITS[name],
        }
        for name, value in health_values(health)
    ]


def snapshot_datums(snapshot: Snapshot) -> list[Datum]:
    """Every datum of one poll: the queues' values, then the poller's health."""
    datums = queue_datums(snapshot.queues, environment=snapshot.environment, timestamp=snapshot.timestamp)
    datums += health_datums(environment=snapshot.environment, timestamp=snapshot.timestamp, health=snapshot.health)
    return datums


def batch_datums(
    datums: Sequence[Datum],
    *,
    max_count: int = MAX_DATUMS_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> list[list[Datum]]:
    """Split into the fewest requests that respect both PutMetricData limits, in order."""
    batches: list[list[Datum]] = []
    current: list[Datum] = []
    size = 0
    dims_size: dict[int, int] = {}  # datums of one queue share a dimensions list: measure it once
    for datum in datums:
        dimensions = datum["Dimensions"]
        key = id(dimensions)
        dsize = dims_size.get(key)
        if dsize is None:
            dsize = dims_size[key] = sum(_encoded_len(d["Name"]) + _encoded_len(d["Value"]) + 8 for d in dimensions)
        datum_size = _DATUM_OVERHEAD_BYTES + len(datum["MetricName"]) + dsize
        if current and (len(current) >= max_count or size + datum_size > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(datum)
        size += datum_size
    if current:
        batches.append(current)
    return batches


def _encoded_len(text: str) -> int:
    """Bytes `text` takes in the request body, at worst: botocore's JSON escapes every
    non-ASCII character as \\uXXXX (6 bytes, 12 for a surrogate pair)."""
    if text.isascii() and text.isprintable():
        return len(text) + text.count('"') + text.count("\\")
    return sum(1 if " " <= c <= "~" and c not in '"\\' else 6 if ord(c) < 0x10000 else 12 for c in text)
