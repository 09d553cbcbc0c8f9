"""The rehearsal's comparison machinery can fail: the resolver, the comparison, the type tables, and
the readers of types the app does not have yet (deployed here from a small template of their own).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from symbee_sim.local_aws import MotoServer
from tests.deploy.conftest import EMULATOR
from tests.deploy.resources import (
    HELD,
    Aws,
    ReadBack,
    RehearsalGap,
    Resolver,
    canonical,
    check_known,
    compare,
    read_back,
    resolver_for,
    uncaught_mutations,
)

RESOLVER = Resolver(
    physical_ids={"Topic": "arn:aws:sns:us-east-1:123456789012:alarms", "Fn": "poller"},
    attributes={"Fn": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:poller"}},
    pseudo={"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"},
)


# --- resolving -------------------------------------------------------------------------------------


def test_ref_is_the_physical_id_or_the_pseudo_parameter() -> None:
    assert RESOLVER({"Ref": "Topic"}) == "arn:aws:sns:us-east-1:123456789012:alarms"
    assert RESOLVER({"Ref": "AWS::Region"}) == "us-east-1"


def test_get_att_in_both_spellings() -> None:
    assert RESOLVER({"Fn::GetAtt": ["Fn", "Arn"]}) == RESOLVER({"Fn::GetAtt": "Fn.Arn"})


def test_join_and_sub_resolve_inside_nested_values() -> None:
    value = {
        "A": [{"Fn::Join": ["-", ["x", {"Ref": "AWS::AccountId"}]]}],
        "B": {"Fn::Sub": "bucket-${AWS::AccountId}-${AWS::Region}/${Fn.Arn}"},
        "C": {"Fn::Sub": ["${Name}!", {"Name": {"Ref": "Fn"}}]},
    }
    assert RESOLVER(value) == {
        "A": ["x-123456789012"],
        "B": "bucket-123456789012-us-east-1/arn:aws:lambda:us-east-1:123456789012:function:poller",
        "C": "poller!",
    }


def test_sub_with_an_unknown_name_fails_naming_it() -> None:
    with pytest.raises(RehearsalGap, match="Ref Nope"):
        RESOLVER({"Fn::Sub": "${Nope}"})


def test_an_unknown_function_fails_naming_it() -> None:
    with pytest.raises(RehearsalGap, match="Fn::ImportValue"):
        RESOLVER({"Fn::ImportValue": "shared-topic"})


def test_an_attribute_without_a_reader_fails_naming_it() -> None:
    with pytest.raises(RehearsalGap, match=r"Topic\.TopicName"):
        RESOLVER({"Fn::GetAtt": ["Topic", "TopicName"]})


# --- comparing -------------------------------------------------------------------------------------


def test_json_text_compares_as_json_and_tag_lists_as_mappings() -> None:
    assert canonical('{"b": 1, "a": [2]}') == {"a": [2], "b": 1}
    assert canonical([{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]) == {"a": "1", "b": "2"}


def test_a_differing_property_is_reported_with_both_values() -> None:
    (difference,) = compare("Alarm", "AWS::CloudWatch::Alarm", {"Threshold": 300}, {"Threshold": 10.0})
    assert (difference.property, difference.template, difference.deployed) == ("Threshold", 300, 10.0)


def test_equal_values_of_different_spelling_are_not_a_difference() -> None:
    template = {"Threshold": 300, "Tags": [{"Key": "Project", "Value": "p"}], "AlarmDescription": "x"}
    deployed = {"Threshold": 300.0, "Tags": {"Project": "p"}, "AlarmDescription": "x"}
    assert compare("Alarm", "AWS::CloudWatch::Alarm", template, deployed) == []


def test_a_property_the_reader_does_not_report_fails_loudly() -> None:
    with pytest.raises(RehearsalGap, match="teach the reader"):
        compare("Alarm", "AWS::CloudWatch::Alarm", {"NewProperty": 1}, {})


def test_an_ignored_property_is_not_compared() -> None:
    ignored = next(iter(HELD["AWS::Lambda::Function"].ignored))
    assert compare("Fn", "AWS::Lambda::Function", {ignored: "anything"}, {}) == []


def test_an_unknown_type_fails_asking_for_a_table_entry() -> None:
    with pytest.raises(RehearsalGap, match="AWS::Chatbot::CustomAction: add it to the table"):
        check_known({"AWS::Lambda::Function", "AWS::Chatbot::CustomAction"})


# --- readers of types the app may add, against the emulator -----------------------------------------

EXTRA_TEMPLATE: dict[str, Any] = {
    "Resources": {
        "DeadLetters": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
                "Tags": [{"Key": "Project", "Value": "symbee-queue-stats"}],
            },
        },
        "Guardrail": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": "what a chat channel may do",
                "Path": "/",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "cloudwatch:DescribeAlarms",
                            "Resource": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:stack-*",
                        }
                    ],
                },
            },
        },
        "AlarmEvents": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": "alarm state changes to the notifier",
                "EventPattern": {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]},
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "Target0",
                        "Arn": {"Fn::GetAtt": ["DeadLetters", "Arn"]},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}},
                        "RetryPolicy": {"MaximumRetryAttempts": 2},
                    }
                ],
            },
        },
    }
}


@pytest.fixture(scope="module")
def extra_stack() -> Iterator[tuple[Aws, dict[str, str]]]:
    """EXTRA_TEMPLATE created through the emulator's CloudFormation."""
    with MotoServer(launcher=(str(EMULATOR),), url_host="localhost") as server:
        env = server.env()
        session = boto3.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=server.region,
        )
        aws = Aws(session=session, endpoint_url=server.url, account="123456789012", region=server.region)
        cloudformation = aws.client("cloudformation")
        cloudformation.create_stack(StackName="extra", TemplateBody=json.dumps(EXTRA_TEMPLATE))
        summaries = cloudformation.list_stack_resources(StackName="extra")["StackResourceSummaries"]
        yield aws, {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}


def extra_read_back(aws: Aws, physical_ids: dict[str, str]) -> list[ReadBack]:
    resolve = resolver_for(aws, EXTRA_TEMPLATE, physical_ids, "extra", "extra-id")
    return read_back(aws, EXTRA_TEMPLATE, physical_ids, resolve)


@pytest.mark.slow
def test_readers_of_types_the_app_may_add_agree_with_their_template(extra_stack: tuple[Aws, dict[str, str]]) -> None:
    # Given a dead-letter queue, a managed policy and an event-pattern rule created by the emulator's CloudFormation
    aws, physical_ids = extra_stack
    # When they are read back; Then every property matches the template
    read = extra_read_back(aws, physical_ids)
    assert [r.resource_type for r in read] == ["AWS::SQS::Queue", "AWS::IAM::ManagedPolicy", "AWS::Events::Rule"]
    assert [d for r in read for d in compare(r.logical_id, r.resource_type, r.wanted, r.deployed)] == []


@pytest.mark.slow
def test_readers_report_every_property_they_compare(extra_stack: tuple[Aws, dict[str, str]]) -> None:
    # Given each compared property of those resources in turn set to a value nobody deployed
    aws, physical_ids = extra_stack
    for r in extra_read_back(aws, physical_ids):
        # Then the comparison reports exactly that property
        assert uncaught_mutations(r.logical_id, r.resource_type, r.wanted, r.deployed) == [], r.logical_id
