"""`symbee-queue-stats notify-test`, the fire drill, as an operator runs it: a real process, moto_server
as AWS, the fake PagerDuty; settings from the environment or from a deployed stack."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from queue_stats import names as n
from symbee_sim.local_aws import MotoServer
from symbee_sim.pagerduty import FakePagerDuty
from tests.notify_support import (
    NAME_A,
    QUEUE_A,
    NotifyWorld,
    notify_world,
    pager,  # noqa: F401 - a fixture
    put_health,
    put_queue_numbers,
)

SCRIPT = str(Path(sys.executable).with_name("symbee-queue-stats"))
STACK = "SymbeeQueueStats-prod"
FUNCTION = "SymbeeQueueStats-prod-Notifier"


@pytest.fixture
def world(aws: MotoServer, pager: FakePagerDuty, monkeypatch: pytest.MonkeyPatch) -> NotifyWorld:  # noqa: F811
    return notify_world(pager, monkeypatch)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, "notify-test", *args],
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_every_configured_channel_gets_a_marked_test_with_the_real_numbers(world: NotifyWorld) -> None:
    # Given the queue's numbers in CloudWatch
    put_queue_numbers(QUEUE_A, NAME_A, {n.METRIC_ITEMS_IN_QUEUE: 4, n.METRIC_AGENTS_STAFFED: 3})
    put_health({n.METRIC_POLL_SUCCEEDED: 1})
    # When the operator runs the drill naming the queue
    done = run("--queue", NAME_A)
    # Then each channel has a line with a tick and where it went, and exit status 0
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "TEST ALARM for Customer Care Inbound (prod), alarm SymbeeQueueStats-prod-OldestItemAge:"
    assert lines[1].startswith(f"✓ email  {world.email.topic_arn}  message id ")
    assert lines[2].startswith(f"✓ chat   {world.chat.topic_arn}  message id ")
    assert lines[3].startswith(f"✓ pager  {world.pager.url}  trigger accepted, dedup_key test/")
    assert lines[4].startswith("numbers: read from CloudWatch (as of ")
    # and every message is clearly a test, naming the queue by its real id, with its numbers
    (mail,) = world.email.messages()
    assert mail["Subject"] == "[TEST] ALARM: prod / Customer Care Inbound: Oldest item too old"
    assert mail["Message"].startswith("THIS IS A TEST")
    assert "Waiting:          4" in mail["Message"]
    assert f"Queue id:    {QUEUE_A}" in mail["Message"]
    (incident,) = world.pager.incidents()
    assert incident.summary.startswith("[TEST] prod / Customer Care Inbound")


@pytest.mark.slow
def test_resolve_closes_the_test_incident(world: NotifyWorld) -> None:
    # Given a drill run for a queue, by its id
    put_queue_numbers(QUEUE_A, NAME_A, {n.METRIC_ITEMS_IN_QUEUE: 4})
    assert run("--queue", QUEUE_A).returncode == 0
    # When it runs again with --resolve, then the test incident is resolved
    done = run("--queue", QUEUE_A, "--resolve")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("TEST OK for Customer Care Inbound")
    assert [i.status for i in world.pager.incidents()] == ["resolved"]


@pytest.mark.slow
def test_a_failing_channel_is_crossed_and_the_exit_status_says_so(world: NotifyWorld) -> None:
    # Given PagerDuty refusing everything
    world.pager.fail_next(400, count=5, message="Event object is invalid")
    # When the drill runs
    done = run("--queue", NAME_A)
    # Then the pager line is crossed with the reason, the others ticked, and one error line
    assert done.returncode == 1
    pager_line = done.stdout.splitlines()[3]
    assert pager_line.startswith(f"✗ pager  {world.pager.url}  PagerDuty refused the event (HTTP 400)")
    assert done.stderr.strip().splitlines()[-1] == "symbee-queue-stats: error: 1 of 3 channel(s) failed: pager"
    assert len(world.email.messages()) == 1


@pytest.mark.slow
def test_settings_come_from_the_deployed_stack(world: NotifyWorld) -> None:
    # Given a deployed stack whose output names the notifier, whose environment holds the settings
    deploy_notifier(world.env)
    env = {k: v for k, v in os.environ.items() if k not in world.env}
    # When the drill names only the stack
    done = run("--stack", STACK, "--queue", NAME_A, env=env)
    # Then it used the function's settings with the operator's credentials
    assert done.returncode == 0, done.stderr
    assert [line[:7] for line in done.stdout.splitlines()[1:4]] == ["✓ email", "✓ chat ", "✓ pager"]
    assert len(world.pager.incidents()) == 1


@pytest.mark.slow
def test_a_stack_without_the_notifier_output_is_a_one_line_error(world: NotifyWorld) -> None:
    boto3.client("cloudformation").create_stack(StackName="Old", TemplateBody=json.dumps(template({})))
    done = run("--stack", "Old", "--queue", NAME_A)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "symbee-queue-stats: error: configuration: stack 'Old' has no output NotifierFunctionName: "
        "deploy a version with the notifier"
    )


@pytest.mark.slow
def test_nothing_configured_is_a_configuration_error(aws: MotoServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "CHAT_", "PAGERDUTY_"))}
    done = run("--queue", NAME_A, env={**env, n.ENV_ENVIRONMENT: "prod"})
    assert done.returncode == 2
    assert "no channel is configured" in done.stderr


@pytest.mark.slow
def test_an_unknown_queue_is_named_as_given_with_a_note(world: NotifyWorld) -> None:
    done = run("--queue", "Nobody Knows")
    assert done.returncode == 0, done.stderr
    assert "no metric of environment 'prod' in the last 3 hours has a queue id or name 'Nobody Knows'" in done.stderr
    (mail,) = world.email.messages()
    assert "Queue numbers: none in the last 15 minutes" in mail["Message"]


def template(outputs: dict[str, str]) -> dict[str, object]:
    return {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }


def deploy_notifier(variables: dict[str, str]) -> None:
    """A stack with the notifier's output, and the function it names holding `variables`."""
    role = boto3.client("iam").create_role(
        RoleName="notifier",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    boto3.client("lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role,
        Handler=n.NOTIFY_HANDLER,
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": variables},
    )
    boto3.client("cloudformation").create_stack(
        StackName=STACK, TemplateBody=json.dumps(template({n.OUTPUT_NOTIFIER_FUNCTION_NAME: FUNCTION}))
    )
