"""The OpenTelemetry backend in the stack (metricsBackend otel/both): PromQL alarms under the
classic names, construct ids and actions; shadows with `both`; the PutMetricData permission OTLP
needs; the dashboard's PromQL charts; the Metrics Insights quota; the template checks. What the
queries do is proven by promtool in tests/promql/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from infra import PROJECT_ROOT, promql_docs
from infra.alarms import Alarms
from infra.config import SHADOW_ALARM_PREFIX, ConfigError, load_config
from infra.dashboard import QUEUE_PLACEHOLDER
from infra.dashboard_layout import PROMQL_KINDS, ROWS
from queue_stats import names
from queue_stats.alarm_catalog import github_anchor
from scripts.readme_block import section
from tests.infra.conftest import Synth, cdk_json_context
from tests.infra.test_dashboard import body_of, build, environment

PROD, STAGE = "SymbeeQueueStats-prod", "SymbeeQueueStats-stage"
MINIMAL = {"companyCode": "abc-gadgets", "environment": "prod"}
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
LAMBDA_ALARMS = {"PollerErrors", "PollerThrottles"}


def alarms_of(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The alarm resources the construct makes for `context` (over MINIMAL), by logical id."""
    (config,) = load_config({**MINIMAL, **context}.get).environments
    stack = cdk.Stack()
    function = lambda_.Function.from_function_name(stack, "Poller", "poller")
    Alarms(stack, "Alarms", config=config, function=function, alarm_actions=[TOPIC], ok_actions=[TOPIC])
    resources = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    return {lid: r for lid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def by_name(alarms: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in alarms.values()}


OVERRIDES = {"queueOverrides": {"vip": {"itemsInQueue": {"threshold": 100}}}}


# --- alarms -----------------------------------------------------------------------------------------
def test_otel_keeps_every_alarm_name_and_construct_id() -> None:
    # Given the same configuration with each backend
    classic, otel = alarms_of(OVERRIDES), alarms_of({**OVERRIDES, "metricsBackend": "otel"})
    # Then the alarms have the same logical ids and names: a switch updates each alarm in place
    # (a new resource under the same name would collide with the old one during the update)
    assert {lid: r["Properties"]["AlarmName"] for lid, r in otel.items()} == {
        lid: r["Properties"]["AlarmName"] for lid, r in classic.items()
    }


def test_otel_makes_every_alarm_on_the_pollers_metrics_a_promql_alarm() -> None:
    alarms = by_name(alarms_of({**OVERRIDES, "metricsBackend": "otel"}))
    promql = {name for name, props in alarms.items() if "EvaluationCriteria" in props}
    assert {name.split("-")[2] for name in set(alarms) - promql} == LAMBDA_ALARMS
    for name in promql:
        props = alarms[name]
        # A PromQL alarm is its query: no metric, threshold, period or missing-data setting
        assert props["EvaluationInterval"] == 60, name
        assert not {"Metrics", "MetricName", "Threshold", "TreatMissingData", "Period"} & set(props), name


def test_otel_alarms_keep_the_actions_and_descriptions() -> None:
    classic = by_name(alarms_of(OVERRIDES))
    otel = by_name(alarms_of({**OVERRIDES, "metricsBackend": "otel"}))
    kept = ("AlarmDescription", "AlarmActions", "OKActions", "ActionsEnabled")
    assert {n: [p.get(k) for k in kept] for n, p in otel.items()} == {
        n: [p.get(k) for k in kept] for n, p in classic.items()
    }


def test_the_lambda_alarms_stay_classic_under_every_backend() -> None:
    for backend in names.METRICS_BACKENDS:
        alarms = by_name(alarms_of({"metricsBackend": backend}))
        lambda_alarms = {n: p for n, p in alarms.items() if n.split("-")[-1] in LAMBDA_ALARMS}
        assert {p["Namespace"] for p in lambda_alarms.values()} == {"AWS/Lambda"}, backend


def test_otel_alarm_periods_follow_minutes_and_poll_rate() -> None:
    # Given a 5-minute poll rate and 10-minute items alarm (two polls)
    alarms = by_name(
        alarms_of({"metricsBackend": "otel", "pollRateMinutes": 5, "alarms": {"itemsInQueue": {"minutes": 10}}})
    )
    criteria = alarms["SymbeeQueueStats-prod-ItemsInQueue"]["EvaluationCriteria"]["PromQLCriteria"]
    # Then it pends from the first breaching poll to the second, and recovers after a poll and a minute
    assert (criteria["PendingPeriod"], criteria["RecoveryPeriod"]) == (300, 360)
    assert "[6m]" in criteria["Query"]


def test_both_keeps_the_classic_alarms_exactly() -> None:
    classic = alarms_of(OVERRIDES)
    both = alarms_of({**OVERRIDES, "metricsBackend": "both"})
    assert {lid: r for lid, r in both.items() if lid in classic} == classic


def test_both_adds_a_promql_shadow_of_each_that_runs_no_action() -> None:
    both = by_name(alarms_of({**OVERRIDES, "metricsBackend": "both"}))
    shadows = {n: p for n, p in both.items() if n.startswith(SHADOW_ALARM_PREFIX)}
    assert sorted(n.removeprefix(SHADOW_ALARM_PREFIX) for n in shadows) == sorted(
        n for n in both if not n.startswith(SHADOW_ALARM_PREFIX) and n.split("-")[-1] not in LAMBDA_ALARMS
    )
    for name, props in shadows.items():
        assert props["ActionsEnabled"] is False, name
        assert not {"AlarmActions", "OKActions"} & set(props), name
        assert "EvaluationCriteria" in props, name


def test_shadow_names_do_not_start_with_the_stacks_alarm_prefix() -> None:
    # The notifier's rule, mute rules and pagers match the stack's alarms by `<stackName>-`
    both = by_name(alarms_of({"metricsBackend": "both"}))
    shadows = [n for n in both if n.startswith(SHADOW_ALARM_PREFIX)]
    assert shadows
    assert not [n for n in shadows if n.startswith("SymbeeQueueStats-prod-")]


def test_otel_alarms_do_not_count_against_the_metrics_insights_quota() -> None:
    # Given a quota of 1, which the 4 classic queue alarms exceed
    context = {**MINIMAL, "metricsInsightsAlarmQuota": 1}
    with pytest.raises(ConfigError, match="Metrics Insights alarms"):
        load_config({**context, "metricsBackend": "both"}.get)
    # Then with otel (PromQL alarms only) the configuration is accepted
    (env,) = load_config({**context, "metricsBackend": "otel"}.get).environments
    assert env.metrics_insights_alarm_count == 0


def test_otel_unattended_alarm_needs_items_available_agents_and_open_state() -> None:
    # Given otel with the open state left out, and the alarm switched on explicitly
    context = {
        **MINIMAL,
        "metricsBackend": "otel",
        "metrics": ["ItemsInQueue", "AgentsAvailable"],
        "alarms": {"unattendedItems": {"enabled": True}},
    }
    # Then synth refuses it, naming what is missing (a closed queue would page at night)
    with pytest.raises(ConfigError, match=r"alarms\.unattendedItems\.enabled.*QueueOpen"):
        load_config(context.get)


def test_otel_unattended_alarm_does_not_need_the_derived_metric() -> None:
    metrics = ["ItemsInQueue", "AgentsAvailable", "QueueOpen"]
    alarms = by_name(alarms_of({"metricsBackend": "otel", "metrics": metrics}))
    assert "SymbeeQueueStats-prod-UnattendedItems" in alarms


def test_a_shadow_name_too_long_for_cloudwatch_is_refused() -> None:
    # Given an override id that fits the alarm name but not its shadow's
    name = "SymbeeQueueStats-prod-ItemsInQueue-"
    queue_id = "q" * (255 - len(name))
    context = {"queueOverrides": {queue_id: {"itemsInQueue": {"threshold": 5}}}}
    load_config({**MINIMAL, **context}.get)
    with pytest.raises(ConfigError, match="longer than 255"):
        load_config({**MINIMAL, **context, "metricsBackend": "both"}.get)


# --- IAM ----------------------------------------------------------------------------------------------
def put_metric_data(template: dict[str, Any]) -> dict[str, Any]:
    (statement,) = [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "cloudwatch:PutMetricData"
    ]
    return statement


def test_otel_publishing_has_no_namespace_condition(otel_synth: Synth) -> None:
    # AWS documents that a cloudwatch:namespace condition on PutMetricData blocks OTLP ingestion
    for stack in (PROD, STAGE):
        statement = put_metric_data(otel_synth.templates[stack])
        assert (statement["Resource"], statement.get("Condition")) == ("*", None), stack


def test_classic_publishing_keeps_its_namespace_condition(default_synth: Synth) -> None:
    statement = put_metric_data(default_synth.templates[PROD])
    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": names.DEFAULT_NAMESPACE}}


def test_cdk_nag_finding_is_acknowledged_with_the_otlp_reason(otel_synth: Synth) -> None:
    (report,) = otel_synth.validation_report["pluginReports"]
    assert report["violations"] == []
    # The poller's PutMetricData statement (the notifier's GetMetricData has its own reason)
    reasons = {
        f["reason"]
        for f in report["suppressedViolations"]
        if f["ruleName"] == "AwsSolutions-IAM5[Resource::*]" and "PutMetricData" in f["reason"]
    }
    assert reasons
    assert all("blocks OTLP ingestion" in reason for reason in reasons)


def test_cfn_lint_accepts_the_promql_alarms(otel_synth: Synth) -> None:
    templates = sorted(str(path) for path in otel_synth.outdir.glob("*.template.json"))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", *templates], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --- the dashboard ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def otel_body() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body_of(build(environment(metricsBackend="otel"))))
    return parsed


def test_otel_dashboard_has_no_query_that_cannot_see_otlp_metrics(otel_body: dict[str, Any]) -> None:
    # Metrics Insights, SEARCH and plain metric lines read classic metrics only
    text = json.dumps(otel_body)
    assert "SELECT" not in text
    assert "SEARCH(" not in text
    classic_lines = [
        line
        for w in otel_body["widgets"]
        if w["type"] == "metric"
        for line in w["properties"].get("metrics", [])
        if line[0] != "AWS/Lambda"
    ]
    assert classic_lines == []


def test_otel_dashboard_keeps_every_panel_in_its_place(otel_body: dict[str, Any]) -> None:
    classic = json.loads(body_of(build(environment())))
    assert [(w["x"], w["y"], w["width"], w["height"]) for w in otel_body["widgets"]] == [
        (w["x"], w["y"], w["width"], w["height"]) for w in classic["widgets"]
    ]


def test_otel_dashboard_panels_on_the_pollers_metrics_are_promql_charts(otel_body: dict[str, Any]) -> None:
    charts = [w for w in otel_body["widgets"] if w["type"] == "chart"]
    assert sorted(w["properties"]["title"] for w in charts) == sorted(
        panel.title for row in ROWS for panel in row.panels if panel.kind in PROMQL_KINDS
    )
    for chart in charts:
        queries = chart["properties"]["data"]["queries"]
        assert {(q["type"], q["language"], q["step"]) for q in queries} == {("cloudwatch-metrics", "PromQL", 60)}
        assert chart["properties"]["view"] in ("line", "number")


def test_otel_dashboard_queue_menu_is_a_text_field_the_one_queue_charts_read(otel_body: dict[str, Any]) -> None:
    (variable,) = otel_body["variables"]
    assert (variable["inputType"], variable["pattern"], variable["defaultValue"]) == ("input", QUEUE_PLACEHOLDER, "")
    one_queue = [w for w in otel_body["widgets"] if w["properties"].get("title", "").startswith("Queue:")]
    assert one_queue
    assert all(QUEUE_PLACEHOLDER in json.dumps(w) for w in one_queue)


def test_otel_dashboard_lists_the_promql_alarms() -> None:
    template = build(environment(metricsBackend="otel"))
    body = json.loads(body_of(template, real_arns=True))
    (status,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarm_names = [
        r["Properties"]["AlarmName"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert sorted(arn.rsplit(":", 1)[1] for arn in status["properties"]["alarms"]) == sorted(alarm_names)


def test_both_keeps_the_classic_dashboard() -> None:
    assert body_of(build(environment(metricsBackend="both"))) == body_of(build(environment()))


def test_cdk_json_still_deploys_the_classic_backend() -> None:
    assert cdk_json_context().get("metricsBackend", names.DEFAULT_METRICS_BACKEND) == names.BACKEND_CLOUDWATCH


# --- the README -----------------------------------------------------------------------------------------
def test_the_readme_shows_the_promql_the_stack_builds() -> None:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert section(text, start=promql_docs.README_START, end=promql_docs.README_END) == promql_docs.render_markdown(), (
        "README out of date: run `python scripts/promql_doc.py --write`"
    )


def test_the_readme_table_shows_the_default_alarms_queries() -> None:
    # The rendered table holds exactly the conditions the default otel stack is given
    rendered = promql_docs.render_markdown()
    for props in by_name(alarms_of({"metricsBackend": "otel"})).values():
        if "EvaluationCriteria" in props:
            assert f"`{props['EvaluationCriteria']['PromQLCriteria']['Query']}`" in rendered, props["AlarmName"]


def test_the_opentelemetry_sections_links_lead_to_headings() -> None:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    anchors = {github_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    otel = text.split("\n### OpenTelemetry backend\n", 1)[1].split("\n## ", 1)[0]
    cost_otel = text.split("\n### With OpenTelemetry (`metricsBackend`)\n", 1)[1].split("\n### ", 1)[0]
    links = set(re.findall(r"\]\(#([a-z0-9-]+)\)", otel + cost_otel))
    assert links
    assert links <= anchors
