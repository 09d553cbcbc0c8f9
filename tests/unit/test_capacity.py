"""The cap on queues per poll: the most urgent queues go out, in the API's order, and the rest are
named in one line. Plain data."""

from __future__ import annotations

import pytest

from queue_stats import names as n
from queue_stats.capacity import MAX_QUEUES_PER_POLL, NAMED_IN_SUMMARY, cap_queues
from queue_stats.model import QueueStats


def queue(queue_id: str, **values: float) -> QueueStats:
    return QueueStats(queue_id, queue_id.upper(), "SYMBEE", "EMAIL", "OPERATING_HOURS_OPEN", values)


IDLE = {n.METRIC_ITEMS_IN_QUEUE: 0, n.METRIC_UNATTENDED_ITEMS: 0, n.METRIC_OLDEST_ITEM_AGE: 0}


def ids(queues: tuple[QueueStats, ...]) -> list[str]:
    return [q.queue_id for q in queues]


def test_up_to_the_limit_every_queue_goes_out_unchanged() -> None:
    queues = [queue(f"q{i}", **IDLE) for i in range(5)]
    capped = cap_queues(queues, limit=5)
    assert capped.queues == tuple(queues)
    assert capped.left_out == ()
    assert capped.summary() == ""


def test_over_the_limit_unattended_work_goes_first_then_the_longest_wait_then_the_most_waiting() -> None:
    # Given more queues than the limit, each urgent in a different way, among idle ones
    queues = [
        queue("idle-1", **IDLE),
        queue("waiting-5", **{**IDLE, n.METRIC_ITEMS_IN_QUEUE: 5}),
        queue("oldest-600s", **{**IDLE, n.METRIC_ITEMS_IN_QUEUE: 1, n.METRIC_OLDEST_ITEM_AGE: 600}),
        queue("idle-2", **IDLE),
        queue("unattended-2", **{**IDLE, n.METRIC_ITEMS_IN_QUEUE: 2, n.METRIC_UNATTENDED_ITEMS: 2}),
        queue("agents-in-error", **{**IDLE, n.METRIC_AGENTS_IN_ERROR: 3}),
    ]
    # When capped at 3
    capped = cap_queues(queues, limit=3)
    # Then the three most urgent go out, in the API's order (not the ranking's)
    assert ids(capped.queues) == ["waiting-5", "oldest-600s", "unattended-2"]
    # and the rest are left out, most urgent first, idle ones last in the API's order
    assert ids(capped.left_out) == ["agents-in-error", "idle-1", "idle-2"]


def test_unknown_values_count_as_nothing_waiting() -> None:
    # Given a queue whose numbers were all invalid, and one with one item waiting
    capped = cap_queues([queue("unknown"), queue("one", **{n.METRIC_ITEMS_IN_QUEUE: 1})], limit=1)
    # Then the queue known to have work wins
    assert ids(capped.queues) == ["one"]


def test_among_equals_the_apis_order_decides_so_polls_publish_the_same_queues() -> None:
    queues = [queue(f"q{i}", **IDLE) for i in range(10)]
    assert ids(cap_queues(queues, limit=4).queues) == ["q0", "q1", "q2", "q3"]
    assert ids(cap_queues(list(reversed(queues)), limit=4).queues) == ["q9", "q8", "q7", "q6"]


def test_the_summary_counts_and_names_what_was_left_out() -> None:
    queues = [queue(f"q{i}", **IDLE) for i in range(10)]
    line = cap_queues(queues, limit=2).summary()
    assert line.startswith("8 of 10 queues not published: over the 2 one poll publishes in its time")
    assert "'q2', 'q3', 'q4', 'q5', 'q6' and 3 more" in line
    assert "\n" not in line
    assert NAMED_IN_SUMMARY == 5


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be >= 0"):
        cap_queues([], limit=-1)


def test_the_default_limit_is_the_supported_maximum() -> None:
    queues = [queue(f"q{i}") for i in range(MAX_QUEUES_PER_POLL + 1)]
    capped = cap_queues(queues)
    assert len(capped.queues) == MAX_QUEUES_PER_POLL
    assert ids(capped.left_out) == [f"q{MAX_QUEUES_PER_POLL}"]
