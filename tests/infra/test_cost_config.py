"""`cost --config` prices what the stack deploys: the cdk.json read by the stack's own loader
becomes the cost model's settings, and the model's stand-alone defaults are the stack's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import PROJECT_ROOT
from infra.alarms import SPECS
from infra.config import DEFAULT_ALARMS, HEALTH_ALARM_KINDS, QUEUE_ALARM_KINDS
from infra.poller import MEMORY_MB
from queue_stats import cost
from queue_stats import names as n
from queue_stats.cost_config import setups_from_cdk_json
from queue_stats.errors import ConfigError
from tests.infra.conftest import DEFAULT_STACK, Synth, custom_context, otel_context


def write_cdk_json(folder: Path, context: dict[str, Any]) -> Path:
    path = folder / "cdk.json"
    path.write_text(json.dumps({"app": "python3 app.py", "context": context}), encoding="utf-8")
    return path


def insights_alarms(synth: Synth, stack: str) -> int:
    return sum(
        "Metrics" in alarm["Properties"] and "SELECT" in json.dumps(alarm["Properties"]["Metrics"])
        for alarm in synth.resources(stack, "AWS::CloudWatch::Alarm").values()
    )


def test_each_queue_alarm_reads_the_metric_cost_prices_it_by() -> None:
    # Given the stack's alarm definitions
    # When compared with the cost model's table of alarms
    # Then every per-queue alarm is there, reading the same metric
    assert {kind.value: SPECS[kind].metric for kind in QUEUE_ALARM_KINDS} == cost.QUEUE_ALARM_METRICS


def test_the_stand_alone_defaults_are_the_stacks() -> None:
    # Given no cdk.json, cost prices the stack's default alarms
    # Then they are the enabled defaults: 4 queue alarms and 3 health alarms
    enabled = tuple(SPECS[k].metric for k in QUEUE_ALARM_KINDS if DEFAULT_ALARMS[k].enabled)
    assert enabled == cost.DEFAULT_QUEUE_ALARM_METRICS
    assert sum(DEFAULT_ALARMS[k].enabled for k in HEALTH_ALARM_KINDS) == cost.DEFAULT_HEALTH_ALARMS


def test_the_poller_memory_priced_is_the_memory_deployed(default_synth: Synth) -> None:
    # Given the synthesized default stack
    functions = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
    # When its poller's memory is read
    memory = {f["Properties"]["MemorySize"] for f in functions if f["Properties"]["Handler"] == n.HANDLER}
    # Then it is the memory the cost model prices
    assert memory == {n.POLLER_MEMORY_MB} == {MEMORY_MB} == {cost.POLLER_MEMORY_MB}


def test_the_shipped_cdk_json_prices_like_the_defaults() -> None:
    # Given the project's own cdk.json (every default, no email subscriber)
    [setup] = setups_from_cdk_json(PROJECT_ROOT / "cdk.json")
    # When compared with the stand-alone defaults
    # Then they are the same settings
    assert setup == cost.Setup(name=DEFAULT_STACK, email_subscribers=0)


def test_every_environment_is_priced_as_configured(tmp_path: Path, custom_synth: Synth) -> None:
    # Given a cdk.json with two environments, a switched-off alarm, two overrides and a 5-minute poll
    setups = setups_from_cdk_json(write_cdk_json(tmp_path, custom_context()))
    # When it is read
    prod, uat = setups
    # Then each environment is a setup named like its stack, with its own settings
    assert [s.name for s in setups] == ["CallCenter-prod", "CallCenter-uat"]
    assert prod.poll_rate_minutes == 5
    assert prod.api_key_max_age_seconds == 900
    assert (prod.email_subscribers, uat.email_subscribers) == (2, 0)
    alarms = {a.metric: a for a in prod.queue_alarms}
    assert alarms[n.METRIC_AGENTS_IN_ERROR].fleet is False
    assert alarms[n.METRIC_OLDEST_ITEM_AGE] == cost.QueueAlarm(n.METRIC_OLDEST_ITEM_AGE, excluded=1, own=1)
    assert alarms[n.METRIC_ITEMS_IN_QUEUE] == cost.QueueAlarm(n.METRIC_ITEMS_IN_QUEUE, excluded=1, own=0)
    # and as many Metrics Insights alarms are priced as the stack creates
    priced = sum(a.fleet for a in prod.queue_alarms) + sum(a.own for a in prod.queue_alarms)
    assert priced == insights_alarms(custom_synth, "CallCenter-prod")


def test_an_invalid_cdk_json_is_refused_naming_the_key(tmp_path: Path) -> None:
    # Given a cdk.json with an impossible poll rate
    context = {**json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"], "pollRateMinutes": 0}
    # When it is read
    # Then the error names the file and the key
    with pytest.raises(ConfigError, match=r"cdk\.json: .*pollRateMinutes"):
        setups_from_cdk_json(write_cdk_json(tmp_path, context))


def test_a_file_without_context_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cdk.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match='no "context" object'):
        setups_from_cdk_json(path)


def test_the_promql_alarms_priced_are_the_ones_the_stack_creates(tmp_path: Path, otel_synth: Synth) -> None:
    # Given the OpenTelemetry configurations (otel at 1 and 5 minutes, both), priced as configured
    setups = setups_from_cdk_json(write_cdk_json(tmp_path, otel_context()))
    # When each one's PromQL alarms (or shadows) are counted, in the bill and in its template
    for setup in setups:
        (promql,) = [line for line in cost.estimate(setup, cost.Scenario(10)).lines if line.item.startswith("PromQL")]
        created = sum(
            "EvaluationCriteria" in alarm["Properties"]
            for alarm in otel_synth.resources(setup.name, "AWS::CloudWatch::Alarm").values()
        )
        # Then they agree
        assert promql.quantity == created, setup.name


def test_the_notifier_memory_priced_is_the_memory_deployed(default_synth: Synth) -> None:
    functions = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
    memory = {f["Properties"]["MemorySize"] for f in functions if f["Properties"]["Handler"] == n.NOTIFY_HANDLER}
    assert memory == {n.NOTIFIER_MEMORY_MB} == {cost.NOTIFIER_MEMORY_MB}


def test_the_notifiers_own_alarms_priced_are_the_alarms_deployed(default_synth: Synth) -> None:
    own = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Notifier")
    assert len(own) == cost.NOTIFIER_ALARMS
