"""`make bench` must not rot: its tiny --quick mode runs every section end to end and prints the table.

Not a timed test, and no figure is judged: on a shared test machine they mean nothing. Only the
table's shape is checked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AREAS = (
    "processing",
    "requests",
    "concurrency",
    "warm poll",
    "cold start",
    "memory",
    "largest",
    "end to end",
    "side by side",
    "otlp",
)
# Rows that must be there whatever the figures: the processing target with its floors, the asset's
# import with and without bytecode, and each of the largest sizes with its estimate in the function.
ROWS = (
    ("processing", "1,000 queues: parse+validate+map+batch"),
    ("processing", "floor: msgspec decode to dicts"),
    ("processing", "floor: msgspec decode to typed records"),
    ("processing", "floor: json.loads + bare datum dicts"),
    ("cold start", "from the asset as built: with its .pyc"),
    ("cold start", "same asset without .pyc"),
    ("largest", "200 queues: CPU of one cold poll"),
    ("largest", "500 queues: CPU of one cold poll"),
    ("largest", "in the function at"),
)


@pytest.mark.slow
def test_the_benchmark_runs_and_prints_one_row_per_figure() -> None:
    # When the benchmark runs in its quick mode, as `make bench` runs it (its own process)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    # Then it succeeds and prints the header line, then one Markdown table and nothing else
    assert result.returncode == 0, result.stderr[-2000:]
    header, *table = result.stdout.strip().splitlines()
    assert header.startswith("make bench: Python ")
    assert table, result.stdout
    assert all(line.startswith("|") and line.endswith("|") for line in table)
    # and every area of the issue has its rows, each with a measured median
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert {row[0] for row in rows} == set(AREAS)
    assert all(row[2] for row in rows)
    for area, words in ROWS:
        assert [row for row in rows if row[0] == area and words in row[1] and row[2] != "-"], (area, words)
