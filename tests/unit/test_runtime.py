"""The time budget of a poll and the AWS clients' limits that it relies on."""

from __future__ import annotations

import time

import pytest

from queue_stats import names as n
from queue_stats.runtime import (
    AWS_CONNECT_TIMEOUT_SECONDS,
    AWS_READ_TIMEOUT_SECONDS,
    AWS_TOTAL_ATTEMPTS,
    MAX_API_SECONDS,
    PUBLISH_RESERVE_SECONDS,
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
    [(30_000, 15.0), (55_000, MAX_API_SECONDS), (900_000, MAX_API_SECONDS), (16_000, 1.0), (5_000, 0.0), (0, 0.0)],
)
def test_the_api_deadline_leaves_the_publish_reserve(remaining_ms: int, budget: float) -> None:
    before = time.monotonic()
    deadline = api_deadline(remaining_ms)
    assert before + budget <= deadline <= time.monotonic() + budget


def test_outside_lambda_the_api_gets_the_full_budget() -> None:
    before = time.monotonic()
    assert before + MAX_API_SECONDS <= api_deadline() <= time.monotonic() + MAX_API_SECONDS


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
