"""`symbee-queue-stats cost` as an operator runs it: a real process, the project's own cdk.json,
exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from queue_stats import cost
from queue_stats.cost import Scenario, Setup, usd

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(Path(sys.executable).with_name("symbee-queue-stats"))


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())}
    return subprocess.run([SCRIPT, "cost", *args], env=env, cwd=cwd, capture_output=True, text=True, check=False)


def test_one_count_prints_every_line_item_and_the_total() -> None:
    # Given 100 queues and the stack's defaults
    # When the cost is asked for
    result = run("--queues", "100")
    # Then every item is a line, and the total and per-queue figures are the model's
    assert result.returncode == 0, result.stderr
    expected = cost.estimate(Setup(), Scenario(100))
    for line in expected.lines:
        assert f"  {line.item} " in result.stdout
    figures = {row.split()[0]: row.split()[-1] for row in result.stdout.splitlines() if row.startswith("  ")}
    assert figures["total"] == usd(expected.total)
    assert figures["per"] == usd(expected.per_queue)


def test_json_lines_add_up_to_the_total() -> None:
    # Given essential metrics with idle skipping at 12 hours a day
    result = run("--queues", "250", "--metrics", "essential", "--skip-idle", "--hours-open", "12", "--json")
    # When the JSON is read
    estimate = json.loads(result.stdout)["environments"][0]
    # Then the settings are those asked for and the lines sum to the total
    assert estimate["settings"]["metrics"] == list(cost.n.ESSENTIAL_METRICS)
    assert estimate["settings"]["skipIdleQueues"] is True
    assert sum(line["monthly"] for line in estimate["lines"]) == pytest.approx(estimate["total"], abs=0.01)
    assert all(line["priceSource"].startswith("https://") for line in estimate["lines"])


def test_several_counts_print_the_options_table() -> None:
    # Given three queue counts
    result = run("--queues", "10,100,1000")
    # When the table is printed
    rows = [row for row in result.stdout.splitlines() if "/queue)" in row]
    # Then one row per option, each with the model's total for every count
    assert len(rows) == 3
    for row, option in zip(rows, cost.compare(Setup(), Scenario(1_000)), strict=True):
        assert row.strip().startswith(option.label)
        assert usd(option.estimate.total) in row


def test_the_projects_cdk_json_is_priced_per_environment() -> None:
    # Given the cdk.json shipped with the project
    result = run("--config", "cdk.json", "--queues", "100", "--json")
    # When it is priced
    environments = json.loads(result.stdout)["environments"]
    # Then its one environment is named like its stack
    assert result.returncode == 0, result.stderr
    assert [e["name"] for e in environments] == ["SymbeeQueueStats-prod"]


def test_an_unknown_metric_is_a_one_line_configuration_error() -> None:
    result = run("--queues", "10", "--metrics", "ItemsInQueue,Nope")
    assert result.returncode == 2
    assert result.stderr.startswith("symbee-queue-stats: error: configuration: --metrics: ")
    assert "unknown metric 'Nope'" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    result = run("--queues", "10", "--config", str(tmp_path / "cdk.json"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert str(tmp_path / "cdk.json") in result.stderr


def test_config_outside_the_checkout_says_to_use_flags(tmp_path: Path) -> None:
    # Given a copy of cdk.json far from the project's infra/ package
    shutil.copy(ROOT / "cdk.json", tmp_path / "cdk.json")
    # When it is priced from there
    result = run("--queues", "10", "--config", "cdk.json", cwd=tmp_path)
    # Then the error says what is missing and what to do instead, in one line
    assert result.returncode == 2
    assert "needs the project's source checkout" in result.stderr
    assert "give the settings as flags" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_queues_are_required() -> None:
    result = run()
    assert result.returncode == 2
    assert "--queues" in result.stderr


def test_the_otlp_price_per_gb_is_a_setting() -> None:
    # Given the OpenTelemetry backend at the other published figure, $0.08 per GB
    result = run("--queues", "100", "--backend", "otel", "--otlp-gb-price", "0.08", "--json")
    # When the ingestion line is read
    (estimate,) = json.loads(result.stdout)["environments"]
    (ingest,) = [line for line in estimate["lines"] if line["item"] == "OpenTelemetry metrics ingestion"]
    # Then it is priced at that figure, and the PromQL alarms and the notifier's queries stay unknown
    assert (ingest["unitPrice"], ingest["priceChecked"]) == ("$0.08 per GB", "set with --otlp-gb-price")
    assert ingest["monthly"] == pytest.approx(ingest["quantity"] * 0.08, abs=1e-4)
    assert estimate["unknown"] == ["PromQL alarms", "notifier: PromQL queries"]
