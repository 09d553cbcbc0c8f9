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

# One poll is one API call, one secret read (cached) and a PutMetricData per 1,000 datums: a few
# seconds at most. 30 s leaves room for a slow API and stays well under the shortest interval
# (60 s), so two polls never overlap; the handler sizes its own deadlines from the time left.
TIMEOUT: Final = cdk.Duration.seconds(30)
# 512 MB: Lambda's CPU share grows with memory, and a large poll is CPU-bound (encoding the
# PutMetricData requests). `make bench` measured 109 MB peak for 10,000 queues and about 0.4 s of
# CPU per 1,000 queues on a full core; at 512 MB (about 2/7 of a vCPU) that puts a 10,000-queue
# poll near 10 s, a third of the timeout (an estimate: not measured on Lambda). For the usual
# 10-200 queues a poll waits on the network, and the bill is cents a month either way.
MEMORY_MB: Final = 512

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


def secret_arn(stack: cdk.Stack, secret_id: str, *, region: str) -> str:
    """What IAM may grant for a secret named by name or complete ARN: the ARN, or the pattern that
    matches the name's ARN (Secrets Manager appends "-" and 6 random characters to the name)."""
    if secret_id.startswith("arn:"):
        return secret_id
    return stack.format_arn(
        service="secretsmanager",
        region=region,
        resource="secret",
        resource_name=f"{secret_id}-??????",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


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
        self.secret_arn = secret_arn(stack, config.secret_id, region=secret_region)
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
                # PutMetricData has no resource-level permissions; the namespace condition scopes it.
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": config.metrics_namespace}},
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
