"""The poller: the scheduled Lambda function, its log group and its least-privilege role."""

from __future__ import annotations

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.bundling import ARCHITECTURE, RUNTIME
from infra.config import EnvironmentConfig
from queue_stats import names

# One poll is one API call, one secret read (cached) and a PutMetricData per 1,000 datums. 30 s
# stays well under the shortest interval (60 s), so two polls never overlap; the handler sizes its
# own deadlines from the time left. The largest environment it serves in that time is
# capacity.MAX_QUEUES_PER_POLL (README, Performance).
TIMEOUT: Final = cdk.Duration.seconds(30)
# 1,769 MB: one full vCPU, the most a Python poll can use (its work holds the GIL), and Lambda
# gives CPU in proportion to memory. A large poll is CPU-bound (parsing, and above all encoding the
# PutMetricData requests): `make bench` measured 2.8 s of CPU for 10,000 queues, 6.9 s for 25,000
# and 14.8 s for 50,000 on one core, so about 7 s for 25,000 queues here against ~24 s at 512 MB
# (2/7 of a vCPU), which would leave no room for a slow API. Peak memory is 285 MB at 50,000. For
# the usual 10-200 queues the poll mostly waits on the network and costs cents a month at either
# size; CPU-bound work costs the same GB-seconds at any size up to one vCPU, only faster.
MEMORY_MB: Final = names.POLLER_MEMORY_MB

RETENTION: Final = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def publishes_otlp(config: EnvironmentConfig) -> bool:
    """Whether the poller sends OpenTelemetry metrics (`metricsBackend` `otel` or `both`)."""
    return config.metrics_backend != names.BACKEND_CLOUDWATCH


class Poller(Construct):
    """Polls the Symbee API every `poll_rate_minutes` and publishes the queue metrics."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        code: lambda_.Code,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        interval = cdk.Duration.minutes(config.poll_rate_minutes)
        secret_region = config.secret_region or stack.region

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=RETENTION[config.log_retention_days],
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

        # An explicit role with inline statements only: the AWS managed basic execution policy
        # would let the function write to any log group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Symbee queue statistics poller for {config.company_code}/{config.environment}",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.secret_arn = (
            config.secret_id
            if config.secret_is_arn
            else stack.format_arn(
                service="secretsmanager",
                region=secret_region,
                resource="secret",
                # Secrets Manager appends "-" and 6 random characters to the name in the ARN.
                resource_name=f"{config.secret_id}-??????",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadTheApiKey",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secret_arn],
            )
        )
        if config.secret_kms_key_arn is not None:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DecryptTheApiKey",
                    actions=["kms:Decrypt"],
                    resources=[config.secret_kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{secret_region}.amazonaws.com"}},
                )
            )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="PublishQueueMetrics",
                actions=["cloudwatch:PutMetricData"],
                # PutMetricData has no resource-level permissions. Classic metrics only: the namespace
                # condition scopes it. OTLP ingestion is authorised by the same action, and AWS
                # documents that a cloudwatch:namespace condition on it blocks OTLP (OTLP has no
                # namespace, and no OTLP-specific condition key is documented), so then it has none.
                resources=["*"],
                conditions=None
                if publishes_otlp(config)
                else {"StringEquals": {"cloudwatch:namespace": config.metrics_namespace}},
            )
        )

        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Polls Symbee Connect queue statistics for {config.company_code}/{config.environment}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=names.HANDLER,
            code=code,
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            # Built by the config, which also checks it fits Lambda's 4 KB at synth.
            environment=config.poller_environment(stack_region=stack.region),
            # A failed poll is not retried: the next scheduled poll is the retry, and a late one
            # would publish stale numbers.
            retry_attempts=0,
            max_event_age=interval,
            # Opt-in: reserving even 1 fails in accounts whose unreserved concurrency is at its
            # minimum. The timeout under the interval already keeps polls from overlapping.
            reserved_concurrent_executions=1 if config.reserved_concurrency else None,
        )

        # CDK makes the function depend on its role and the role's policy (so permissions exist
        # before the first poll); the role half is redundant with the GetAtt, which cfn-lint notes.
        function_resource = self.function.node.default_child
        assert isinstance(function_resource, cdk.CfnResource)
        function_resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})

        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"Runs the Symbee queue statistics poller every {config.poll_rate_minutes} minute(s)",
            schedule=events.Schedule.rate(interval),
            targets=[
                targets.LambdaFunction(self.function, retry_attempts=0, max_event_age=interval),
            ],
        )
