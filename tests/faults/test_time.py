"""Little time left, a hanging API, and why two polls never overlap."""

from __future__ import annotations

import re
import time

import pytest

from queue_stats.errors import ApiError
from queue_stats.runtime import MAX_API_SECONDS, PUBLISH_RESERVE_SECONDS, Deadlines
from queue_stats.symbee_api import MIN_ATTEMPT_SECONDS
from symbee_sim import Fault, SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed, assert_failed_line
from tests.faults.harness import Invoke, health, landed, remaining_ms_for_api
from tests.faults.registry import covers
from tests.faults.servers import AwsProxy

# Seconds of remaining time: the API call gets half of each, then too little to be tried.
LEFT = [6.0, 4.0, 2 * MIN_ATTEMPT_SECONDS]


@covers("time-little-left")
@pytest.mark.parametrize("seconds_left", LEFT, ids=lambda s: f"{s:g}s")
@pytest.mark.usefixtures("warm")
def test_an_invocation_with_little_time_left_never_overruns_it(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy, seconds_left: float
) -> None:
    # Given a warm container and an API that accepts connections and never answers
    simulator.add_fault(Fault("hang", delay=120))
    # When the handler runs with only this much time left
    outcome = invoke(int(seconds_left * 1000))
    # Then it fails clearly, publishes PollSucceeded 0, and returns before its time is up
    budget = seconds_left / 2
    assert_failed(outcome, aws, ApiError, "time budget", within=min(seconds_left, budget + 1.5))
    if budget <= MIN_ATTEMPT_SECONDS:
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
    # The runtime ends the API call early enough to publish, and every request before that timeout,
    plan = Deadlines.plan(timeout * 1000)
    assert plan.api - time.monotonic() <= min(MAX_API_SECONDS, timeout - PUBLISH_RESERVE_SECONDS)
    assert plan.report - time.monotonic() < timeout
    # and keeps to it when the API hangs (3 s of API budget here, to keep the test short).
    simulator.add_fault(Fault("hang", delay=120))
    outcome = invoke(remaining_ms_for_api(3.0))
    assert_failed(outcome, aws, ApiError, "timed out waiting for the Symbee API", within=3 + 1.5)
    assert outcome.seconds >= 2.5


@covers("time-no-time-for-report")
@pytest.mark.usefixtures("warm")
def test_with_no_time_to_finish_the_failure_report_it_is_skipped_with_a_warning(
    invoke: Invoke, simulator: SimulatorServer, aws: MotoServer, aws_proxy: AwsProxy
) -> None:
    # Given a warm container
    # When the handler runs with 0.6 s left: too little for the API call, and 0.35 s for the report
    outcome = invoke(600)
    # Then the poll fails at once with its one error line, and says why no PollSucceeded 0 was sent
    assert_failed_line(outcome, ApiError, "Symbee API call ran out of time budget after 0 attempt(s)", within=0.6)
    skipped = r"Not publishing PollSucceeded=0: 0\.[0-4]\d s left, too little to send it"
    assert [w for w in outcome.warnings if re.fullmatch(skipped, w)]
    # and nothing was sent to AWS at all
    assert aws_proxy.calls() == []
    assert health(landed(aws)) == {}
