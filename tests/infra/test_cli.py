"""`cdk synth` through the real CDK CLI pinned in package.json, offline, as `make synth` runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import PROJECT_ROOT
from tests.infra.conftest import DEFAULT_STACK, Synth

CDK = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"

pytestmark = pytest.mark.slow


def run_cdk(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CDK.exists():
        pytest.fail(f"{CDK} is missing: run `make install` (npm ci) first")
    env = {
        **os.environ,
        # Offline and self-contained, as the Makefile sets it up.
        "CDK_HOME": str(tmp_path / "cdk-home"),
        "CDK_DISABLE_CLI_TELEMETRY": "1",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # cdk.json runs `python3 app.py`: make that this interpreter (the project's venv).
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
    }
    return subprocess.run(
        [str(CDK), *args, "--no-notices"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_cdk_cli_synth(tmp_path: Path, default_synth: Synth) -> None:
    # Given cdk.json plus one override on the command line
    outdir = tmp_path / "cdk.out"

    # When the real CLI synthesizes
    result = run_cdk(tmp_path, "synth", "-o", str(outdir), "-c", "pollRateMinutes=5")

    # Then it succeeds (cdk-nag included), prints the template and writes the assembly
    assert result.returncode == 0, result.stderr
    assert "Type: AWS::Lambda::Function" in result.stdout
    assert "rate(5 minutes)" in result.stdout
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert DEFAULT_STACK in manifest["artifacts"]
    report = json.loads((outdir / "validation-report.json").read_text())
    assert [r["conclusion"] for r in report["pluginReports"]] == ["success"]

    # And the Lambda asset hash equals the one of an earlier synth in another process
    template = json.loads((outdir / f"{DEFAULT_STACK}.template.json").read_text())
    codes = [r["Properties"]["Code"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    expected = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
    assert codes == [r["Properties"]["Code"] for r in expected]


def test_cdk_cli_reports_a_bad_value_naming_the_key(tmp_path: Path) -> None:
    result = run_cdk(tmp_path, "synth", "-o", str(tmp_path / "cdk.out"), "-c", "symbeeRegion=mars-north-1")

    assert result.returncode != 0
    assert "Configuration error: cdk.json context key 'symbeeRegion': must be one of" in result.stderr
    assert "Traceback" not in result.stderr
