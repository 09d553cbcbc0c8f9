"""The optimisations proposed in docs/performance.md, as local copies the benchmark can measure.

`make bench` measures the code as shipped; `python scripts/bench.py --proposals` also measures
these, in the same run, by monkeypatching them into the benchmark's own process only. Each is a
small diff to lambda_src/ (spelled out in docs/performance.md); once applied there, its copy here
goes away.

P1  runtime.py    CloudWatch client with parameter_validation=False: botocore re-checks every field
                  of every datum against the API model, half of a large poll's CPU. The datums come
                  from pure, tested code (a unit test can run the same check), and CloudWatch
                  validates them again on arrival.
P2  metrics.py    no "StorageResolution": 60 on each datum (60 is CloudWatch's default): one key
                  fewer to build, validate and encode per datum, and a smaller dict.
P3  metrics.py    batch_datums: when even the largest datum fits max_count times under max_bytes,
                  cut by count alone instead of sizing every datum.

Measured and not proposed: MAX_CONCURRENT_REQUESTS 8 -> 32 (publishing is CPU-bound in botocore
under the GIL: a few % at 100 ms per request), pausing or freezing the garbage collector during a
poll (faster at 10,000 queues, slower at 1,000 once the deferred collection is counted), dropping
Timestamp (CloudWatch would stamp each batch on arrival, so one poll could straddle two minutes),
and disable_request_compression (a few % of CPU for ~40x the bytes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from botocore.config import Config

from queue_stats import cloudwatch, poll, runtime
from queue_stats import names as n
from queue_stats.metrics import (
    _DATUM_OVERHEAD_BYTES,
    MAX_DATUMS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    UNITS,
    Datum,
    _encoded_len,
    batch_datums,
)
from queue_stats.model import QueueStats

P1_CONFIG = Config(parameter_validation=False)

_LONGEST_METRIC_NAME = max(map(len, UNITS))


def queue_datums_p2(queues: Iterable[QueueStats], *, environment: str, timestamp: datetime) -> list[Datum]:
    """metrics.queue_datums without StorageResolution (P2)."""
    datums: list[Datum] = []
    append = datums.append
    for queue in queues:
        dimensions = [
            {"Name": n.DIM_ENVIRONMENT, "Value": environment},
            {"Name": n.DIM_QUEUE_ID, "Value": queue.queue_id},
            {"Name": n.DIM_QUEUE_NAME, "Value": queue.queue_name},
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


def batch_datums_p3(
    datums: Sequence[Datum], *, max_count: int = MAX_DATUMS_PER_REQUEST, max_bytes: int = MAX_REQUEST_BYTES
) -> list[list[Datum]]:
    """metrics.batch_datums with a fast path (P3): size each shared dimensions list once, and when
    the largest possible datum fits max_count times, only the count limit can bind."""
    shared = {id(d["Dimensions"]): d["Dimensions"] for d in datums}
    largest = max(
        (sum(_encoded_len(d["Name"]) + _encoded_len(d["Value"]) + 8 for d in dims) for dims in shared.values()),
        default=0,
    )
    if (_DATUM_OVERHEAD_BYTES + _LONGEST_METRIC_NAME + largest) * max_count <= max_bytes:
        return [list(datums[i : i + max_count]) for i in range(0, len(datums), max_count)]
    return batch_datums(datums, max_count=max_count, max_bytes=max_bytes)


@contextlib.contextmanager
def applied() -> Iterator[None]:
    """P1-P3 patched into this process (Runtime.create must run inside, for P1)."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    try:
        patch(runtime, "_AWS_CONFIG", runtime._AWS_CONFIG.merge(P1_CONFIG))
        patch(poll, "queue_datums", queue_datums_p2)
        patch(cloudwatch, "batch_datums", batch_datums_p3)
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)
