"""The PagerDuty routing key never shows, with DEBUG logging on for every library: not in a log
record, the Lambda's log, an exception, the handler's result, the command line's output or an
environment variable (the suite's autouse leak check reads them all). The checks are not vacuous:
botocore does log the secret's body at DEBUG, redacted."""

from __future__ import annotations

import json

import boto3
import pytest

from symbee_sim.local_aws import MotoServer
from symbee_sim.pagerduty import FakePagerDuty
from tests.faults.harness import Outcome, Watch
from tests.fixtures import event
from tests.notify_support import (
    ROUTING_KEY,
    ROUTING_KEY_SECRET,
    NotifyWorld,
    cold_notifier,  # noqa: F401 - an autouse fixture
    fresh,
    invoke,
    notify_world,
    pager,  # noqa: F401 - a fixture
)


@pytest.fixture
def world(
    aws: MotoServer,
    pager: FakePagerDuty,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    watch: Watch,
) -> NotifyWorld:
    watch.secrets.add(ROUTING_KEY)
    return notify_world(pager, monkeypatch)


def run(watch: Watch, name: str = "queue_alarm") -> Outcome:
    result, error = invoke(fresh(event(name)))
    outcome = Outcome(result, error, 0.0, [])
    watch.outcomes.append(outcome)
    watch.texts.append(json.dumps(result))
    return outcome


def test_botocore_logs_the_routing_key_secret_at_debug_and_it_is_redacted(
    world: NotifyWorld, watch: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    assert run(watch).error is None
    assert '"SecretString": "[redacted]"' in caplog.text
    assert len(world.pager.incidents()) == 1


def test_a_refusal_that_echoes_the_key_does_not_carry_it(
    world: NotifyWorld, watch: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given PagerDuty answering 400 with a message that repeats the routing key
    world.pager.fail_next(400, count=3, message=f"unknown routing key {ROUTING_KEY}")
    # When an ALARM is handled
    outcome = run(watch)
    # Then the error says what PagerDuty refused, with the key taken out
    assert outcome.error is not None
    assert "unknown routing key [key]" in str(outcome.error)


def test_a_routing_key_kept_as_json_is_used_and_never_shown(world: NotifyWorld, watch: Watch) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId=ROUTING_KEY_SECRET, SecretString=json.dumps({"routing_key": ROUTING_KEY})
    )
    assert run(watch).error is None
    assert len(world.pager.incidents()) == 1


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        (f"{ROUTING_KEY}\nsecond-line", "does not hold a routing key"),
        (json.dumps({"key": ROUTING_KEY}), "a JSON object without a routing_key field (fields: key)"),
    ],
    ids=["line-break", "json-without-routing-key"],
)
def test_an_unusable_secret_is_named_never_quoted(world: NotifyWorld, watch: Watch, secret: str, words: str) -> None:
    watch.secrets.add(secret)
    boto3.client("secretsmanager").put_secret_value(SecretId=ROUTING_KEY_SECRET, SecretString=secret)
    outcome = run(watch)
    assert outcome.error is not None
    assert words in str(outcome.error)


def test_notify_test_at_debug(
    world: NotifyWorld, watch: Watch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from queue_stats.cli import main

    code = main(["--verbose", "notify-test", "--queue", "Customer Care Inbound"])
    captured = capsys.readouterr()
    watch.texts += [captured.out, captured.err]
    assert code == 0, captured.err[-2000:]
    assert "pager" in captured.out
    assert '"SecretString": "[redacted]"' in caplog.text  # the DEBUG output that could have leaked is there
