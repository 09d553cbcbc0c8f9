"""The Symbee API client on its own, over real HTTP to the simulator, with a counting key source."""

from __future__ import annotations

import math
import time

import pytest

from queue_stats import names as n
from queue_stats.errors import ApiKeyRejected
from queue_stats.settings import Settings
from queue_stats.symbee_api import MIN_KEY_REREAD_SECONDS, SymbeeApiClient
from symbee_sim import SimulatorServer


class CountingKey:
    def __init__(self, *keys: str) -> None:
        self._keys = list(keys)
        self.reads: list[bool] = []  # refresh flag of each read

    def get(self, *, refresh: bool = False, deadline: float = math.inf) -> str:
        self.reads.append(refresh)
        return self._keys[min(len(self.reads), len(self._keys)) - 1]


def client(sim: SimulatorServer, key: CountingKey) -> SymbeeApiClient:
    settings = Settings.from_env(
        {
            n.ENV_COMPANY_CODE: "abc-gadgets",
            n.ENV_ENVIRONMENT: "prod",
            n.ENV_API_URL: sim.url,
            "AWS_REGION": "us-east-1",
        }
    )
    return SymbeeApiClient(settings, key)


def test_a_refused_key_is_re_read_once_with_the_cache_bypassed() -> None:
    with SimulatorServer(api_key="new") as sim:
        key = CountingKey("old", "new")
        response = client(sim, key).fetch(time.monotonic() + 20)
    assert key.reads == [False, True]
    assert response.attempts == 2


def test_a_refused_key_is_not_re_read_when_too_little_time_is_left() -> None:
    # Given a deadline closer than a Secrets Manager read may take
    with SimulatorServer(api_key="new") as sim:
        key = CountingKey("old", "new")
        api = client(sim, key)
        # When the key is refused
        with pytest.raises(ApiKeyRejected, match="no time left to re-read"):
            api.fetch(time.monotonic() + MIN_KEY_REREAD_SECONDS - 1)
    # Then the secret was read once, not re-read, and the API asked once
    assert key.reads == [False]
    assert sim.requests == 1
