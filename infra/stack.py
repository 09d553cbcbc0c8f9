"""One stack per monitored Symbee environment: poller, alarms, notifications and dashboard wired
together, tagged, and checked by cdk-nag's AWS Solutions rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import aws_cdk as cdk
import jsii
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from infra.alarms import Alarms
from infra.bundling import RUNTIME, lambda_code
from infra.config import AppConfig, EnvironmentConfig
from infra.dashboard import QueueDashboard
from infra.mute_rules import MuteRules
from infra.notifications import AlarmNotifications, ChatChannels
from infra.notifier import Notifier
from infra.poller import TIMEOUT, Poller, publishes_otlp
from queue_stats import names
from queue_stats.readings import reads_promql

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
                "scheduled poller, CloudWatch metrics, alarms, notifier and dashboard"
            ),
            **kwargs,
        )
        self.config = config

        chat = bool(config.slack_channels or config.teams_channels)
        self.notifications = AlarmNotifications(
            self,
            "Notifications",
            display_name=f"Symbee {config.company_code}/{config.environment} alarms",
            emails=config.notification_emails,
            existing_topic_arns=config.alarm_topic_arns,
            notify_on_ok=config.notify_on_ok,
            chat=chat,
            chat_service_key_access=config.chat_service_key_access,
        )
        # One asset for both functions: bundled once, uploaded once.
        code = lambda_code()
        self.poller = Poller(self, "Poller", config=config, code=code)
        self.alarms = Alarms(
            self,
            "Alarms",
            config=config,
            function=self.poller.function,
            alarm_actions=self.notifications.alarm_actions,
            ok_actions=self.notifications.ok_actions,
            dashboard_url=cdk.Lazy.string(_Later(lambda: self.dashboard.url)),
        )
        self.notifier = Notifier(
            self,
            "Notifier",
            config=config,
            code=code,
            email_topic=self.notifications.topic,
            chat_topic=self.notifications.chat_topic,
            topic_key=self.notifications.key,
            alarm_actions=self.notifications.direct_alarm_actions,
            ok_actions=self.notifications.direct_ok_actions,
        )
        self.chat_channels = (
            ChatChannels(self, "ChatChannels", config=config, topic=self.notifications.chat_topic)
            if self.notifications.chat_topic is not None
            else None
        )
        self.mute_rules = MuteRules(self, "MuteRules", config=config, alarms=self.alarms.alarms)
        self.dashboard = QueueDashboard(
            self,
            "Dashboard",
            config=config,
            function=self.poller.function,
            timeout=TIMEOUT,
            alarms=[*self.alarms.alarms, *self.notifier.alarms],
            log_group=self.poller.log_group,
            published_metrics=config.metrics,
            skip_idle_queues=config.skip_idle_queues,
        )
        self.notifier.link_dashboard(self.dashboard.url)

        cdk.Tags.of(self).add("Project", PROJECT_TAG)
        cdk.Tags.of(self).add("SymbeeCompany", config.company_code)
        cdk.Tags.of(self).add("SymbeeEnvironment", config.environment)

        cdk.CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.notifications.topic.topic_arn,
            description="The email topic: the notifier's message per transition and its own health alarms",
        )
        cdk.CfnOutput(self, "DashboardUrl", value=self.dashboard.url)
        cdk.CfnOutput(self, names.OUTPUT_POLLER_FUNCTION_NAME, value=self.poller.function.function_name)
        cdk.CfnOutput(
            self,
            names.OUTPUT_NOTIFIER_FUNCTION_NAME,
            value=self.notifier.function.function_name,
            description="symbee-queue-stats notify-test --stack reads the notifier's settings from it",
        )
        cdk.CfnOutput(
            self,
            "NotifierDeadLetterQueueUrl",
            value=self.notifier.dead_letters.queue_url,
            description="Alarm events the notifier could not handle (kept 14 days)",
        )
        if self.notifications.chat_topic is not None:
            cdk.CfnOutput(self, "ChatTopicArn", value=self.notifications.chat_topic.topic_arn)

        self._same_region_rules()
        self._acknowledge_findings()

    def _same_region_rules(self) -> None:
        """Refuse the deploy before anything is created when a topic or secret named by ARN is in
        another region than the stack (the stack's region is known only at deploy time)."""
        by_region: dict[str, list[str]] = {}
        for key, arn in self.config.same_region_arns:
            by_region.setdefault(arn.split(":")[3], []).append(key)
        for region, keys in sorted(by_region.items()):
            cdk.CfnRule(
                self,
                f"SameRegion-{region}",
                assertions=[
                    cdk.CfnRuleAssertion(
                        assert_=cdk.Fn.condition_equals(cdk.Aws.REGION, region),
                        assert_description=(
                            f"{', '.join(sorted(set(keys)))} in cdk.json name(s) an ARN in {region}, but this stack "
                            f"deploys to another region: deploy it to {region}, or name resources of its region"
                        ),
                    )
                ],
            )

    def _acknowledge_findings(self) -> None:
        """The AWS Solutions findings this design accepts, each with its reason."""
        _acknowledge(
            self.poller.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData supports no resource-level permissions. The poller sends OpenTelemetry "
            "metrics (metricsBackend otel/both), which CloudWatch's OTLP endpoint authorises with this action; "
            "AWS documents that a cloudwatch:namespace condition on it blocks OTLP ingestion, and no "
            "OTLP-specific resource or condition key exists, so the statement cannot be narrowed further."
            if publishes_otlp(self.config)
            else "cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to "
            "this stack's namespace by a cloudwatch:namespace condition.",
        )
        _acknowledge(
            self.notifier.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:GetMetricData supports no resource-level permissions; the notifier reads one queue's "
            "numbers per alarm transition and can write nothing with it."
            + (
                " With metricsBackend otel it reads them over CloudWatch's PromQL query API, which AWS documents "
                "as needing cloudwatch:GetMetricData and cloudwatch:ListMetrics; ListMetrics has no resource-level "
                "permissions either and only lists metric names and labels."
                if reads_promql(self.config.metrics_backend)
                else ""
            ),
        )
        _acknowledge(
            self.notifier.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue: the notifier's on-failure destination and its EventBridge "
            "target's dead-letter queue (cdk-nag recognises only redrive policies).",
        )
        for function in (self.poller.function, self.notifier.function):
            _acknowledge(
                function,
                "AwsSolutions-L1",
                f"The runtime is pinned to {RUNTIME.name} together with the wheels bundled for it "
                "(infra/bundling.py), so a CDK upgrade cannot silently change the interpreter.",
            )
        if self.chat_channels is not None:
            _acknowledge(
                self.chat_channels.guardrail,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:"
                f"{self.config.stack_name}-*]",
                "The chat channels' guardrail lets them read this stack's alarms, which all share its name as "
                "their prefix; it grants nothing else.",
            )


def _acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{NAG_PACK}::{finding}", reason=reason))


@jsii.implements(cdk.IStableStringProducer)
class _Later:
    """A value known once another construct exists (the dashboard's link, in the alarms' descriptions)."""

    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


def build_app(app: cdk.App, config: AppConfig) -> list[QueueStatsStack]:
    """Add one stack per configured environment and register the cdk-nag checks."""
    stacks = [QueueStatsStack(app, env.stack_name, config=env) for env in config.environments]
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
