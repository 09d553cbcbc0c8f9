"""The alarm catalog: kinds found in alarm names however they are suffixed, the one home of each
alarm's text, in step with the stack's alarms and the README's "When an alarm fires" sections."""

from __future__ import annotations

import re

import pytest

from infra import PROJECT_ROOT
from infra.alarms import SPECS
from infra.config import HEALTH_ALARM_KINDS, QUEUE_ALARM_KINDS, AlarmKind
from queue_stats import alarm_catalog
from queue_stats.alarm_catalog import BY_NAME, KINDS, github_anchor, kind_from_alarm_name, stack_name_of

README = (PROJECT_ROOT / "README.md").read_text()


@pytest.mark.parametrize(
    ("alarm_name", "kind"),
    [
        ("SymbeeQueueStats-prod-OldestItemAge", "OldestItemAge"),
        ("SymbeeQueueStats-prod-ItemsInQueue-arn:aws:connect:us-east-1:1:instance/a-b/queue/c-d", "ItemsInQueue"),
        ("SymbeeQueueStats-prod-UnattendedItems-2", "UnattendedItems"),  # a later part number
        ("Custom-my-env-with-dashes-AgentsInError", "AgentsInError"),
        ("SymbeeQueueStats-prod-PollFailed", "PollFailed"),
        ("SymbeeQueueStats-prod-PollerErrors", "PollerErrors"),
        ("SymbeeQueueStats-prod-PollerThrottles", "PollerThrottles"),
    ],
)
def test_the_kind_is_found_by_its_segment(alarm_name: str, kind: str) -> None:
    assert kind_from_alarm_name(alarm_name) is BY_NAME[kind]


@pytest.mark.parametrize(
    "alarm_name",
    ["SymbeeQueueStats-prod-OldestItemAgeX", "OldestItemAge", "SymbeeQueueStats-prod-CPU", ""],
)
def test_a_name_without_a_kind_segment_is_not_guessed(alarm_name: str) -> None:
    assert kind_from_alarm_name(alarm_name) is None


def test_the_stack_name_is_what_precedes_the_kind() -> None:
    assert stack_name_of("SymbeeQueueStats-prod-ItemsInQueue-q1") == "SymbeeQueueStats-prod"
    assert stack_name_of("no-kind-here") is None


def test_the_catalog_has_every_alarm_the_stack_creates() -> None:
    assert [kind.key for kind in KINDS] == [k.value for k in (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS)]
    assert [kind.name for kind in KINDS] == [k.pascal_name for k in (*QUEUE_ALARM_KINDS, *HEALTH_ALARM_KINDS)]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_each_kind_is_an_alarm_of_the_stack_with_the_same_scope(kind: alarm_catalog.AlarmKind) -> None:
    # The stack takes each alarm's title and metric from the catalog; its scope must agree.
    assert SPECS[AlarmKind(kind.key)].metric == kind.metric
    assert kind.per_queue == (AlarmKind(kind.key) in QUEUE_ALARM_KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_each_kinds_anchor_is_a_readme_heading(kind: alarm_catalog.AlarmKind) -> None:
    headings = {github_anchor(h) for h in re.findall(r"^#{2,4} (.+)$", README, re.MULTILINE)}
    assert kind.anchor in headings
    assert f"\n### {kind.title}\n" in README


def test_the_runbook_anchor_is_the_readme_section() -> None:
    assert alarm_catalog.RUNBOOK_ANCHOR == "when-an-alarm-fires"
    assert f"\n## {alarm_catalog.RUNBOOK_HEADING}\n" in README


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Work waiting with no agent available", "work-waiting-with-no-agent-available"),
        ("Notifications", "notifications"),
        ("What each figure means for your bill and latency", "what-each-figure-means-for-your-bill-and-latency"),
        ("The poller: environment variables", "the-poller-environment-variables"),
        ("`cdk.json` keys", "cdkjson-keys"),
    ],
)
def test_anchors_follow_githubs_rule(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor


def test_the_readme_runbook_is_the_catalog_rendered() -> None:
    # Given the README as committed; Then its "When an alarm fires" steps are the catalog's, the
    # text the notifier sends (stale? run `python scripts/runbook_doc.py --write`)
    current = README.split(alarm_catalog.RUNBOOK_START, 1)[1].split(alarm_catalog.RUNBOOK_END, 1)[0]
    assert current.strip("\n") == alarm_catalog.runbook_markdown()


def test_the_runbook_has_every_kinds_steps_and_notes() -> None:
    rendered = alarm_catalog.runbook_markdown()
    for kind in KINDS:
        assert f"### {kind.title}\n\n{kind.problem}\n\n1. {kind.steps[0]}\n" in rendered
        for note in kind.notes:
            assert note in rendered
