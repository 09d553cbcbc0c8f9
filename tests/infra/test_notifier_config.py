"""The notification keys of cdk.json: chat channels, the pager and mute rules, in their cdk.json and
`-c` forms, and every value CloudFormation or CloudWatch would refuse refused at synth, naming the
key path. Pure parsing, no synth."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra import PROJECT_ROOT
from infra.config import AlarmKind, ConfigError, EnvironmentConfig, load_config
from tests.infra.conftest import cdk_json_context

MINIMAL = {"companyCode": "abc-gadgets", "environment": "prod"}
RULE = {"name": "nights", "schedule": "cron(0 22 * * *)", "durationMinutes": 480, "alarms": ["queue"]}
SLACK = {"workspaceId": "T0123ABCD", "channelId": "C0456EFGH"}
TEAMS = {
    "teamId": "8f2c1a4e-0b7d-4c3e-9a61-2d5f7e8b9c0a",
    "channelId": "19:a1b2c3@thread.tacv2",
    "tenantId": "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
}


def env(**context: Any) -> EnvironmentConfig:
    (config,) = load_config({**MINIMAL, **context}.get).environments
    return config


def test_the_shipped_cdk_json_has_no_channel_pager_or_rule() -> None:
    (config,) = load_config(cdk_json_context().get).environments
    assert (config.slack_channels, config.teams_channels, config.mute_rules) == ((), (), ())
    assert (config.pager_duty, config.chat_service_key_access) == (None, False)


def test_command_line_json_strings_are_parsed() -> None:
    # Given `-c key=value` forms: JSON text for lists and objects
    config = env(
        slackChannels=json.dumps([SLACK]),
        teamsChannels=json.dumps([TEAMS]),
        pagerDuty=json.dumps({"routingKeySecretId": "symbee/pd"}),
        muteRules=json.dumps([RULE]),
        chatServiceKeyAccess="true",
    )
    # Then they read as the same values cdk.json's would
    assert config == env(
        slackChannels=[SLACK],
        teamsChannels=[TEAMS],
        pagerDuty={"routingKeySecretId": "symbee/pd"},
        muteRules=[RULE],
        chatServiceKeyAccess=True,
    )


def test_a_teams_channel_id_is_taken_as_teams_shows_it_or_encoded() -> None:
    shown = env(teamsChannels=[TEAMS]).teams_channels[0].channel_id
    encoded = env(teamsChannels=[{**TEAMS, "channelId": "19%3aa1b2c3%40thread.tacv2"}]).teams_channels[0].channel_id
    assert shown == "19%3Aa1b2c3%40thread.tacv2"
    assert encoded == "19%3aa1b2c3%40thread.tacv2"


def test_configuration_and_rule_names_start_with_the_stacks() -> None:
    config = env(
        slackChannels=[SLACK, {**SLACK, "channelId": "C999", "name": "ops"}], teamsChannels=[TEAMS], muteRules=[RULE]
    )
    assert [config.chat_configuration_name(c) for c in config.slack_channels] == [
        "SymbeeQueueStats-prod-C0456EFGH",
        "SymbeeQueueStats-prod-ops",
    ]
    (teams,) = config.teams_channels
    assert config.chat_configuration_name(teams) == f"SymbeeQueueStats-prod-teams-{teams.digest}"
    assert config.mute_rule_name(config.mute_rules[0]) == "SymbeeQueueStats-prod-nights"


def test_a_teams_channels_default_name_follows_the_channel_not_its_place() -> None:
    # Given two Teams channels, then the first one removed
    other = {**TEAMS, "channelId": "19:d4e5f6@thread.tacv2"}
    before = env(teamsChannels=[TEAMS, other])
    after = env(teamsChannels=[other])
    # Then the remaining channel keeps its configuration's name (a rename would replace it, and the
    # replacement would be created while the old one still holds the name)
    assert before.chat_configuration_name(before.teams_channels[1]) == after.chat_configuration_name(
        after.teams_channels[0]
    )


def test_one_channel_twice_in_an_environment_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        env(slackChannels=[SLACK, {**SLACK, "name": "again"}])
    assert error.value.key == "slackChannels[1]"
    assert "same channel as slackChannels[0]" in str(error.value)


def test_a_top_level_channel_shared_by_two_environments_is_refused() -> None:
    # Given slackChannels at the top level, which every environment inherits
    context = {
        "companyCode": "abc-gadgets",
        "slackChannels": [SLACK],
        "environments": [{"environment": "prod"}, {"environment": "uat"}],
    }
    # Then the second environment's copy is refused: one configuration per channel and account
    with pytest.raises(ConfigError) as error:
        load_config(context.get)
    assert error.value.key == "environments[1].slackChannels[0]"
    assert "one configuration per channel and account" in str(error.value)


@pytest.mark.parametrize(
    ("alarms", "kinds"),
    [
        (
            ["queue"],
            (
                AlarmKind.OLDEST_ITEM_AGE,
                AlarmKind.ITEMS_IN_QUEUE,
                AlarmKind.UNATTENDED_ITEMS,
                AlarmKind.AGENTS_IN_ERROR,
            ),
        ),
        (["health"], (AlarmKind.POLL_FAILED, AlarmKind.POLLER_ERRORS, AlarmKind.POLLER_THROTTLES)),
        (["all"], tuple(AlarmKind)),
        (["pollFailed", "unattendedItems", "pollFailed"], (AlarmKind.UNATTENDED_ITEMS, AlarmKind.POLL_FAILED)),
    ],
)
def test_a_rule_names_groups_or_alarm_keys(alarms: list[str], kinds: tuple[AlarmKind, ...]) -> None:
    assert env(muteRules=[{**RULE, "alarms": alarms}]).mute_rules[0].kinds == kinds


def test_a_rule_mutes_the_overrides_of_its_kinds_too() -> None:
    config = env(
        muteRules=[{**RULE, "alarms": ["itemsInQueue"]}],
        queueOverrides={"q1": {"itemsInQueue": {"threshold": 2}}, "q2": {"oldestItemAge": {"threshold": 60}}},
    )
    assert config.muted_alarm_names(config.mute_rules[0].kinds) == (
        "SymbeeQueueStats-prod-ItemsInQueue",
        "SymbeeQueueStats-prod-ItemsInQueue-q1",
    )


def many_overrides() -> dict[str, Any]:
    """30 queues overriding each queue alarm: 124 queue alarms in all."""
    kinds = ("oldestItemAge", "itemsInQueue", "unattendedItems", "agentsInError")
    return {f"q{i:02d}": {kind: {"threshold": 5} for kind in kinds} for i in range(30)}


@pytest.mark.parametrize(
    ("context", "key", "text"),
    [
        ({"slackChannels": [{**SLACK, "workspaceId": "t0123"}]}, "slackChannels[0].workspaceId", "Slack workspace id"),
        ({"slackChannels": [{**SLACK, "channelId": "#ops"}]}, "slackChannels[0].channelId", "Slack channel id"),
        ({"slackChannels": [{**SLACK, "name": "ops team"}]}, "slackChannels[0].name", "letters, digits"),
        ({"slackChannels": [SLACK, SLACK]}, "slackChannels[1]", "same configuration name"),
        ({"slackChannels": [{**SLACK, "team": "x"}]}, "slackChannels[0].team", "unknown key"),
        ({"slackChannels": [{"workspaceId": "T0123ABCD"}]}, "slackChannels[0].channelId", "is required"),
        (
            {"slackChannels": [{**SLACK, "name": "n" * 64}], "stackName": "S" * 70},
            "slackChannels[0]",
            "longer than 128",
        ),
        ({"teamsChannels": [{**TEAMS, "teamId": "team"}]}, "teamsChannels[0].teamId", "GUID"),
        ({"teamsChannels": [{**TEAMS, "tenantId": "x"}]}, "teamsChannels[0].tenantId", "GUID"),
        ({"teamsChannels": [{**TEAMS, "channelId": "general"}]}, "teamsChannels[0].channelId", "Teams channel id"),
        ({"chatServiceKeyAccess": True}, "chatServiceKeyAccess", "no effect without"),
        ({"pagerDuty": {}}, "pagerDuty.routingKeySecretId", "is required"),
        ({"pagerDuty": {"routingKeySecretId": "arn:aws:secretsmanager:x"}}, "pagerDuty.routingKeySecretId", "ARN"),
        (
            {"pagerDuty": {"routingKeySecretId": "pd", "routingKeySecretKmsKeyArn": "alias/pd"}},
            "pagerDuty.routingKeySecretKmsKeyArn",
            "KMS key ARN",
        ),
        ({"pagerDuty": {"routingKeySecretId": "pd", "eventsUrl": "http://x"}}, "pagerDuty.eventsUrl", "https://"),
        ({"pagerDuty": {"routingKey": "R0UT1NG"}}, "pagerDuty.routingKey", "unknown key"),
        ({"muteRules": [{**RULE, "schedule": "cron(0 22 * *)"}]}, "muteRules[0].schedule", "has 4 fields"),
        (
            {"muteRules": [{**RULE, "schedule": "cron(0 25 * * *)"}]},
            "muteRules[0].schedule",
            "hour '25' is not in 0-23",
        ),
        ({"muteRules": [{**RULE, "schedule": "cron(*/5 * * * *)"}]}, "muteRules[0].schedule", "minute '*/5'"),
        ({"muteRules": [{**RULE, "schedule": "cron(0 22 * * 1-5)"}]}, "muteRules[0].schedule", "SUN-SAT"),
        ({"muteRules": [{**RULE, "schedule": "cron(0 22 * FOO *)"}]}, "muteRules[0].schedule", "month 'FOO'"),
        ({"muteRules": [{**RULE, "schedule": "rate(1 day)"}]}, "muteRules[0].schedule", "must be cron("),
        ({"muteRules": [{**RULE, "schedule": "at(2026-02-30T10:00)"}]}, "muteRules[0].schedule", "yyyy-MM-ddTHH:mm"),
        ({"muteRules": [{**RULE, "durationMinutes": 0}]}, "muteRules[0].durationMinutes", "between 1 and 21600"),
        ({"muteRules": [{**RULE, "durationMinutes": 21601}]}, "muteRules[0].durationMinutes", "between 1 and 21600"),
        ({"muteRules": [{**RULE, "timezone": "Europe/Atlantis"}]}, "muteRules[0].timezone", "IANA time zone"),
        ({"muteRules": [{**RULE, "start": "24.12.2026 18:00"}]}, "muteRules[0].start", "yyyy-MM-ddTHH:mm"),
        (
            {"muteRules": [{**RULE, "start": "2026-12-24T18:00", "expire": "2026-12-24T18:00"}]},
            "muteRules[0].expire",
            "not after start",
        ),
        ({"muteRules": [{**RULE, "alarms": []}]}, "muteRules[0].alarms", "names no alarm"),
        ({"muteRules": [{**RULE, "alarms": ["queue", "oldest"]}]}, "muteRules[0].alarms[1]", "unknown alarms 'oldest'"),
        (
            {"muteRules": [{**RULE, "alarms": ["agentsInError"]}], "alarms": {"agentsInError": {"enabled": False}}},
            "muteRules[0].alarms[0]",
            "names no alarm this stack creates",
        ),
        ({"muteRules": [RULE, RULE]}, "muteRules[1].name", "names two rules"),
        ({"muteRules": [{**RULE, "name": "night shift"}]}, "muteRules[0].name", "letters, digits"),
        (
            {"muteRules": [{**RULE, "name": "n" * 128}], "stackName": "S" * 96, "environment": "e" * 30},
            "muteRules[0].name",
            "longer than 255",
        ),
        ({"muteRules": [RULE], "queueOverrides": many_overrides()}, "muteRules[0].alarms", "mutes 124 alarms"),
        (
            {"muteRules": [{k: v for k, v in RULE.items() if k != "durationMinutes"}]},
            "muteRules[0].durationMinutes",
            "is required",
        ),
        ({"runbookUrl": "https://wiki.example.com/" + "x" * 300}, "runbookUrl", "at most 300 characters"),
    ],
)
def test_a_value_cloudformation_or_cloudwatch_would_refuse_is_refused_naming_its_key(
    context: dict[str, Any], key: str, text: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        env(**context)
    assert caught.value.key == key
    assert text in str(caught.value)


# --- the README's examples -------------------------------------------------------------------------
SECTION = (PROJECT_ROOT / "README.md").read_text().split("\n## Notifications\n", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_mute_rules_example_is_accepted_as_described() -> None:
    # Given the JSON block under "Mute rules"
    block = SECTION.split("\n### Mute rules\n", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    # When it is the muteRules of a configuration
    config = env(**json.loads("{" + block + "}"))
    # Then its rules mute what the README says: unattended items at night, everything in maintenance
    nights, maintenance = config.mute_rules
    assert config.muted_alarm_names(nights.kinds) == ("SymbeeQueueStats-prod-UnattendedItems",)
    assert maintenance.kinds == tuple(AlarmKind)


@pytest.mark.parametrize("key", ["slackChannels", "pagerDuty"])
def test_the_readmes_inline_examples_are_accepted(key: str) -> None:
    (example,) = re.findall(rf'`"{key}": (.+?)`', " ".join(SECTION.split()))
    assert getattr(env(**{key: json.loads(example)}), "slack_channels" if key == "slackChannels" else "pager_duty")
