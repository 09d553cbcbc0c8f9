"""The notifier under the OpenTelemetry backend, in the synthesized stacks: it is told the backend,
and with `otel` (numbers over the PromQL query API) its role may also call ListMetrics, which that
API asks for, acknowledged with cdk-nag with its reason. `both` reads classic metrics as before."""

from __future__ import annotations

from typing import Any

import pytest

from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth
from tests.infra.test_notifier import only, statements

OTEL, BOTH = "SymbeeQueueStats-prod", "SymbeeQueueStats-stage"  # tests/infra/conftest.py `otel_context`


def variables(synth: Synth, stack: str) -> dict[str, Any]:
    _, function = only(synth, "AWS::Lambda::Function", stack)
    found: dict[str, Any] = function["Environment"]["Variables"]
    return found


@pytest.mark.parametrize(("stack", "backend"), [(OTEL, names.BACKEND_OTEL), (BOTH, names.BACKEND_BOTH)])
def test_the_notifier_is_told_a_backend_other_than_the_default(otel_synth: Synth, stack: str, backend: str) -> None:
    assert variables(otel_synth, stack)[names.ENV_METRICS_BACKEND] == backend


def test_the_promql_endpoint_is_left_to_the_functions_region(otel_synth: Synth) -> None:
    # CloudWatch's monitoring host in AWS_REGION, which Lambda sets: no override in the template
    assert names.ENV_PROMQL_ENDPOINT not in variables(otel_synth, OTEL)


def test_the_default_backend_is_not_written(default_synth: Synth) -> None:
    assert names.ENV_METRICS_BACKEND not in variables(default_synth, DEFAULT_STACK)


def test_with_otel_the_role_may_also_list_metrics_as_the_promql_api_asks(otel_synth: Synth) -> None:
    read = statements(otel_synth, OTEL)["ReadQueueNumbers"]
    assert (read["Action"], read["Resource"]) == (["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "*")


def test_with_both_the_role_reads_classic_metrics_only(otel_synth: Synth) -> None:
    read = statements(otel_synth, BOTH)["ReadQueueNumbers"]
    assert (read["Action"], read["Resource"]) == ("cloudwatch:GetMetricData", "*")


def test_the_wildcard_is_acknowledged_with_the_promql_reason(otel_synth: Synth) -> None:
    (report,) = otel_synth.validation_report["pluginReports"]
    assert report["violations"] == []
    reasons = {
        f["reason"]
        for f in report["suppressedViolations"]
        if f["ruleName"] == "AwsSolutions-IAM5[Resource::*]" and "GetMetricData" in f["reason"]
    }
    # One reason for the otel stacks (prod, uat), the classic one for stage (`both`)
    assert len(reasons) == 2
    assert sum("cloudwatch:ListMetrics" in reason for reason in reasons) == 1
