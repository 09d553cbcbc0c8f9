"""Mute rules: one AWS::CloudWatch::AlarmMuteRule per cdk.json `muteRules` entry, named after the
stack, naming (by reference, so created after them) every alarm of the kinds it mutes, overrides
included, with its schedule, time zone, duration and dates as CloudWatch reads them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import Synth

PROD = "CallCenter-prod"


def rules(synth: Synth, stack: str = PROD) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Name"]: r["Properties"]
        for r in synth.resources(stack, "AWS::CloudWatch::AlarmMuteRule").values()
    }


def muted(synth: Synth, rule: dict[str, Any]) -> list[str]:
    """The names of the alarms a rule mutes (each target is a Ref to one of the stack's alarms)."""
    alarms = synth.resources(PROD, "AWS::CloudWatch::Alarm")
    return sorted(alarms[target["Ref"]]["Properties"]["AlarmName"] for target in rule["MuteTargets"]["AlarmNames"])


def test_a_recurring_rule_mutes_every_queue_alarm_overrides_included(custom_synth: Synth) -> None:
    # Given nights muting "queue" (agentsInError is switched off in prod; one override of oldestItemAge)
    rule = rules(custom_synth)[f"{PROD}-nights"]
    # Then its targets are every queue alarm the stack made, and no poller or notifier alarm
    assert muted(custom_synth, rule) == [
        f"{PROD}-ItemsInQueue",
        f"{PROD}-OldestItemAge",
        f"{PROD}-OldestItemAge-email-customer-care",
        f"{PROD}-UnattendedItems",
    ]
    assert rule["Rule"] == {
        "Schedule": {"Expression": "cron(0 22 * * MON-FRI)", "Duration": "PT10H", "Timezone": "Europe/London"}
    }
    assert not {"StartDate", "ExpireDate"} & set(rule)


def test_a_one_time_window_by_alarm_key_with_start_and_expiry(custom_synth: Synth) -> None:
    rule = rules(custom_synth)[f"{PROD}-symbee-maintenance"]
    assert muted(custom_synth, rule) == [
        f"{PROD}-OldestItemAge",
        f"{PROD}-OldestItemAge-email-customer-care",
        f"{PROD}-PollFailed",
    ]
    assert rule["Rule"] == {"Schedule": {"Expression": "at(2026-12-24T18:00)", "Duration": "PT2H"}}
    # Wall-clock times in the rule's time zone (UTC here), as CloudWatch writes them
    assert (rule["StartDate"], rule["ExpireDate"]) == ("2026-12-01T00:00", "2026-12-31T00:00")


def test_a_rule_says_what_it_mutes_and_where_it_comes_from(custom_synth: Synth) -> None:
    description = rules(custom_synth)[f"{PROD}-nights"]["Description"]
    assert description == (
        "Symbee abc-gadgets/prod: mutes queue alarms at cron(0 22 * * MON-FRI) (Europe/London) for 600 minutes "
        "(cdk.json muteRules 'nights')"
    )


@pytest.mark.parametrize("stack", ["SymbeeQueueStats-prod", "CallCenter-uat"])
def test_no_rule_without_configuration(request: pytest.FixtureRequest, stack: str) -> None:
    synth: Synth = request.getfixturevalue("default_synth" if stack.startswith("Symbee") else "custom_synth")
    assert rules(synth, stack) == {}
