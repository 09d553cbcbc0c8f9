"""Every PromQL alarm of every synthesized stack (prod at 1 minute with overrides, uat at 5 minutes,
stage's shadows with `both`), each on its own: a contributor exactly at its threshold from the first
poll fires on the poll that completes its minutes (rounded up to whole polls), not a minute before;
a queue just under the threshold never does. The expected minute comes from the configuration, not
from the template."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from infra.config import AlarmKind, AlarmSettings, EnvironmentConfig, load_config
from queue_stats import alarm_catalog
from tests.infra.conftest import otel_context
from tests.promql.harness import Expect, Rule, Series, check, health_series, polled, queue, queue_series

RUN_MINUTES = 40


@pytest.fixture(scope="module")
def configs() -> dict[str, EnvironmentConfig]:
    return {env.stack_name: env for env in load_config(otel_context().get).environments}


def settings_of(config: EnvironmentConfig, kind: AlarmKind, queue_id: str | None) -> AlarmSettings:
    if queue_id is None:
        return config.alarms[kind]
    (override,) = [o for o in config.queue_overrides if o.queue_id == queue_id]
    return override.alarms[kind]


def scenario(kind: AlarmKind, value: float, *, queue_id: str, environment: str, every: int) -> list[Series]:
    """`value` from the first poll on, in what the alarm of `kind` reads."""

    def steady(v: float) -> list[float | None]:
        return polled([v] * math.ceil(RUN_MINUTES / every), every=every)

    if kind is AlarmKind.UNATTENDED_ITEMS:
        return [
            queue_series("ItemsInQueue", steady(value), queue_id=queue_id, environment=environment),
            queue_series("AgentsAvailable", steady(0), queue_id=queue_id, environment=environment),
            queue_series("QueueOpen", steady(1), queue_id=queue_id, environment=environment),
        ]
    metric = kind.metric
    assert metric is not None
    return [queue_series(metric, steady(value), queue_id=queue_id, environment=environment)]


def test_every_stack_has_its_promql_alarms(rules_by_stack: dict[str, dict[str, Rule]]) -> None:
    # Given the three configurations / Then each stack has one PromQL alarm per alarm on the
    # poller's metrics (the two on Lambda's own metrics stay classic)
    assert {stack: len(rules) for stack, rules in rules_by_stack.items()} == {
        "SymbeeQueueStats-prod": 7,  # 4 fleet alarms, 2 overrides with their own alarm, the poll alarm
        "SymbeeQueueStats-uat": 5,
        "SymbeeQueueStats-stage": 5,
    }


def test_only_the_otel_stacks_promql_alarms_act(rules_by_stack: dict[str, dict[str, Rule]]) -> None:
    # Given prod (otel) and stage (both) / Then prod's act, stage's shadows run no action
    acting = {stack: {rule.actions_enabled for rule in rules.values()} for stack, rules in rules_by_stack.items()}
    assert acting == {
        "SymbeeQueueStats-prod": {True},
        "SymbeeQueueStats-uat": {True},
        "SymbeeQueueStats-stage": {False},
    }


@pytest.mark.parametrize("stack", ["SymbeeQueueStats-prod", "SymbeeQueueStats-uat", "SymbeeQueueStats-stage"])
def test_every_alarm_fires_on_the_poll_that_completes_its_minutes(
    stack: str,
    promtool: Path,
    tmp_path: Path,
    rules_by_stack: dict[str, dict[str, Rule]],
    configs: dict[str, EnvironmentConfig],
) -> None:
    config = configs[stack]
    rate, env = config.poll_rate_minutes, config.environment
    for name, rule in sorted(rules_by_stack[stack].items()):
        catalog_kind = alarm_catalog.kind_from_alarm_name(name)
        assert catalog_kind is not None, name
        kind = AlarmKind(catalog_kind.key)
        queue_id = name.split(f"-{kind.pascal_name}-", 1)[1] if f"-{kind.pascal_name}-" in name else None
        settings = settings_of(config, kind, queue_id)
        polls = math.ceil(settings.minutes / rate)
        workdir = tmp_path / rule.alert
        workdir.mkdir()
        if kind is AlarmKind.POLL_FAILED:
            # Given every poll failing from the first / Then it fires after its window and two
            # poll intervals, counted from the first evaluation (the alarm has no warm-up)
            fires = polls * rate + 2 * rate
            series = [health_series("PollSucceeded", polled([0] * RUN_MINUTES, every=rate), environment=env)]
            contributor: dict[str, Any] = {"Environment": env}
        else:
            # Given one queue exactly at the threshold from the first poll (seen at minute 1), one
            # just under it / Then it fires on its last poll of the window
            fires = 1 + (polls - 1) * rate
            target = queue_id or "in-trouble"
            series = scenario(kind, settings.threshold, queue_id=target, environment=env, every=rate)
            if queue_id is None:
                series += scenario(kind, settings.threshold - 1, queue_id="just-under", environment=env, every=rate)
            contributor = queue(target)
        expects = [
            Expect(rule, fires - 1),
            Expect(rule, fires, [contributor]),
            Expect(rule, RUN_MINUTES, [contributor]),
        ]
        check(promtool, workdir, [rule], series, expects)
