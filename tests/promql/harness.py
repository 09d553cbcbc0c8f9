"""`promtool test rules` driven from a synthesized template: each PromQL alarm of a stack becomes
an alerting rule with its query, pending period (`for`) and recovery period (`keep_firing_for`)
exactly as the template holds them, evaluated every `EvaluationInterval` over synthetic series.

Prometheus semantics that stand in for CloudWatch's, as AWS documents them: every series the
query returns is a contributor; `PendingPeriod` is the rule's `for`; `RecoveryPeriod` its
`keep_firing_for`.

A poll "at minute m" lands at m:30, between two evaluations, as a real poll does (its time is the
API's answer time, not an evaluation tick). It also keeps range boundaries out of the results:
Prometheus 2.42 (promtool) includes a sample exactly at a range's start, Prometheus 3 (the
specification CloudWatch follows) does not; no sample ever sits on a whole minute here.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ENVIRONMENT = "prod"
SAMPLE_STEP_SECONDS = 30  # input series step: two per minute, see `Series.as_input`


@dataclass(frozen=True)
class Rule:
    """One PromQL alarm of the template, as an alerting rule."""

    alarm_name: str
    query: str
    pending_seconds: int
    recovery_seconds: int
    interval_seconds: int
    actions_enabled: bool

    @property
    def alert(self) -> str:
        """Prometheus wants an alert name shaped like a metric name; alarm names have dashes."""
        return re.sub(r"[^A-Za-z0-9_:]", "_", self.alarm_name)

    def as_rule(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "expr": self.query,
            "for": f"{self.pending_seconds}s",
            "keep_firing_for": f"{self.recovery_seconds}s",
        }


def promql_rules(template: Mapping[str, Any]) -> dict[str, Rule]:
    """Every PromQL alarm of a synthesized template, by alarm name."""
    rules = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        criteria = props.get("EvaluationCriteria", {}).get("PromQLCriteria")
        if criteria is None:
            continue
        rules[props["AlarmName"]] = Rule(
            alarm_name=props["AlarmName"],
            query=criteria["Query"],
            pending_seconds=criteria["PendingPeriod"],
            recovery_seconds=criteria["RecoveryPeriod"],
            interval_seconds=props["EvaluationInterval"],
            actions_enabled=props["ActionsEnabled"],
        )
    return rules


@dataclass(frozen=True)
class Series:
    """One input series: a metric with labels, and its value at each minute (None: no sample)."""

    metric: str
    labels: Mapping[str, str]
    values: Sequence[float | None]

    def as_input(self) -> dict[str, str]:
        """promtool's notation, at a 30-second step: nothing on the minute, the value at :30."""
        labels = ",".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in self.labels.items())
        values = " ".join(f"_ {'_' if v is None else repr(float(v))}" for v in self.values)
        return {"series": f"{self.metric}{{{labels}}}", "values": values}


def polled(value_at: Sequence[float | None], *, every: int) -> list[float | None]:
    """Per-minute values of a metric polled every `every` minutes: the poll's value on its minute,
    nothing in the minutes between (value_at[i] is the value polled at minute i * every)."""
    minutes: list[float | None] = []
    for value in value_at:
        minutes += [value] + [None] * (every - 1)
    return minutes


def queue_series(
    metric: str,
    values: Sequence[float | None],
    *,
    queue_id: str,
    queue_name: str | None = None,
    environment: str = ENVIRONMENT,
) -> Series:
    """A per-queue metric as the poller sends it over OTLP: the three dimensions plus the API's
    provider and task type (which the queries must fold away)."""
    return Series(
        metric,
        {
            "Environment": environment,
            "QueueId": queue_id,
            "QueueName": queue_name or queue_id.title(),
            "DeliveryProvider": "SYMBEE",
            "TaskType": "EMAIL",
        },
        values,
    )


def health_series(metric: str, values: Sequence[float | None], *, environment: str = ENVIRONMENT) -> Series:
    return Series(metric, {"Environment": environment}, values)


@dataclass
class Expect:
    """At minute `minute`, exactly these contributors of `rule` are in ALARM (each a label set)."""

    rule: Rule
    minute: int
    firing: Sequence[Mapping[str, str]] = field(default_factory=list)

    def as_test(self) -> dict[str, Any]:
        return {
            "eval_time": f"{self.minute}m",
            "alertname": self.rule.alert,
            "exp_alerts": [{"exp_labels": dict(labels)} for labels in self.firing],
        }


@dataclass(frozen=True)
class Outcome:
    passed: bool
    output: str


def run(
    promtool: Path, workdir: Path, rules: Sequence[Rule], series: Sequence[Series], expects: Sequence[Expect]
) -> Outcome:
    """Write the rule and test files into `workdir` and let promtool evaluate them."""
    interval = {rule.interval_seconds for rule in rules}
    assert len(interval) == 1, interval
    (seconds,) = interval
    group = {"name": "alarms", "interval": f"{seconds}s", "rules": [r.as_rule() for r in rules]}
    checks = {"alert_rule_test": [e.as_test() for e in expects]}
    return _promtool(promtool, workdir, groups=[group], series=series, interval_seconds=seconds, checks=checks)


def _promtool(
    promtool: Path,
    workdir: Path,
    *,
    groups: Sequence[Mapping[str, Any]],
    series: Sequence[Series],
    interval_seconds: int,
    checks: Mapping[str, Any],
) -> Outcome:
    """`promtool test rules` over `series` with the rule `groups` and the test's `checks`."""
    (workdir / "rules.yml").write_text(yaml.safe_dump({"groups": list(groups)}, allow_unicode=True), encoding="utf-8")
    test = {"interval": f"{SAMPLE_STEP_SECONDS}s", "input_series": [s.as_input() for s in series], **checks}
    document = {"rule_files": ["rules.yml"], "evaluation_interval": f"{interval_seconds}s", "tests": [test]}
    (workdir / "tests.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [str(promtool), "test", "rules", "tests.yml"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return Outcome(result.returncode == 0, result.stdout + result.stderr)


def queue(queue_id: str, queue_name: str | None = None) -> dict[str, str]:
    """The labels of a queue contributor."""
    return {"QueueId": queue_id, "QueueName": queue_name or queue_id.title()}


def check(
    promtool: Path, workdir: Path, rules: Sequence[Rule], series: Sequence[Series], expects: Sequence[Expect]
) -> None:
    """Fail with promtool's own account when any expectation does not hold."""
    outcome = run(promtool, workdir, rules, series, expects)
    assert outcome.passed, outcome.output


@dataclass(frozen=True)
class ExpectValue:
    """At minute `minute`, `query` returns exactly these samples (label set in PromQL notation, value)."""

    query: str
    minute: int
    samples: Sequence[tuple[str, float]]

    def as_test(self) -> dict[str, Any]:
        return {
            "expr": self.query,
            "eval_time": f"{self.minute}m",
            "exp_samples": [{"labels": labels, "value": value} for labels, value in self.samples],
        }


def check_values(promtool: Path, workdir: Path, series: Sequence[Series], expects: Sequence[ExpectValue]) -> None:
    """Evaluate queries (no rules) over `series` with promtool; fail with its account."""
    checks = {"promql_expr_test": [e.as_test() for e in expects]}
    outcome = _promtool(promtool, workdir, groups=[], series=series, interval_seconds=60, checks=checks)
    assert outcome.passed, outcome.output
