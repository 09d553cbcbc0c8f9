"""Little time left, a hanging API, and why two polls never overlap."""

from __future__ import annotations

import time

import pytest

from queue_stats.errors import ApiError
from queue_stats.runtime import MAX_API_SECONDS, PUBLISH_RESERVE_SECONDS, api_deadline
from symbee_sim import Fault, SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed
from tests.faults.harness import Invoke
from tests.faults.registry import covers
from tests.faults.servers import AwsProxy

# Seconds of remaining time: one that leaves the API call 2 s, then less than the publishing reserve.
LEFT = [PUBLISH_RESERVE_SECONDS + 2, 12.0, 5.0, 1.0]


@covers("time-little-left")
@pytest.mark.parametrize("seconds_left", LEFT, ids=lambda s: f"{s:g}s")
def test_an_invocation_with_little_time_left_never_overruns_it(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy, seconds_left: float
) -> None:
    # Given an API that accepts connections and never answers
    simulator.add_fault(Fault("hang", delay=120))
    # When the handler runs with only this much time left
    outcome = invoke(int(seconds_left * 1000))
    # Then it fails clearly, publishes PollSucceeded 0, and returns before its time is up
    budget = seconds_left - PUBLISH_RESERVE_SECONDS
    assert_failed(outcome, aws, ApiError, "time budget", within=min(seconds_left, max(budget, 0) + 1.5))
    if budget <= 0:
        # nothing the API call could finish: the key is not even read, the API not called
        assert simulator.requests == 0
        assert aws_proxy.calls("GetSecretValue") == []
        assert str(outcome.error) == "Symbee API call ran out of time budget after 0 attempt(s)"


@covers("time-no-overlap")
def test_a_poll_ends_before_the_next_one_can_start(invoke: Invoke, simulator: SimulatorServer, aws: MotoServer) -> None:
    # The stack runs the poller every minute or less often, with a timeout under a minute: Lambda
    # ends an invocation at its timeout, so the next scheduled one starts after it.
    from infra.poller import TIMEOUT

    timeout = TIMEOUT.to_seconds()
    assert timeout < 60
    # The runtime ends the API call early enough to publish before that timeout,
    deadline = api_deadline(timeout * 1000)
    assert deadline - time.monotonic() <= min(MAX_API_SECONDS, timeout - PUBLISH_RESERVE_SECONDS)
    # and keeps to it when the API hangs (3 s of API budget here, to keep the test short).
    simulator.add_fault(Fault("hang", delay=120))
    remaining = PUBLISH_RESERVE_SECONDS + 3
    outcome = invoke(int(remaining * 1000))
    assert_failed(outcome, aws, ApiError, "timed out waiting for the Symbee API", within=3 + 1.5)
    assert outcome.seconds >= 2.5
