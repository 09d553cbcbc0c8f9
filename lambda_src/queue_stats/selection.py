"""Which queues and values a poll publishes: idle skipping (SKIP_IDLE_QUEUES), the cap on queues
per poll (capacity.py) and the metric selection (PUBLISH_METRICS). Pure.

Idle skipping saves money because CloudWatch bills a custom metric only for the hours in which it
receives data: a queue nobody works, with nothing to work on, need not be published every minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from queue_stats import names as n
from queue_stats.capacity import MAX_QUEUES_PER_POLL, Capped, cap_queues
from queue_stats.model import QueueStats

# The counts that must all be known and 0 for a queue to be idle: no work of any kind.
_WORK_METRICS = (n.METRIC_ITEMS_IN_QUEUE, n.METRIC_ITEMS_SCHEDULED, n.METRIC_ITEMS_BEING_DELIVERED)


@dataclass(frozen=True)
class Selection:
    queues: tuple[QueueStats, ...]  # what is published, each holding only the selected metrics
    idle: int  # queues left out as idle
    capped: Capped | None = None  # set when the cap left queues out

    @property
    def left_out(self) -> int:
        """Queues not published because the poll's cap was reached."""
        return len(self.capped.left_out) if self.capped else 0


def is_idle(queue: QueueStats) -> bool:
    """Closed, or nobody staffed, with nothing waiting, scheduled or being delivered.

    Anything unknown counts as "not idle": a queue is hidden only when the API says all of it."""
    values = queue.values
    if any(values.get(metric) != 0 for metric in _WORK_METRICS):
        return False
    return values.get(n.METRIC_QUEUE_OPEN) == 0 or values.get(n.METRIC_AGENTS_STAFFED) == 0


def select(
    queues: Iterable[QueueStats], *, metrics: Sequence[str], skip_idle: bool, limit: int = MAX_QUEUES_PER_POLL
) -> Selection:
    """The queues to publish with only `metrics`: idle ones dropped when `skip_idle`, then at most
    `limit`, the most urgent (judged on every value, before the metrics are cut)."""
    wanted = frozenset(metrics)
    keep_all = wanted >= frozenset(n.QUEUE_METRIC_NAMES)
    active: list[QueueStats] = []
    idle = 0
    for queue in queues:
        if skip_idle and is_idle(queue):
            idle += 1
        else:
            active.append(queue)
    capped = cap_queues(active, limit)
    kept = tuple(
        queue if keep_all else replace(queue, values={k: v for k, v in queue.values.items() if k in wanted})
        for queue in capped.queues
    )
    return Selection(kept, idle, capped if capped.left_out else None)
