"""The deploy rehearsal: README.md's own deploy commands, run with the real CDK CLI against a local
AWS emulator on loopback (moto_server plus the shims in emulator.py), once per test session.

Nothing here can reach a real account: the CLI and boto3 go to AWS_ENDPOINT_URL with made-up
credentials, and no AWS configuration file of the machine is read.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import PROJECT_ROOT
from symbee_sim.local_aws import MotoServer
from tests.deploy import readme
from tests.deploy.resources import Aws

EMULATOR = Path(__file__).with_name("emulator.py")
# The README's Deploy steps the rehearsal runs before its tests, in the README's order.
REHEARSED_STEPS = ("install", "synth", "bootstrap", "deploy")
STEP_TIMEOUT_SECONDS = 240


@dataclass
class Rehearsal:
    """A deployed app in the emulator, and how long each README command took to get it there."""

    server: MotoServer
    workdir: Path
    aws: Aws
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def assembly(self) -> Path:
        return self.workdir / "cdk.out"

    def cdk_args(self, target: str) -> str:
        """What the rehearsal adds to the README's CDK_ARGS for one make target: the assembly is
        synthesized once into the session's folder and deployed from there; nothing asks questions."""
        app = f"--app {shlex.quote(str(self.assembly))}"
        return {
            "install": "",
            "synth": f"--output {shlex.quote(str(self.assembly))}",
            "bootstrap": app,
            # Direct deploys: a stack moto creates from a change set has no outputs.
            "deploy": f"{app} --require-approval never --method=direct",
            # A template diff: moto cannot make the read-only change set a default diff asks for.
            "diff": f"{app} --method=template",
            "destroy": f"{app} --force",
        }[target]

    def environment(self) -> dict[str, str]:
        """The shell of an operator whose credentials point at the emulator (and nowhere else)."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "CDK_", "MAKE")) and name not in ("MFLAGS", "VIRTUAL_ENV")
        }
        no_file = str(self.workdir / "no-aws-config")
        return {
            **inherited,
            **self.server.env(),
            "AWS_CONFIG_FILE": no_file,
            "AWS_SHARED_CREDENTIALS_FILE": no_file,
        }

    def run(self, command: readme.Command) -> subprocess.CompletedProcess[str]:
        """Run one README make command as written, plus the rehearsal's arguments; fail with its output."""
        target = command.make_target
        if target is None:
            raise AssertionError(f"the rehearsal runs make commands only, not {command}")
        variables = command.make_variables
        cdk_args = " ".join(filter(None, (variables.pop("CDK_ARGS", ""), self.cdk_args(target))))
        argv = [
            "make",
            target,
            *(f"{name}={value}" for name, value in variables.items()),
            # A fresh CDK state per run: the CLI caches account lookups in CDK_HOME.
            f"CDK_HOME={self.workdir / 'cdk-home'}",
            f"CDK_ARGS={cdk_args}",
        ]
        started = time.monotonic()
        result = subprocess.run(
            argv,
            cwd=PROJECT_ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_SECONDS,
            check=False,
        )
        self.seconds[target] = time.monotonic() - started
        assert result.returncode == 0, f"{shlex.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    def templates(self) -> dict[str, dict[str, Any]]:
        """Each stack's template as synthesized, by stack name."""
        manifest = json.loads((self.assembly / "manifest.json").read_text())
        return {
            artifact["properties"].get("stackName", name): json.loads(
                (self.assembly / artifact["properties"]["templateFile"]).read_text()
            )
            for name, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }


def readme_steps(section: str, targets: tuple[str, ...]) -> list[readme.Command]:
    """The README's fenced make commands of a section for these targets, in the README's order."""
    steps = [c for c in readme.in_section(section) if c.fenced and c.make_target in targets]
    missing = [t for t in targets if t not in {c.make_target for c in steps}]
    assert not missing, f"README.md's {section} section no longer has a `make {'`, `make '.join(missing)}` step"
    return steps


@pytest.fixture(scope="session")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    """README's deploy steps, synth to deploy, against a fresh emulator; the stacks stay up for the tests."""
    workdir = tmp_path_factory.mktemp("rehearsal")
    with MotoServer(launcher=(str(EMULATOR),), url_host="localhost") as server:
        session = boto3.Session(**_session_arguments(server.env()))
        account = session.client("sts", endpoint_url=server.url).get_caller_identity()["Account"]
        aws = Aws(session=session, endpoint_url=server.url, account=account, region=server.region)
        rehearsal = Rehearsal(server=server, workdir=workdir, aws=aws)
        for step in readme_steps("Deploy", REHEARSED_STEPS):
            rehearsal.run(step)
        _TIMINGS.append(rehearsal.seconds)
        yield rehearsal


_TIMINGS: list[dict[str, float]] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The rehearsal's step times at the end of the run: the figure to watch as the stack grows."""
    for seconds in _TIMINGS:
        steps = ", ".join(f"make {target} {value:.1f} s" for target, value in seconds.items())
        terminalreporter.write_line(f"deploy rehearsal: {steps} (total {sum(seconds.values()):.1f} s)")


def _session_arguments(env: Mapping[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_REGION"],
    }
