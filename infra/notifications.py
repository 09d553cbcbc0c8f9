"""Where notifications go: the email topic (the notifier's messages, and the notifier's own health
alarms), the chat topic mapped to Slack and Microsoft Teams channels through Amazon Q Developer in
chat applications, both encrypted with one key, plus existing topics for CloudWatch's raw JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import EnvironmentConfig

CLOUDWATCH_PRINCIPAL: Final = "cloudwatch.amazonaws.com"
CHATBOT_PRINCIPAL: Final = "chatbot.amazonaws.com"
# What a chat channel may do in the account, whatever its users ask of Amazon Q Developer: read this
# stack's alarms. Custom notifications need no permission at all; the guardrail exists because
# without one the service applies AdministratorAccess.
CHAT_ACTIONS: Final = ("cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory")


class AlarmNotifications(Construct):
    """The topics and their key; exposes the actions each kind of alarm gets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        display_name: str,
        emails: Sequence[str],
        existing_topic_arns: Sequence[str],
        notify_on_ok: bool,
        chat: bool = False,
        chat_service_key_access: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)

        # A customer managed key: alarms cannot publish to a topic under the AWS managed SNS key,
        # because its policy cannot be changed to let CloudWatch use it. The notifier publishes
        # through its role's IAM permissions, which the key policy's account statement admits.
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the SNS topic: {display_name}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseTheKey",
                principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                # In a key policy "*" means this key.
                resources=["*"],
            )
        )

        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=display_name[:100],
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                # Only alarms of this account: CloudWatch must not be a confused deputy.
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
                    },
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        # Custom notifications for Amazon Q Developer, from the notifier only (no CloudWatch action
        # publishes here: its own alarm JSON would be a second, unthreaded message per transition).
        self.chat_topic: sns.Topic | None = None
        if chat:
            self.chat_topic = sns.Topic(
                self,
                "ChatTopic",
                display_name=f"{display_name} (chat)"[:100],
                master_key=self.key,
                enforce_ssl=True,
            )
        if chat and chat_service_key_access:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowChatServiceToUseTheKey",
                    principals=[iam.ServicePrincipal(CHATBOT_PRINCIPAL)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
                )
            )

        # The queue and poller-health alarms notify people through the notifier (from CloudWatch's
        # events, no action needed); their own SNS actions go to the raw-JSON topics only.
        self.alarm_actions: tuple[str, ...] = tuple(existing_topic_arns)
        self.ok_actions: tuple[str, ...] = self.alarm_actions if notify_on_ok else ()
        # The notifier's own alarms cannot go through it: they publish to the email topic directly.
        self.direct_alarm_actions: tuple[str, ...] = (self.topic.topic_arn, *existing_topic_arns)
        self.direct_ok_actions: tuple[str, ...] = self.direct_alarm_actions if notify_on_ok else ()


class ChatChannels(Construct):
    """The Slack and Microsoft Teams channels that receive the chat topic, each an Amazon Q
    Developer channel configuration whose guardrail and role allow reading this stack's alarms only."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.guardrail = iam.ManagedPolicy(
            self,
            "Guardrail",
            description=f"The most a chat channel may do for {config.stack_name}: read its alarms",
            statements=[
                iam.PolicyStatement(
                    sid="ReadThisStacksAlarms",
                    actions=list(CHAT_ACTIONS),
                    resources=[
                        stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name=f"{config.stack_name}-*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                )
            ],
        )
        # The channel's role: what the service does on the channel's behalf, never more than the guardrail.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(CHATBOT_PRINCIPAL),
            description=f"Amazon Q Developer chat channels of {config.stack_name}",
            managed_policies=[self.guardrail],
        )
        self.configurations: list[Construct] = []
        for slack in config.slack_channels:
            self.configurations.append(
                chatbot.SlackChannelConfiguration(
                    self,
                    f"Slack-{slack.workspace_id}-{slack.channel_id}",
                    slack_channel_configuration_name=config.chat_configuration_name(slack),
                    slack_workspace_id=slack.workspace_id,
                    slack_channel_id=slack.channel_id,
                    notification_topics=[topic],
                    guardrail_policies=[self.guardrail],
                    role=self.role,
                    logging_level=chatbot.LoggingLevel.ERROR,
                    user_role_required=False,
                )
            )
        for teams in config.teams_channels:
            # The construct id (and so the logical id) follows the channel, not its place in the list.
            self.configurations.append(
                chatbot.CfnMicrosoftTeamsChannelConfiguration(
                    self,
                    f"Teams-{teams.digest}",
                    configuration_name=config.chat_configuration_name(teams),
                    team_id=teams.team_id,
                    teams_channel_id=teams.channel_id,
                    teams_tenant_id=teams.tenant_id,
                    iam_role_arn=self.role.role_arn,
                    sns_topic_arns=[topic.topic_arn],
                    guardrail_policies=[self.guardrail.managed_policy_arn],
                    logging_level="ERROR",
                    user_role_required=False,
                )
            )
