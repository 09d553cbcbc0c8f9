"""The PromQL reader's pure parts: the query it builds (what it means is proven by promtool in
tests/promql/test_notifier_queries.py), the window it asks for, and the reading of the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from queue_stats import names as n
from queue_stats import readings
from queue_stats.alerts import Alert, Queue, parse_event
from queue_stats.promql_reader import (
    READING_LABEL,
    AnswerError,
    error_of,
    numbers_from_answer,
    range_params,
    range_query,
    warnings_of,
)
from queue_stats.readings import Reading
from symbee_sim import promql_api
from tests.fixtures import event

NOW = datetime(2026, 9, 23, 19, 55, 12, tzinfo=UTC)
MINUTE = datetime(2026, 9, 23, 19, 55, tzinfo=UTC)


def alert(name: str = "promql_queue_alarm") -> Alert:
    parsed = parse_event(event(name), escaped_labels=False)
    assert isinstance(parsed, Alert)
    return parsed


def matrix(*series: tuple[str, list[list[Any]]]) -> dict[str, Any]:
    result = [{"metric": {READING_LABEL: reading}, "values": values} for reading, values in series]
    return {"status": "success", "data": {"resultType": "matrix", "result": result}}


def test_each_reading_selects_its_metric_by_name_with_the_labels_as_a_promql_string() -> None:
    # Given a queue whose labels hold a quote, a backslash and a non-ASCII letter
    queue = Queue('q"1', 'Zürich "Care" \\ desk', escaped=False)
    query = range_query(replace(alert(), queue=queue), environment="prod")
    # Then the queue's readings match it exactly, each metric by its name
    selector = '{Environment="prod",QueueId="q\\"1",QueueName="Zürich \\"Care\\" \\\\ desk"}'
    for metric in readings.QUEUE_METRICS:
        assert f"max(max_over_time({metric}{selector}[1m]))" in query


def test_the_readings_are_the_classic_readers() -> None:
    # Given the classic reader's ids for a queue alert / Then the PromQL query tags the same ones
    wanted = readings.wanted(alert())
    query = range_query(alert(), environment="prod")
    assert query.count(f'"{READING_LABEL}"') == len(wanted)
    for item in wanted:
        assert f'"{READING_LABEL}", "{item.id}", "", "")' in query


def test_a_failed_poll_is_read_as_the_minutes_minimum() -> None:
    query = range_query(alert(), environment="prod")
    assert 'label_replace(min(min_over_time(PollSucceeded{Environment="prod"}[1m])), "reading", "pollmin"' in query


def test_a_health_alert_reads_no_queue_and_the_queues_reported() -> None:
    query = range_query(alert("promql_health_alarm"), environment="prod")
    assert n.DIM_QUEUE_ID not in query
    assert f"{n.METRIC_QUEUES_REPORTED}{{" in query


def test_the_window_is_the_classic_readers_each_step_ending_its_minute() -> None:
    # Given the classic window of GetMetricData periods
    start, end = readings.window(NOW)
    params = range_params(alert(), environment="prod", now=NOW)
    # Then the first step ends the first period and the last the period under way
    assert (int(params["start"]), int(params["end"]), params["step"]) == (
        int((start + timedelta(minutes=1)).timestamp()),
        int(end.timestamp()),
        "60",
    )


def test_a_step_is_named_by_the_minute_it_ends_like_a_getmetricdata_period() -> None:
    # Given the queue's items at the step ending 19:56 (the minute 19:55)
    end = int((MINUTE + timedelta(minutes=1)).timestamp())
    numbers = numbers_from_answer(matrix(("q0", [[end - 60, "3"], [end, "5"]])))
    # Then the latest reading is 5 in the minute 19:55
    assert numbers.queue == {n.METRIC_ITEMS_IN_QUEUE: Reading(5.0, MINUTE)}


@pytest.mark.parametrize("value", ["NaN", "+Inf", "-Inf", "five", None])
def test_a_value_that_is_not_a_finite_number_is_left_out(value: object) -> None:
    end = int((MINUTE + timedelta(minutes=1)).timestamp())
    numbers = numbers_from_answer(matrix(("q0", [[end - 60, "3"], [end, value]])))
    assert numbers.queue == {n.METRIC_ITEMS_IN_QUEUE: Reading(3.0, MINUTE - timedelta(minutes=1))}


def test_an_empty_answer_is_a_queue_not_reporting_and_no_successful_poll() -> None:
    numbers = numbers_from_answer(matrix())
    assert (numbers.queue, numbers.unavailable, numbers.poller_failing) == ({}, None, True)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": "error", "errorType": "bad_data", "error": "parse error"},
        {"status": "success", "data": {"resultType": "vector", "result": []}},
        {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": []}]}},
        {"status": "success", "data": {"resultType": "matrix", "result": "none"}},
        ["not", "an", "answer"],
    ],
    ids=["error", "vector", "no-reading-label", "result-not-a-list", "not-an-object"],
)
def test_an_answer_that_is_not_ours_is_refused(answer: object) -> None:
    with pytest.raises(AnswerError):
        numbers_from_answer(answer)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            b'{"status":"error","errorType":"bad_data","error":"parse error at char 9"}',
            "bad_data: parse error at char 9",
        ),
        (b'{"__type":"AccessDeniedException","message":"not authorized"}', "AccessDeniedException: not authorized"),
        (b"<html>\n Service\n Unavailable </html>", "<html> Service Unavailable </html>"),
    ],
    ids=["prometheus", "aws", "text"],
)
def test_an_error_answer_says_why_on_one_line(body: bytes, said: str) -> None:
    assert error_of(body) == said


def test_the_engines_warnings_are_kept_for_the_log() -> None:
    assert warnings_of({"status": "success", "warnings": ["results truncated at 500 series"]}) == [
        "results truncated at 500 series"
    ]


def test_the_fake_api_serves_the_paths_the_reader_asks() -> None:
    assert (promql_api.QUERY, promql_api.QUERY_RANGE) == (n.PROMQL_QUERY_PATH, n.PROMQL_QUERY_RANGE_PATH)
