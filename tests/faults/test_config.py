"""Configuration an HTTP header or a CloudWatch dimension cannot carry fails at start."""

from __future__ import annotations

import pytest

from queue_stats import names as n
from queue_stats.errors import ConfigError
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.faults.checks import assert_failed
from tests.faults.harness import Invoke
from tests.faults.registry import covers


@covers("config-not-ascii")
@pytest.mark.parametrize("setting", [(n.ENV_ENVIRONMENT, "prod-ü"), (n.ENV_COMPANY_CODE, "日本-gadgets")], ids=str)
def test_a_non_ascii_header_value_fails_at_start_naming_the_variable(
    invoke: Invoke,
    simulator: SimulatorServer,
    aws: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    setting: tuple[str, str],
) -> None:
    variable, value = setting
    monkeypatch.setenv(variable, value)
    outcome = invoke()
    assert_failed(outcome, aws, ConfigError, f"{variable}={value!r} must be printable ASCII", within=2, published={})
    assert simulator.requests == 0
