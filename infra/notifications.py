"""Where alarms go: an SNS topic encrypted with a key CloudWatch may use, plus existing topics."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"


class AlarmNotifications(Construct):
    """The alarm topic, its key and subscriptions; exposes the ARNs alarms should notify."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        display_name: str,
        emails: Sequence[str],
        existing_topic_arns: Sequence[str],
        notify_on_ok: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)

        # A customer managed key: alarms cannot publish to a topic under the AWS managed SNS key,
        # because its policy cannot be changed to let CloudWatch use it.
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

        self.alarm_actions: tuple[str, ...] = (self.topic.topic_arn, *existing_topic_arns)
        self.ok_actions: tuple[str, ...] = self.alarm_actions if notify_on_ok else ()
