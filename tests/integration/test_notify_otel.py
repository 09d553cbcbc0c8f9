"""The real notifier handler with METRICS_BACKEND=otel, end to end: moto_server as SNS (read back
from SQS), Secrets Manager (the routing key) and CloudWatch, the fake PromQL query API holding the
queue's numbers (signatures checked with moto's credentials), and the fake PagerDuty."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from queue_stats import names as n
from queue_stats.alerts import Alert, parse_event
from queue_stats.promql_reader import READING_LABEL, range_query
from queue_stats.readings import QUEUE_METRICS
from symbee_sim.local_aws import MotoServer
from symbee_sim.pagerduty import FakePagerDuty
from symbee_sim.promql_api import QUERY, QUERY_RANGE, FakePromQLApi
from tests.fixtures import QUEUE_NUMBERS, event
from tests.notify_support import (
    NotifyWorld,
    cold_notifier,  # noqa: F401 - an autouse fixture
    fresh,
    invoke,
    notify_world,
    pager,  # noqa: F401 - a fixture
    put_health,
    put_queue_numbers,
)

OLDEST = "SymbeeQueueStats-prod-OldestItemAge"
POLL_FAILED = "SymbeeQueueStats-prod-PollFailed"
QUEUE_ID, QUEUE_NAME = "zurich-kundendienst", "Zürich Kundendienst"


@pytest.fixture
def api(aws: MotoServer) -> Iterator[FakePromQLApi]:
    env = aws.env()
    with FakePromQLApi(credentials=(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]), region=aws.region) as fake:
        yield fake


@pytest.fixture
def world(
    aws: MotoServer,
    pager: FakePagerDuty,  # noqa: F811
    api: FakePromQLApi,
    monkeypatch: pytest.MonkeyPatch,
) -> NotifyWorld:
    world = notify_world(pager, monkeypatch)
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, n.BACKEND_OTEL)
    monkeypatch.setenv(n.ENV_PROMQL_ENDPOINT, api.url)
    return world


def step_now(minutes_ago: int = 0) -> int:
    """The query_range step that ends the current minute (or one `minutes_ago` before)."""
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return int((minute + timedelta(minutes=1)).timestamp())


def holds(api: FakePromQLApi, *, queue: bool = True, queue_minutes_ago: int = 0) -> None:
    """The API's answer: the queue's numbers (unless not reporting) and a successful poll now."""
    result = [{"metric": {READING_LABEL: reading}, "values": [[step_now(), "1"]]} for reading in ("pollmin", "pollmax")]
    if queue:
        at = step_now(queue_minutes_ago)
        result += [
            {"metric": {READING_LABEL: f"q{index}"}, "values": [[at, str(QUEUE_NUMBERS[metric])]]}
            for index, metric in enumerate(QUEUE_METRICS)
        ]
    api.set_result(QUERY_RANGE, result)


def emails(world: NotifyWorld) -> list[tuple[str, str]]:
    return [(m["Subject"], m["Message"]) for m in world.email.messages()]


def promql_event(name: str, state: str | None = None) -> dict[str, Any]:
    changed = event(name)
    if state is not None:
        changed["detail"]["state"]["value"] = state
    return fresh(changed)


def test_the_email_shows_the_queues_numbers_read_with_promql(world: NotifyWorld, api: FakePromQLApi) -> None:
    # Given the queue's numbers in the OTLP metrics
    holds(api)
    # When its PromQL contributor goes to ALARM
    result, error = invoke(promql_event("promql_queue_alarm"))
    assert error is None, error
    # Then the email names the queue as the API wrote it, with its numbers and a healthy poller
    ((subject, body),) = emails(world)
    assert subject == "ALARM: prod / Zurich Kundendienst: Oldest item too old"
    assert re.search(r"Waiting:\s+5\n", body)
    assert re.search(r"Oldest item:\s+7m00s\n", body)
    assert re.search(r"Agents available:\s+0 of 26 staffed\n", body)
    assert "Poller:           healthy" in body
    assert result is not None
    assert result["numbers"] == "read"


def test_the_api_was_asked_once_with_the_readers_signed_query(world: NotifyWorld, api: FakePromQLApi) -> None:
    holds(api)
    invoke(promql_event("promql_queue_alarm"))
    parsed = parse_event(event("promql_queue_alarm"), escaped_labels=False)
    assert isinstance(parsed, Alert)
    (request,) = api.received
    assert (request.path, request.signature_problem) == (QUERY_RANGE, None)
    assert request.params["query"] == range_query(parsed, environment="prod")


def test_the_pager_incident_is_the_queues_and_names_its_numbers(world: NotifyWorld, api: FakePromQLApi) -> None:
    holds(api)
    invoke(promql_event("promql_queue_alarm"))
    (incident,) = world.pager.incidents()
    assert incident.dedup_key == f"{OLDEST}/{QUEUE_ID}"
    assert incident.summary.startswith(f"prod / {QUEUE_NAME}: Oldest item too old (5 waiting, oldest 7m00s")


def test_an_ok_after_the_queue_left_the_polls_says_no_data_and_resolves(world: NotifyWorld, api: FakePromQLApi) -> None:
    # Given the queue's incident open, then its numbers stop while the poller keeps succeeding
    holds(api)
    invoke(promql_event("promql_queue_alarm"))
    holds(api, queue_minutes_ago=4)
    # When its contributor goes OK
    result, error = invoke(promql_event("promql_queue_alarm", "OK"))
    # Then people read that it stopped reporting, and the incident is resolved
    assert error is None, error
    assert result is not None
    assert result["state"] == "OK (no data)"
    subjects = [subject for subject, _ in emails(world)]
    assert subjects[-1] == "OK (no data): prod / Zurich Kundendienst: Oldest item too old"
    assert {i.dedup_key: i.status for i in world.pager.incidents()} == {f"{OLDEST}/{QUEUE_ID}": "resolved"}


def test_no_successful_poll_as_contributor_events_is_one_critical_incident(
    world: NotifyWorld, api: FakePromQLApi
) -> None:
    # Given the failed-polls series going to ALARM, then the no-polls series (no labels) to OK
    holds(api, queue=False)
    invoke(promql_event("promql_health_alarm"))
    invoke(promql_event("promql_health_ok_no_labels"))
    # Then one critical incident keyed on the alarm, resolved; the emails name what failed
    (incident,) = world.pager.incidents()
    assert (incident.dedup_key, incident.severity, incident.status) == (POLL_FAILED, "critical", "resolved")
    assert [subject for subject, _ in emails(world)] == [
        "ALARM: prod: No successful poll",
        "OK: prod: No successful poll",
    ]


def test_a_refused_query_still_sends_saying_why_there_are_no_numbers(world: NotifyWorld, api: FakePromQLApi) -> None:
    api.fail_next(403, message="User is not authorized to perform: cloudwatch:ListMetrics")
    result, error = invoke(promql_event("promql_queue_alarm"))
    assert error is None, error
    ((_, body),) = emails(world)
    assert "Numbers: unavailable: CloudWatch PromQL query failed: HTTP 403: AccessDeniedException: User is not" in body
    assert result is not None
    assert result["status"] == "sent"


def test_with_both_backends_the_numbers_come_from_getmetricdata(
    world: NotifyWorld, api: FakePromQLApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given METRICS_BACKEND=both: the classic alarms act, and the classic metrics exist
    monkeypatch.setenv(n.ENV_METRICS_BACKEND, n.BACKEND_BOTH)
    put_queue_numbers(QUEUE_ID, "Z\\xfcrich Kundendienst", QUEUE_NUMBERS)
    put_health({n.METRIC_POLL_SUCCEEDED: 1})
    classic = event("promql_queue_alarm")
    classic["detail"]["alarmContributor"]["attributes"]["QueueName"] = "Z\\xfcrich Kundendienst"
    # When the classic contributor goes to ALARM
    invoke(fresh(classic))
    # Then the numbers were read from CloudWatch, the PromQL API never asked
    ((subject, body),) = emails(world)
    assert subject == "ALARM: prod / Zurich Kundendienst: Oldest item too old"
    assert re.search(r"Waiting:\s+5\n", body)
    assert api.received == []


@pytest.mark.slow
def test_the_fire_drill_finds_the_queue_and_its_numbers_over_promql(world: NotifyWorld, api: FakePromQLApi) -> None:
    # Given the API knowing the queue (the lookup) and holding its numbers
    api.set_result(QUERY, [{"metric": {"QueueId": QUEUE_ID, "QueueName": QUEUE_NAME}, "value": [0, "1"]}])
    holds(api)
    # When the operator runs the drill naming the queue as people write it
    script = str(Path(sys.executable).with_name("symbee-queue-stats"))
    done = subprocess.run(
        [script, "notify-test", "--queue", QUEUE_NAME],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then the test names the queue found, with its numbers read over PromQL
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"TEST ALARM for {QUEUE_NAME} (prod), alarm {OLDEST}:"
    assert lines[4].startswith("numbers: read from CloudWatch (as of ")
    assert [r.path for r in api.received] == [QUERY, QUERY_RANGE]
    (mail,) = world.email.messages()
    assert re.search(r"Waiting:\s+5\n", mail["Message"])
    assert f"Queue id:    {QUEUE_ID}" in mail["Message"]
