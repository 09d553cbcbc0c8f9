"""The alarm topic: encrypted with a customer managed key CloudWatch may use, TLS enforced, and
publishable only by this account's alarms."""

from __future__ import annotations

from aws_cdk.assertions import Template

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
