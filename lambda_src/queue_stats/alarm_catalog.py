"""Every alarm the stack creates, as a person is told about it: title, metric, what is wrong and
what to do. Pure (no third-party imports): the notifier reads it at runtime, and it is the one home
of this text for the stack's alarm descriptions and the README's "When an alarm fires" sections.

Alarm names are `<stackName>-<environment>-<Kind>` (per-queue overrides add `-<queueId>`), so the
kind is recognised by a `-<Kind>` segment of the name, wherever later suffixes put it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from queue_stats import names as n

QUEUE_SCOPE: Final = "queue"  # a Metrics Insights alarm: one contributor (and one page) per queue
HEALTH_SCOPE: Final = "health"  # the poller's own health: one alarm-level state per environment


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to `-`."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# The README section these alarms' "what to do" steps come from.
RUNBOOK_HEADING: Final = "When an alarm fires"
RUNBOOK_ANCHOR: Final = github_anchor(RUNBOOK_HEADING)


@dataclass(frozen=True)
class AlarmKind:
    """One kind of alarm the stack creates."""

    name: str  # the `-<Kind>` segment of the alarm name, e.g. OldestItemAge
    key: str  # its key under `alarms` in cdk.json, e.g. oldestItemAge
    title: str  # also the README heading under "When an alarm fires"
    metric: str  # what the alarm reads
    measure: str  # that metric as people say it, e.g. "Oldest item age"
    scope: str  # QUEUE_SCOPE or HEALTH_SCOPE
    problem: str  # one sentence: what is wrong when it is in ALARM
    cleared: str  # one sentence: what an OK from a real evaluation means
    steps: tuple[str, ...]  # what to do, shortest first
    notes: tuple[str, ...] = ()  # what else the README's runbook says (not sent in messages)

    @property
    def per_queue(self) -> bool:
        return self.scope == QUEUE_SCOPE

    @property
    def anchor(self) -> str:
        """The GitHub anchor of this kind's README section."""
        return github_anchor(self.title)


KINDS: Final = (
    AlarmKind(
        name="OldestItemAge",
        key="oldestItemAge",
        title="Oldest item too old",
        metric=n.METRIC_OLDEST_ITEM_AGE,
        measure="Oldest item age",
        scope=QUEUE_SCOPE,
        problem="A customer has waited in this queue longer than your target.",
        cleared="The oldest waiting item is younger than the threshold again.",
        steps=(
            "Pick the queue in the dashboard's Queue menu and compare agents available with agents staffed.",
            "Nobody staffed: move agents onto the skill or adjust routing.",
            "Staffed but busy: the queue is over capacity (see its items waiting).",
            "One item stuck for hours while others flow: have a supervisor pick it up or route it by hand.",
        ),
        notes=("`SYMBEE` queues do not report item age yet, so this alarm covers Amazon queues only.",),
    ),
    AlarmKind(
        name="ItemsInQueue",
        key="itemsInQueue",
        title="Too many items waiting",
        metric=n.METRIC_ITEMS_IN_QUEUE,
        measure="Items waiting",
        scope=QUEUE_SCOPE,
        problem="A backlog is building in this queue.",
        cleared="Fewer items than the threshold are waiting again.",
        steps=(
            "Pick the queue in the dashboard's Queue menu and compare its items waiting with its agents.",
            "Add staff to the skill, open overflow routing, or tell customers about the wait.",
            "Backlog in every queue at once: check the Symbee and Amazon Connect status pages.",
        ),
    ),
    AlarmKind(
        name="UnattendedItems",
        key="unattendedItems",
        title="Work waiting with no agent available",
        metric=n.METRIC_UNATTENDED_ITEMS,
        measure="Items waiting with no agent available",
        scope=QUEUE_SCOPE,
        problem="Work is waiting in this queue and none of its agents is available, while the queue is not closed.",
        cleared="Nothing waits unattended any more: an agent is available, the queue emptied, or it closed.",
        steps=(
            "Agents staffed is 0: a shift gap, or agents logged into the wrong skill. Bring someone onto the skill.",
            "Everyone on break (Agents unavailable): get one agent back to available.",
            "The queue should be closed now: close it in Symbee and this alarm stops.",
            "Pages outside hours for a queue you do not staff: switch this alarm off for it in queueOverrides.",
        ),
        notes=(
            "A queue whose opening state is unknown (Amazon queues report `OPERATING_HOURS_UNKNOWN`) is "
            "treated as not closed.",
        ),
    ),
    AlarmKind(
        name="AgentsInError",
        key="agentsInError",
        title="Agents in error",
        metric=n.METRIC_AGENTS_IN_ERROR,
        measure="Agents in error",
        scope=QUEUE_SCOPE,
        problem="Agents of this queue are in an error state (a missed call or task) and receive no new work.",
        cleared="No agent of this queue is in an error state any more.",
        steps=(
            "Ask the agents (or their supervisor) to set themselves available again.",
            "If it recurs, check for a softphone, browser or network problem.",
            "An agent in several queues counts in each: one agent can make several queues alarm.",
        ),
    ),
    AlarmKind(
        name="PollFailed",
        key="pollFailed",
        title="No successful poll",
        metric=n.METRIC_POLL_SUCCEEDED,
        measure="Successful polls (minimum per period)",
        scope=HEALTH_SCOPE,
        problem="The poller has not completed a poll: the queue metrics are stale and the queue alarms are blind.",
        cleared="The poller completes its polls again.",
        steps=(
            "Open the poller's log group (stack output PollerFunctionName): each failed poll logs one "
            "'Poll failed: ...' line naming the cause.",
            "Common causes: the API key secret cannot be read, the Symbee API refuses the key or is down "
            "(try `symbee-queue-stats poll --dry-run`), wrong companyCode/environment/symbeeRegion.",
            "Log group empty: the schedule is not invoking the function (see the Poller throttled alarm).",
        ),
        notes=(
            "Other causes: `secretId` or `secretRegion` wrong, the secret's KMS key not given as "
            "`secretKmsKeyArn`, or outbound HTTPS to the API's port 9443 blocked.",
            "`symbee-queue-stats doctor` checks the schedule, the last polls and the secret in one run.",
        ),
    ),
    AlarmKind(
        name="PollerErrors",
        key="pollerErrors",
        title="Poller errors",
        metric="Errors",
        measure="Poller errors",
        scope=HEALTH_SCOPE,
        problem="The poller function ended with an error.",
        cleared="The poller function runs without errors again.",
        steps=(
            "Read the poller's log: a 'Poll failed' line says why (it usually fires with No successful poll).",
            "No such line (a timeout, an import error after a deploy): check Duration against the timeout "
            "on the dashboard, and redeploy a known-good version if a change broke it.",
        ),
    ),
    AlarmKind(
        name="PollerThrottles",
        key="pollerThrottles",
        title="Poller throttled",
        metric="Throttles",
        measure="Poller throttles",
        scope=HEALTH_SCOPE,
        problem="Lambda refused to run the poller: the concurrency limit is reached.",
        cleared="Lambda runs the poller again.",
        steps=(
            "Check the account's ConcurrentExecutions in the Lambda console.",
            "If another workload uses it all, raise the account quota or set reservedConcurrency to true.",
        ),
    ),
)

BY_NAME: Final = {kind.name: kind for kind in KINDS}
BY_KEY: Final = {kind.key: kind for kind in KINDS}


def promql_metrics(kind: AlarmKind) -> tuple[str, ...]:
    """The poller's metrics the PromQL form of `kind` reads over OpenTelemetry (METRICS_BACKEND otel
    or both): its own metric, except "work waiting with no agent available", which PromQL writes
    over items, available agents and open state (no derived metric needed); nothing for the alarms
    on AWS/Lambda's metrics, which never travel over OTLP."""
    if kind.metric == n.METRIC_UNATTENDED_ITEMS:
        return (n.METRIC_ITEMS_IN_QUEUE, n.METRIC_AGENTS_AVAILABLE, n.METRIC_QUEUE_OPEN)
    return (kind.metric,) if kind.per_queue or kind.metric in n.HEALTH_METRIC_NAMES else ()


# `-<Kind>` followed by the end of the name or another `-` segment (a queue id, a part number).
_KIND_SEGMENT = re.compile(r"-(" + "|".join(re.escape(kind.name) for kind in KINDS) + r")(?=-|$)")


def kind_from_alarm_name(alarm_name: str) -> AlarmKind | None:
    """The kind named by the first `-<Kind>` segment of `alarm_name`, or None."""
    match = _KIND_SEGMENT.search(alarm_name)
    return BY_NAME[match.group(1)] if match else None


def kind_from_description(description: str) -> AlarmKind | None:
    """The kind whose title (as the stack's descriptions quote it) or name appears in `description`."""
    for kind in KINDS:
        if f"'{kind.title}'" in description:
            return kind
    for kind in KINDS:
        if re.search(rf"\b{re.escape(kind.title)}\b", description, re.IGNORECASE):
            return kind
    return None


def stack_name_of(alarm_name: str) -> str | None:
    """The `<stackName>-<environment>` prefix of one of the stack's alarm names (the dashboard's
    name too), or None when the name has no known kind segment."""
    match = _KIND_SEGMENT.search(alarm_name)
    if match is None or match.start() == 0:
        return None
    return alarm_name[: match.start()]


# --- the README's runbook ---------------------------------------------------------------------------
RUNBOOK_START: Final = "<!-- runbook:start -->"
RUNBOOK_END: Final = "<!-- runbook:end -->"


def runbook_markdown() -> str:
    """The README's "When an alarm fires" subsections: the text the notifications carry, plus notes."""
    sections = []
    for kind in KINDS:
        lines = [f"### {kind.title}", "", kind.problem, ""]
        lines += [f"{number}. {step}" for number, step in enumerate(kind.steps, 1)]
        if kind.notes:
            lines += ["", " ".join(kind.notes)]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)
