"""The cdk.json configuration: defaults, `-c` string forms, environments, and errors that name
the offending key. Pure parsing, no synth."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import jsonschema
import pytest
from pydantic import ValidationError

from infra import PROJECT_ROOT, bundling, config_docs, functions, wheels
from infra.config import (
    DEFAULT_ALARMS,
    LOG_RETENTION_DAYS,
    AlarmKind,
    AlarmSettings,
    AppConfig,
    ConfigError,
    EnvironmentConfig,
    load_config,
)
from queue_stats import names
from queue_stats.settings import Settings
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
    with pytest.raises(ValidationError, match="frozen"):
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


def test_retention_choices_match_the_functions_log_groups() -> None:
    assert tuple(functions.RETENTION) == LOG_RETENTION_DAYS


def test_runtime_matches_the_bundled_wheels() -> None:
    assert bundling.RUNTIME.name == f"python{wheels.PYTHON_VERSION}"


# --- this round's keys ----------------------------------------------------------------------------
def test_new_keys_default_to_what_the_runtime_does_when_unset() -> None:
    (env,) = load(MINIMAL).environments
    assert env.metrics == names.QUEUE_METRIC_NAMES
    assert env.skip_idle_queues is False
    assert env.metrics_backend == names.DEFAULT_METRICS_BACKEND
    assert env.runbook_url is None
    assert load(MINIMAL).metrics_insights_alarm_quota == 200


ITEMS_AND_OPEN = (names.METRIC_ITEMS_IN_QUEUE, names.METRIC_QUEUE_OPEN)


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        ("all", names.QUEUE_METRIC_NAMES),
        ("essential", names.ESSENTIAL_METRICS),
        ("ESSENTIAL", names.ESSENTIAL_METRICS),
        # `-c metrics=QueueOpen,ItemsInQueue`: the contract's order, whatever the order given
        ("QueueOpen,ItemsInQueue", (names.METRIC_ITEMS_IN_QUEUE, names.METRIC_QUEUE_OPEN)),
        ('["QueueOpen", "ItemsInQueue"]', (names.METRIC_ITEMS_IN_QUEUE, names.METRIC_QUEUE_OPEN)),
        (
            [names.METRIC_QUEUE_OPEN, names.METRIC_ITEMS_IN_QUEUE],
            (names.METRIC_ITEMS_IN_QUEUE, names.METRIC_QUEUE_OPEN),
        ),
    ],
)
def test_metrics_resolve_to_a_tuple_of_names(given: Any, resolved: tuple[str, ...]) -> None:
    (env,) = load({**MINIMAL, "metrics": given}).environments
    assert env.metrics == tuple(resolved)


def test_string_forms_of_the_new_keys() -> None:
    context = {**MINIMAL, "skipIdleQueues": "true", "metricsBackend": "both", "runbookUrl": "https://wiki.example/x"}
    (env,) = load(context).environments
    assert (env.skip_idle_queues, env.metrics_backend, env.runbook_url) == (True, "both", "https://wiki.example/x")


@pytest.mark.parametrize(
    ("context", "key", "says"),
    [
        ({**MINIMAL, "metrics": "some"}, "metrics[0]", "unknown metric 'some'"),
        ({**MINIMAL, "metrics": ["QueueOpen", "Nope"]}, "metrics[1]", "unknown metric 'Nope'"),
        ({**MINIMAL, "metrics": []}, "metrics", "names no metric"),
        ({**MINIMAL, "metrics": 5}, "metrics", "must be a list"),
        ({**MINIMAL, "skipIdleQueues": "yes"}, "skipIdleQueues", "must be true or false"),
        ({**MINIMAL, "metricsBackend": "prometheus"}, "metricsBackend", "must be one of cloudwatch, otel, both"),
        ({**MINIMAL, "runbookUrl": "http://wiki.example/x"}, "runbookUrl", "must be an https:// URL"),
        ({**MINIMAL, "metricsInsightsAlarmQuota": 0}, "metricsInsightsAlarmQuota", "must be between 1 and"),
        (
            {"companyCode": "c", "environments": [{"environment": "p", "metricsInsightsAlarmQuota": 5}]},
            "environments[0].metricsInsightsAlarmQuota",
            "unknown key",
        ),
        ({**MINIMAL, "alarms": {"pollFailed": {"threshold": 2}}}, "alarms.pollFailed.threshold", "has no threshold"),
        ({**MINIMAL, "environments": "not json"}, "environments", "is not valid JSON"),
        ({"companyCode": "c", "environments": [{"environment": "p"}, 5]}, "environments[1]", "must be an object"),
        (
            {"companyCode": "c", "alarms": "{", "environments": [{"environment": "p", "alarms": {}}]},
            "alarms",
            "is not valid JSON",
        ),
    ],
)
def test_new_keys_refuse_bad_values_naming_the_key(context: dict[str, Any], key: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(context)
    assert raised.value.key == key
    assert says in str(raised.value)


def test_every_problem_is_reported_not_only_the_first() -> None:
    with pytest.raises(ConfigError) as raised:
        load({**MINIMAL, "pollRateMinutes": 0, "notifyOnOk": "maybe"})
    assert [e.key for e in (raised.value, *raised.value.others)] == ["pollRateMinutes", "notifyOnOk"]


# --- values only the runtime accepts (issue 13, item 4) ---------------------------------------------
@pytest.mark.parametrize("key", ["companyCode", "environment"])
@pytest.mark.parametrize("value", ["Zürich", "日本-gadgets", "pr\u00a0od"])
def test_a_value_the_runtime_refuses_as_a_header_is_refused_at_synth(key: str, value: str) -> None:
    # The runtime sends both as HTTP headers and refuses anything but printable ASCII, which
    # `\\w` would have let through.
    with pytest.raises(ConfigError, match="must be printable ASCII") as raised:
        load({**MINIMAL, key: value})
    assert raised.value.key == key


def test_non_ascii_queue_ids_are_accepted_for_the_api_and_overrides() -> None:
    context = {**MINIMAL, "queueIds": ["Zürich Support"], "queueOverrides": {"Zürich Support": {"itemsInQueue": {}}}}
    (env,) = load(context).environments
    assert env.queue_ids == ("Zürich Support",)
    assert env.overridden_queue_ids(AlarmKind.ITEMS_IN_QUEUE) == ("Zürich Support",)


@pytest.mark.parametrize("where", ["queueIds", "queueOverrides"])
def test_a_queue_id_the_poller_would_skip_is_refused(where: str) -> None:
    # 400 `ü` are 1,600 characters once escaped (`\xfc`): over CloudWatch's 1,024, so the poller
    # skips that queue and an override could never fire.
    queue_id = "ü" * 400
    value: Any = [queue_id] if where == "queueIds" else {queue_id: {"itemsInQueue": {}}}
    with pytest.raises(ConfigError, match="1024-character limit") as raised:
        load({**MINIMAL, where: value})
    assert raised.value.key.startswith(where)


# --- metrics and the alarms that read them ----------------------------------------------------------
WITHOUT_AGE = [names.METRIC_ITEMS_IN_QUEUE, names.METRIC_UNATTENDED_ITEMS, names.METRIC_AGENTS_IN_ERROR]


def test_a_default_alarm_on_an_unpublished_metric_is_inactive_and_noted_in_one_line() -> None:
    # Given a selection without OldestItemAge, its alarm left at the default
    config = load({**MINIMAL, "metrics": WITHOUT_AGE})
    (env,) = config.environments

    # Then the alarm is not active (the stack will not create it), the others are
    assert env.unpublished_alarms == (AlarmKind.OLDEST_ITEM_AGE,)
    assert not env.is_active(AlarmKind.OLDEST_ITEM_AGE)
    assert all(env.is_active(kind) for kind in AlarmKind if kind is not AlarmKind.OLDEST_ITEM_AGE)
    # and synth says so in one line naming the alarm
    (note,) = config.notes
    assert "\n" not in note
    assert "alarms not created: oldestItemAge" in note


def test_a_profile_notes_the_dashboard_lines_it_leaves_out_and_creates_every_alarm() -> None:
    (note,) = load({**MINIMAL, "metrics": "essential"}).notes
    assert note == (
        "Note: 'metrics' leaves out (prod: AgentsWorking, AgentsInWrap, AgentsUnavailable, ItemsScheduled, "
        "ItemsBeingDelivered not published, not drawn on the dashboard)"
    )


def test_notes_are_empty_when_every_metric_is_published() -> None:
    assert load(MINIMAL).notes == ()


@pytest.mark.parametrize(
    ("context", "key"),
    [
        ({"alarms": {"oldestItemAge": {"enabled": True}}}, "alarms.oldestItemAge.enabled"),
        ({"alarms": {"oldestItemAge": {"enabled": "true", "threshold": 60}}}, "alarms.oldestItemAge.enabled"),
        ({"queueOverrides": {"q-1": {"oldestItemAge": {"threshold": 60}}}}, "queueOverrides.q-1.oldestItemAge"),
    ],
)
def test_an_alarm_switched_on_for_an_unpublished_metric_names_both_keys(context: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load({**MINIMAL, "metrics": WITHOUT_AGE, **context})
    assert raised.value.key == key
    assert "OldestItemAge" in str(raised.value)
    assert "'metrics'" in str(raised.value)


def test_an_override_switching_an_unpublished_alarm_off_is_fine() -> None:
    context = {**MINIMAL, "metrics": WITHOUT_AGE, "queueOverrides": {"q-1": {"oldestItemAge": {"enabled": False}}}}
    (env,) = load(context).environments
    assert env.metrics_insights_alarm_count == 3


# --- alarm windows CloudWatch accepts (issue 13, item 2) --------------------------------------------
@pytest.mark.parametrize(
    ("context", "key", "says"),
    [
        # 1440 minutes at 7-minute polls: 206 polls of 420 s = 86,520 s, over one day
        ({"pollRateMinutes": 7, "alarms": {"pollFailed": {"minutes": 1440}}}, "alarms.pollFailed.minutes", "1442"),
        ({"pollRateMinutes": 7, "alarms": {"pollerErrors": {"minutes": 1439}}}, "alarms.pollerErrors.minutes", "1442"),
        # 180 minutes at 7-minute polls: 182 minutes, past the 3 hours Metrics Insights evaluates
        ({"pollRateMinutes": 7, "alarms": {"itemsInQueue": {"minutes": 180}}}, "alarms.itemsInQueue.minutes", "182"),
        (
            {"pollRateMinutes": 7, "queueOverrides": {"q-1": {"agentsInError": {"minutes": 179}}}},
            "queueOverrides.q-1.agentsInError.minutes",
            "182",
        ),
        # inherited by an override from the environment's setting
        (
            {"pollRateMinutes": 50, "alarms": {"oldestItemAge": {"minutes": 160}}},
            "alarms.oldestItemAge.minutes",
            "200",
        ),
    ],
)
def test_a_window_cloudwatch_would_refuse_is_refused_naming_both_keys(
    context: dict[str, Any], key: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load({**MINIMAL, **context})
    assert raised.value.key == key
    assert f"become {says} minutes" in str(raised.value)
    assert "pollRateMinutes" in str(raised.value)


@pytest.mark.parametrize(
    "context",
    [
        {"pollRateMinutes": 5, "alarms": {"pollFailed": {"minutes": 1440}}},  # exactly one day
        {"pollRateMinutes": 60, "alarms": {"pollFailed": {"minutes": 1440}}},  # hour periods: up to 7 days
        {"pollRateMinutes": 6, "alarms": {"itemsInQueue": {"minutes": 180}}},  # exactly 3 hours
    ],
)
def test_windows_at_the_limits_are_accepted(context: dict[str, Any]) -> None:
    assert load({**MINIMAL, **context}).environments


@pytest.mark.parametrize(
    ("kind", "rate", "minutes", "window"),
    [
        (AlarmKind.ITEMS_IN_QUEUE, 1, 5, (60, 5, 5)),
        (AlarmKind.ITEMS_IN_QUEUE, 5, 7, (60, 10, 2)),
        (AlarmKind.POLL_FAILED, 5, 7, (300, 2, 2)),
        (AlarmKind.POLLER_ERRORS, 2, 5, (120, 3, 3)),
    ],
)
def test_alarm_windows_round_up_to_whole_polls(
    kind: AlarmKind, rate: int, minutes: int, window: tuple[int, int, int]
) -> None:
    (env,) = load({**MINIMAL, "pollRateMinutes": rate}).environments
    got = env.alarm_window(kind, minutes)
    assert (got.period_seconds, got.evaluation_periods, got.datapoints_to_alarm) == window


# --- Lambda's 4 KB of environment (issue 13, item 5) ------------------------------------------------
LONG = {
    # Each within its own limit; in all 4,146 bytes of keys and values, which Lambda refuses.
    "queueIds": [f"queue-{i:04d}-{'x' * 140}" for i in range(21)],
    "apiUrl": "https://stats.example.com/" + "p" * 396,
    "metricsNamespace": "Ops/" + "N" * 250,
    "secretId": "team/" + "s" * 60,
}


def test_the_function_environment_over_4_kb_is_refused_naming_the_largest_key() -> None:
    # Given long values that fit without the long API URL
    assert load({**MINIMAL, **{k: v for k, v in LONG.items() if k != "apiUrl"}}).environments

    # When the API URL is added too
    with pytest.raises(ConfigError) as raised:
        load({**MINIMAL, **LONG})

    # Then synth refuses, counting as Lambda does and naming the largest variables' keys
    assert raised.value.key == "queueIds"
    assert "4,146 bytes, over the 4,096 Lambda allows" in str(raised.value)
    assert "SYMBEE_API_URL 436 bytes (apiUrl)" in str(raised.value)


def test_the_4_kb_check_counts_bytes_not_characters() -> None:
    # 18 ids of 170 `é`: 3,131 characters (under the queue list's own limit) but 6,191 bytes
    ids = [f"{'é' * 170}-{i:02d}" for i in range(18)]
    with pytest.raises(ConfigError, match="bytes, over the 4,096") as raised:
        load({**MINIMAL, "queueIds": ids})
    assert raised.value.key == "queueIds"


# --- the poller's environment ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("context", "variables"),
    [
        ({}, {}),
        ({"metrics": "essential"}, {names.ENV_PUBLISH_METRICS: "essential"}),
        ({"metrics": ["QueueOpen", "ItemsInQueue"]}, {names.ENV_PUBLISH_METRICS: "ItemsInQueue,QueueOpen"}),
        ({"skipIdleQueues": True}, {names.ENV_SKIP_IDLE_QUEUES: "true"}),
        ({"metricsBackend": "otel"}, {names.ENV_METRICS_BACKEND: "otel"}),
        ({"apiKeyMaxAgeSeconds": "900"}, {names.ENV_API_KEY_MAX_AGE_SECONDS: "900"}),
    ],
)
def test_the_poller_environment_carries_only_what_differs_from_the_runtimes_defaults(
    context: dict[str, Any], variables: dict[str, str]
) -> None:
    (env,) = load({**MINIMAL, **context}).environments
    base = {
        names.ENV_COMPANY_CODE: "abc-gadgets",
        names.ENV_ENVIRONMENT: "prod",
        names.ENV_REGION: names.DEFAULT_SYMBEE_REGION,
        names.ENV_API_KEY_SECRET_ID: names.DEFAULT_API_KEY_SECRET_ID,
        names.ENV_SECRETS_REGION: "eu-west-1",
        names.ENV_INCLUDE_AMAZON_QUEUES: "true",
        names.ENV_METRICS_NAMESPACE: names.DEFAULT_NAMESPACE,
    }
    assert env.poller_environment(stack_region="eu-west-1") == {**base, **variables}


def test_the_poller_environment_is_what_the_runtime_reads_back() -> None:
    context = {**MINIMAL, "metrics": "essential", "skipIdleQueues": "true", "queueIds": "a,b"}
    (env,) = load(context).environments
    settings = Settings.from_env(env.poller_environment(stack_region="eu-west-1"))
    assert (settings.publish_metrics, settings.skip_idle_queues) == (env.metrics, True)
    assert (settings.queue_ids, settings.secrets_region) == (("a", "b"), "eu-west-1")


# --- Metrics Insights alarm quota (issue 13, item 6) -------------------------------------------------
def overrides(count: int, prefix: str) -> dict[str, Any]:
    every_queue_alarm = {kind: {"threshold": 5} for kind in ("oldestItemAge", "itemsInQueue", "unattendedItems")}
    return {f"{prefix}-{i:02d}": {**every_queue_alarm, "agentsInError": {}} for i in range(count)}


def test_metrics_insights_alarms_are_counted_across_environments_against_the_quota() -> None:
    # Given two environments: 4 fleet alarms each, plus 4 per override (23 and 25 overrides)
    context = {
        "companyCode": "c",
        "environments": [
            {"environment": "prod", "queueOverrides": overrides(23, "p")},
            {"environment": "uat", "queueOverrides": overrides(25, "u")},
        ],
    }
    # When loaded: 96 + 104 = 200 alarms, exactly the default quota
    prod, uat = load(context).environments
    assert (prod.metrics_insights_alarm_count, uat.metrics_insights_alarm_count) == (96, 104)

    # Then one more override is refused, naming the environment that needs the most
    context["environments"][0]["queueOverrides"] = overrides(24, "p")
    with pytest.raises(ConfigError) as raised:
        load(context)
    assert raised.value.key == "environments[1].queueOverrides"
    assert "204 Metrics Insights alarms (prod: 100, uat: 104)" in str(raised.value)
    assert "metricsInsightsAlarmQuota" in str(raised.value)

    # unless the account's quota was raised and the key says so
    assert load({**context, "metricsInsightsAlarmQuota": 250}).environments


# --- generated documentation ----------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(config_docs.generated_files(), key=str), ids=lambda p: p.name)
def test_generated_docs_are_up_to_date(path: Any) -> None:
    # Stale? Run `python scripts/config_docs.py` and commit the result.
    assert path.read_text() == config_docs.generated_files()[path]


def test_the_readme_table_lists_every_key_once_with_its_default() -> None:
    table = config_docs.context_table()
    for field in (*EnvironmentConfig.model_fields.values(), *AppConfig.model_fields.values()):
        assert table.count(f"| `{field.alias}` |") == 1
    assert "| `companyCode` | *(required)* |" in table
    assert "| `pollRateMinutes` | `1` |" in table
    assert "| `metrics` | `all` |" in table


@pytest.fixture(scope="module")
def schema() -> jsonschema.protocols.Validator:
    document = json.loads((PROJECT_ROOT / "cdk.schema.json").read_text())
    validator_class = jsonschema.validators.validator_for(document)
    validator_class.check_schema(document)
    validator: jsonschema.protocols.Validator = validator_class(document)
    return validator


def test_the_shipped_cdk_json_satisfies_the_schema(schema: jsonschema.protocols.Validator) -> None:
    assert [e.message for e in schema.iter_errors(json.loads((PROJECT_ROOT / "cdk.json").read_text()))] == []


@pytest.mark.parametrize(
    "context",
    [
        {"environment": "p", "alarms": {"oldestItemAge": {"treshold": 1}}},
        {"environment": "p", "alarms": {"queueTooLong": {}}},
        {"environment": "p", "pollRateMinutes": 61},
        {"environment": "p", "symbeeRegion": "mars-north-1"},
        {"environment": "p", "environments": [{"environment": "q"}]},
        {"environments": [{"environment": "q", "colour": 1}]},
    ],
)
def test_the_schema_flags_what_synth_refuses(schema: jsonschema.protocols.Validator, context: dict[str, Any]) -> None:
    assert not schema.is_valid({"context": context})


# --- what app.py prints ---------------------------------------------------------------------------
def run_app(context: dict[str, Any], tmp_path: Any) -> None:
    """app.py's main() on an app holding `context`, as `cdk synth` passes it."""
    import app

    app.main(cdk.App(context=context, outdir=str(tmp_path / "cdk.out")))


@pytest.mark.slow
def test_synth_says_in_one_line_which_alarms_the_metric_selection_leaves_out(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given cdk.json with a metric selection that leaves out OldestItemAge
    context = {**cdk_json_context(), "metrics": WITHOUT_AGE}

    # When the app synthesizes
    run_app(context, tmp_path)

    # Then it says so in exactly one line on stderr (jsii may warn about Node there too), and the
    # stack has no such alarm
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "alarms not created" in line]
    assert line.startswith("Note: 'metrics' leaves out (prod: ")
    assert ", OldestItemAge, " in line
    assert line.endswith("; alarms not created: oldestItemAge)")
    template = json.loads((tmp_path / "cdk.out" / "SymbeeQueueStats-prod.template.json").read_text())
    names_made = [
        r["Properties"]["AlarmName"] for r in template["Resources"].values() if "AlarmName" in r.get("Properties", {})
    ]
    assert "SymbeeQueueStats-prod-OldestItemAge" not in names_made


def test_a_bad_context_stops_the_app_with_one_line_per_problem(tmp_path: Any) -> None:
    with pytest.raises(SystemExit) as stopped:
        run_app({**MINIMAL, "pollRateMinutes": 0, "symbeeRegion": "mars"}, tmp_path)
    assert str(stopped.value.code).splitlines() == [
        "Configuration error: cdk.json context key 'symbeeRegion': must be one of " + ", ".join(names.SYMBEE_REGIONS),
        "Configuration error: cdk.json context key 'pollRateMinutes': must be between 1 and 60",
    ]
