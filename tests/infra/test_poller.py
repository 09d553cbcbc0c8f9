"""The poller in the default template: function, schedule, async behaviour, logs and IAM."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth

REGION = {"Ref": "AWS::Region"}


def only(synth: Synth, resource_type: str) -> dict[str, Any]:
    (resource,) = synth.resources(DEFAULT_STACK, resource_type, under="Poller").values()
    return resource


def test_function_runs_the_contract_handler_on_arm64_python(default_stack: Template) -> None:
    default_stack.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": names.HANDLER,
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "MemorySize": 1769,  # one full vCPU: the largest environments are CPU-bound (README, Performance)
            # Well under the 60 s interval: two polls never overlap.
            "Timeout": 30,
        },
    )


def test_reserved_concurrency_is_opt_in(default_synth: Synth) -> None:
    function = only(default_synth, "AWS::Lambda::Function")
    assert "ReservedConcurrentExecutions" not in function["Properties"]


def test_environment_variables_are_exactly_the_contract_ones(default_synth: Synth) -> None:
    function = only(default_synth, "AWS::Lambda::Function")
    assert function["Properties"]["Environment"]["Variables"] == {
        names.ENV_COMPANY_CODE: "abc-gadgets",
        names.ENV_ENVIRONMENT: "prod",
        names.ENV_REGION: "us-east-1",
        names.ENV_API_KEY_SECRET_ID: names.DEFAULT_API_KEY_SECRET_ID,
        names.ENV_SECRETS_REGION: REGION,
        names.ENV_INCLUDE_AMAZON_QUEUES: "true",
        names.ENV_METRICS_NAMESPACE: names.DEFAULT_NAMESPACE,
    }


def test_schedule_runs_every_minute_without_retries(default_synth: Synth) -> None:
    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function", under="Poller")
    schedule = only(default_synth, "AWS::Events::Rule")["Properties"]
    assert (schedule["ScheduleExpression"], schedule["State"]) == ("rate(1 minute)", "ENABLED")
    (target,) = schedule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0}
    permission = only(default_synth, "AWS::Lambda::Permission")["Properties"]
    assert (permission["Action"], permission["Principal"]) == ("lambda:InvokeFunction", "events.amazonaws.com")


def test_async_invocations_are_not_retried_and_expire_after_one_interval(default_synth: Synth) -> None:
    config = only(default_synth, "AWS::Lambda::EventInvokeConfig")["Properties"]
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)
    assert config["Qualifier"] == "$LATEST"


def test_logs_go_to_its_own_group_with_retention(default_synth: Synth) -> None:
    log_groups = default_synth.resources(DEFAULT_STACK, "AWS::Logs::LogGroup", under="Poller")
    ((log_group_id, log_group),) = log_groups.items()
    assert log_group["Properties"]["RetentionInDays"] == 30
    function = only(default_synth, "AWS::Lambda::Function")
    assert function["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}


def test_role_has_no_managed_policy_and_only_lambda_may_assume_it(default_synth: Synth) -> None:
    role = only(default_synth, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role["Properties"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]


def test_every_iam_statement_and_its_scope(default_synth: Synth) -> None:
    # Given the one inline policy of the poller's role
    policy = only(default_synth, "AWS::IAM::Policy")
    log_group_id = next(iter(default_synth.resources(DEFAULT_STACK, "AWS::Logs::LogGroup", under="Poller")))

    # Then it holds exactly these statements: no more actions, no wider resources
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        },
        {
            "Sid": "ReadTheApiKey",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            # A secret name becomes the NAME-?????? ARN pattern, in the function's own region.
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":secretsmanager:",
                        REGION,
                        ":",
                        {"Ref": "AWS::AccountId"},
                        f":secret:{names.DEFAULT_API_KEY_SECRET_ID}-??????",
                    ],
                ]
            },
        },
        {
            "Sid": "PublishQueueMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": names.DEFAULT_NAMESPACE}},
        },
    ]


def test_no_other_policies_exist(default_stack: Template) -> None:
    # The poller's and the notifier's (tests/infra/test_notifier.py), nothing else
    default_stack.resource_count_is("AWS::IAM::Policy", 2)
    default_stack.resource_count_is("AWS::IAM::Role", 2)
    default_stack.resource_count_is("AWS::IAM::ManagedPolicy", 0)
