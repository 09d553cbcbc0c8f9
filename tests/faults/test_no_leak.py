"""The key never shows, at DEBUG, in the command line's output either; and the checks that say so
are not vacuous: botocore does log the secret's body at DEBUG, redacted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from queue_stats import names as n
from symbee_sim import Fault, SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY
from tests.faults.harness import Invoke, Watch
from tests.faults.servers import AwsProxy, AwsRule, Exchange, ScriptedServer, aws_error

CLI = Path(sys.executable).with_name("symbee-queue-stats")


def run_cli(watch: Watch) -> subprocess.CompletedProcess[str]:
    """`symbee-queue-stats --verbose poll --dry-run` (DEBUG logging on) with this test's environment."""
    done = subprocess.run(
        [str(CLI), "--verbose", "poll", "--dry-run"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    watch.texts += [done.stdout, done.stderr]  # the autouse leak check reads these
    return done


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_botocore_logs_the_secret_body_at_debug_and_it_is_redacted(
    invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    assert invoke().error is None
    assert '"SecretString": "[redacted]"' in caplog.text


@pytest.mark.usefixtures("env")
def test_cli_success_at_debug(watch: Watch) -> None:
    done = run_cli(watch)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Customer Care Inbound" in done.stdout
    assert "DEBUG botocore" in done.stderr  # the DEBUG output that could have leaked is there
    assert '"SecretString": "[redacted]"' in done.stderr


@pytest.mark.usefixtures("env")
def test_cli_key_refused_twice(simulator: SimulatorServer, watch: Watch) -> None:
    watch.secrets.add("cli-key-the-secret-does-not-hold")
    simulator.rotate_key("cli-key-the-secret-does-not-hold")
    done = run_cli(watch)
    assert done.returncode == 1
    assert last_line(done.stderr).startswith("symbee-queue-stats: error: Symbee API key rejected (HTTP 401)")


@pytest.mark.usefixtures("env")
def test_cli_lasting_server_error(simulator: SimulatorServer, watch: Watch) -> None:
    simulator.add_fault(Fault("status", status=503, retry_after="0"))
    done = run_cli(watch)
    assert done.returncode == 1
    assert last_line(done.stderr) == "symbee-queue-stats: error: Symbee API call failed 3 times, last: HTTP 503"


@pytest.mark.usefixtures("env")
def test_cli_error_body_repeating_the_key(monkeypatch: pytest.MonkeyPatch, watch: Watch) -> None:
    def respond(exchange: Exchange) -> None:
        key = exchange.headers.get("X-sc-company-api-key", "")
        exchange.answer(400, json.dumps({"error": f"unknown key {key}"}).encode())

    with ScriptedServer(respond) as server:
        monkeypatch.setenv(n.ENV_API_URL, server.url())
        done = run_cli(watch)
    assert done.returncode == 1
    assert "unknown key [key]" in last_line(done.stderr)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("secret", "words"),
    [
        (json.dumps({"apiKey": API_KEY}), "holds a JSON object"),
        (f"{API_KEY}\nsecond-line", "characters an HTTP header cannot carry"),
    ],
    ids=["json-wrapped", "line-break"],
)
def test_cli_unusable_secret(aws: MotoServer, watch: Watch, secret: str, words: str) -> None:
    watch.secrets.add(secret)
    boto3.client("secretsmanager", endpoint_url=aws.url).put_secret_value(
        SecretId=n.DEFAULT_API_KEY_SECRET_ID, SecretString=secret
    )
    done = run_cli(watch)
    assert done.returncode == 1
    assert words in last_line(done.stderr)


@pytest.mark.usefixtures("env")
def test_cli_secret_access_denied(aws_proxy: AwsProxy, watch: Watch) -> None:
    denied = aws_error("AccessDeniedException", "not authorized to perform: secretsmanager:GetSecretValue")
    aws_proxy.add_rule(AwsRule(lambda call: call.operation == "GetSecretValue", denied))
    done = run_cli(watch)
    assert done.returncode == 1
    assert "AccessDeniedException" in last_line(done.stderr)
