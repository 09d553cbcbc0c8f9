""" "No successful poll" as a PromQL alarm: failed polls, a poller that dies, and a fresh deploy,
which must not page before the first poll (PromQL alarms have no warm-up)."""

from __future__ import annotations

from pathlib import Path

from tests.promql.harness import Expect, Rule, check, health_series, polled

PROD = "SymbeeQueueStats-prod"
UAT = "SymbeeQueueStats-uat"
ENV = {"Environment": "prod"}


def test_failed_polls_fire_after_the_window_and_the_grace(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given polls that succeed to minute 4 and fail from minute 5 (PollSucceeded 0)
    rule = prod_rules[f"{PROD}-PollFailed"]
    series = [health_series("PollSucceeded", [1] * 5 + [0] * 10)]
    # Then it fires at minute 11: seen failing from minute 6, for the 3-minute window plus two poll
    # intervals of grace
    check(promtool, tmp_path, [rule], series, [Expect(rule, 10), Expect(rule, 11, [ENV])])


def test_a_dead_poller_fires_once_its_last_poll_is_too_old(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given a poller whose last (successful) poll is at minute 10, then silence
    rule = prod_rules[f"{PROD}-PollFailed"]
    series = [health_series("PollSucceeded", [1] * 11)]
    # Then from minute 13 no poll is recent (a poll interval and a minute), and 5 minutes later
    # (minute 18) it fires
    check(promtool, tmp_path, [rule], series, [Expect(rule, 17), Expect(rule, 18, [ENV])])


def test_a_fresh_deploy_does_not_page_before_a_slow_first_poll(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given an alarm evaluated from minute 0 with no data, and a first poll only at minute 4:30
    # (a rate(1 minute) schedule's first run comes about a minute after it is created)
    rule = prod_rules[f"{PROD}-PollFailed"]
    series = [health_series("PollSucceeded", [None] * 4 + [1] * 10)]
    # Then it never fires
    check(promtool, tmp_path, [rule], series, [Expect(rule, 4), Expect(rule, 5), Expect(rule, 13)])


def test_a_poller_that_never_polls_pages_at_the_end_of_the_grace(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given a deploy whose poller never sends anything (a wrong key, a refused OTLP endpoint)
    rule = prod_rules[f"{PROD}-PollFailed"]
    series = [health_series("ApiLatency", [100] * 8)]  # something else is ingested; PollSucceeded never
    # Then it fires at minute 5
    check(promtool, tmp_path, [rule], series, [Expect(rule, 4), Expect(rule, 5, [ENV])])


def test_one_success_resolves_it_after_the_recovery_period(
    promtool: Path, tmp_path: Path, prod_rules: dict[str, Rule]
) -> None:
    # Given failed polls to minute 11, then successes
    rule = prod_rules[f"{PROD}-PollFailed"]
    series = [health_series("PollSucceeded", [0] * 12 + [1] * 6)]
    # Then it fired at minute 5, and is OK at minute 15, once the success (seen at minute 13) has
    # stood for a poll interval and a minute
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [Expect(rule, 5, [ENV]), Expect(rule, 14, [ENV]), Expect(rule, 15)],
    )


def test_at_a_5_minute_poll_rate_a_dead_poller_fires_after_its_window_and_grace(
    promtool: Path, tmp_path: Path, uat_rules: dict[str, Rule]
) -> None:
    # Given uat polled every 5 minutes, whose last poll is at minute 10
    rule = uat_rules[f"{UAT}-PollFailed"]
    series = [health_series("PollSucceeded", polled([1, 1, 1], every=5), environment="uat")]
    # Then polls 5 minutes apart keep it quiet; the poll of minute 10 stops counting at minute 17,
    # and the 5-minute window plus two intervals later (minute 32) it fires
    check(
        promtool,
        tmp_path,
        [rule],
        series,
        [Expect(rule, 9), Expect(rule, 31), Expect(rule, 32, [{"Environment": "uat"}])],
    )
