"""The notifier's PromQL queries (METRICS_BACKEND otel), evaluated by promtool over synthetic polls:
the exact strings `promql_reader` sends give, step by step, what GetMetricData's per-minute
Maximum / Minimum would (an oracle over the same samples says it), and the reader turns that answer
into the numbers a person is shown.

A `query_range` is its expression evaluated at each step, so each step is one `promql_expr_test`.
Polls land at :20 of their minute (never on a range's edge, see harness.py); a minute with a
success and a failure has the failure at :40 (the poller stamps a failed poll's 0 after the 1)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from queue_stats import names as n
from queue_stats import readings
from queue_stats.alerts import Alert, Queue, parse_event
from queue_stats.promql_reader import (
    READING_LABEL,
    find_query,
    numbers_from_answer,
    queue_from_answer,
    range_params,
)
from queue_stats.readings import Reading
from tests.fixtures import event

ENV = "prod"
MINUTES = 20  # minutes 0..19 of input
QUEUE_ID = "zurich-care"
QUEUE_NAME = 'Zürich "Care" \\ desk'  # a quote, a backslash and a non-ASCII letter, as the API wrote them
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # promtool's time 0
NOW = EPOCH + timedelta(minutes=19, seconds=10)  # the notifier reads during minute 19


@dataclass(frozen=True)
class Input:
    """One series: per minute, the samples at :20 and :40 (None: no sample)."""

    metric: str
    labels: Mapping[str, str]
    minutes: Mapping[int, tuple[float | None, float | None]]

    def as_input(self) -> dict[str, str]:
        labels = ",".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in self.labels.items())
        slots = []
        for minute in range(MINUTES):
            first, second = self.minutes.get(minute, (None, None))
            slots += ["_", _value(first), _value(second)]
        return {"series": f"{self.metric}{{{labels}}}", "values": " ".join(slots)}


def _value(value: float | None) -> str:
    return "_" if value is None else repr(float(value))


def every_minute(value: float, *, until: int = MINUTES - 1) -> dict[int, tuple[float | None, float | None]]:
    return dict.fromkeys(range(until + 1), (value, None))


def queue_labels(queue_id: str = QUEUE_ID, name: str = QUEUE_NAME, *, environment: str = ENV, task: str = "EMAIL"):
    return {"Environment": environment, "QueueId": queue_id, "QueueName": name, "TaskType": task}


def world() -> list[Input]:
    """The queue reports to minute 17, then stops; at minute 10 another task type of it spikes; the
    poller fails once in minute 12 and for good from minute 16; minute 14 has idle queues. Another
    queue, the same queue in another environment and under an old name must never be read."""
    queue = queue_labels()
    polls: dict[int, tuple[float | None, float | None]] = dict.fromkeys(range(MINUTES), (1, None))
    polls[12] = (1, 0)
    polls |= dict.fromkeys(range(16, MINUTES), (0, None))
    return [
        Input(n.METRIC_ITEMS_IN_QUEUE, queue, {minute: (minute, None) for minute in range(18)}),
        Input(n.METRIC_ITEMS_IN_QUEUE, queue_labels(task="CHAT"), {10: (1010, None)}),
        Input(n.METRIC_OLDEST_ITEM_AGE, queue, {minute: (minute * 10, None) for minute in range(18)}),
        Input(n.METRIC_AGENTS_AVAILABLE, queue, every_minute(2, until=17)),
        Input(n.METRIC_AGENTS_STAFFED, queue, every_minute(5, until=17)),
        Input(n.METRIC_AGENTS_WORKING, queue, every_minute(3, until=17)),
        Input(n.METRIC_AGENTS_IN_ERROR, queue, every_minute(0, until=17)),
        Input(n.METRIC_QUEUE_OPEN, queue, every_minute(1, until=17)),
        Input(n.METRIC_ITEMS_IN_QUEUE, queue_labels("other-queue", "Other"), every_minute(500)),
        Input(n.METRIC_ITEMS_IN_QUEUE, queue_labels(environment="uat"), every_minute(900)),
        Input(n.METRIC_ITEMS_IN_QUEUE, queue_labels(name="Zurich (old name)"), every_minute(700, until=5)),
        Input(n.METRIC_POLL_SUCCEEDED, {"Environment": ENV}, polls),
        Input(n.METRIC_POLL_SUCCEEDED, {"Environment": "uat"}, every_minute(0)),
        Input(n.METRIC_QUEUES_IDLE, {"Environment": ENV}, {**every_minute(0), 14: (3, None)}),
    ]


def oracle(inputs: Sequence[Input], alert: Alert, step_end: int) -> dict[str, float]:
    """What GetMetricData's per-minute statistics give for the minute before `step_end` (in
    minutes), for each reading of `readings.wanted`: the classic semantics, computed directly."""
    assert alert.queue is not None
    out = {}
    for wanted in readings.wanted(alert):
        labels = (
            {"Environment": ENV, "QueueId": alert.queue.queue_id, "QueueName": alert.queue.queue_name}
            if wanted.per_queue
            else {"Environment": ENV}
        )
        samples = [
            value
            for series in inputs
            if series.metric == wanted.metric and all(series.labels.get(k) == v for k, v in labels.items())
            for value in series.minutes.get(step_end - 1, (None, None))
            if value is not None
        ]
        if samples:
            out[wanted.id] = max(samples) if wanted.stat == readings.MAXIMUM else min(samples)
    return out


def promtool_evaluates(promtool: Path, workdir: Path, inputs: Sequence[Input], tests: list[dict[str, Any]]) -> None:
    document = {
        "rule_files": [],
        "evaluation_interval": "60s",
        "tests": [{"interval": "20s", "input_series": [s.as_input() for s in inputs], "promql_expr_test": tests}],
    }
    (workdir / "tests.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [str(promtool), "test", "rules", "tests.yml"],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def otel_alert() -> Alert:
    parsed = parse_event(event("queue_alarm"), escaped_labels=False)
    assert isinstance(parsed, Alert)
    return replace(parsed, queue=Queue(QUEUE_ID, QUEUE_NAME, escaped=False))


def steps(params: Mapping[str, str]) -> list[int]:
    """The evaluation times of a query_range, in minutes since promtool's time 0."""
    start, end, step = int(params["start"]), int(params["end"]), int(params["step"])
    return [t // 60 for t in range(start, end + 1, step)]


def test_the_range_query_gives_each_minutes_statistics_as_getmetricdata_would(promtool: Path, tmp_path: Path) -> None:
    # Given the synthetic polls and the query the reader sends for the queue's alarm
    inputs, alert = world(), otel_alert()
    params = range_params(alert, environment=ENV, now=NOW)
    minutes = steps(params)
    assert (minutes[0], minutes[-1], len(minutes)) == (5, 20, readings.LOOKBACK_MINUTES + 1)
    # When promtool evaluates it at every step / Then each step holds, per reading, the statistic
    # of the minute it ends, and nothing of the other queue, environment or name
    expected = {minute: oracle(inputs, alert, minute) for minute in minutes}
    assert expected[11]["q0"] == 1010  # the spike of the queue's other task type, folded by max
    assert (expected[13]["pollmin"], expected[13]["pollmax"]) == (0, 1)  # a failure and a success
    assert "q0" not in expected[19]  # the queue stopped reporting
    tests = [
        {
            "expr": params["query"],
            "eval_time": f"{minute}m",
            "exp_samples": [{"labels": f'{{{READING_LABEL}="{k}"}}', "value": v} for k, v in sorted(found.items())],
        }
        for minute, found in expected.items()
    ]
    promtool_evaluates(promtool, tmp_path, inputs, tests)


def test_that_answer_reads_as_the_queue_left_out_while_the_poller_fails() -> None:
    # Given the query_range answer promtool confirmed above (the oracle's samples, step by step)
    inputs, alert = world(), otel_alert()
    params = range_params(alert, environment=ENV, now=NOW)
    series: dict[str, list[list[Any]]] = {}
    for minute in steps(params):
        for reading, value in oracle(inputs, alert, minute).items():
            series.setdefault(reading, []).append([minute * 60, str(value)])
    answer = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {READING_LABEL: k}, "values": v} for k, v in series.items()],
        },
    }
    # When the reader reads it
    numbers = numbers_from_answer(answer)
    # Then the queue's latest numbers are minute 17's, the last success minute 15's, and the
    # poller's latest minute failed: the queue is not in the latest poll
    minute = EPOCH + timedelta(minutes=17)
    assert numbers.queue[n.METRIC_ITEMS_IN_QUEUE] == Reading(17, minute)
    assert numbers.queue[n.METRIC_OLDEST_ITEM_AGE] == Reading(170, minute)
    assert numbers.last_success == EPOCH + timedelta(minutes=15)
    assert numbers.poll == Reading(0, EPOCH + timedelta(minutes=19))
    assert (numbers.poller_failing, numbers.queue_absent) == (True, True)


def test_the_queue_lookup_finds_it_by_id_or_by_name_in_its_environment_only(promtool: Path, tmp_path: Path) -> None:
    # Given the synthetic polls / When promtool evaluates the lookup by id and by name at minute 19
    inputs = world()
    by_id = find_query(QUEUE_ID, environment=ENV)
    by_name = find_query(f"  {QUEUE_NAME} ", environment=ENV)
    mine = f'{{QueueId="{QUEUE_ID}",QueueName={json.dumps(QUEUE_NAME, ensure_ascii=False)}}}'
    old_name = f'{{QueueId="{QUEUE_ID}",QueueName="Zurich (old name)"}}'
    tests = [
        # Then by id: the queue under both names it reported in the last 3 hours (the value, the
        # largest latest value of its metrics, means nothing)
        {
            "expr": by_id,
            "eval_time": "19m",
            "exp_samples": [{"labels": mine, "value": 1010}, {"labels": old_name, "value": 700}],
        },
        # ... by name: only that name, never the uat queue of the same name
        {"expr": by_name, "eval_time": "19m", "exp_samples": [{"labels": mine, "value": 1010}]},
    ]
    promtool_evaluates(promtool, tmp_path, inputs, tests)


def test_the_lookup_answer_names_the_queue_with_its_labels_unescaped() -> None:
    # Given a lookup answer with the queue's two names
    answer = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"QueueId": QUEUE_ID, "QueueName": "Zurich (old name)"}, "value": [1140, "700"]},
                {"metric": {"QueueId": "other", "QueueName": QUEUE_ID}, "value": [1140, "1"]},
            ],
        },
    }
    # When the reader picks one / Then the queue whose id is the text, shown as the API wrote it
    assert queue_from_answer(answer, QUEUE_ID) == Queue(QUEUE_ID, "Zurich (old name)", escaped=False)
