"""Every configuration knob turned, two environments: each knob lands where it should."""

from __future__ import annotations

from typing import Any

import pytest

from queue_stats import names
from tests.infra.conftest import KEY_ARN, PAGER_TOPIC, SECRET_ARN, Synth

PROD = "CallCenter-prod"
UAT = "CallCenter-uat"
SCHEMA = 'SCHEMA("Acme/Symbee", Environment, QueueId, QueueName)'


def only(synth: Synth, stack: str, resource_type: str, under: str = "") -> dict[str, Any]:
    (resource,) = synth.resources(stack, resource_type, under=under).values()
    return resource["Properties"]  # type: ignore[no-any-return]


def alarms(synth: Synth, stack: str) -> dict[str, dict[str, Any]]:
    """The queue and poller-health alarms (the notifier's own are tests/infra/test_notifier.py's)."""
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synth.resources(stack, "AWS::CloudWatch::Alarm", under="Alarms").values()
    }


def test_one_stack_per_environment_each_with_its_own_poller_alarms_and_dashboard(custom_synth: Synth) -> None:
    assert sorted(custom_synth.templates) == [PROD, UAT]
    for stack in (PROD, UAT):
        assert len(custom_synth.resources(stack, "AWS::Lambda::Function", under="Poller")) == 1
        assert len(custom_synth.resources(stack, "AWS::SNS::Topic", under="NotificationsTopic")) == 1
        assert only(custom_synth, stack, "AWS::CloudWatch::Dashboard")["DashboardName"] == stack
        assert alarms(custom_synth, stack)


def test_poll_rate_scales_schedule_event_age_and_alarm_periods(custom_synth: Synth) -> None:
    schedule = only(custom_synth, PROD, "AWS::Events::Rule", "Poller")
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert schedule["Targets"][0]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 300, "MaximumRetryAttempts": 0}
    assert only(custom_synth, PROD, "AWS::Lambda::EventInvokeConfig", "Poller")["MaximumEventAgeInSeconds"] == 300
    poll_failed = alarms(custom_synth, PROD)["CallCenter-prod-PollFailed"]
    # 3 minutes at one poll per 5 minutes: one 5-minute period without a successful poll.
    assert (poll_failed["Period"], poll_failed["EvaluationPeriods"], poll_failed["DatapointsToAlarm"]) == (300, 1, 1)


def test_function_settings(custom_synth: Synth) -> None:
    function = only(custom_synth, PROD, "AWS::Lambda::Function", "Poller")
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Timeout"] == 30
    assert function["Environment"]["Variables"] == {
        names.ENV_COMPANY_CODE: "abc-gadgets",
        names.ENV_ENVIRONMENT: "prod",
        names.ENV_REGION: "eu-west-2",
        names.ENV_API_URL: "https://stats.example.com/retrieveQueueInfo",
        names.ENV_API_KEY_SECRET_ID: SECRET_ARN,
        names.ENV_SECRETS_REGION: "eu-west-2",
        names.ENV_INCLUDE_AMAZON_QUEUES: "false",
        names.ENV_QUEUE_IDS: "email-customer-care,sms-customer-care",
        names.ENV_METRICS_NAMESPACE: "Acme/Symbee",
        names.ENV_API_KEY_MAX_AGE_SECONDS: "900",
    }
    assert only(custom_synth, PROD, "AWS::Logs::LogGroup", "Poller")["RetentionInDays"] == 90


def test_secret_arn_and_its_key_are_the_only_secret_permissions(custom_synth: Synth) -> None:
    statements = {
        s["Sid"]: s for s in only(custom_synth, PROD, "AWS::IAM::Policy", "Poller")["PolicyDocument"]["Statement"]
    }
    assert sorted(statements) == ["DecryptTheApiKey", "PublishQueueMetrics", "ReadTheApiKey", "WriteOwnLogs"]
    assert statements["ReadTheApiKey"]["Resource"] == SECRET_ARN
    assert statements["DecryptTheApiKey"] == {
        "Sid": "DecryptTheApiKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY_ARN,
        # The partition's domain (amazonaws.com, amazonaws.com.cn) as CloudFormation resolves it
        "Condition": {
            "StringEquals": {
                "kms:ViaService": {"Fn::Join": ["", ["secretsmanager.eu-west-2.", {"Ref": "AWS::URLSuffix"}]]}
            }
        },
    }
    assert statements["PublishQueueMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Acme/Symbee"}}


def test_secret_name_in_another_region(custom_synth: Synth) -> None:
    function = only(custom_synth, UAT, "AWS::Lambda::Function", "Poller")
    assert function["Environment"]["Variables"][names.ENV_API_KEY_SECRET_ID] == "UAT_API_KEY"
    assert function["Environment"]["Variables"][names.ENV_SECRETS_REGION] == "eu-west-1"
    statements = {
        s["Sid"]: s for s in only(custom_synth, UAT, "AWS::IAM::Policy", "Poller")["PolicyDocument"]["Statement"]
    }
    assert "DecryptTheApiKey" not in statements
    assert statements["ReadTheApiKey"]["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":secretsmanager:eu-west-1:",
                {"Ref": "AWS::AccountId"},
                ":secret:UAT_API_KEY-??????",
            ],
        ]
    }


def test_disabled_alarm_is_absent(custom_synth: Synth) -> None:
    assert not [name for name in alarms(custom_synth, PROD) if "AgentsInError" in name]


def test_override_gets_its_own_alarm_and_leaves_the_fleet_alarm(custom_synth: Synth) -> None:
    by_name = alarms(custom_synth, PROD)
    fleet = by_name["CallCenter-prod-OldestItemAge"]
    assert fleet["Metrics"][0]["Expression"] == (
        f"SELECT MAX(OldestItemAge) FROM {SCHEMA} WHERE Environment = 'prod' "
        "AND QueueId != 'email-customer-care' GROUP BY QueueId, QueueName ORDER BY MAX() DESC"
    )
    # Multi-time-series alarms take 60 s periods: 10 minutes of them, breaching in both polls.
    assert fleet["Metrics"][0]["Period"] == 60
    assert (fleet["Threshold"], fleet["EvaluationPeriods"], fleet["DatapointsToAlarm"]) == (120, 10, 2)

    own = by_name["CallCenter-prod-OldestItemAge-email-customer-care"]
    assert own["Metrics"][0]["Expression"] == (
        f"SELECT MAX(OldestItemAge) FROM {SCHEMA} WHERE Environment = 'prod' "
        "AND QueueId = 'email-customer-care' GROUP BY QueueId, QueueName ORDER BY MAX() DESC"
    )
    # The override's threshold; its other fields come from the environment's setting.
    assert (own["Threshold"], own["EvaluationPeriods"]) == (3600, 10)


def test_override_can_switch_an_alarm_off_for_one_queue(custom_synth: Synth) -> None:
    by_name = alarms(custom_synth, PROD)
    assert "CallCenter-prod-ItemsInQueue-sms-customer-care" not in by_name
    assert "AND QueueId != 'sms-customer-care'" in by_name["CallCenter-prod-ItemsInQueue"]["Metrics"][0]["Expression"]


@pytest.mark.parametrize("stack", [PROD, UAT])
def test_a_queue_missing_from_the_config_is_covered_by_every_queue_alarm(custom_synth: Synth, stack: str) -> None:
    # A fleet alarm filters only on the environment and on excluded overrides (`!=`), never on a
    # positive QueueId, so a queue created after the deploy is one more contributor.
    fleet = {
        name: alarm["Metrics"][0]["Expression"]
        for name, alarm in alarms(custom_synth, stack).items()
        if "Metrics" in alarm and not name.endswith(("-email-customer-care", "-sms-customer-care"))
    }
    assert sorted(fleet) == sorted(f"{stack}-{k}" for k in ("OldestItemAge", "ItemsInQueue", "UnattendedItems"))
    for expression in fleet.values():
        where = expression.split(" WHERE ")[1].split(" GROUP BY ")[0]
        conditions = where.split(" AND ")
        assert conditions[0] == f"Environment = '{stack.split('-')[1]}'"
        assert all(c.startswith("QueueId != ") for c in conditions[1:]), expression


def test_existing_topics_get_cloudwatchs_own_json_and_ok_can_be_switched_off(custom_synth: Synth) -> None:
    # Given alarmTopicArns and notifyOnOk false; Then every alarm's only action is CloudWatch's own
    # message to those topics, on ALARM only (people hear of transitions from the notifier)
    for name, alarm in alarms(custom_synth, PROD).items():
        assert alarm["AlarmActions"] == [PAGER_TOPIC], name
        assert "OKActions" not in alarm, name


def test_email_subscriptions(custom_synth: Synth) -> None:
    (topic_id,) = custom_synth.resources(PROD, "AWS::SNS::Topic", under="NotificationsTopic")
    subscriptions = sorted(
        (s["Properties"]["Protocol"], s["Properties"]["Endpoint"], s["Properties"]["TopicArn"]["Ref"])
        for s in custom_synth.resources(PROD, "AWS::SNS::Subscription").values()
    )
    assert subscriptions == [("email", "lead@example.com", topic_id), ("email", "ops@example.com", topic_id)]
    assert custom_synth.resources(UAT, "AWS::SNS::Subscription") == {}
