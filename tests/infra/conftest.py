"""Shared helpers for the stack tests: synthesize the real app (with cdk-nag and the real Lambda
bundling) into a temporary cloud assembly, once per configuration, and read it back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra import PROJECT_ROOT
from infra.config import load_config
from infra.stack import build_app

DEFAULT_STACK = "SymbeeQueueStats-prod"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:SYMBEE_CONNECT_API_KEY-AbC123"
KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PAGER_TOPIC = "arn:aws:sns:eu-west-2:123456789012:pagerduty"
SLACK_WORKSPACE = "T0123ABCD"
SLACK_CHANNEL = "C0456EFGH"
TEAM = "8f2c1a4e-0b7d-4c3e-9a61-2d5f7e8b9c0a"
TENANT = "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6"
TEAMS_CHANNEL = "19:a1b2c3d4e5f6@thread.tacv2"  # as Teams shows it; the stack encodes it
ROUTING_KEY_SECRET = "symbee/pagerduty-routing-key"


def cdk_json_context() -> dict[str, Any]:
    """The context shipped in cdk.json: feature flags plus the documented defaults."""
    context: dict[str, Any] = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass(frozen=True)
class Synth:
    """A synthesized cloud assembly: its directory and each stack's template."""

    outdir: Path
    templates: Mapping[str, dict[str, Any]]

    def template(self, stack_name: str) -> Template:
        return Template.from_json(self.templates[stack_name])

    def resources(self, stack_name: str, resource_type: str, *, under: str = "") -> dict[str, dict[str, Any]]:
        """The stack's resources of one type; with `under`, only those of that top-level construct
        (CDK starts a logical id with the construct's path: "Poller" for the poller's function)."""
        return {
            logical_id: resource
            for logical_id, resource in self.templates[stack_name]["Resources"].items()
            if resource["Type"] == resource_type and logical_id.startswith(under)
        }

    @property
    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report


def synthesize(context: Mapping[str, Any], outdir: Path) -> Synth:
    """Build the app exactly as app.py does and synthesize it (cdk-nag runs during synth)."""
    app = cdk.App(context=dict(context), outdir=str(outdir))
    stacks = build_app(app, load_config(app.node.try_get_context))
    app.synth()
    templates = {stack.stack_name: json.loads((outdir / stack.template_file).read_text()) for stack in stacks}
    return Synth(outdir=outdir, templates=templates)


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app as cdk.json configures it: one environment, every default."""
    return synthesize(cdk_json_context(), tmp_path_factory.mktemp("default") / "cdk.out")


@pytest.fixture(scope="session")
def default_stack(default_synth: Synth) -> Template:
    return default_synth.template(DEFAULT_STACK)


def custom_context() -> dict[str, Any]:
    """Every knob turned, two environments, values in both native and `-c` string forms."""
    context = cdk_json_context()
    del context["environment"]  # each entry of `environments` names its own
    context.update(
        {
            "stackName": "CallCenter",
            "symbeeRegion": "eu-west-2",
            "apiUrl": "https://stats.example.com/retrieveQueueInfo",
            "includeAmazonQueues": "false",
            "queueIds": "email-customer-care,sms-customer-care",
            "secretId": SECRET_ARN,
            "secretKmsKeyArn": KEY_ARN,
            "apiKeyMaxAgeSeconds": 900,
            "metricsNamespace": "Acme/Symbee",
            "pollRateMinutes": "5",
            "logRetentionDays": 90,
            "reservedConcurrency": True,
            "alarms": {"agentsInError": {"enabled": False}, "oldestItemAge": {"threshold": 120, "minutes": 10}},
            "queueOverrides": {
                "email-customer-care": {"oldestItemAge": {"threshold": 3600}},
                "sms-customer-care": {"itemsInQueue": {"enabled": False}},
            },
            "notificationEmails": ["ops@example.com", "lead@example.com"],
            "alarmTopicArns": [PAGER_TOPIC],
            "notifyOnOk": "false",
            "runbookUrl": "https://wiki.example.com/ops/symbee-queues",
            "environments": [
                {
                    "environment": "prod",
                    # The notifier's channels and quiet hours, in prod only
                    "slackChannels": [{"workspaceId": SLACK_WORKSPACE, "channelId": SLACK_CHANNEL, "name": "ops"}],
                    "teamsChannels": json.dumps([{"teamId": TEAM, "channelId": TEAMS_CHANNEL, "tenantId": TENANT}]),
                    "pagerDuty": {
                        "routingKeySecretId": ROUTING_KEY_SECRET,
                        "routingKeySecretKmsKeyArn": KEY_ARN,
                        "eventsUrl": "https://events.eu.pagerduty.com/v2/enqueue",
                    },
                    "muteRules": [
                        {
                            "name": "nights",
                            "schedule": "cron(0 22 * * MON-FRI)",
                            "durationMinutes": 600,
                            "timezone": "Europe/London",
                            "alarms": ["queue"],
                        },
                        {
                            "name": "symbee-maintenance",
                            "schedule": "at(2026-12-24T18:00)",
                            "durationMinutes": 120,
                            "alarms": ["pollFailed", "oldestItemAge"],
                            "start": "2026-12-01T00:00",
                            "expire": "2026-12-31T00:00",
                        },
                    ],
                },
                {
                    "environment": "uat",
                    "secretId": "UAT_API_KEY",
                    "secretRegion": "eu-west-1",
                    "secretKmsKeyArn": "",  # "" clears the inherited value (CDK drops nulls)
                    "notificationEmails": [],
                },
            ],
        }
    )
    return context


@pytest.fixture(scope="session")
def custom_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(custom_context(), tmp_path_factory.mktemp("custom") / "cdk.out")


# Queue ids of the OpenTelemetry configuration's overrides (tests/promql/ drives them).
VIP_QUEUE = "vip-queue"  # its own items-waiting alarm at a higher threshold
NIGHT_QUEUE = "night-queue"  # "work waiting with no agent available" switched off
ZURICH_QUEUE = "queue-Zürich"  # a non-ASCII id: escaped in classic dimensions, as written over OTLP
OTEL_ENVIRONMENTS = ("prod", "uat", "stage")


def otel_context() -> dict[str, Any]:
    """The OpenTelemetry backend three ways: `prod` polled every minute with overrides, `uat`
    every 5 minutes, `stage` with `both` (classic alarms act, PromQL shadows watch)."""
    context = cdk_json_context()
    del context["environment"]
    context.update(
        {
            "metricsBackend": "otel",
            "environments": [
                {
                    "environment": "prod",
                    "queueOverrides": {
                        VIP_QUEUE: {"itemsInQueue": {"threshold": 100}},
                        NIGHT_QUEUE: {"unattendedItems": {"enabled": False}},
                        ZURICH_QUEUE: {"agentsInError": {"threshold": 3, "minutes": 2}},
                    },
                },
                {"environment": "uat", "pollRateMinutes": 5},
                {"environment": "stage", "metricsBackend": "both"},
            ],
        }
    )
    return context
