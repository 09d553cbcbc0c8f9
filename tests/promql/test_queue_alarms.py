"""The per-queue PromQL alarms, evaluated by Prometheus's own engine (promtool) exactly as the
template holds them: when a backlog fires, who the contributors are, what an override changes, and
what happens when a queue stops reporting. prod polls every minute, uat every 5 minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.conftest import VIP_QUEUE, ZURICH_QUEUE
from tests.promql.harness import Expect, Rule, check, polled, queue, queue_series

PROD = "SymbeeQueueStats-prod"
UAT = "SymbeeQueueStats-uat"


def test_a_backlog_fires_once_it_has_lasted_the_alarms_minutes(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given the items-waiting alarm (10 items, 5 minutes) and a queue at 12 items from the poll at
    # minute 2, beside a quiet queue
    rule = prod_rules[f"{PROD}-ItemsInQueue"]
    series = [
        queue_series("ItemsInQueue", [0, 0] + [12] * 10, queue_id="billing"),
        queue_series("ItemsInQueue", [3] * 12, queue_id="sales"),
    ]
    # When promtool evaluates it every minute / Then it fires at minute 7, once the polls of minutes 2
    # to 6 (five minutes) have breached, as the classic alarm does; not before
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [Expect(rule, 6), Expect(rule, 7, [queue("billing")]), Expect(rule, 11, [queue("billing")])],
    )


def test_at_a_5_minute_poll_rate_one_breaching_poll_is_the_alarms_5_minutes(
    promtool: Path, tmp_path: Path, uat_rules: dict[str, Rule]
) -> None:
    # Given uat polled every 5 minutes (the 5-minute window is one poll): a queue at 12 items from
    # the poll at minute 5
    rule = uat_rules[f"{UAT}-ItemsInQueue"]
    series = [queue_series("ItemsInQueue", polled([0, 12, 12, 12, 12], every=5), queue_id="billing", environment="uat")]
    # Then it fires as soon as that poll is seen (minute 6), and the samples 5 minutes apart keep it
    # in ALARM in between
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [
            Expect(rule, 5),
            Expect(rule, 6, [queue("billing")]),
            Expect(rule, 9, [queue("billing")]),
            Expect(rule, 19, [queue("billing")]),
        ],
    )


def test_the_oldest_item_alarm_fires_after_its_2_minutes(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given the oldest-item alarm (300 s, 2 minutes) and a queue whose oldest item passes 300 s at
    # the poll of minute 3
    rule = prod_rules[f"{PROD}-OldestItemAge"]
    series = [queue_series("OldestItemAge", [0, 60, 200, 320, 380, 440, 500], queue_id="billing")]
    # Then it fires at minute 5, on the second breaching poll
    check(promtool, tmp_path, [rule], series, [Expect(rule, 4), Expect(rule, 5, [queue("billing")])])


def test_two_queues_in_trouble_are_two_contributors(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given two queues with agents in error from minute 0, one of them reporting per task type
    rule = prod_rules[f"{PROD}-AgentsInError"]
    series = [
        queue_series("AgentsInError", [2] * 8, queue_id="billing"),
        queue_series("AgentsInError", [1] * 8, queue_id="sales"),
        queue_series("AgentsInError", [0] * 8, queue_id="support"),
    ]
    # Then each is its own contributor, labelled with its id and name only (what the notifier reads)
    check(promtool, tmp_path, [rule], series, [Expect(rule, 5, [queue("billing"), queue("sales")])])


def test_another_environments_queues_are_not_contributors(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given uat's queue in a backlog, in the same account and region as prod
    rule = prod_rules[f"{PROD}-ItemsInQueue"]
    series = [queue_series("ItemsInQueue", [50] * 10, queue_id="billing", environment="uat")]
    # Then prod's alarm does not see it
    check(promtool, tmp_path, [rule], series, [Expect(rule, 9)])


def test_a_queue_that_stops_reporting_recovers_rather_than_staying_in_alarm(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given a queue in ALARM whose last poll is at minute 8 (deleted, or the poller stopped)
    rule = prod_rules[f"{PROD}-ItemsInQueue"]
    series = [queue_series("ItemsInQueue", [12] * 9, queue_id="billing")]
    # Then that poll counts for a poll interval and a minute (to minute 10), the recovery period
    # holds the alarm two minutes more, and at minute 13 it is OK: the silence is the poll alarm's
    # business
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [Expect(rule, 8, [queue("billing")]), Expect(rule, 12, [queue("billing")]), Expect(rule, 13)],
    )


def test_one_good_poll_between_bad_ones_neither_resolves_nor_repages(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given a queue in ALARM that dips under the threshold for one poll at minute 8
    rule = prod_rules[f"{PROD}-ItemsInQueue"]
    series = [queue_series("ItemsInQueue", [12] * 8 + [9] + [12] * 4 + [0] * 6, queue_id="billing")]
    # Then it stays in ALARM through the dip, and is OK only once the backlog has cleared for good
    # (from the poll of minute 13) for the recovery period
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [
            Expect(rule, 8, [queue("billing")]),
            Expect(rule, 9, [queue("billing")]),
            Expect(rule, 15, [queue("billing")]),
            Expect(rule, 16),
        ],
    )


def test_an_override_takes_its_queue_out_of_the_fleet_alarm(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given the VIP queue's own items alarm at 100 items, and the fleet alarm at 10
    fleet, own = prod_rules[f"{PROD}-ItemsInQueue"], prod_rules[f"{PROD}-ItemsInQueue-{VIP_QUEUE}"]
    series = [
        queue_series("ItemsInQueue", [50] * 7 + [150] * 7, queue_id=VIP_QUEUE),
        queue_series("ItemsInQueue", [12] * 14, queue_id="billing"),
    ]
    # Then the fleet alarm never counts the VIP queue; its own alarm ignores 50 items and fires on 150
    check(
        promtool,
        tmp_path,
        [fleet, own],
        series,
        [
            Expect(fleet, 6, [queue("billing")]),
            Expect(fleet, 13, [queue("billing")]),
            Expect(own, 11),
            Expect(own, 12, [queue(VIP_QUEUE)]),
        ],
    )


def test_an_override_matches_its_id_as_sent_over_otlp(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given an override for a non-ASCII id (escaped in classic dimensions, as written over OTLP),
    # 3 agents in error for 2 minutes
    fleet = prod_rules[f"{PROD}-AgentsInError"]
    own = prod_rules[f"{PROD}-AgentsInError-{ZURICH_QUEUE}"]
    series = [queue_series("AgentsInError", [2, 3, 3, 3, 3, 3, 3], queue_id=ZURICH_QUEUE, queue_name="Zürich")]
    # Then its own alarm fires for it at minute 3, and the fleet alarm never does
    check(
        promtool,
        tmp_path,
        [fleet, own],
        series,
        [Expect(own, 2), Expect(own, 3, [queue(ZURICH_QUEUE, "Zürich")]), Expect(fleet, 6)],
    )


@pytest.mark.parametrize("stack", [PROD, UAT])
def test_every_queue_alarm_groups_by_queue_id_and_name(stack: str, rules_by_stack: dict[str, dict[str, Rule]]) -> None:
    # Given every PromQL queue alarm of the stack / Then each one's contributors carry the labels the
    # notifier reads, and nothing else that could split a queue into several contributors
    queue_rules = [r for name, r in rules_by_stack[stack].items() if not name.endswith("-PollFailed")]
    assert queue_rules
    for rule in queue_rules:
        assert "by (QueueId, QueueName)" in rule.query, rule.alarm_name
