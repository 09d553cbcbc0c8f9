"""The registry, the tests and the README agree: every scenario is run by exactly one test, and
the README's "Failure behaviour" table is the registry's rendering."""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.faults import registry

HERE = Path(__file__).parent
README = HERE.parents[1] / "README.md"


def test_every_scenario_is_run_by_exactly_one_test() -> None:
    for module in sorted(HERE.glob("test_*.py")):
        importlib.import_module(f"tests.faults.{module.stem}")
    runs = {sid: sorted(set(tests)) for sid, tests in registry.COVERED.items()}
    assert sorted(runs) == sorted(s.id for s in registry.SCENARIOS), "a scenario without a test, or the reverse"
    assert {sid: tests for sid, tests in runs.items() if len(tests) != 1} == {}


def test_the_readme_table_is_the_registry_rendered() -> None:
    text = README.read_text(encoding="utf-8")
    assert registry.START in text
    assert registry.END in text
    current = text.split(registry.START, 1)[1].split(registry.END, 1)[0].strip("\n")
    assert current == registry.render(), "README out of date: run `python scripts/failure_table.py --write`"
