"""call_within: a call's result, its error, or TimeUp by the deadline, whatever the call does."""

from __future__ import annotations

import math
import threading
import time

import pytest

from queue_stats.watchdog import CALL_THREAD_NAME, TimeUp, call_within


def test_the_result_of_a_call_that_finishes_in_time_is_returned() -> None:
    assert call_within(lambda: 42, time.monotonic() + 5) == 42


def test_the_error_of_a_call_that_fails_in_time_is_raised_as_it_is() -> None:
    def fail() -> None:
        raise KeyError("the call's own error")

    with pytest.raises(KeyError, match="the call's own error"):
        call_within(fail, time.monotonic() + 5)


def test_a_call_still_running_at_the_deadline_is_abandoned_there() -> None:
    # Given a call that blocks until released (as a read from a silent server would)
    release = threading.Event()
    # When it is given 0.3 s
    started = time.monotonic()
    with pytest.raises(TimeUp, match=r"not finished within its 0\.\d s budget; the connection was cut"):
        call_within(release.wait, started + 0.3)
    # Then the caller has its answer at the deadline, not when the call ends
    assert 0.25 <= time.monotonic() - started < 2
    release.set()


def test_no_call_is_started_when_the_deadline_has_passed() -> None:
    calls: list[int] = []
    with pytest.raises(TimeUp, match="not sent: the time was up"):
        call_within(lambda: calls.append(1), time.monotonic() - 0.01)
    assert calls == []


def test_without_a_deadline_the_call_runs_in_the_callers_thread() -> None:
    # The command line outside Lambda with no limit: no thread to start, nothing to cut
    assert call_within(lambda: threading.current_thread().name, math.inf) != CALL_THREAD_NAME


def test_with_a_deadline_the_call_runs_in_a_worker_thread() -> None:
    name = call_within(lambda: threading.current_thread().name, time.monotonic() + 5)
    assert name == CALL_THREAD_NAME
