""" "Work waiting with no agent available", written in PromQL over items waiting, agents available
and the open state (no derived metric): when it fires and when a closed queue keeps it quiet."""

from __future__ import annotations

from pathlib import Path

from tests.infra.conftest import NIGHT_QUEUE
from tests.promql.harness import Expect, Rule, Series, check, queue, queue_series

PROD = "SymbeeQueueStats-prod"
MINUTES = 10


def a_queue(
    queue_id: str, *, items: list[float | None], available: list[float | None], open_state: list[float | None] | None
) -> list[Series]:
    """A queue's three series as the poller sends them; `open_state` None: never known (the poller
    publishes no QueueOpen for OPERATING_HOURS_UNKNOWN)."""
    series = [
        queue_series("ItemsInQueue", items, queue_id=queue_id),
        queue_series("AgentsAvailable", available, queue_id=queue_id),
    ]
    if open_state is not None:
        series.append(queue_series("QueueOpen", open_state, queue_id=queue_id))
    return series


def test_work_waiting_with_nobody_available_in_an_open_queue_fires_after_5_minutes(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given an open queue where 2 items wait and the last available agent has left by the poll of
    # minute 2
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    series = a_queue("billing", items=[2] * MINUTES, available=[1, 1] + [0] * 8, open_state=[1] * MINUTES)
    # Then it fires at minute 7, once five polls have seen it
    check(promtool, tmp_path, [rule], series, [Expect(rule, 6), Expect(rule, 7, [queue("billing")])])


def test_a_closed_queue_with_work_waiting_and_nobody_available_does_not_fire(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given a closed queue with items waiting and no agent (the night shift)
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    series = a_queue("billing", items=[2] * MINUTES, available=[0] * MINUTES, open_state=[0] * MINUTES)
    # Then nobody is paged
    check(promtool, tmp_path, [rule], series, [Expect(rule, 9)])


def test_a_queue_whose_open_state_is_unknown_still_fires(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given an Amazon queue (OPERATING_HOURS_UNKNOWN: no QueueOpen at all) with work and nobody free
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    series = a_queue("amazon-billing", items=[4] * MINUTES, available=[0] * MINUTES, open_state=None)
    # Then "not closed" holds and it fires at minute 5
    check(promtool, tmp_path, [rule], series, [Expect(rule, 4), Expect(rule, 5, [queue("amazon-billing")])])


def test_an_available_agent_keeps_it_quiet(promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]) -> None:
    # Given an open queue with a backlog and one agent available
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    series = a_queue("billing", items=[20] * MINUTES, available=[1] * MINUTES, open_state=[1] * MINUTES)
    # Then this alarm stays quiet (the items-waiting alarm is the one for a backlog)
    check(promtool, tmp_path, [rule], series, [Expect(rule, 9)])


def test_closing_the_queue_resolves_it(promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]) -> None:
    # Given a queue in ALARM that closes at minute 7 with the items still waiting
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    series = a_queue("billing", items=[2] * 12, available=[0] * 12, open_state=[1] * 7 + [0] * 5)
    # Then it is OK once the closed state has been seen for the recovery period (minute 10)
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [Expect(rule, 6, [queue("billing")]), Expect(rule, 9, [queue("billing")]), Expect(rule, 10)],
    )


def test_switched_off_for_one_queue_it_never_fires_for_that_queue(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given the night queue, for which this alarm is switched off, unattended like billing
    rule = prod_rules[f"{PROD}-UnattendedItems"]
    assert not [name for name in prod_rules if name.startswith(f"{PROD}-UnattendedItems-")]
    series = [
        *a_queue(NIGHT_QUEUE, items=[2] * MINUTES, available=[0] * MINUTES, open_state=[1] * MINUTES),
        *a_queue("billing", items=[2] * MINUTES, available=[0] * MINUTES, open_state=[1] * MINUTES),
    ]
    # Then only billing is a contributor
    check(promtool, tmp_path, [rule], series, [Expect(rule, 9, [queue("billing")])])
