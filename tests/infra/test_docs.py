"""The operator documentation keeps up with the stack: every cdk.json key and every alarm's
"When an alarm fires" section, where the notifications' steps come from and `runbookUrl` points."""

from __future__ import annotations

import pytest

from infra import PROJECT_ROOT
from infra.alarms import SPECS
from infra.config import CONFIG_KEYS
from queue_stats.alarm_catalog import RUNBOOK_ANCHOR, RUNBOOK_HEADING


@pytest.fixture(scope="module")
def docs() -> str:
    return (PROJECT_ROOT / "README.md").read_text()


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_every_config_key_is_documented(docs: str, key: str) -> None:
    assert f"| `{key}` |" in docs


def test_the_runbook_section_exists(docs: str) -> None:
    assert RUNBOOK_ANCHOR == "when-an-alarm-fires"
    assert f"\n## {RUNBOOK_HEADING}\n" in docs


@pytest.mark.parametrize("title", sorted(spec.title for spec in SPECS.values()))
def test_every_alarm_has_a_what_to_do_section(docs: str, title: str) -> None:
    assert f"\n### {title}\n" in docs
