"""The dashboard's PromQL charts (metricsBackend otel), read out of the synthesized dashboard body
and evaluated by promtool over a small set of queues: every query parses and the key panels show
the numbers a reader expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.dashboard import QUEUE_PLACEHOLDER
from tests.infra.test_dashboard import body_of
from tests.promql.harness import ExpectValue, Series, check_values, health_series, queue_series

PROD = "SymbeeQueueStats-prod"
MINUTE = 6


@pytest.fixture(scope="module")
def charts(otel_synth: Any) -> dict[str, list[dict[str, Any]]]:
    """Each PromQL chart's queries, by title."""
    body = json.loads(body_of(otel_synth.templates[PROD]))
    return {
        widget["properties"]["title"]: widget["properties"]["data"]["queries"]
        for widget in body["widgets"]
        if widget["type"] == "chart"
    }


def query(charts: dict[str, list[dict[str, Any]]], title: str, index: int = 0, *, queue_field: str = "") -> str:
    """One chart query as CloudWatch runs it: the Queue field's text put in for its placeholder."""
    text: str = charts[title][index]["query"]
    return text.replace(QUEUE_PLACEHOLDER, queue_field)


def fleet() -> list[Series]:
    """Twelve queues polled every minute (to minute 5), two of them with work and nobody available."""
    series = []
    for number in range(12):
        queue_id = f"q{number:02d}"
        name = "Billing EU" if number == 0 else "billing US" if number == 1 else f"Queue {number:02d}"
        series.append(queue_series("ItemsInQueue", [number] * MINUTE, queue_id=queue_id, queue_name=name))
        unattended = number if number in (3, 4) else 0
        series.append(queue_series("UnattendedItems", [unattended] * MINUTE, queue_id=queue_id, queue_name=name))
    series.append(health_series("PollSucceeded", [1] * 4 + [None, None]))
    return series


def test_every_chart_query_parses_and_runs(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given every query of every PromQL chart, the Queue field empty / Then promtool evaluates each
    # (the result is checked for the key panels below)
    every = [q["query"].replace(QUEUE_PLACEHOLDER, "") for queries in charts.values() for q in queries]
    assert len(every) > 20
    check_values(
        promtool,
        tmp_path,
        fleet(),
        # 1 whether or not it returns anything here: only parse and evaluation errors fail
        [ExpectValue(f"(count({text}) * 0 + 1) or vector(1)", MINUTE, [("{}", 1)]) for text in every],
    )


def test_items_waiting_adds_up_every_queue(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given queues holding 0 to 11 items / Then the single value is 66
    check_values(promtool, tmp_path, fleet(), [ExpectValue(query(charts, "Items waiting"), MINUTE, [("{}", 66)])])


def test_queues_with_nobody_free_counts_them(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given two queues with work and nobody available / Then it shows 2
    text = query(charts, "Queues with nobody free")
    check_values(promtool, tmp_path, fleet(), [ExpectValue(text, MINUTE, [("{}", 2)])])


def test_queues_with_nobody_free_shows_0_rather_than_nothing(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given no queue with work and nobody available
    series = [s for s in fleet() if s.metric != "UnattendedItems"]
    series.append(queue_series("UnattendedItems", [0] * MINUTE, queue_id="q00"))
    # Then it shows 0, not an empty widget
    check_values(
        promtool, tmp_path, series, [ExpectValue(query(charts, "Queues with nobody free"), MINUTE, [("{}", 0)])]
    )


def test_top_10_shows_ten_queues_at_most(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given twelve queues with items / Then the chart draws the 10 fullest (not one line per queue)
    text = query(charts, "Top 10: items waiting")
    check_values(promtool, tmp_path, fleet(), [ExpectValue(f"count({text})", MINUTE, [("{}", 10)])])


def test_one_queue_adds_up_the_queues_whose_name_contains_the_text_typed(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given "BILL" typed in the Queue field / Then "Billing EU" (0 items) and "billing US" (1) count
    text = query(charts, "Queue: items", queue_field="BILL")
    check_values(promtool, tmp_path, fleet(), [ExpectValue(text, MINUTE, [("{}", 1)])])


def test_last_poll_says_how_long_ago_the_newest_poll_ran(
    promtool: Path, tmp_path: Path, charts: dict[str, list[dict[str, Any]]]
) -> None:
    # Given the last poll at minute 3:30, read at minute 6 / Then it ran 150 seconds ago
    check_values(promtool, tmp_path, fleet(), [ExpectValue(query(charts, "Last poll", 1), MINUTE, [("{}", 150)])])
