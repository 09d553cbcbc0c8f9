"""promtool, found once per session. Without it these tests are left out with one line at the end
of the run that says how to install it; where PROMTOOL_REQUIRED=1 (.ci/run sets it, so CI always
runs them) they fail instead."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import PROJECT_ROOT
from tests.promql.harness import ENVIRONMENT, Rule, promql_rules

HERE = Path(__file__).resolve().parent
_LEFT_OUT = pytest.StashKey[tuple[int, str]]()

# keep_firing_for (CloudWatch's RecoveryPeriod) arrived in Prometheus 2.42.
MIN_VERSION = (2, 42)
INSTALL = (
    "promtool not found: the PromQL alarm tests need it (Prometheus >= 2.42). Install Debian's "
    "'prometheus' package (apt-get install --no-install-recommends prometheus; only promtool is used), "
    "or run .ci/run, which extracts promtool into .cache/bin/ without installing a server"
)


def find_promtool() -> Path | None:
    """$PROMTOOL if set, else promtool on the PATH, else the copy .ci/run extracts."""
    chosen = os.environ.get("PROMTOOL")
    found = shutil.which(chosen if chosen else "promtool")
    if found or chosen:
        return Path(found) if found else None
    local = PROJECT_ROOT / ".cache" / "bin" / "promtool"
    return local if local.is_file() and os.access(local, os.X_OK) else None


def promtool_problem() -> tuple[Path | None, str | None]:
    """promtool's path, or why it cannot be used."""
    path = find_promtool()
    if path is None:
        return None, INSTALL
    version = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False, timeout=30)
    found = re.search(r"version (\d+)\.(\d+)", version.stdout + version.stderr)
    if found is None or (int(found[1]), int(found[2])) < MIN_VERSION:
        return None, f"{path} is not Prometheus >= 2.42 ({(version.stdout or version.stderr).strip()[:80]}); {INSTALL}"
    return path, None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without promtool, leave these tests out (one line in the summary says why), not one skip
    line each; with PROMTOOL_REQUIRED=1 they stay, and fail."""
    mine = [item for item in items if HERE in item.path.parents]
    if not mine or os.environ.get("PROMTOOL_REQUIRED") == "1":
        return
    _, problem = promtool_problem()
    if problem is None:
        return
    items[:] = [item for item in items if item not in mine]
    config.hook.pytest_deselected(items=mine)
    config.stash[_LEFT_OUT] = (len(mine), problem)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    left_out = config.stash.get(_LEFT_OUT, None)
    if left_out is not None:
        count, problem = left_out
        terminalreporter.write_line(
            f"NOT RUN: {count} PromQL alarm tests (tests/promql): {problem}", red=True, bold=True
        )


@pytest.fixture(scope="session")
def promtool() -> Path:
    path, problem = promtool_problem()
    if path is None:
        pytest.fail(f"{problem} (PROMTOOL_REQUIRED=1)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def rules_by_stack(otel_synth: Any) -> dict[str, dict[str, Rule]]:
    """The PromQL alarms of each synthesized stack, read out of its template."""
    return {stack: promql_rules(template) for stack, template in otel_synth.templates.items()}


@pytest.fixture(scope="session")
def prod_rules(rules_by_stack: dict[str, dict[str, Rule]]) -> dict[str, Rule]:
    """prod: polled every minute, with overrides (tests/infra/conftest.py `otel_context`)."""
    return rules_by_stack[f"SymbeeQueueStats-{ENVIRONMENT}"]


@pytest.fixture(scope="session")
def uat_rules(rules_by_stack: dict[str, dict[str, Rule]]) -> dict[str, Rule]:
    """uat: polled every 5 minutes."""
    return rules_by_stack["SymbeeQueueStats-uat"]
