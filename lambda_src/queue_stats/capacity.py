"""How many queues one poll publishes at most, and which ones when an environment has more. Pure.

A poll's own CPU grows with its queues (parsing, and above all encoding the PutMetricData
requests), and the function has a fixed timeout. `make bench` measures the largest environments;
MAX_QUEUES_PER_POLL is the most that finishes in half the timeout at the configured memory (README,
Performance). Beyond it, a poll still publishes on time rather than time out and publish nothing:
the queues people must act on first, then the rest in the API's order up to the cap, and it says
which were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from queue_stats import names as n
from queue_stats.model import QueueStats

# README "Performance", the largest environments: at 1,769 MB a 25,000-queue poll needs an
# estimated ~11 s in the function, half of the 30 s timeout with the API's wait; 50,000 ~22 s.
MAX_QUEUES_PER_POLL: Final = 25_000
# Left-out queues named in the summary line (the rest are counted): enough to recognise them.
NAMED_IN_SUMMARY: Final = 5

# What makes a queue urgent, most telling first: work waiting that nobody can take, how long the
# oldest item has waited, how much waits, agents stuck in an error state. Unknown counts as 0.
_URGENCY: Final = (
    n.METRIC_UNATTENDED_ITEMS,
    n.METRIC_OLDEST_ITEM_AGE,
    n.METRIC_ITEMS_IN_QUEUE,
    n.METRIC_AGENTS_IN_ERROR,
)


@dataclass(frozen=True)
class Capped:
    """The queues a poll publishes, in the API's order, and those left out, most urgent first."""

    queues: tuple[QueueStats, ...]
    left_out: tuple[QueueStats, ...]
    limit: int

    def summary(self) -> str:
        """One log line for an operator; empty when nothing was left out."""
        if not self.left_out:
            return ""
        named = ", ".join(repr(q.queue_id) for q in self.left_out[:NAMED_IN_SUMMARY])
        more = len(self.left_out) - NAMED_IN_SUMMARY
        return (
            f"{len(self.left_out):,} of {len(self.queues) + len(self.left_out):,} queues not published: over the "
            f"{self.limit:,} one poll publishes in its time; the least urgent were left out ({named}"
            f"{f' and {more:,} more' if more > 0 else ''}). Filter the queues (queueIds) or split the environment."
        )


def urgency(queue: QueueStats) -> tuple[float, ...]:
    """A sort key: smaller is more urgent."""
    values = queue.values
    return tuple(-values.get(metric, 0) for metric in _URGENCY)


def cap_queues(queues: Sequence[QueueStats], limit: int = MAX_QUEUES_PER_POLL) -> Capped:
    """At most `limit` queues, the most urgent ones; ties (all the idle queues, say) go by the
    API's order, so the same queues are published from one poll to the next."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if len(queues) <= limit:
        return Capped(tuple(queues), (), limit)
    ranked = sorted(range(len(queues)), key=lambda i: (urgency(queues[i]), i))
    kept = sorted(ranked[:limit])
    return Capped(
        tuple(queues[i] for i in kept),
        tuple(queues[i] for i in ranked[limit:]),
        limit,
    )
