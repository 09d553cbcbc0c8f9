"""The operator documentation keeps up with the stack: every cdk.json key and every alarm's
"When an alarm fires" section, which the alarm descriptions point to."""

from __future__ import annotations

import pytest

from infra import PROJECT_ROOT
from infra.alarms import README_ANCHOR, SPECS
from infra.config import CONFIG_KEYS


@pytest.fixture(scope="module")
def docs() -> str:
    return (PROJECT_ROOT / "README.md").read_text()


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_every_config_key_is_documented(docs: str, key: str) -> None:
    assert f"| `{key}` |" in docs


def test_the_alarm_anchor_exists(docs: str) -> None:
    assert README_ANCHOR == "README.md#when-an-alarm-fires"
    assert "\n## When an alarm fires\n" in docs


@pytest.mark.parametrize("title", sorted(spec.title for spec in SPECS.values()))
def test_every_alarm_has_a_what_to_do_section(docs: str, title: str) -> None:
    assert f"\n### {title}\n" in docs
