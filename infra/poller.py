"""The poller: the scheduled Lambda function, its log group and its least-privilege role."""

from __future__ import annotations

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.bundling import ARCHITECTURE, RUNTIME
from infra.config import EnvironmentConfig
from infra.functions import (
    accept_redundant_role_dependency,
    execution_role,
    function_description,
    own_log_group,
    secret_arn,
)
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

        self.log_group = own_log_group(self, config)
        self.role = execution_role(
            self,
            description=f"Symbee queue statistics poller for {config.company_code}/{config.environment}",
            log_group=self.log_group,
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
                    conditions={
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{secret_region}.{stack.url_suffix}"}
                    },
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
            description=function_description(
                f"Polls Symbee Connect queue statistics for {config.company_code}/{config.environment}"
            ),
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

        accept_redundant_role_dependency(self.function)

        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"Runs the Symbee queue statistics poller every {config.poll_rate_minutes} minute(s)",
            schedule=events.Schedule.rate(interval),
            targets=[
                targets.LambdaFunction(self.function, retry_attempts=0, max_event_age=interval),
            ],
        )
