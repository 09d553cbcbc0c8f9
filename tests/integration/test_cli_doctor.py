"""`doctor` and `discover` at their edges, as an operator runs them: where the stack's name comes
from, what a missing stack or region says, and discover's warning above what a queue alarm evaluates.
The deployed stack itself is checked by tests/deploy/test_doctor.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from infra import PROJECT_ROOT
from symbee_sim import SimulatorServer
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY, COMPANY, ENVIRONMENT
from tests.integration.test_cli import SCRIPT, clean_env, run


def in_folder(env: dict[str, str], folder: Path, *args: str) -> tuple[int, str, str]:
    result = subprocess.run(
        [SCRIPT, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return result.returncode, result.stdout, result.stderr


def test_without_cdk_json_or_stack_doctor_asks_for_the_stack(aws: MotoServer, tmp_path: Path) -> None:
    code, _, stderr = in_folder(clean_env(aws.env()), tmp_path, "doctor")
    assert code == 2
    assert stderr.strip() == (
        "symbee-queue-stats: error: configuration: name the stack: --stack <stackName>-<environment> "
        "(no cdk.json here to read it from)"
    )


@pytest.mark.slow  # the stack's own loader reads cdk.json (seconds)
def test_doctor_reads_the_stack_names_from_cdk_json(aws: MotoServer, tmp_path: Path) -> None:
    # Given a checkout whose cdk.json monitors two environments, neither deployed
    shutil.copytree(PROJECT_ROOT / "infra", tmp_path / "infra")
    (tmp_path / "cdk.json").write_text(
        '{"context": {"companyCode": "abc", "environments": [{"environment": "prod"}, {"environment": "uat"}]}}'
    )
    # When doctor runs there with no --stack
    code, stdout, stderr = in_folder(clean_env(aws.env()), tmp_path, "doctor")
    # Then it checks both stacks, and fails naming each
    assert code == 1
    assert "✗ stack          no stack SymbeeQueueStats-prod in us-east-1" in stdout
    assert "✗ stack          no stack SymbeeQueueStats-uat in us-east-1" in stdout
    assert stderr.strip().endswith("2 check(s) failed: SymbeeQueueStats-prod: stack, SymbeeQueueStats-uat: stack")


def test_doctor_without_a_region_says_so(aws: MotoServer, tmp_path: Path) -> None:
    env = {k: v for k, v in clean_env(aws.env()).items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    code, _, stderr = in_folder(env, tmp_path, "doctor", "--stack", "S")
    assert code == 2
    assert "no AWS region: pass --region" in stderr


def test_doctor_prints_plain_marks_where_the_terminal_cannot_print_them(aws: MotoServer, tmp_path: Path) -> None:
    env = {**clean_env(aws.env()), "PYTHONIOENCODING": "ascii"}
    code, stdout, _ = in_folder(env, tmp_path, "doctor", "--stack", "Nowhere")
    assert code == 1
    assert stdout.splitlines()[1] == "FAIL stack          no stack Nowhere in us-east-1"
    assert stdout.isascii()


def discover_env(aws: MotoServer, simulator: SimulatorServer) -> dict[str, str]:
    return {
        **clean_env(aws.env()),
        "SYMBEE_COMPANY_CODE": COMPANY,
        "SYMBEE_ENVIRONMENT": ENVIRONMENT,
        "SYMBEE_API_URL": simulator.url,
    }


def test_discover_warns_above_what_one_queue_alarm_evaluates(aws: MotoServer) -> None:
    # Given an environment with 501 queues
    with SimulatorServer(api_key=API_KEY, company_code=COMPANY, environment=ENVIRONMENT, queues=501) as simulator:
        # When they are discovered
        result = run(discover_env(aws, simulator), "discover")
    # Then the listing says what the alarms do with so many
    assert result.returncode == 0, result.stderr
    assert "Warning: 501 queues, more than the 500 a queue alarm evaluates." in result.stdout


def test_discover_does_not_warn_at_500_queues(aws: MotoServer) -> None:
    with SimulatorServer(api_key=API_KEY, company_code=COMPANY, environment=ENVIRONMENT, queues=500) as simulator:
        result = run(discover_env(aws, simulator), "discover", "--json")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
