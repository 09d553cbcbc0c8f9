"""The cdk.json configuration: defaults, `-c` string forms, environments, and errors that name
the offending key. Pure parsing, no synth."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infra import bundling, poller, wheels
from infra.config import (
    DEFAULT_ALARMS,
    LOG_RETENTION_DAYS,
    AlarmKind,
    AlarmSettings,
    AppConfig,
    ConfigError,
    load_config,
)
from queue_stats import names
from tests.infra.conftest import KEY_ARN, SECRET_ARN, cdk_json_context

MINIMAL = {"companyCode": "abc-gadgets", "environment": "prod"}


def load(context: dict[str, Any]) -> AppConfig:
    return load_config(context.get)


def test_cdk_json_ships_one_environment_with_every_default() -> None:
    # Given the context in cdk.json / When it is loaded
    config = load(cdk_json_context())

    # Then it is the single, common case with the documented defaults
    (env,) = config.environments
    assert env.stack_name == "SymbeeQueueStats-prod"
    assert (env.company_code, env.environment) == ("abc-gadgets", "prod")
    assert env.symbee_region == names.DEFAULT_SYMBEE_REGION
    assert env.api_url is None
    assert env.include_amazon_queues is True
    assert env.queue_ids == ()
    assert env.secret_id == names.DEFAULT_API_KEY_SECRET_ID
    assert env.secret_region is None
    assert env.secret_kms_key_arn is None
    assert env.api_key_max_age_seconds is None
    assert env.metrics_namespace == names.DEFAULT_NAMESPACE
    assert env.poll_rate_minutes == 1
    assert env.log_retention_days == 30
    assert env.reserved_concurrency is False
    assert dict(env.alarms) == dict(DEFAULT_ALARMS)
    assert env.queue_overrides == ()
    assert env.notification_emails == ()
    assert env.alarm_topic_arns == ()
    assert env.notify_on_ok is True


def test_minimal_context_gives_the_same_defaults_as_cdk_json() -> None:
    # cdk.json documents the defaults; the code must agree with it
    assert load(MINIMAL) == load(cdk_json_context())


def test_config_is_frozen() -> None:
    (env,) = load(MINIMAL).environments
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.environment = "other"  # type: ignore[misc]


def test_command_line_strings_are_parsed() -> None:
    # Given values as `cdk deploy -c key=value` delivers them: all strings
    context = {
        **MINIMAL,
        "pollRateMinutes": "5",
        "includeAmazonQueues": "false",
        "reservedConcurrency": "true",
        "queueIds": "q-1, q-2",
        "notificationEmails": '["ops@example.com"]',
        "alarms": '{"oldestItemAge": {"threshold": "120", "minutes": "10"}, "agentsInError": {"enabled": "false"}}',
        "apiKeyMaxAgeSeconds": "600",
        "notifyOnOk": "false",
    }

    # When loaded
    (env,) = load(context).environments

    # Then each has its proper type
    assert env.poll_rate_minutes == 5
    assert env.include_amazon_queues is False
    assert env.reserved_concurrency is True
    assert env.queue_ids == ("q-1", "q-2")
    assert env.notification_emails == ("ops@example.com",)
    assert env.alarms[AlarmKind.OLDEST_ITEM_AGE] == AlarmSettings(enabled=True, threshold=120, minutes=10)
    assert env.alarms[AlarmKind.AGENTS_IN_ERROR].enabled is False
    assert env.alarms[AlarmKind.ITEMS_IN_QUEUE] == DEFAULT_ALARMS[AlarmKind.ITEMS_IN_QUEUE]
    assert env.api_key_max_age_seconds == 600
    assert env.notify_on_ok is False


def test_secret_arn_gives_the_secret_region() -> None:
    (env,) = load({**MINIMAL, "secretId": SECRET_ARN, "secretKmsKeyArn": KEY_ARN}).environments
    assert env.secret_is_arn
    assert env.secret_region == "eu-west-2"
    assert env.secret_kms_key_arn == KEY_ARN


def test_queue_overrides_inherit_unset_fields_and_leave_the_fleet_alarm() -> None:
    context = {
        **MINIMAL,
        "alarms": {"itemsInQueue": {"minutes": 7}},
        "queueOverrides": {"vip": {"itemsInQueue": {"threshold": 2}}, "night": {"unattendedItems": {"enabled": False}}},
    }
    (env,) = load(context).environments

    vip, night = env.queue_overrides
    assert vip.queue_id == "vip"
    assert dict(vip.alarms) == {AlarmKind.ITEMS_IN_QUEUE: AlarmSettings(enabled=True, threshold=2, minutes=7)}
    assert night.alarms[AlarmKind.UNATTENDED_ITEMS].enabled is False
    assert env.overridden_queue_ids(AlarmKind.ITEMS_IN_QUEUE) == ("vip",)
    assert env.overridden_queue_ids(AlarmKind.UNATTENDED_ITEMS) == ("night",)
    assert env.overridden_queue_ids(AlarmKind.OLDEST_ITEM_AGE) == ()


def test_environments_list_inherits_top_level_values() -> None:
    # Given shared settings at the top level and two environments
    context = {
        "companyCode": "abc-gadgets",
        "pollRateMinutes": 2,
        "alarms": {"oldestItemAge": {"threshold": 600}},
        "environments": [
            {"environment": "prod"},
            {"environment": "uat", "symbeeRegion": "eu-west-2", "alarms": {"oldestItemAge": {"minutes": 9}}},
        ],
    }

    # When loaded
    prod, uat = load(context).environments

    # Then each entry wins where it says something, the top level fills the rest
    assert (prod.stack_name, uat.stack_name) == ("SymbeeQueueStats-prod", "SymbeeQueueStats-uat")
    assert prod.company_code == uat.company_code == "abc-gadgets"
    assert prod.poll_rate_minutes == uat.poll_rate_minutes == 2
    assert (prod.symbee_region, uat.symbee_region) == ("us-east-1", "eu-west-2")
    assert prod.alarms[AlarmKind.OLDEST_ITEM_AGE] == AlarmSettings(enabled=True, threshold=600, minutes=2)
    assert uat.alarms[AlarmKind.OLDEST_ITEM_AGE] == AlarmSettings(enabled=True, threshold=600, minutes=9)


def test_an_entry_clears_an_inherited_value_with_an_empty_string() -> None:
    # CDK drops nulls from context lists, so "" is how an entry says "not set".
    context = {
        "companyCode": "c",
        "secretKmsKeyArn": KEY_ARN,
        "environments": [{"environment": "p"}, {"environment": "q", "secretKmsKeyArn": ""}],
    }
    p, q = load(context).environments
    assert p.secret_kms_key_arn == KEY_ARN
    assert q.secret_kms_key_arn is None


@pytest.mark.parametrize(
    ("rate", "minutes", "periods"),
    [(1, 3, 3), (1, 1, 1), (2, 5, 3), (5, 3, 1), (5, 10, 2)],
)
def test_alarm_minutes_become_whole_poll_periods(rate: int, minutes: int, periods: int) -> None:
    (env,) = load({**MINIMAL, "pollRateMinutes": rate}).environments
    assert env.evaluation_periods(minutes) == periods


def test_alarm_names_carry_stack_kind_and_queue() -> None:
    (env,) = load(MINIMAL).environments
    assert env.alarm_name(AlarmKind.POLL_FAILED) == "SymbeeQueueStats-prod-PollFailed"
    assert env.alarm_name(AlarmKind.OLDEST_ITEM_AGE, "q-1") == "SymbeeQueueStats-prod-OldestItemAge-q-1"


TOO_MANY_OVERRIDES = {
    f"arn:aws:connect:us-east-1:123456789012:instance/{i:08d}-0000-0000-0000-000000000000/queue/{i:08d}": {
        "itemsInQueue": {"threshold": 5}
    }
    for i in range(20)
}


@pytest.mark.parametrize(
    ("context", "key"),
    [
        ({"environment": "prod"}, "companyCode"),
        ({"companyCode": "abc"}, "environment"),
        ({**MINIMAL, "companyCode": 42}, "companyCode"),
        ({**MINIMAL, "companyCode": "abc&co"}, "companyCode"),
        ({**MINIMAL, "environment": "prod'"}, "environment"),
        ({**MINIMAL, "stackName": "1-stack"}, "stackName"),
        ({**MINIMAL, "symbeeRegion": "mars-north-1"}, "symbeeRegion"),
        ({**MINIMAL, "apiUrl": "http://symbee.example.com"}, "apiUrl"),
        ({**MINIMAL, "apiUrl": "https://[bad"}, "apiUrl"),
        ({**MINIMAL, "apiUrl": "https://symbee.example.com:abc/x"}, "apiUrl"),
        ({**MINIMAL, "includeAmazonQueues": "yes"}, "includeAmazonQueues"),
        ({**MINIMAL, "queueIds": ["q-1", "q'2"]}, "queueIds"),
        ({**MINIMAL, "queueIds": 7}, "queueIds"),
        ({**MINIMAL, "queueIds": [f"{'q' * 120}-{i}" for i in range(30)]}, "queueIds"),
        ({**MINIMAL, "secretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:NO_SUFFIX"}, "secretId"),
        ({**MINIMAL, "secretId": "has spaces"}, "secretId"),
        ({**MINIMAL, "secretRegion": "Moon"}, "secretRegion"),
        ({**MINIMAL, "secretId": SECRET_ARN, "secretRegion": "us-east-1"}, "secretRegion"),
        ({**MINIMAL, "secretKmsKeyArn": "alias/symbee"}, "secretKmsKeyArn"),
        ({**MINIMAL, "apiKeyMaxAgeSeconds": 7200}, "apiKeyMaxAgeSeconds"),
        ({**MINIMAL, "metricsNamespace": "AWS/Lambda"}, "metricsNamespace"),
        ({**MINIMAL, "metricsNamespace": "has space"}, "metricsNamespace"),
        ({**MINIMAL, "pollRateMinutes": 0}, "pollRateMinutes"),
        ({**MINIMAL, "pollRateMinutes": "often"}, "pollRateMinutes"),
        ({**MINIMAL, "pollRateMinutes": 61}, "pollRateMinutes"),
        ({**MINIMAL, "logRetentionDays": 31}, "logRetentionDays"),
        ({**MINIMAL, "reservedConcurrency": 1}, "reservedConcurrency"),
        ({**MINIMAL, "alarms": "not json"}, "alarms"),
        ({**MINIMAL, "alarms": {"queueTooLong": {}}}, "alarms.queueTooLong"),
        ({**MINIMAL, "alarms": {"oldestItemAge": {"threshold": -1}}}, "alarms.oldestItemAge.threshold"),
        ({**MINIMAL, "alarms": {"oldestItemAge": {"threshold": "soon"}}}, "alarms.oldestItemAge.threshold"),
        ({**MINIMAL, "alarms": {"oldestItemAge": {"colour": "red"}}}, "alarms.oldestItemAge.colour"),
        ({**MINIMAL, "alarms": {"itemsInQueue": {"minutes": 181}}}, "alarms.itemsInQueue.minutes"),
        ({**MINIMAL, "alarms": {"pollFailed": {"threshold": 2}}}, "alarms.pollFailed.threshold"),
        ({**MINIMAL, "alarms": {"pollerErrors": {"enabled": "sometimes"}}}, "alarms.pollerErrors.enabled"),
        ({**MINIMAL, "queueOverrides": {"q-1": {"pollFailed": {"minutes": 5}}}}, "queueOverrides.q-1.pollFailed"),
        ({**MINIMAL, "queueOverrides": {"q-1": {}}}, "queueOverrides.q-1"),
        ({**MINIMAL, "queueOverrides": {"q,1": {"itemsInQueue": {}}}}, "queueOverrides.q,1"),
        ({**MINIMAL, "queueOverrides": TOO_MANY_OVERRIDES}, "queueOverrides"),
        ({**MINIMAL, "notificationEmails": ["ops.example.com"]}, "notificationEmails"),
        ({**MINIMAL, "alarmTopicArns": ["arn:aws:sqs:us-east-1:123456789012:q"]}, "alarmTopicArns"),
        ({**MINIMAL, "notifyOnOk": "maybe"}, "notifyOnOk"),
        ({**MINIMAL, "environments": [{"environment": "uat"}]}, "environment"),
        ({"companyCode": "c", "environments": {"environment": "prod"}}, "environments"),
        ({"companyCode": "c", "environments": [{"environment": "prod", "colour": 1}]}, "environments[0].colour"),
        ({"companyCode": "c", "environments": [{"environment": "p"}, {}]}, "environments[1].environment"),
        (
            {"companyCode": "c", "environments": [{"environment": "p"}, {"environment": "p", "companyCode": "d"}]},
            "environments[1].environment",
        ),
        (
            {"companyCode": "c", "environments": [{"environment": "p"}, {"environment": "q", "symbeeRegion": "x"}]},
            "environments[1].symbeeRegion",
        ),
    ],
)
def test_invalid_values_are_rejected_naming_the_key(context: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(context)
    assert raised.value.key == key
    assert str(raised.value).startswith(f"cdk.json context key '{key}': ")


def test_retention_choices_match_the_poller() -> None:
    assert tuple(poller.RETENTION) == LOG_RETENTION_DAYS


def test_runtime_matches_the_bundled_wheels() -> None:
    assert bundling.RUNTIME.name == f"python{wheels.PYTHON_VERSION}"
