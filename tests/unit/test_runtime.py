"""The time budget of a poll and the AWS clients' limits that it relies on."""

from __future__ import annotations

import time

import pytest

from queue_stats import names as n
from queue_stats.poll import MIN_REPORT_SECONDS
from queue_stats.runtime import (
    AWS_CONNECT_TIMEOUT_SECONDS,
    AWS_READ_TIMEOUT_SECONDS,
    AWS_TOTAL_ATTEMPTS,
    END_MARGIN_SECONDS,
    MAX_API_SECONDS,
    OUTSIDE_LAMBDA_SECONDS,
    PUBLISH_RESERVE_SECONDS,
    REPORT_RESERVE_SECONDS,
    Deadlines,
    Runtime,
    api_deadline,
)
from queue_stats.settings import Settings

# botocore's standard mode waits at most 1 s, then 2 s, between attempts.
_MAX_BACKOFF_SECONDS = sum(min(20, 2**i) for i in range(AWS_TOTAL_ATTEMPTS - 1))


def test_the_worst_publish_fits_in_the_time_kept_back_for_it() -> None:
    worst = AWS_TOTAL_ATTEMPTS * (AWS_CONNECT_TIMEOUT_SECONDS + AWS_READ_TIMEOUT_SECONDS) + _MAX_BACKOFF_SECONDS
    assert worst <= PUBLISH_RESERVE_SECONDS


@pytest.mark.parametrize(
    ("remaining_ms", "budget"),
    [
        (30_000, 15.0),  # the deployed timeout: half each, the whole publish reserve
        (55_000, MAX_API_SECONDS),
        (900_000, MAX_API_SECONDS),
        (20_000, 10.0),  # under twice the reserve: half and half
        (4_000, 2.0),
        (0, 0.0),
    ],
)
def test_the_api_deadline_leaves_the_publish_reserve_or_half_the_time(remaining_ms: int, budget: float) -> None:
    before = time.monotonic()
    deadline = api_deadline(remaining_ms)
    assert before + budget <= deadline <= time.monotonic() + budget


@pytest.mark.parametrize("remaining_ms", [0, 300, 1_000, 4_000, 30_000, 900_000])
def test_the_failure_report_keeps_its_reserve_and_everything_ends_before_the_invocation(remaining_ms: int) -> None:
    # Given an invocation with this much time left
    before = time.monotonic()
    # When a poll plans its deadlines
    plan = Deadlines.plan(remaining_ms)
    # Then the API call comes first, the snapshot's publishing next, the failure report last,
    assert plan.api <= plan.publish + REPORT_RESERVE_SECONDS
    assert plan.publish <= plan.report
    # and the report ends the margin before the invocation does, with its reserve kept from the snapshot
    end = remaining_ms / 1000 - END_MARGIN_SECONDS
    assert before + max(0.0, end) <= plan.report <= time.monotonic() + max(0.0, end)
    assert plan.report - plan.publish == pytest.approx(min(REPORT_RESERVE_SECONDS, max(0.0, end)))


def test_the_report_reserve_is_enough_to_send_the_report() -> None:
    assert REPORT_RESERVE_SECONDS >= MIN_REPORT_SECONDS


def test_outside_lambda_the_api_gets_the_full_budget_and_the_poll_still_ends() -> None:
    before = time.monotonic()
    plan = Deadlines.plan(None)
    assert before + MAX_API_SECONDS <= plan.api <= time.monotonic() + MAX_API_SECONDS
    assert plan.report <= time.monotonic() + OUTSIDE_LAMBDA_SECONDS


def test_aws_clients_use_standard_retries_short_timeouts_and_the_secrets_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    settings = Settings.from_env(
        {n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e", n.ENV_SECRETS_REGION: "us-west-2", "AWS_REGION": "eu-west-1"}
    )
    runtime = Runtime.create(settings)
    cloudwatch = runtime.publisher._client
    assert cloudwatch.meta.region_name == "eu-west-1"
    assert cloudwatch.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (cloudwatch.meta.config.connect_timeout, cloudwatch.meta.config.read_timeout) == (1, 3)
    secrets = runtime.api._api_key._provider.client
    assert secrets.meta.region_name == "us-west-2"


def test_aws_clients_have_connections_the_watchdog_can_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore has no setting for its connection classes: watch_client reaches into its HTTP
    # session, and a botocore upgrade that moves them must fail here, not in a hung poll.
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    runtime = Runtime.create(
        Settings.from_env({n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e", "AWS_REGION": "eu-west-1"})
    )
    for client in (runtime.publisher._client, runtime.api._api_key._provider.client):
        session = client._endpoint.http_session
        for scheme in ("http", "https"):
            assert session._manager.pool_classes_by_scheme[scheme].__module__ == "queue_stats.watchdog"
