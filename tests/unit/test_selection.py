"""Which queues and values a poll publishes: PUBLISH_METRICS profiles and idle skipping."""

from __future__ import annotations

import pytest

from queue_stats import names as n
from queue_stats.model import QueueStats
from queue_stats.selection import is_idle, select

WORKLESS = {"ItemsInQueue": 0, "ItemsScheduled": 0, "ItemsBeingDelivered": 0}


def queue(queue_id: str = "q1", **values: float) -> QueueStats:
    return QueueStats(queue_id, queue_id.upper(), "SYMBEE", "EMAIL", None, values)


@pytest.mark.parametrize(
    ("values", "idle"),
    [
        ({**WORKLESS, "QueueOpen": 0, "AgentsStaffed": 4}, True),  # closed, nothing to do
        ({**WORKLESS, "QueueOpen": 1, "AgentsStaffed": 0}, True),  # open, nobody staffed, nothing to do
        ({**WORKLESS, "AgentsStaffed": 0}, True),  # state unknown, nobody staffed
        ({**WORKLESS, "QueueOpen": 1, "AgentsStaffed": 2}, False),  # open and staffed: agents are ready
        ({**WORKLESS, "ItemsInQueue": 1, "QueueOpen": 0, "AgentsStaffed": 0}, False),  # work waits
        ({**WORKLESS, "ItemsScheduled": 2, "QueueOpen": 0}, False),  # callbacks are due later
        ({**WORKLESS, "ItemsBeingDelivered": 1, "AgentsStaffed": 0}, False),  # ringing at someone
        ({"ItemsInQueue": 0, "ItemsScheduled": 0, "QueueOpen": 0}, False),  # delivering count unknown
        ({**WORKLESS}, False),  # neither state nor staffing known
    ],
)
def test_a_queue_is_idle_only_when_the_api_says_so_in_full(values: dict[str, float], idle: bool) -> None:
    assert is_idle(queue(**values)) is idle


def test_the_essential_profile_keeps_only_its_metrics_in_every_queue() -> None:
    everything = dict.fromkeys(n.QUEUE_METRIC_NAMES, 3)
    chosen = select([queue("a", **everything), queue("b", **everything)], metrics=n.ESSENTIAL_METRICS, skip_idle=False)
    assert [q.queue_id for q in chosen.queues] == ["a", "b"]
    assert all(set(q.values) == set(n.ESSENTIAL_METRICS) for q in chosen.queues)
    assert chosen.idle == 0


def test_all_metrics_keep_every_queue_object_as_parsed() -> None:
    parsed = [queue("a", ItemsInQueue=1)]
    assert select(parsed, metrics=n.QUEUE_METRIC_NAMES, skip_idle=False).queues[0] is parsed[0]


def test_idle_queues_are_counted_not_published_and_the_rest_keep_their_order() -> None:
    busy = queue("busy", **{**WORKLESS, "ItemsInQueue": 4, "QueueOpen": 1, "AgentsStaffed": 1})
    night = queue("night", **{**WORKLESS, "QueueOpen": 0, "AgentsStaffed": 0})
    ready = queue("ready", **{**WORKLESS, "QueueOpen": 1, "AgentsStaffed": 3})
    chosen = select([busy, night, ready], metrics=n.QUEUE_METRIC_NAMES, skip_idle=True)
    assert [q.queue_id for q in chosen.queues] == ["busy", "ready"]
    assert chosen.idle == 1


def test_without_idle_skipping_an_idle_queue_is_published() -> None:
    night = queue("night", **{**WORKLESS, "QueueOpen": 0, "AgentsStaffed": 0})
    chosen = select([night], metrics=n.QUEUE_METRIC_NAMES, skip_idle=False)
    assert [q.queue_id for q in chosen.queues] == ["night"]
    assert chosen.idle == 0


def test_idleness_is_judged_on_all_values_even_when_they_are_not_published() -> None:
    # ItemsScheduled is not in the explicit list, but 2 callbacks still make the queue not idle
    waiting = queue("cb", **{**WORKLESS, "ItemsScheduled": 2, "QueueOpen": 0, "AgentsStaffed": 0})
    chosen = select([waiting], metrics=("ItemsInQueue",), skip_idle=True)
    assert [dict(q.values) for q in chosen.queues] == [{"ItemsInQueue": 0}]


def test_the_cap_keeps_the_most_urgent_active_queues_judged_before_the_metrics_are_cut() -> None:
    # Given an idle queue, a quiet one, and one whose work nobody can take, and room for one queue
    night = queue("night", **{**WORKLESS, "QueueOpen": 0, "AgentsStaffed": 0})
    quiet = queue("quiet", **{**WORKLESS, "QueueOpen": 1, "AgentsStaffed": 3, "UnattendedItems": 0})
    stuck = queue("stuck", **{**WORKLESS, "ItemsInQueue": 4, "UnattendedItems": 4, "AgentsStaffed": 0})
    # When only ItemsInQueue is published (UnattendedItems, which ranks them, is not)
    chosen = select([night, quiet, stuck], metrics=("ItemsInQueue",), skip_idle=True, limit=1)
    # Then the idle queue is counted idle, not capped, and the unattended one is kept
    assert [q.queue_id for q in chosen.queues] == ["stuck"]
    assert chosen.idle == 1
    assert chosen.left_out == 1
    assert chosen.capped is not None
    assert [q.queue_id for q in chosen.capped.left_out] == ["quiet"]


def test_under_the_cap_nothing_is_left_out() -> None:
    chosen = select([queue("a"), queue("b")], metrics=n.QUEUE_METRIC_NAMES, skip_idle=False, limit=2)
    assert chosen.capped is None
    assert chosen.left_out == 0
