"""The notifier: a function that turns CloudWatch's events for this stack's alarms into email, chat
and pager messages, the EventBridge rule that feeds it, where failed events are kept, and the two
alarms that watch it (which reach the email topic directly: a broken notifier cannot report itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.bundling import ARCHITECTURE, RUNTIME
from infra.config import AlarmKind, EnvironmentConfig
from infra.functions import (
    accept_redundant_role_dependency,
    execution_role,
    function_description,
    own_log_group,
    secret_arn,
)
from queue_stats import names
from queue_stats.readings import reads_promql

# The runtime reads the queue's numbers only with 13 s left and retries each channel within the
# time it has; 30 s leaves room for both with a slow channel.
TIMEOUT: Final = cdk.Duration.seconds(30)
# Lambda does not retry a failed notification: the runtime retried each channel itself, and a second
# run would send the channels that succeeded again. An event older than this is stale news.
MAX_EVENT_AGE: Final = cdk.Duration.hours(1)
# EventBridge retries only delivering the event to Lambda (never a run of the function).
DELIVERY_RETRIES: Final = 4
DEAD_LETTER_RETENTION: Final = cdk.Duration.days(14)  # SQS's longest
# The notifier's own alarms: names outside the `<stack>-<Kind>` prefixes the rule matches.
ERRORS_ALARM: Final = "NotifierErrors"
DEAD_LETTERS_ALARM: Final = "NotifierDeadLetters"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"
SQS_NAMESPACE: Final = "AWS/SQS"
ERRORS_PERIOD: Final = cdk.Duration.minutes(1)
DEAD_LETTERS_PERIOD: Final = cdk.Duration.minutes(5)  # SQS's metrics arrive every few minutes


def event_pattern(config: EnvironmentConfig, stack: cdk.Stack, *, exclude: Sequence[str]) -> events.EventPattern:
    """The state changes of this stack's queue and poller-health alarms: alarm ARNs of this account
    and region starting `<stack>-<Kind>` (another environment's stack, even one named
    `<stack>-<more>`, has other prefixes), except the alarms named in `exclude`."""
    prefixes = [
        stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=config.alarm_name(kind),
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        for kind in AlarmKind
    ]
    return events.EventPattern(
        source=[names.EVENT_SOURCE_CLOUDWATCH],
        detail_type=[names.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE, names.DETAIL_TYPE_ALARM_STATE_CHANGE],
        resources=events.Match.any_of(*(events.Match.prefix(prefix) for prefix in prefixes)),
        detail={"alarmName": events.Match.anything_but(*exclude)},
    )


class Notifier(Construct):
    """The notifier function, its trigger, its dead letters and the alarms that watch it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        code: lambda_.Code,
        email_topic: sns.ITopic,
        chat_topic: sns.ITopic | None,
        topic_key: kms.IKey,
        alarm_actions: Sequence[str],
        ok_actions: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self._config = config

        self.log_group = own_log_group(self, config)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        self.role = self._role(stack, email_topic, chat_topic, topic_key)
        self.function = lambda_.Function(
            self,
            "Function",
            description=function_description(
                f"Sends Symbee queue alarm notifications for {config.company_code}/{config.environment}"
            ),
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=names.NOTIFY_HANDLER,
            code=code,
            memory_size=names.NOTIFIER_MEMORY_MB,
            timeout=TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            environment=self._environment(email_topic, chat_topic),
            retry_attempts=0,
            max_event_age=MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        accept_redundant_role_dependency(self.function)

        description = f"Symbee {config.company_code}/{config.environment}:"
        self.errors_alarm = self._alarm(
            ERRORS_ALARM,
            f"{description} the notifier failed to send a notification on at least one channel (email, chat "
            "or pager), so a transition may have reached nobody there. Its log group (stack output "
            "NotifierFunctionName) has one 'Notify failed: ...' line per failure naming the channel and why; "
            "the event waits in the dead-letter queue (NotifierDeadLetterQueueUrl).",
            namespace=LAMBDA_NAMESPACE,
            metric="Errors",
            statistic="Sum",
            dimension=("FunctionName", self.function.function_name),
            period=ERRORS_PERIOD,
            actions=(alarm_actions, ok_actions),
        )
        self.dead_letters_alarm = self._alarm(
            DEAD_LETTERS_ALARM,
            f"{description} alarm events the notifier could not handle wait in its dead-letter queue (stack "
            "output NotifierDeadLetterQueueUrl): read them for the transitions people missed, fix the cause "
            "(the notifier's log group says it), then purge the queue; this alarm stays on until it is empty.",
            namespace=SQS_NAMESPACE,
            metric="ApproximateNumberOfMessagesVisible",
            statistic="Maximum",
            dimension=("QueueName", self.dead_letters.queue_name),
            period=DEAD_LETTERS_PERIOD,
            actions=(alarm_actions, ok_actions),
            # SQS stops sending a queue's metrics after about 6 hours without activity: a queue still
            # holding dead letters must not look empty then, so no data keeps the alarm's state.
            treat_missing_data="ignore",
        )
        self.alarms = [self.errors_alarm, self.dead_letters_alarm]

        self.rule = events.Rule(
            self,
            "AlarmEvents",
            description=f"State changes of {config.stack_name}'s queue and poller-health alarms, to the notifier",
            event_pattern=event_pattern(config, stack, exclude=[a.alarm_name or "" for a in self.alarms]),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    retry_attempts=DELIVERY_RETRIES,
                    max_event_age=MAX_EVENT_AGE,
                    dead_letter_queue=self.dead_letters,
                )
            ],
        )

    def link_dashboard(self, url: str) -> None:
        """Put the dashboard's link in every message (the dashboard is built after the notifier,
        whose alarms it shows)."""
        self.function.add_environment(names.ENV_DASHBOARD_URL, url)

    def _environment(self, email_topic: sns.ITopic, chat_topic: sns.ITopic | None) -> dict[str, str]:
        """The notifier's settings (CONTRACT.md): optional ones only when they differ from its defaults."""
        config = self._config
        pager = config.pager_duty
        variables = {
            names.ENV_ENVIRONMENT: config.environment,
            names.ENV_METRICS_NAMESPACE: config.metrics_namespace,
            names.ENV_NOTIFY_TOPIC_ARN: email_topic.topic_arn,
            names.ENV_CHAT_TOPIC_ARN: chat_topic.topic_arn if chat_topic else None,
            # The secret's name, never its value: the function reads the key at run time.
            names.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID: pager.routing_key_secret_id if pager else None,
            names.ENV_PAGERDUTY_EVENTS_URL: pager.events_url if pager else None,
            names.ENV_RUNBOOK_URL: config.runbook_url,
            names.ENV_SKIP_IDLE_QUEUES: "true" if config.skip_idle_queues else None,
            names.ENV_NOTIFY_ON_OK: None if config.notify_on_ok else "false",
            # Where the queue's numbers are: with `otel`, read over PromQL (CloudWatch's own host).
            names.ENV_METRICS_BACKEND: None
            if config.metrics_backend == names.DEFAULT_METRICS_BACKEND
            else config.metrics_backend,
        }
        return {name: value for name, value in variables.items() if value is not None}

    def _role(
        self, stack: cdk.Stack, email_topic: sns.ITopic, chat_topic: sns.ITopic | None, topic_key: kms.IKey
    ) -> iam.Role:
        """Least privilege: its own logs, the two topics (and their key, through SNS), reading
        metrics (with `otel` over PromQL, which also asks for ListMetrics), and the routing key's
        one secret."""
        config = self._config
        role = execution_role(
            self,
            description=f"Symbee queue alarm notifier for {config.company_code}/{config.environment}",
            log_group=self.log_group,
        )
        topics = [email_topic.topic_arn] + ([chat_topic.topic_arn] if chat_topic else [])
        role.add_to_policy(iam.PolicyStatement(sid="PublishNotifications", actions=["sns:Publish"], resources=topics))
        role.add_to_policy(
            iam.PolicyStatement(
                sid="EncryptForTheTopics",
                # What SNS asks of a publisher to an encrypted topic; no wildcard action.
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[topic_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"sns.{stack.region}.{stack.url_suffix}"}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadQueueNumbers",
                # Neither has resource-level permissions. The PromQL query API asks for both (AWS's
                # QueryMetrics page); GetMetricData alone reads classic metrics.
                actions=["cloudwatch:GetMetricData"]
                + (["cloudwatch:ListMetrics"] if reads_promql(config.metrics_backend) else []),
                resources=["*"],
            )
        )
        pager = config.pager_duty
        if pager is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadTheRoutingKey",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[secret_arn(stack, pager.routing_key_secret_id, region=stack.region)],
                )
            )
            if pager.routing_key_secret_kms_key_arn is not None:
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="DecryptTheRoutingKey",
                        actions=["kms:Decrypt"],
                        resources=[pager.routing_key_secret_kms_key_arn],
                        conditions={
                            "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.{stack.url_suffix}"}
                        },
                    )
                )
        return role

    def _alarm(
        self,
        name: str,
        description: str,
        *,
        namespace: str,
        metric: str,
        statistic: str,
        dimension: tuple[str, str],
        period: cdk.Duration,
        actions: tuple[Sequence[str], Sequence[str]],
        treat_missing_data: str = "notBreaching",
    ) -> cloudwatch.CfnAlarm:
        """One standard alarm: any failure in one period; no data means none unless told otherwise."""
        alarm_actions, ok_actions = actions
        return cloudwatch.CfnAlarm(
            self,
            f"{name}Alarm",
            alarm_name=f"{self._config.stack_name}-{name}",
            alarm_description=description,
            actions_enabled=True,
            alarm_actions=list(alarm_actions),
            ok_actions=list(ok_actions) or None,
            namespace=namespace,
            metric_name=metric,
            dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name=dimension[0], value=dimension[1])],
            statistic=statistic,
            period=period.to_seconds(),
            evaluation_periods=1,
            datapoints_to_alarm=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data=treat_missing_data,
        )
