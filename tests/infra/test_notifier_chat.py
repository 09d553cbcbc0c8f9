"""Chat channels: one AWS::Chatbot::SlackChannelConfiguration or
AWS::Chatbot::MicrosoftTeamsChannelConfiguration per configured channel, fed by the chat topic,
guarded by a customer managed policy that reads this stack's alarms only (never the service's
default AdministratorAccess), with a role that can do no more, logging errors only."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.deploy.resources import Resolver
from tests.infra.conftest import SLACK_CHANNEL, SLACK_WORKSPACE, TEAM, TENANT, Synth

PROD = "CallCenter-prod"
RESOLVE = Resolver(
    physical_ids={},
    attributes={},
    pseudo={"AWS::AccountId": "123456789012", "AWS::Region": "eu-west-2", "AWS::Partition": "aws"},
)


def only(synth: Synth, resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = synth.resources(PROD, resource_type).items()
    return logical_id, resource["Properties"]


def chat_topic(synth: Synth) -> dict[str, str]:
    (topic_id,) = synth.resources(PROD, "AWS::SNS::Topic", under="NotificationsChatTopic")
    return {"Ref": topic_id}


def test_the_slack_channel_gets_the_chat_topic_under_the_guardrail(custom_synth: Synth) -> None:
    guardrail_id, _ = only(custom_synth, "AWS::IAM::ManagedPolicy")
    (role_id,) = custom_synth.resources(PROD, "AWS::IAM::Role", under="ChatChannels")
    _, slack = only(custom_synth, "AWS::Chatbot::SlackChannelConfiguration")
    assert (slack["SlackWorkspaceId"], slack["SlackChannelId"]) == (SLACK_WORKSPACE, SLACK_CHANNEL)
    assert slack["ConfigurationName"] == f"{PROD}-ops"
    assert slack["SnsTopicArns"] == [chat_topic(custom_synth)]
    # Without GuardrailPolicies the service applies AdministratorAccess
    assert slack["GuardrailPolicies"] == [{"Ref": guardrail_id}]
    assert slack["IamRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert (slack["LoggingLevel"], slack["UserRoleRequired"]) == ("ERROR", False)


def test_the_teams_channel_likewise_with_its_id_encoded(custom_synth: Synth) -> None:
    guardrail_id, _ = only(custom_synth, "AWS::IAM::ManagedPolicy")
    _, teams = only(custom_synth, "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")
    assert (teams["TeamId"], teams["TeamsTenantId"]) == (TEAM, TENANT)
    # Teams shows 19:...@thread.tacv2; CloudFormation takes ':' and '@' encoded
    assert teams["TeamsChannelId"] == "19%3Aa1b2c3d4e5f6%40thread.tacv2"
    digest = hashlib.sha256(f"{TEAM}/{teams['TeamsChannelId']}".encode()).hexdigest()[:10]
    assert teams["ConfigurationName"] == f"{PROD}-teams-{digest}"
    assert teams["SnsTopicArns"] == [chat_topic(custom_synth)]
    assert teams["GuardrailPolicies"] == [{"Ref": guardrail_id}]
    assert (teams["LoggingLevel"], teams["UserRoleRequired"]) == ("ERROR", False)


def test_the_guardrail_reads_this_stacks_alarms_and_nothing_else(custom_synth: Synth) -> None:
    _, guardrail = only(custom_synth, "AWS::IAM::ManagedPolicy")
    (statement,) = guardrail["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms"]
    assert RESOLVE(statement["Resource"]) == f"arn:aws:cloudwatch:eu-west-2:123456789012:alarm:{PROD}-*"


def test_the_channel_role_is_the_chat_services_with_the_guardrail_only(custom_synth: Synth) -> None:
    guardrail_id, _ = only(custom_synth, "AWS::IAM::ManagedPolicy")
    ((role_id, role),) = custom_synth.resources(PROD, "AWS::IAM::Role", under="ChatChannels").items()
    properties = role["Properties"]
    assert properties["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "chatbot.amazonaws.com"}}
    ]
    assert properties["ManagedPolicyArns"] == [{"Ref": guardrail_id}]
    # No inline policy names the role
    policies = custom_synth.resources(PROD, "AWS::IAM::Policy").values()
    assert not [p for p in policies if {"Ref": role_id} in p["Properties"]["Roles"]]


def test_an_environment_without_channels_has_no_chat_resources(custom_synth: Synth) -> None:
    types = {r["Type"] for r in custom_synth.templates["CallCenter-uat"]["Resources"].values()}
    assert not {t for t in types if t.startswith("AWS::Chatbot::")}
    assert "AWS::IAM::ManagedPolicy" not in types
