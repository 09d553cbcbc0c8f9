"""The event fixtures are shaped like AWS's documented examples, and a rule for the notifier's
two detail types matches every one of them (moto's EventBridge pattern matcher, in process:
moto_server's TestEventPattern is not implemented in moto 5.2.5)."""

from __future__ import annotations

import pytest
from moto.events.models import EventPattern

from queue_stats import names as n
from tests.fixtures import EVENT_FILES, event

ENVELOPE = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
RULE = {
    "source": [n.EVENT_SOURCE_CLOUDWATCH],
    "detail-type": [n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE, n.DETAIL_TYPE_ALARM_STATE_CHANGE],
}


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_each_fixture_has_eventbridges_envelope(name: str) -> None:
    assert list(event(name))[: len(ENVELOPE)] == list(ENVELOPE)


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_each_fixture_names_its_alarm_in_resources(name: str) -> None:
    fixture = event(name)
    assert fixture["resources"] == [
        f"arn:aws:cloudwatch:{fixture['region']}:{fixture['account']}:alarm:{fixture['detail']['alarmName']}"
    ]


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_a_rule_for_the_two_detail_types_matches_each_fixture(name: str) -> None:
    assert EventPattern(None, RULE).matches_event(event(name))


def test_queue_fixtures_are_contributor_events_with_the_queue_attributes() -> None:
    for name in ("queue_alarm", "queue_ok", "queue_ok_no_data", "queue_alarm_muted"):
        fixture = event(name)
        assert fixture["detail-type"] == n.DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE
        assert set(fixture["detail"]["alarmContributor"]["attributes"]) == {n.DIM_QUEUE_ID, n.DIM_QUEUE_NAME}
        assert "previousState" not in fixture["detail"]  # contributor events carry none


def test_health_fixtures_are_alarm_state_change_events_with_previous_state() -> None:
    for name in ("health_alarm", "health_ok"):
        fixture = event(name)
        assert fixture["detail-type"] == n.DETAIL_TYPE_ALARM_STATE_CHANGE
        assert fixture["detail"]["previousState"]["value"] != fixture["detail"]["state"]["value"]


def test_the_rule_leaves_configuration_changes_out() -> None:
    configuration_change = {**event("queue_alarm"), "detail-type": "CloudWatch Alarm Configuration Change"}
    assert not EventPattern(None, RULE).matches_event(configuration_change)
