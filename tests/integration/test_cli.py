"""The console script as an operator runs it: real process, real HTTP, exit codes, one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from queue_stats import cost
from symbee_sim import Fault, SimulatorServer
from tests.conftest import API_KEY, list_metrics

SCRIPT = str(Path(sys.executable).with_name("symbee-queue-stats"))


def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def clean_env(poller_env: dict[str, str]) -> dict[str, str]:
    """Only what an operator's shell would have: PATH plus the poller's variables."""
    return {"PATH": str(Path(sys.executable).parent), "HOME": str(Path.home()), **poller_env}


def test_poll_dry_run_prints_the_table_and_publishes_nothing(poller_env: dict[str, str]) -> None:
    result = run(clean_env(poller_env), "poll", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["Queue", "Type", "State", "Waiting"]
    assert [line[2:36].strip() for line in lines[1:]] == [
        "Customer Care Inbound",
        "Email Customer Care",
        "SMS Customer Care",
    ]
    assert [line[0] for line in lines[1:]] == ["!", "!", " "]  # waiting with nobody available
    assert "dry run: nothing published" in result.stderr
    assert list_metrics() == []


def test_poll_publishes_to_cloudwatch_and_says_how_much(poller_env: dict[str, str]) -> None:
    result = run(clean_env(poller_env), "poll")
    assert result.returncode == 0, result.stderr
    assert "3 queues, 0 invalid records" in result.stderr
    assert "published 38 datums in 1 PutMetricData request(s)" in result.stderr
    assert len(list_metrics()) == 38


def test_poll_json_prints_every_queue_with_its_metrics(poller_env: dict[str, str]) -> None:
    result = run(clean_env(poller_env), "poll", "--dry-run", "--json")
    queues = json.loads(result.stdout)
    assert [q["queueId"] for q in queues][1:] == ["email-customer-care", "sms-customer-care"]
    assert queues[1]["metrics"]["ItemsInQueue"] == 27
    assert "OldestItemAge" not in queues[1]["metrics"]


def test_flags_override_the_environment(poller_env: dict[str, str], simulator: SimulatorServer) -> None:
    env = clean_env(poller_env)
    env["SYMBEE_ENVIRONMENT"] = "wrong"
    result = run(env, "poll", "--dry-run", "--environment", "prod", "--queue-ids", "sms-customer-care")
    assert result.returncode == 0, result.stderr
    assert simulator.received[-1].json()["queuesInterested"] == [{"queueId": "sms-customer-care"}]


def test_discover_lists_queues_and_prints_a_cdk_json_snippet(poller_env: dict[str, str]) -> None:
    result = run(clean_env(poller_env), "discover")
    assert result.returncode == 0, result.stderr
    table, _, snippet = result.stdout.partition("including ones created later)")
    assert "email-customer-care" in table
    assert "SMS_PINPOINT" in table
    assert "FORCED_OPEN" in table
    context = json.JSONDecoder().raw_decode(snippet.strip())[0]["context"]
    assert context["companyCode"] == "abc-gadgets"
    assert context["environment"] == "prod"
    assert len(context["queueIds"]) == 3
    assert list_metrics() == []  # discovering publishes nothing


def test_discover_ends_with_the_monthly_cost_of_what_it_found(poller_env: dict[str, str]) -> None:
    # Given the simulator's three queues and the default settings
    # When they are discovered
    result = run(clean_env(poller_env), "discover")
    # Then the last line prices monitoring them, as `cost --queues 3` would
    total = cost.estimate(cost.Setup(), cost.Scenario(3)).total
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith(f"Monitoring these 3 queues costs about {cost.usd(total)} a month (all 12 metrics")
    assert last.endswith("`symbee-queue-stats cost --queues 3` shows each item.")


def test_watch_redraws_every_interval_and_stops_after_count(
    poller_env: dict[str, str], simulator: SimulatorServer
) -> None:
    result = run(clean_env(poller_env), "watch", "--interval", "0.2", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("3 queues, 0 invalid") == 3
    assert simulator.requests == 3
    assert simulator.connections == 1  # one session for the whole watch
    assert list_metrics() == []


def test_watch_keeps_going_when_one_poll_fails(poller_env: dict[str, str], simulator: SimulatorServer) -> None:
    simulator.add_fault(Fault("object", times=1))
    result = run(clean_env(poller_env), "watch", "--interval", "0.1", "--count", "2")
    assert result.returncode == 0
    assert "poll failed: Symbee API response is a JSON object" in result.stdout
    assert "3 queues, 0 invalid" in result.stdout


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        (
            "SYMBEE_COMPANY_CODE",
            "symbee-queue-stats: error: configuration: SYMBEE_COMPANY_CODE is required and not set",
        ),
        ("SYMBEE_ENVIRONMENT", "symbee-queue-stats: error: configuration: SYMBEE_ENVIRONMENT is required and not set"),
    ],
)
def test_a_missing_setting_exits_2_with_one_line(poller_env: dict[str, str], unset: str, message: str) -> None:
    env = clean_env(poller_env)
    del env[unset]
    result = run(env, "poll", "--dry-run")
    assert result.returncode == 2
    assert result.stderr.strip() == message


def test_an_api_failure_exits_1_with_one_line_and_no_traceback(
    poller_env: dict[str, str], simulator: SimulatorServer
) -> None:
    simulator.add_fault(Fault("status", status=404))
    result = run(clean_env(poller_env), "poll")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("symbee-queue-stats: error:")]
    assert len(errors) == 1
    assert "HTTP 404" in errors[0]
    assert "Traceback" not in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_a_rejected_key_exits_1_without_showing_it(poller_env: dict[str, str], simulator: SimulatorServer) -> None:
    simulator.rotate_key("some-other-key")
    result = run(clean_env(poller_env), "--verbose", "poll", "--dry-run")
    assert result.returncode == 1
    assert "API key rejected" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_bad_usage_exits_2(poller_env: dict[str, str]) -> None:
    result = run(clean_env(poller_env), "watch", "--interval", "-1")
    assert result.returncode == 2
    assert "must be more than 0" in result.stderr


def test_python_dash_m_runs_the_same_command_line(poller_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "queue_stats", "poll", "--dry-run"],
        env=clean_env(poller_env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Email Customer Care" in result.stdout


def test_simulate_serves_the_api_until_interrupted(poller_env: dict[str, str]) -> None:
    # Given the simulator started from the command line on a free port
    process = subprocess.Popen(
        [SCRIPT, "simulate", "--port", "0", "--queues", "12", "--api-key", API_KEY],
        env=clean_env(poller_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = next(word for word in first.split() if word.startswith("SYMBEE_API_URL=")).split("=", 1)[1]
        # When the poller is pointed at it
        env = {**clean_env(poller_env), "SYMBEE_API_URL": url}
        result = run(env, "poll", "--dry-run", "--json")
        # Then it serves the generated queues
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) == 12
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_a_dry_run_needs_no_cloudwatch_region(poller_env: dict[str, str]) -> None:
    # Given only the secret's region, as on a laptop whose profile sets none
    env = {k: v for k, v in clean_env(poller_env).items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["SYMBEE_SECRETS_REGION"] = "us-east-1"
    # Then reading and printing works; only publishing would need AWS_REGION
    assert run(env, "poll", "--dry-run").returncode == 0
    published = run(env, "poll")
    assert published.returncode == 2
    assert "AWS_REGION is not set" in published.stderr


@pytest.mark.parametrize("count", ["0", "-1", "1.5"])
def test_watch_count_must_be_a_positive_whole_number(poller_env: dict[str, str], count: str) -> None:
    result = run(clean_env(poller_env), "watch", "--count", count)
    assert result.returncode == 2
    assert "--count" in result.stderr


def test_the_readmes_command_table_lists_every_verb() -> None:
    # Given the console script's own verbs and the README's Command line table
    import argparse
    import re
    from pathlib import Path

    from queue_stats.cli import _parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `symbee-queue-stats ([a-z-]+)", section, re.MULTILINE))
    (verbs,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    # Then each verb has a row, and no row names a verb that does not exist
    assert listed == set(verbs.choices)
