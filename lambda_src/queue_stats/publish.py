"""What one poll publishes, and the small interface every metrics backend implements. Pure.

A backend (classic CloudWatch PutMetricData, OpenTelemetry over OTLP) receives one `Snapshot`:
the queues to publish, already reduced to the selected metrics, and the poller's own health.
It maps them to its wire format itself, so the poll does not know which backend it feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from queue_stats.model import QueueStats


@dataclass(frozen=True)
class Health:
    """The poller's own figures for one poll; None is "not known", and is not published."""

    succeeded: bool
    api_latency_ms: float | None = None
    queues_reported: int | None = None
    invalid_records: int | None = None
    queues_idle: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """Everything one poll publishes, every value stamped with `timestamp` (the poll's time)."""

    environment: str
    timestamp: datetime
    queues: Sequence[QueueStats]
    health: Health


@dataclass(frozen=True)
class PublishReport:
    backend: str
    request_name: str  # what one request is called in messages, e.g. "PutMetricData"
    datums: int  # values sent (datums for CloudWatch, data points for OTLP)
    requests: int
    failures: tuple[str, ...]  # one line per failed request

    @property
    def ok(self) -> bool:
        return not self.failures


class Publisher(Protocol):
    """A metrics backend. `deadline` is a time.monotonic() instant no request may outlive."""

    name: str

    def publish(self, snapshot: Snapshot, *, deadline: float) -> PublishReport: ...


T = TypeVar("T")
R = TypeVar("R")


def concurrently(action: Callable[[T], R], items: Sequence[T], *, limit: int) -> list[R]:
    """`action` on every item, at most `limit` at a time; results in the items' order. One item
    runs in the caller's thread: no pool to start for the common single-request poll."""
    if len(items) <= 1:
        return [action(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(len(items), limit)) as pool:
        return list(pool.map(action, items))


class FanOutPublisher:
    """Several backends side by side (METRICS_BACKEND=both): each gets the whole snapshot, all at
    once, and a failure of one never stops the other."""

    def __init__(self, publishers: Sequence[Publisher]) -> None:
        self._publishers = tuple(publishers)
        self.name = "+".join(p.name for p in self._publishers)

    def publish(self, snapshot: Snapshot, *, deadline: float) -> PublishReport:
        with ThreadPoolExecutor(max_workers=len(self._publishers)) as pool:
            reports = list(pool.map(lambda p: p.publish(snapshot, deadline=deadline), self._publishers))
        return PublishReport(
            backend=self.name,
            request_name="/".join(dict.fromkeys(r.request_name for r in reports)),
            datums=sum(r.datums for r in reports),
            requests=sum(r.requests for r in reports),
            failures=tuple(f"{r.backend}: {f}" for r in reports for f in r.failures),
        )
