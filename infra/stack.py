"""One stack per monitored Symbee environment: poller, alarms, notifications and dashboard wired
together, tagged, and checked by cdk-nag's AWS Solutions rules."""

from __future__ import annotations

from typing import Any, Final

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from infra.alarms import Alarms
from infra.bundling import RUNTIME, lambda_code
from infra.config import AppConfig, EnvironmentConfig
from infra.dashboard import QueueDashboard
from infra.notifications import AlarmNotifications
from infra.poller import TIMEOUT, Poller, publishes_otlp
from queue_stats import names

PROJECT_TAG: Final = names.PRODUCT
NAG_PACK: Final = "AwsSolutions"  # acknowledgement ids are "<pack>::<rule>[<finding>]"


class QueueStatsStack(cdk.Stack):
    """Everything that monitors one Symbee environment."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description=(
                f"Symbee Connect queue statistics for {config.company_code}/{config.environment}: "
                "scheduled poller, CloudWatch metrics, alarms and dashboard"
            ),
            **kwargs,
        )
        self.config = config

        self.notifications = AlarmNotifications(
            self,
            "Notifications",
            display_name=f"Symbee {config.company_code}/{config.environment} alarms",
            emails=config.notification_emails,
            existing_topic_arns=config.alarm_topic_arns,
            notify_on_ok=config.notify_on_ok,
        )
        self.poller = Poller(self, "Poller", config=config, code=lambda_code())
        self.alarms = Alarms(
            self,
            "Alarms",
            config=config,
            function=self.poller.function,
            alarm_actions=self.notifications.alarm_actions,
            ok_actions=self.notifications.ok_actions,
        )
        self.dashboard = QueueDashboard(
            self,
            "Dashboard",
            config=config,
            function=self.poller.function,
            timeout=TIMEOUT,
            alarms=self.alarms.alarms,
            log_group=self.poller.log_group,
            published_metrics=config.metrics,
            skip_idle_queues=config.skip_idle_queues,
        )

        cdk.Tags.of(self).add("Project", PROJECT_TAG)
        cdk.Tags.of(self).add("SymbeeCompany", config.company_code)
        cdk.Tags.of(self).add("SymbeeEnvironment", config.environment)

        cdk.CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.notifications.topic.topic_arn,
            description="Subscribe pagers (PagerDuty, Opsgenie, chat) to this topic",
        )
        cdk.CfnOutput(self, "DashboardUrl", value=self.dashboard.url)
        cdk.CfnOutput(self, names.OUTPUT_POLLER_FUNCTION_NAME, value=self.poller.function.function_name)

        self._acknowledge_findings()

    def _acknowledge_findings(self) -> None:
        """The AWS Solutions findings this design accepts, each with its reason."""
        policy = self.poller.role.node.find_child("DefaultPolicy")
        cdk.Validations.of(policy).acknowledge(
            cdk.Acknowledgment(
                id=f"{NAG_PACK}::AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "cloudwatch:PutMetricData supports no resource-level permissions. The poller sends "
                    "OpenTelemetry metrics (metricsBackend otel/both), which CloudWatch's OTLP endpoint "
                    "authorises with this action; AWS documents that a cloudwatch:namespace condition on "
                    "it blocks OTLP ingestion, and no OTLP-specific resource or condition key exists, so "
                    "the statement cannot be narrowed further."
                    if publishes_otlp(self.config)
                    else "cloudwatch:PutMetricData supports no resource-level permissions; the statement "
                    "is limited to this stack's namespace by a cloudwatch:namespace condition."
                ),
            )
        )
        cdk.Validations.of(self.poller.function).acknowledge(
            cdk.Acknowledgment(
                id=f"{NAG_PACK}::AwsSolutions-L1",
                reason=(
                    f"The runtime is pinned to {RUNTIME.name} together with the wheels bundled for "
                    "it (infra/bundling.py), so a CDK upgrade cannot silently change the interpreter."
                ),
            )
        )


def build_app(app: cdk.App, config: AppConfig) -> list[QueueStatsStack]:
    """Add one stack per configured environment and register the cdk-nag checks."""
    stacks = [QueueStatsStack(app, env.stack_name, config=env) for env in config.environments]
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
