"""The README's Notifications section says what the code does: its example messages are the
code's own output, and its figures and settings are the code's."""

from __future__ import annotations

import re

import pytest

from infra import PROJECT_ROOT
from queue_stats import delivery, messages, notify_runtime, readings
from queue_stats import names as n
from queue_stats.alerts import Alert, parse_event
from queue_stats.cost_report import NOTIFIER_README_END, NOTIFIER_README_START, render_notifier_readme
from queue_stats.settings import NotifierSettings
from tests.fixtures import event
from tests.notify_examples import END, START, render

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n## Notifications\n", 1)[1].split("\n## ", 1)[0]
PROSE = " ".join(SECTION.split())  # line breaks in the README's prose are not behaviour


def test_the_example_messages_are_the_codes_output() -> None:
    current = README.split(START, 1)[1].split(END, 1)[0].strip("\n")
    assert current == render(), "README out of date: run `python scripts/notify_examples.py --write`"


def test_the_notifiers_cost_is_the_cost_models() -> None:
    current = README.split(NOTIFIER_README_START, 1)[1].split(NOTIFIER_README_END, 1)[0].strip("\n")
    stale = "README out of date: run `python scripts/notifier_cost_table.py --write`"
    assert current == render_notifier_readme(), stale


def test_the_section_comes_right_after_when_an_alarm_fires() -> None:
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    assert headings[headings.index("When an alarm fires") + 1] == "Notifications"


@pytest.mark.parametrize(
    "variable",
    [
        n.ENV_ENVIRONMENT,
        n.ENV_METRICS_NAMESPACE,
        n.ENV_NOTIFY_TOPIC_ARN,
        n.ENV_CHAT_TOPIC_ARN,
        n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID,
        n.ENV_PAGERDUTY_EVENTS_URL,
        n.ENV_DASHBOARD_URL,
        n.ENV_RUNBOOK_URL,
        n.ENV_SKIP_IDLE_QUEUES,
        n.ENV_NOTIFY_ON_OK,
    ],
)
def test_every_setting_is_in_the_table(variable: str) -> None:
    assert f"| `{variable}` |" in SECTION


def test_the_documented_defaults_are_the_codes() -> None:
    defaults = NotifierSettings.from_env({n.ENV_ENVIRONMENT: "prod"})
    assert f"| `{n.ENV_PAGERDUTY_EVENTS_URL}` | no | `{defaults.pagerduty_events_url}` |" in SECTION
    assert f"| `{n.ENV_METRICS_NAMESPACE}` | no | `{defaults.namespace}` |" in SECTION
    assert f"cached for {defaults.routing_key_max_age_seconds // 60} minutes" in PROSE


def test_the_documented_figures_are_the_codes() -> None:
    alarm = parse_event(event("queue_alarm"))
    assert isinstance(alarm, Alert)
    metrics = len(readings.queries(alarm, environment="prod", namespace=n.DEFAULT_NAMESPACE))
    assert f"({metrics} metrics for a queue alarm" in PROSE
    assert f"retried at most {delivery.MAX_ATTEMPTS} times" in PROSE
    assert f"none succeeded in {readings.LOOKBACK_MINUTES} minutes" in PROSE
    assert f"`severity` is `{messages.SEVERITY_QUEUE}` for a queue alarm" in PROSE
    assert f"`{messages.SEVERITY_HEALTH}` for a poller-health alarm" in PROSE
    assert f"`{messages.NO_DATA_LABEL}`" in PROSE
    needed = notify_runtime.NUMBERS_MIN_SECONDS + notify_runtime.END_MARGIN_SECONDS
    assert f"read only with at least {needed:g} s left in the invocation" in PROSE
