"""What the stack's two functions (the poller and the notifier) share: a log group of their own, a
role that may write only to it, and how a secret named by name becomes what IAM can grant."""

from __future__ import annotations

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentConfig

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


def own_log_group(scope: Construct, config: EnvironmentConfig) -> logs.LogGroup:
    """The function's log group (construct id `LogGroup`), kept `logRetentionDays`."""
    return logs.LogGroup(
        scope,
        "LogGroup",
        retention=RETENTION[config.log_retention_days],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )


def execution_role(scope: Construct, *, description: str, log_group: logs.ILogGroup) -> iam.Role:
    """The function's role (construct id `Role`): assumed by Lambda, and with inline statements
    only, starting with writing its own log group. The AWS managed basic execution policy would
    let the function write to any log group."""
    role = iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    role.add_to_policy(
        iam.PolicyStatement(
            sid="WriteOwnLogs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    )
    return role


def accept_redundant_role_dependency(function: lambda_.Function) -> None:
    """CDK makes a function depend on its role and the role's policy (so permissions exist before
    its first run); the role half is redundant with the GetAtt, which cfn-lint notes (W3005)."""
    resource = function.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})


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


# Lambda refuses a function description longer than this.
MAX_FUNCTION_DESCRIPTION: Final = 256


def function_description(text: str) -> str:
    """`text` within Lambda's limit (a long company and environment name would exceed it)."""
    return text if len(text) <= MAX_FUNCTION_DESCRIPTION else text[: MAX_FUNCTION_DESCRIPTION - 3] + "..."
