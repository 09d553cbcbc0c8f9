"""The notifier in the stack: its function and settings, the EventBridge rule that feeds it (its
pattern checked against the event fixtures with EventBridge's matching as moto implements it), its
least-privilege role, where failed events are kept, and the alarms that watch it."""

from __future__ import annotations

import copy
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk.assertions import Template
from moto.events.models import EventPattern

from infra.config import load_config
from infra.notifier import DEAD_LETTERS_ALARM, ERRORS_ALARM, event_pattern
from queue_stats import names
from tests.deploy.resources import Resolver
from tests.fixtures import EVENT_FILES, event
from tests.infra.conftest import DEFAULT_STACK, KEY_ARN, PAGER_TOPIC, ROUTING_KEY_SECRET, Synth

PROD = "CallCenter-prod"
MAX_STACK_NAME = 128  # CloudFormation's limit on a stack name
EVENT_PATTERN_LIMIT = 2048  # EventBridge's default quota on an event pattern's size
ACCOUNT, REGION = "123456789012", "us-east-1"  # the event fixtures'
# The template's pseudo parameters as CloudFormation resolves them in the fixtures' account and region.
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
RESOLVE = Resolver(physical_ids={}, attributes={}, pseudo=PSEUDO)


def only(synth: Synth, resource_type: str, stack: str = DEFAULT_STACK) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = synth.resources(stack, resource_type, under="Notifier").items()
    return logical_id, resource["Properties"]


def ref(synth: Synth, resource_type: str, under: str, stack: str = DEFAULT_STACK) -> dict[str, str]:
    (logical_id,) = synth.resources(stack, resource_type, under=under)
    return {"Ref": logical_id}


def arn(synth: Synth, resource_type: str, stack: str = DEFAULT_STACK) -> dict[str, list[str]]:
    logical_id, _ = only(synth, resource_type, stack)
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# --- the function ----------------------------------------------------------------------------------


def test_the_function_runs_the_notify_handler_on_arm64_with_the_pollers_code(default_synth: Synth) -> None:
    _, function = only(default_synth, "AWS::Lambda::Function")
    _, poller = next(iter(default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function", under="Poller").items()))
    assert (function["Handler"], function["Runtime"], function["Architectures"]) == (
        names.NOTIFY_HANDLER,
        "python3.13",
        ["arm64"],
    )
    # 256 MB (what `cost` prices) and 30 s: the runtime reads numbers only with 13 s left
    assert (function["MemorySize"], function["Timeout"]) == (names.NOTIFIER_MEMORY_MB, 30)
    assert function["Code"] == poller["Properties"]["Code"]


def test_its_logs_go_to_its_own_group_with_the_configured_retention(default_synth: Synth) -> None:
    log_group_id, log_group = only(default_synth, "AWS::Logs::LogGroup")
    _, function = only(default_synth, "AWS::Lambda::Function")
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}
    assert log_group["RetentionInDays"] == 30


def test_the_default_settings_are_the_email_topic_and_the_dashboard(default_synth: Synth) -> None:
    _, function = only(default_synth, "AWS::Lambda::Function")
    outputs = default_synth.templates[DEFAULT_STACK]["Outputs"]
    assert function["Environment"]["Variables"] == {
        names.ENV_ENVIRONMENT: "prod",
        names.ENV_METRICS_NAMESPACE: names.DEFAULT_NAMESPACE,
        names.ENV_NOTIFY_TOPIC_ARN: ref(default_synth, "AWS::SNS::Topic", "NotificationsTopic"),
        names.ENV_DASHBOARD_URL: outputs["DashboardUrl"]["Value"],
    }


def test_every_channel_and_link_reaches_the_settings(custom_synth: Synth) -> None:
    # Given chat channels, a pager, a runbook and notifyOnOk false (prod)
    _, function = only(custom_synth, "AWS::Lambda::Function", PROD)
    variables = function["Environment"]["Variables"]
    # Then the function learns each, and the routing key's secret by name only
    assert variables[names.ENV_CHAT_TOPIC_ARN] == ref(custom_synth, "AWS::SNS::Topic", "NotificationsChatTopic", PROD)
    assert variables[names.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID] == ROUTING_KEY_SECRET
    assert variables[names.ENV_PAGERDUTY_EVENTS_URL] == "https://events.eu.pagerduty.com/v2/enqueue"
    assert variables[names.ENV_RUNBOOK_URL] == "https://wiki.example.com/ops/symbee-queues"
    assert variables[names.ENV_NOTIFY_ON_OK] == "false"
    assert variables[names.ENV_METRICS_NAMESPACE] == "Acme/Symbee"


def test_an_environment_without_channels_sets_none_of_their_variables(custom_synth: Synth) -> None:
    _, function = only(custom_synth, "AWS::Lambda::Function", "CallCenter-uat")
    variables = function["Environment"]["Variables"]
    assert names.ENV_CHAT_TOPIC_ARN not in variables
    assert names.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID not in variables


def test_failed_runs_are_not_retried_and_go_to_the_dead_letter_queue(default_synth: Synth) -> None:
    # A Lambda retry would send the channels that succeeded a second time
    _, config = only(default_synth, "AWS::Lambda::EventInvokeConfig")
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 3600)
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": arn(default_synth, "AWS::SQS::Queue")}}


def test_the_dead_letter_queue_is_encrypted_tls_only_and_keeps_14_days(default_synth: Synth) -> None:
    queue_id, queue = only(default_synth, "AWS::SQS::Queue")
    assert (queue["SqsManagedSseEnabled"], queue["MessageRetentionPeriod"]) == (True, 14 * 86_400)
    _, policy = only(default_synth, "AWS::SQS::QueuePolicy")
    deny, allow = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    # Only the notifier's rule may drop an event it could not deliver there
    rule_id, _ = only(default_synth, "AWS::Events::Rule")
    assert (allow["Principal"], allow["Action"]) == ({"Service": "events.amazonaws.com"}, "sqs:SendMessage")
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
    assert policy["Queues"] == [{"Ref": queue_id}]


# --- the role ----------------------------------------------------------------------------------------


def statements(synth: Synth, stack: str = DEFAULT_STACK) -> dict[str, dict[str, Any]]:
    _, policy = only(synth, "AWS::IAM::Policy", stack)
    return {s.get("Sid", "DeadLetters"): s for s in policy["PolicyDocument"]["Statement"]}


def test_the_role_is_lambdas_alone_with_no_managed_policy(default_synth: Synth) -> None:
    _, role = only(default_synth, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]


def test_the_role_may_do_exactly_what_notifying_needs(default_synth: Synth) -> None:
    found = statements(default_synth)
    log_group_id, _ = only(default_synth, "AWS::Logs::LogGroup")
    (key_id,) = default_synth.resources(DEFAULT_STACK, "AWS::KMS::Key")
    assert sorted(found) == [
        "DeadLetters",
        "EncryptForTheTopics",
        "PublishNotifications",
        "ReadQueueNumbers",
        "WriteOwnLogs",
    ]
    assert found["WriteOwnLogs"]["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    assert found["PublishNotifications"] == {
        "Sid": "PublishNotifications",
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": ref(default_synth, "AWS::SNS::Topic", "NotificationsTopic"),
    }
    # Publishing to an encrypted topic needs the key, through SNS only
    encrypt = found["EncryptForTheTopics"]
    assert (encrypt["Action"], encrypt["Resource"]) == (
        ["kms:Decrypt", "kms:GenerateDataKey"],
        {"Fn::GetAtt": [key_id, "Arn"]},
    )
    assert RESOLVE(encrypt["Condition"]) == {"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}}
    # GetMetricData has no resource-level permissions (acknowledged with cdk-nag, infra/stack.py)
    assert (found["ReadQueueNumbers"]["Action"], found["ReadQueueNumbers"]["Resource"]) == (
        "cloudwatch:GetMetricData",
        "*",
    )
    assert found["DeadLetters"]["Resource"] == arn(default_synth, "AWS::SQS::Queue")
    assert found["DeadLetters"]["Action"] == ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]


def test_with_a_pager_the_role_reads_the_routing_keys_one_secret(custom_synth: Synth) -> None:
    found = statements(custom_synth, PROD)
    # A name becomes the NAME-?????? ARN pattern in the function's region; its key is usable through
    # Secrets Manager only
    assert RESOLVE(found["ReadTheRoutingKey"]["Resource"]) == (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{ROUTING_KEY_SECRET}-??????"
    )
    assert found["ReadTheRoutingKey"]["Action"] == "secretsmanager:GetSecretValue"
    assert (found["DecryptTheRoutingKey"]["Action"], found["DecryptTheRoutingKey"]["Resource"]) == (
        "kms:Decrypt",
        KEY_ARN,
    )
    assert RESOLVE(found["DecryptTheRoutingKey"]["Condition"]) == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }
    assert found["PublishNotifications"]["Resource"] == [
        ref(custom_synth, "AWS::SNS::Topic", "NotificationsChatTopic", PROD),
        ref(custom_synth, "AWS::SNS::Topic", "NotificationsTopic", PROD),
    ]


def test_without_a_pager_the_role_reads_no_secret(custom_synth: Synth) -> None:
    assert not [sid for sid in statements(custom_synth, "CallCenter-uat") if "RoutingKey" in sid]


# --- the rule: which events reach it ------------------------------------------------------------------


def pattern(synth: Synth) -> dict[str, Any]:
    _, rule = only(synth, "AWS::Events::Rule")
    resolved: dict[str, Any] = RESOLVE(rule["EventPattern"])
    return resolved


def matches(synth: Synth, candidate: dict[str, Any]) -> bool:
    # moto's EventBridge matcher, in process: moto_server's TestEventPattern is an empty stub in 5.2.5
    return bool(EventPattern(None, pattern(synth)).matches_event(candidate))


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_the_rule_matches_every_event_of_this_stacks_alarms(default_synth: Synth, name: str) -> None:
    assert matches(default_synth, event(name))


def renamed(name: str, alarm: str, **envelope: str) -> dict[str, Any]:
    """A fixture event for another alarm (and account or region)."""
    changed = copy.deepcopy(event(name))
    changed.update(envelope)
    changed["detail"]["alarmName"] = alarm
    changed["resources"] = [f"arn:aws:cloudwatch:{changed['region']}:{changed['account']}:alarm:{alarm}"]
    return changed


@pytest.mark.parametrize(
    "candidate",
    [
        renamed("queue_alarm", "SymbeeQueueStats-uat-OldestItemAge"),
        # Another environment whose stack name starts with this one's
        renamed("queue_alarm", "SymbeeQueueStats-prod-eu-OldestItemAge"),
        renamed("health_alarm", "SymbeeQueueStats-prod-NotifierErrors"),
        renamed("health_alarm", "SymbeeQueueStats-prod-NotifierDeadLetters"),
        renamed("queue_alarm", "SymbeeQueueStats-prod-OldestItemAge", account="210987654321"),
        renamed("queue_alarm", "SymbeeQueueStats-prod-OldestItemAge", region="eu-west-1"),
        {**event("queue_alarm"), "detail-type": "CloudWatch Alarm Configuration Change"},
        {**event("queue_alarm"), "source": "custom.replay"},
    ],
    ids=[
        "another-environment",
        "a-stack-name-with-this-one-as-prefix",
        "the-notifiers-errors-alarm",
        "the-notifiers-dead-letters-alarm",
        "another-account",
        "another-region",
        "a-configuration-change",
        "another-source",
    ],
)
def test_the_rule_leaves_every_other_event_out(default_synth: Synth, candidate: dict[str, Any]) -> None:
    assert not matches(default_synth, candidate)


def test_an_override_alarm_and_a_later_suffix_still_match(default_synth: Synth) -> None:
    # `<stack>-<Kind>-<queueId>` (an override) and any later `-...` part share the kind's prefix
    assert matches(default_synth, renamed("queue_alarm", "SymbeeQueueStats-prod-OldestItemAge-email-customer-care"))


def test_the_notifiers_own_alarms_are_excluded_by_name_too(default_synth: Synth) -> None:
    # Belt and braces: even were they named inside the prefixes, the rule refuses them by name
    excluded = pattern(default_synth)["detail"]["alarmName"][0]["anything-but"]
    names_ = {
        a["Properties"]["AlarmName"]
        for a in default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Notifier").values()
    }
    assert (
        set(excluded) == names_ == {"SymbeeQueueStats-prod-NotifierErrors", "SymbeeQueueStats-prod-NotifierDeadLetters"}
    )


def test_the_pattern_fits_eventbridges_default_size_with_the_longest_stack_name() -> None:
    # Given the longest stack name CloudFormation accepts (128 characters) in a long region
    (config,) = load_config({"companyCode": "c", "environment": "e" * 27, "stackName": "S" * 100}.get).environments
    assert len(config.stack_name) == MAX_STACK_NAME
    stack = cdk.Stack()
    own = [f"{config.stack_name}-{name}" for name in (ERRORS_ALARM, DEAD_LETTERS_ALARM)]
    events.Rule(stack, "Rule", event_pattern=event_pattern(config, stack, exclude=own))
    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    # When CloudFormation resolves it; Then it fits EventBridge's default 2,048 characters
    pseudo = {**PSEUDO, "AWS::Region": "ap-southeast-5", "AWS::Partition": "aws-us-gov"}
    resolved = Resolver(physical_ids={}, attributes={}, pseudo=pseudo)(rule["Properties"]["EventPattern"])
    assert len(json.dumps(resolved)) <= EVENT_PATTERN_LIMIT


def test_the_rule_invokes_the_function_retrying_delivery_only(default_synth: Synth) -> None:
    _, rule = only(default_synth, "AWS::Events::Rule")
    (target,) = rule["Targets"]
    assert target["Arn"] == arn(default_synth, "AWS::Lambda::Function")
    # EventBridge retries handing the event to Lambda (never a run of the function); what it
    # cannot hand over is kept with the failed runs
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
    assert target["DeadLetterConfig"] == {"Arn": arn(default_synth, "AWS::SQS::Queue")}
    _, permission = only(default_synth, "AWS::Lambda::Permission")
    rule_id, _ = only(default_synth, "AWS::Events::Rule")
    assert (permission["Principal"], permission["SourceArn"]) == (
        "events.amazonaws.com",
        {"Fn::GetAtt": [rule_id, "Arn"]},
    )


# --- who watches the notifier ------------------------------------------------------------------------


def own_alarms(synth: Synth, stack: str = DEFAULT_STACK) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synth.resources(stack, "AWS::CloudWatch::Alarm", under="Notifier").values()
    }


def test_an_error_of_the_notifier_alarms_within_a_minute(default_synth: Synth) -> None:
    alarm = own_alarms(default_synth)["SymbeeQueueStats-prod-NotifierErrors"]
    function_id, _ = only(default_synth, "AWS::Lambda::Function")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["Threshold"]) == (60, 1, 1)
    assert (alarm["ComparisonOperator"], alarm["TreatMissingData"]) == ("GreaterThanOrEqualToThreshold", "notBreaching")


def test_a_dead_letter_alarms_until_the_queue_is_emptied(default_synth: Synth) -> None:
    alarm = own_alarms(default_synth)["SymbeeQueueStats-prod-NotifierDeadLetters"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [only(default_synth, "AWS::SQS::Queue")[0], "QueueName"]}}
    ]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum",
        1,
        "GreaterThanOrEqualToThreshold",
    )


def test_the_notifiers_alarms_reach_the_email_topic_directly(default_synth: Synth) -> None:
    # A broken notifier cannot report itself: CloudWatch's own action publishes to the email topic
    topic = ref(default_synth, "AWS::SNS::Topic", "NotificationsTopic")
    for name, alarm in own_alarms(default_synth).items():
        assert (alarm["AlarmActions"], alarm["OKActions"]) == ([topic], [topic]), name
        description = alarm["AlarmDescription"]
        assert "NotifierDeadLetterQueueUrl" in description, name
        assert len(description) <= 1024, name


def test_with_existing_topics_and_no_ok_the_notifiers_alarms_follow_suit(custom_synth: Synth) -> None:
    topic = ref(custom_synth, "AWS::SNS::Topic", "NotificationsTopic", PROD)
    for name, alarm in own_alarms(custom_synth, PROD).items():
        assert alarm["AlarmActions"] == [topic, PAGER_TOPIC], name
        assert "OKActions" not in alarm, name


def test_the_dashboard_shows_the_notifiers_alarms(default_synth: Synth) -> None:
    (dashboard,) = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Dashboard").values()
    body = str(dashboard["Properties"]["DashboardBody"])
    for logical_id in default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Notifier"):
        assert logical_id in body


# --- outputs -----------------------------------------------------------------------------------------


def test_outputs_name_the_function_notify_test_reads_and_the_dead_letters(default_synth: Synth) -> None:
    outputs = default_synth.templates[DEFAULT_STACK]["Outputs"]
    function_id, _ = only(default_synth, "AWS::Lambda::Function")
    queue_id, _ = only(default_synth, "AWS::SQS::Queue")
    assert outputs[names.OUTPUT_NOTIFIER_FUNCTION_NAME]["Value"] == {"Ref": function_id}
    assert outputs["NotifierDeadLetterQueueUrl"]["Value"] == {"Ref": queue_id}
    assert "ChatTopicArn" not in outputs


def test_with_chat_the_chat_topic_is_an_output(custom_synth: Synth) -> None:
    outputs = custom_synth.templates[PROD]["Outputs"]
    assert outputs["ChatTopicArn"]["Value"] == ref(custom_synth, "AWS::SNS::Topic", "NotificationsChatTopic", PROD)
