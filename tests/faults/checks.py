"""What every failed or succeeded poll must look like to its operator."""

from __future__ import annotations

from queue_stats.errors import QueueStatsError
from symbee_sim.local_aws import MotoServer
from tests.faults.harness import Landed, Outcome, health, landed, queues


def assert_failed(
    outcome: Outcome,
    moto: MotoServer,
    error_type: type[QueueStatsError],
    *words: str,
    within: float,
    published: dict[str, Landed] | None = None,
) -> str:
    """The invocation raised our own error naming what failed, logged exactly one ERROR line
    ("Poll failed: <the error>") and took less than `within` seconds; returns the message.

    Unless `published` says otherwise (the health metrics expected, e.g. {} when CloudWatch itself
    failed), it published no queue metric and exactly one PollSucceeded 0."""
    assert isinstance(outcome.error, error_type), repr(outcome.error)
    message = str(outcome.error)
    for word in words:
        assert word in message, message
    assert outcome.errors == [f"Poll failed: {message}"]
    points = landed(moto)
    assert not queues(points)
    assert health(points) == ({"PollSucceeded": Landed(0, 0, 1)} if published is None else published)
    assert outcome.seconds < within, f"took {outcome.seconds:.2f} s"
    return message


def assert_failed_line(outcome: Outcome, error_type: type[QueueStatsError], *words: str, within: float) -> str:
    """The failure as the log and the invocation show it, for scenarios that check what landed themselves."""
    assert isinstance(outcome.error, error_type), repr(outcome.error)
    message = str(outcome.error)
    for word in words:
        assert word in message, message
    assert outcome.errors == [f"Poll failed: {message}"]
    assert outcome.seconds < within, f"took {outcome.seconds:.2f} s"
    return message


def assert_succeeded(outcome: Outcome, moto: MotoServer, *, queues_reported: int, invalid: int, within: float) -> None:
    """The invocation returned ok, logged no ERROR, and PollSucceeded 1 with the counts landed."""
    assert outcome.error is None, repr(outcome.error)
    assert outcome.result is not None
    assert outcome.result["ok"] is True
    assert outcome.errors == []
    assert outcome.result["queues"] == queues_reported
    assert outcome.result["invalid_records"] == invalid
    points = health(landed(moto))
    assert points["PollSucceeded"] == Landed(1, 1, 1)
    assert points["QueuesReported"] == Landed(queues_reported, queues_reported, 1)
    assert points["InvalidRecords"] == Landed(invalid, invalid, 1)
    assert outcome.seconds < within, f"took {outcome.seconds:.2f} s"
