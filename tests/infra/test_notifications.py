"""The topics: the email topic encrypted with a customer managed key CloudWatch may use, TLS
enforced, publishable only by this account's alarms (and the notifier, through IAM); the chat topic
under the same key, for the notifier alone."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.notifications import AlarmNotifications
from tests.infra.conftest import DEFAULT_STACK, Synth

ACCOUNT = {"Ref": "AWS::AccountId"}


def test_topic_is_encrypted_with_the_stacks_key(default_synth: Synth) -> None:
    (key_id,) = default_synth.resources(DEFAULT_STACK, "AWS::KMS::Key")
    (topic,) = default_synth.resources(DEFAULT_STACK, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_key_rotates_and_lets_cloudwatch_use_it(default_synth: Synth) -> None:
    (key,) = default_synth.resources(DEFAULT_STACK, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert {
        "Sid": "AllowCloudWatchAlarmsToUseTheKey",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    } in statements
    # Besides CloudWatch, only the account itself (through IAM) administers the key.
    others = [s for s in statements if s.get("Sid") != "AllowCloudWatchAlarmsToUseTheKey"]
    assert [s["Principal"] for s in others] == [
        {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", ACCOUNT, ":root"]]}}
    ]


def test_topic_policy_enforces_tls_and_admits_only_this_accounts_alarms(default_synth: Synth) -> None:
    (topic_id,) = default_synth.resources(DEFAULT_STACK, "AWS::SNS::Topic")
    (policy,) = default_synth.resources(DEFAULT_STACK, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "AllowPublishThroughSSLOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": {"Ref": topic_id},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AllowThisAccountsAlarmsToPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": {"Ref": topic_id},
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":cloudwatch:",
                                {"Ref": "AWS::Region"},
                                ":",
                                ACCOUNT,
                                ":alarm:*",
                            ],
                        ]
                    }
                },
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        },
    ]


def test_no_email_subscription_without_configured_addresses(default_stack: Template) -> None:
    default_stack.resource_count_is("AWS::SNS::Subscription", 0)


def test_outputs_name_the_topic_and_the_dashboard(default_synth: Synth) -> None:
    (topic_id,) = default_synth.resources(DEFAULT_STACK, "AWS::SNS::Topic")
    outputs = default_synth.templates[DEFAULT_STACK]["Outputs"]
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": topic_id}
    assert "#dashboards:name=SymbeeQueueStats-prod" in str(outputs["DashboardUrl"]["Value"])


# --- the chat topic ---------------------------------------------------------------------------------


def notifications(**options: bool) -> dict[str, Any]:
    """The resources of the construct alone on a bare stack."""
    stack = cdk.Stack()
    AlarmNotifications(
        stack, "Notifications", display_name="d", emails=[], existing_topic_arns=[], notify_on_ok=True, **options
    )
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return resources


def of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {i: r["Properties"] for i, r in resources.items() if r["Type"] == resource_type}


def test_without_chat_channels_there_is_no_chat_topic(default_synth: Synth) -> None:
    assert list(default_synth.resources(DEFAULT_STACK, "AWS::SNS::Topic")) == [
        next(iter(default_synth.resources(DEFAULT_STACK, "AWS::SNS::Topic", under="NotificationsTopic")))
    ]


def test_the_chat_topic_shares_the_key_enforces_tls_and_admits_no_alarm() -> None:
    # Given chat channels configured
    resources = notifications(chat=True)
    (key_id,) = of_type(resources, "AWS::KMS::Key")
    chat_id, chat = next(
        (i, t) for i, t in of_type(resources, "AWS::SNS::Topic").items() if i.startswith("NotificationsChatTopic")
    )
    # Then the chat topic is encrypted with the stack's key
    assert chat["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    # And its policy only refuses plain HTTP: the notifier publishes through IAM, and no CloudWatch
    # action publishes here (its JSON would be a second, unthreaded message per transition)
    (policy,) = [p for p in of_type(resources, "AWS::SNS::TopicPolicy").values() if p["Topics"] == [{"Ref": chat_id}]]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def key_principals(resources: dict[str, Any]) -> list[Any]:
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    return [s["Principal"] for s in key["KeyPolicy"]["Statement"]]


def test_the_chat_service_gets_no_key_grant_unless_asked() -> None:
    assert {"Service": "chatbot.amazonaws.com"} not in key_principals(notifications(chat=True))


def test_chat_service_key_access_lets_the_chat_service_use_the_key_for_this_account_only() -> None:
    resources = notifications(chat=True, chat_service_key_access=True)
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    (grant,) = [s for s in key["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowChatServiceToUseTheKey"]
    assert grant["Principal"] == {"Service": "chatbot.amazonaws.com"}
    assert grant["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
