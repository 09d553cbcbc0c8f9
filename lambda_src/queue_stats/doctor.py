"""`symbee-queue-stats doctor`: the deployed stack's self-check, as small pure checks over facts.

`doctor_aws.gather` reads the facts with the operator's credentials (CloudFormation, EventBridge,
Lambda, CloudWatch, CloudWatch Logs, IAM, Secrets Manager, SNS, SQS); each check here turns some of
them into one line: passed, failed (with what to do), could not be checked (with why), or not
deployed with this stack (an optional part such as the notifier's dead-letter queue). No I/O, no
third-party imports: the checks are tested with plain data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, TypeAlias, TypeVar

from queue_stats import alarm_catalog
from queue_stats import names as n

# What a check found. Only FAIL makes `doctor` exit non-zero: a check that could not run (the
# caller may not call an API, or the emulator lacks it) says so instead of guessing.
PASS: Final = "pass"  # noqa: S105 - a status, not a password
FAIL: Final = "fail"
UNKNOWN: Final = "unknown"  # could not check: the line says why
ABSENT: Final = "absent"  # the part is not deployed with this stack (optional)
STATUSES: Final = (PASS, FAIL, UNKNOWN, ABSENT)
MARKS: Final = {PASS: "✓", FAIL: "✗", UNKNOWN: "?", ABSENT: "–"}
ASCII_MARKS: Final = {PASS: "ok", FAIL: "FAIL", UNKNOWN: "??", ABSENT: "--"}

README: Final = "README.md"
NO_POLL_RUNBOOK: Final = f"{README}#{alarm_catalog.BY_KEY['pollFailed'].anchor}"
ALARMS_SECTION: Final = f"{README}#alarms"
# The stack statuses of a stack that is done and whose last operation worked.
HEALTHY_STACK_STATUSES: Final = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
# CloudWatch's evaluation states that mean an alarm does not see all it should (botocore's model).
EVALUATION_PROBLEMS: Final = {
    "PARTIAL_DATA": "evaluates partial data (its query returns more than "
    f"{n.MAX_SERIES_PER_QUERY} series or matches more than {n.MAX_METRICS_PER_QUERY:,} metrics)",
    "EVALUATION_ERROR": "cannot be evaluated (a configuration error)",
    "EVALUATION_FAILURE": "failed to evaluate",
}
INSUFFICIENT_DATA: Final = "INSUFFICIENT_DATA"
FAILED_LINE: Final = f'"{n.LOG_POLL_FAILED}"'
ALARM: Final = "ALARM"
SCHEDULE_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_MINUTES: Final = {"minute": 1, "hour": 60, "day": 1440}


@dataclass(frozen=True)
class Unreadable:
    """A fact that could not be read, and why (the API's error code and message, or a gap)."""

    why: str


T = TypeVar("T")
Read: TypeAlias = T | Unreadable


# --- the facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str
    status: str


@dataclass(frozen=True)
class StackFacts:
    """The stack as CloudFormation describes it; `status` None when no such stack exists."""

    name: str
    status: str | None
    status_reason: str | None = None
    resources: tuple[StackResource, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> tuple[StackResource, ...]:
        return tuple(r for r in self.resources if r.type == resource_type)


@dataclass(frozen=True)
class PollerFacts:
    """The poller function's identity and the settings the checks need (from its configuration)."""

    function_name: str
    function_arn: str
    role_arn: str
    namespace: str
    environment: str
    secret_id: str
    secrets_region: str
    log_group: str


@dataclass(frozen=True)
class RuleFacts:
    """One EventBridge rule of the stack with a schedule."""

    name: str
    state: str
    schedule: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Datapoint:
    timestamp: datetime
    value: float


@dataclass(frozen=True)
class LogLine:
    timestamp: datetime
    message: str


@dataclass(frozen=True)
class SecretAccess:
    """What IAM's policy simulator answers for the poller's role reading the API-key secret."""

    secret: str  # the ARN simulated
    decision: str  # allowed, explicitDeny or implicitDeny
    exists: bool = True  # False: Secrets Manager has no such secret in that region


@dataclass(frozen=True)
class AlarmFacts:
    name: str
    actions_enabled: bool
    state: str
    state_since: datetime | None
    window_minutes: int  # what it evaluates (period x evaluation periods)
    evaluation_state: str | None = None
    state_reason: str = ""
    warm_up_minutes: int | None = None  # the alarm's own warm-up, when CloudWatch reports one
    query: str | None = None  # its Metrics Insights or PromQL query, if it has one


@dataclass(frozen=True)
class SubscriptionFacts:
    topic: str
    protocol: str
    endpoint: str
    pending: bool


@dataclass(frozen=True)
class QueueDepth:
    """An SQS queue of the stack (the notifier's dead letters): messages waiting and in flight."""

    name: str
    url: str
    messages: int
    in_flight: int


@dataclass(frozen=True)
class Windows:
    """How far back each time-based check looks, from the poll rate."""

    invocations_minutes: int
    polls_minutes: int
    failures_minutes: int

    @classmethod
    def for_rate(cls, poll_rate_minutes: int) -> Windows:
        return cls(
            invocations_minutes=max(5, 3 * poll_rate_minutes),
            polls_minutes=max(10, 3 * poll_rate_minutes + 2),
            failures_minutes=180,
        )


@dataclass(frozen=True)
class Facts:
    """Everything `doctor` read about one deployed stack, at `now`."""

    stack: Read[StackFacts]
    region: str
    now: datetime
    poller: Read[PollerFacts] | None = None  # None: the stack has no PollerFunctionName output
    rules: Read[tuple[RuleFacts, ...]] = ()
    invocations: Read[tuple[Datapoint, ...]] = ()
    polls: Read[tuple[Datapoint, ...]] = ()
    queues_reported: Read[tuple[Datapoint, ...]] = ()
    last_failure: Read[LogLine | None] = None
    secret: Read[SecretAccess] = Unreadable("not read")
    alarms: Read[tuple[AlarmFacts, ...]] = ()
    subscriptions: Read[tuple[SubscriptionFacts, ...]] = ()
    dead_letters: Read[tuple[QueueDepth, ...]] = ()

    @property
    def poll_rate_minutes(self) -> int:
        return poll_rate_minutes(self.rules)

    @property
    def windows(self) -> Windows:
        return Windows.for_rate(self.poll_rate_minutes)


# --- the result --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One line of the report: `fix` says what to do about a failure (or how to check by hand)."""

    id: str
    title: str
    status: str
    summary: str
    fix: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "status": self.status, "summary": self.summary, "fix": self.fix}


@dataclass(frozen=True)
class Report:
    stack: str
    region: str
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == FAIL)

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)

    def as_json(self) -> dict[str, object]:
        return {
            "stack": self.stack,
            "region": self.region,
            "ok": self.ok,
            "counts": {status: self.count(status) for status in STATUSES},
            "checks": [c.as_json() for c in self.checks],
        }


# --- helpers -----------------------------------------------------------------------------------------


def poll_rate_minutes(rules: Read[tuple[RuleFacts, ...]]) -> int:
    """The poll interval from the first schedule rule (`rate(5 minutes)`); 1 when unknown."""
    if isinstance(rules, Unreadable):
        return 1
    for rule in rules:
        match = SCHEDULE_RATE.fullmatch(rule.schedule.strip())
        if match:
            return int(match[1]) * _UNIT_MINUTES[match[2].rstrip("s")]
    return 1


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"


def _ago(now: datetime, moment: datetime) -> str:
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"{minutes // 60} hours ago"


def _listed(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _unknown(check_id: str, title: str, fact: Unreadable, how: str | None = None) -> Check:
    return Check(check_id, title, UNKNOWN, f"could not check: {fact.why}", how)


# --- the checks --------------------------------------------------------------------------------------


def check_stack(facts: Facts) -> Check:
    """The stack exists, its last operation completed (no `ROLLBACK`, `FAILED` or `IN_PROGRESS`
    status), every resource is complete, and it has the poller's output `PollerFunctionName`."""
    title = "stack"
    stack = facts.stack
    if isinstance(stack, Unreadable):
        return Check(
            "stack",
            title,
            FAIL,
            f"could not read the stack: {stack.why}",
            f"use credentials that may call cloudformation:DescribeStacks and ListStackResources in {facts.region} "
            "(AWS_PROFILE, --profile, --region)",
        )
    if stack.status is None:
        return Check(
            "stack",
            title,
            FAIL,
            f"no stack {stack.name} in {facts.region}",
            "deploy it (make deploy), or name the deployed one: --stack <stackName>-<environment> --region <region>",
        )
    if n.OUTPUT_POLLER_FUNCTION_NAME not in stack.outputs and stack.status in HEALTHY_STACK_STATUSES:
        return Check(
            "stack",
            title,
            FAIL,
            f"{stack.name} is {stack.status} but has no output {n.OUTPUT_POLLER_FUNCTION_NAME}: not a "
            f"{n.PRODUCT} stack, or deployed by a version without that output",
            "name the right stack with --stack, or redeploy this project (make deploy)",
        )
    reason = f" ({stack.status_reason})" if stack.status_reason else ""
    if stack.status.endswith("_IN_PROGRESS"):
        return Check(
            "stack",
            title,
            FAIL,
            f"{stack.status}{reason}: an operation is still running",
            "wait for it to finish (the CloudFormation console shows its events), then run doctor again",
        )
    if stack.status not in HEALTHY_STACK_STATUSES:
        fix = (
            "the stack never finished creating: read its events in the CloudFormation console, fix the cause, "
            "delete the stack (make destroy) and deploy again"
            if stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")
            else "the last deploy did not complete: read the stack's events in the CloudFormation console, fix the "
            "cause and deploy again (make deploy)"
        )
        return Check("stack", title, FAIL, f"{stack.status}{reason}", fix)
    incomplete = [f"{r.logical_id} ({r.status})" for r in stack.resources if not r.status.endswith("_COMPLETE")]
    if incomplete:
        return Check(
            "stack",
            title,
            FAIL,
            f"{stack.status}, but {_plural(len(incomplete), 'resource')} not complete: {_listed(incomplete)}",
            "read the stack's events in the CloudFormation console; deploy again (make deploy)",
        )
    return Check("stack", title, PASS, f"{stack.status}, {_plural(len(stack.resources), 'resource')}, all complete")


def check_schedule(facts: Facts) -> Check:
    """A schedule rule of the stack is `ENABLED` and targets the poller."""
    title = "schedule"
    poller, rules = facts.poller, facts.rules
    if isinstance(rules, Unreadable):
        return _unknown("schedule", title, rules, "the credentials need events:DescribeRule and ListTargetsByRule")
    if not rules:
        return Check("schedule", title, FAIL, "the stack has no schedule rule", "deploy again (make deploy)")
    function_arn = poller.function_arn if isinstance(poller, PollerFacts) else None
    problems, good = [], []
    for rule in rules:
        targets_poller = function_arn is None or any(_same_function(t, function_arn) for t in rule.targets)
        if rule.state != "ENABLED":
            problems.append((f"rule {rule.name} is {rule.state}", f"aws events enable-rule --name {rule.name}"))
        elif not targets_poller:
            shown = _listed(list(rule.targets)) or "nothing"
            problems.append((f"rule {rule.name} targets {shown}, not the poller", "deploy again (make deploy)"))
        else:
            good.append(rule)
    if problems:
        return Check(
            "schedule",
            title,
            FAIL,
            "; ".join(text for text, _ in problems),
            "; ".join(fix for _, fix in problems) + " (a deploy also restores it)",
        )
    # Physical names (random suffixes) only where the operator must type them: in failures.
    return Check("schedule", title, PASS, f"ENABLED, {good[0].schedule}, targets the poller")


def _same_function(target: str, function_arn: str) -> bool:
    """A target ARN names the function itself, or a version or alias of it."""
    return target == function_arn or target.startswith(function_arn + ":")


def check_invocations(facts: Facts) -> Check:
    """Lambda's own `Invocations` metric shows the poller ran in the last 3 poll intervals (at least
    5 minutes)."""
    title = "invocations"
    minutes = facts.windows.invocations_minutes
    points = facts.invocations
    if isinstance(points, Unreadable):
        return _unknown("invocations", title, points, "the credentials need cloudwatch:GetMetricData")
    since = facts.now - timedelta(minutes=minutes)
    count = int(sum(p.value for p in points if p.timestamp >= since))
    name = facts.poller.function_name if isinstance(facts.poller, PollerFacts) else "the poller"
    if count == 0:
        return Check(
            "invocations",
            title,
            FAIL,
            f"Lambda reports no invocation of {name} in the last {minutes} minutes",
            "check the schedule line above, and the function's Throttles on the dashboard (Poller throttled in "
            f"{README}); a rule that was just enabled needs one poll interval",
        )
    return Check("invocations", title, PASS, f"the poller ran {_plural(count, 'time')} in the last {minutes} minutes")


def check_polls(facts: Facts) -> Check:
    """The latest `PollSucceeded`, at most 2 poll intervals and 3 minutes old, is 1; when a poll
    failed, the line quotes the last `Poll failed:` line of the poller's log group."""
    title = "polls"
    windows = facts.windows
    points = facts.polls
    if isinstance(points, Unreadable):
        return _unknown("polls", title, points, "the credentials need cloudwatch:GetMetricData")
    since = facts.now - timedelta(minutes=windows.polls_minutes)
    recent = sorted((p for p in points if p.timestamp >= since), key=lambda p: p.timestamp)
    failure = facts.last_failure
    if isinstance(failure, Unreadable):
        said = f" (the last {FAILED_LINE} line could not be read: {failure.why})"
    elif failure is not None:
        said = f"; last failure {_clock(failure.timestamp)}: {failure.message}"
    else:
        said = ""
    fix = f"follow the failure's cause in {NO_POLL_RUNBOOK}; the poller's log group holds every {FAILED_LINE} line"
    if not recent:
        return Check(
            "polls",
            title,
            FAIL,
            f"no poll reported {n.METRIC_POLL_SUCCEEDED} in the last {windows.polls_minutes} minutes{said}",
            fix,
        )
    latest = recent[-1]
    failed = [p for p in recent if p.value < 1]
    if latest.value < 1:
        return Check(
            "polls",
            title,
            FAIL,
            f"the latest poll ({_clock(latest.timestamp)}) failed{said if failure else ''}"
            + ("" if failure else f"; no {FAILED_LINE} line in the last {windows.failures_minutes} minutes"),
            fix,
        )
    stale = facts.now - latest.timestamp > timedelta(minutes=2 * facts.poll_rate_minutes + 3)
    if stale:
        return Check(
            "polls",
            title,
            FAIL,
            f"the latest poll result is from {_clock(latest.timestamp)}, {_ago(facts.now, latest.timestamp)}",
            "the poller stopped publishing: see the invocations line above and the function's errors",
        )
    earlier = f"; {len(failed)} of the {len(recent)} before failed" if failed else ""
    return Check(
        "polls",
        title,
        PASS,
        f"the latest poll succeeded ({_clock(latest.timestamp)}){earlier}",
    )


def check_secret(facts: Facts) -> Check:
    """The API key's secret exists, and IAM's policy simulator says the poller's role may
    `secretsmanager:GetSecretValue` on it (identity policies; `?` when the caller may not simulate)."""
    title = "secret"
    access = facts.secret
    if isinstance(access, Unreadable):
        return _unknown(
            "secret",
            title,
            access,
            "check by hand: the function's role must allow secretsmanager:GetSecretValue on the secret "
            "(and kms:Decrypt on its key, if it has its own)",
        )
    if not access.exists:
        return Check(
            "secret",
            title,
            FAIL,
            f"no secret {access.secret}: the poller cannot read the API key",
            "Symbee's own stack stores the key; make secretId and secretRegion in cdk.json name it, and deploy again",
        )
    if access.decision != "allowed":
        return Check(
            "secret",
            title,
            FAIL,
            f"the poller's role may not read {access.secret} ({access.decision}, IAM policy simulation)",
            "make secretId (a name, or its full ARN) and secretRegion in cdk.json name this secret, and deploy "
            "again; a permission boundary or SCP that denies it must allow it",
        )
    return Check(
        "secret",
        title,
        PASS,
        f"the poller's role may read the API key's secret (IAM policy simulation of secretsmanager:GetSecretValue "
        f"on {_secret_name(access.secret)})",
    )


def _secret_name(arn: str) -> str:
    """`arn:...:secret:NAME-AbCdEf` as NAME (the suffix is random); anything else as given."""
    match = re.fullmatch(r"arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}", arn)
    return match[1] if match else arn


def _stack_alarm_names(facts: Facts) -> tuple[str, ...]:
    stack = facts.stack
    if isinstance(stack, Unreadable) or stack.status is None:
        return ()
    return tuple(r.physical_id for r in stack.of_type("AWS::CloudWatch::Alarm"))


def check_alarms(facts: Facts) -> Check:
    """Every alarm of the stack exists with its actions enabled."""
    title = "alarms"
    expected = _stack_alarm_names(facts)
    if not expected:
        return Check("alarms", title, ABSENT, "no alarm is deployed with this stack")
    alarms = facts.alarms
    if isinstance(alarms, Unreadable):
        return _unknown("alarms", title, alarms, "the credentials need cloudwatch:DescribeAlarms")
    found = {a.name: a for a in alarms}
    missing = [name for name in expected if name not in found]
    disabled = [name for name in expected if name in found and not found[name].actions_enabled]
    if missing or disabled:
        parts, fixes = [], []
        if missing:
            parts.append(f"{_plural(len(missing), 'alarm')} missing: {_listed(missing)}")
            fixes.append("deploy again to recreate them (make deploy)")
        if disabled:
            parts.append(f"actions disabled (no notification is sent): {_listed(disabled)}")
            fixes.append(f"aws cloudwatch enable-alarm-actions --alarm-names {' '.join(disabled)}")
        return Check("alarms", title, FAIL, "; ".join(parts), "; ".join(fixes))
    return Check("alarms", title, PASS, f"{len(expected)} of {len(expected)} exist with actions enabled")


def warm_up_minutes(alarm: AlarmFacts, poll_rate_minutes: int) -> int:
    """How long an alarm may stay in INSUFFICIENT_DATA before doctor calls it stuck: its own warm-up
    if it reports one, else what the stack gives "No successful poll" (window, two polls, margin)."""
    if alarm.warm_up_minutes is not None:
        return alarm.warm_up_minutes
    return alarm.window_minutes + 2 * poll_rate_minutes + n.ALARM_WARM_UP_MARGIN_MINUTES


def check_alarm_states(facts: Facts) -> Check:
    """No alarm has been in `INSUFFICIENT_DATA` longer than its warm-up (its own, else its window plus
    2 poll intervals plus 10 minutes); alarms in `ALARM` are listed, not failed."""
    title = "alarm states"
    alarms = facts.alarms
    if not _stack_alarm_names(facts):
        return Check("alarm-states", title, ABSENT, "no alarm is deployed with this stack")
    if isinstance(alarms, Unreadable):
        return _unknown("alarm-states", title, alarms, "the credentials need cloudwatch:DescribeAlarms")
    rate = facts.poll_rate_minutes
    stuck, warming, in_alarm = [], [], []
    for alarm in alarms:
        if alarm.state == ALARM:
            in_alarm.append(alarm.name)
        if alarm.state != INSUFFICIENT_DATA:
            continue
        since = alarm.state_since
        if since is not None and facts.now - since > timedelta(minutes=warm_up_minutes(alarm, rate)):
            stuck.append(f"{alarm.name} (since {_ago(facts.now, since)})")
        else:
            warming.append(alarm.name)
    if stuck:
        return Check(
            "alarm-states",
            title,
            FAIL,
            f"stuck in INSUFFICIENT_DATA past their warm-up: {_listed(stuck)}",
            "CloudWatch has no data it can evaluate for them: check the polls line above, then each alarm's "
            "metric or query and its state reason in the CloudWatch console",
        )
    counts = {state: sum(a.state == state for a in alarms) for state in ("OK", ALARM, INSUFFICIENT_DATA)}
    parts = [f"{counts['OK']} OK"]
    if warming:
        parts.append(f"{len(warming)} in INSUFFICIENT_DATA within their warm-up")
    if in_alarm:
        parts.append(f"{len(in_alarm)} in ALARM ({_listed(in_alarm, 3)}: see the dashboard)")
    return Check("alarm-states", title, PASS, "none stuck: " + ", ".join(parts))


def check_alarm_evaluation(facts: Facts) -> Check:
    """No alarm reports an `EvaluationState` (`PARTIAL_DATA`, `EVALUATION_ERROR`,
    `EVALUATION_FAILURE`): Metrics Insights and PromQL alarms report one when they cannot see all."""
    title = "evaluation"
    alarms = facts.alarms
    if not _stack_alarm_names(facts):
        return Check("alarm-evaluation", title, ABSENT, "no alarm is deployed with this stack")
    if isinstance(alarms, Unreadable):
        return _unknown("alarm-evaluation", title, alarms, "the credentials need cloudwatch:DescribeAlarms")
    troubled = [a for a in alarms if a.evaluation_state]
    if troubled:
        described = [
            f"{a.name} {EVALUATION_PROBLEMS.get(a.evaluation_state or '', a.evaluation_state or '')}"
            + (f" ({a.state_reason})" if a.evaluation_state != "PARTIAL_DATA" and a.state_reason else "")
            for a in troubled
        ]
        partial = any(a.evaluation_state == "PARTIAL_DATA" for a in troubled)
        fix = (
            f"PARTIAL_DATA: see the capacity line and {ALARMS_SECTION} (more than {n.MAX_SERIES_PER_QUERY} queues)"
            if partial
            else "read the alarm's state reason in the CloudWatch console and deploy a corrected configuration"
        )
        return Check("alarm-evaluation", title, FAIL, "; ".join(described), fix)
    return Check("alarm-evaluation", title, PASS, "no alarm reports an evaluation problem")


def check_subscriptions(facts: Facts) -> Check:
    """No subscription of the stack's topics is pending confirmation (nothing is delivered to an
    address until someone confirms it)."""
    title = "subscriptions"
    stack = facts.stack
    topics = () if isinstance(stack, Unreadable) or stack.status is None else stack.of_type("AWS::SNS::Topic")
    if not topics:
        return Check("subscriptions", title, ABSENT, "no SNS topic is deployed with this stack")
    subscriptions = facts.subscriptions
    if isinstance(subscriptions, Unreadable):
        return _unknown("subscriptions", title, subscriptions, "the credentials need sns:ListSubscriptionsByTopic")
    pending = [s for s in subscriptions if s.pending]
    if pending:
        shown = [f"{s.endpoint} ({s.protocol})" for s in pending]
        return Check(
            "subscriptions",
            title,
            FAIL,
            f"{_plural(len(pending), 'subscription')} pending confirmation, nothing is delivered to "
            f"{'it' if len(pending) == 1 else 'them'}: {_listed(shown)}",
            "each address received 'AWS Notification - Subscription Confirmation': click Confirm subscription "
            "(the link expires after 3 days; deploy again, or aws sns subscribe, to send a new one)",
        )
    by_protocol: dict[str, int] = {}
    for subscription in subscriptions:
        by_protocol[subscription.protocol] = by_protocol.get(subscription.protocol, 0) + 1
    confirmed = ", ".join(f"{count} {protocol}" for protocol, count in sorted(by_protocol.items()))
    return Check(
        "subscriptions",
        title,
        PASS,
        f"none pending confirmation ({confirmed or 'no subscriptions'} on {_plural(len(topics), 'topic')})",
    )


def check_dead_letters(facts: Facts) -> Check:
    """The stack's SQS queues (the notifier's failed events) are empty (not deployed: none)."""
    title = "dead letters"
    stack = facts.stack
    queues = () if isinstance(stack, Unreadable) or stack.status is None else stack.of_type("AWS::SQS::Queue")
    if not queues:
        return Check("dead-letters", title, ABSENT, "not deployed with this stack (no SQS queue)")
    depths = facts.dead_letters
    if isinstance(depths, Unreadable):
        return _unknown("dead-letters", title, depths, "the credentials need sqs:GetQueueAttributes")
    full = [d for d in depths if d.messages + d.in_flight > 0]
    if full:
        shown = [f"{d.name}: {d.messages + d.in_flight}" for d in full]
        first = full[0]
        return Check(
            "dead-letters",
            title,
            FAIL,
            f"{_plural(sum(d.messages + d.in_flight for d in full), 'event')} the notifier could not deliver: "
            f"{_listed(shown)}",
            f"read them (aws sqs receive-message --queue-url {first.url} --max-number-of-messages 10), fix the "
            "channel the notifier's log names, then empty the queue (aws sqs purge-queue --queue-url ...)",
        )
    return Check("dead-letters", title, PASS, f"empty ({_plural(len(depths), 'queue')})")


def queue_alarm_queries(alarms: Sequence[AlarmFacts]) -> dict[str, int]:
    """How many fleet queries (one contributor per queue) the stack's alarms run, per queue alarm kind.
    A single-queue override alarm (`QueueId = '...'`) is not a fleet query."""
    fleet: dict[str, int] = {}
    for alarm in alarms:
        kind = alarm_catalog.kind_from_alarm_name(alarm.name)
        if kind is None or not kind.per_queue or alarm.query is None:
            continue
        if re.search(rf"""\b{n.DIM_QUEUE_ID}\s*=\s*['"]""", alarm.query):
            continue
        fleet[kind.name] = fleet.get(kind.name, 0) + 1
    return fleet


# What to do when there are more queues than a queue alarm evaluates: Metrics Insights' WHERE knows
# only `=`, `!=` and AND, so no set of queries can split an open set of queue ids into groups.
OUTGROWN_FIX: Final = (
    "give queues that must always be evaluated their own alarm (queueOverrides: each is a Metrics Insights "
    f"alarm of its own), or monitor fewer queues (queueIds, includeAmazonQueues); see {ALARMS_SECTION}"
)


def capacity_warning(queues: int, capacity: int = n.MAX_SERIES_PER_QUERY) -> str | None:
    """What `discover` says when an environment has more queues than a queue alarm evaluates."""
    if queues <= capacity:
        return None
    beyond = (
        f" Above {n.MAX_METRICS_PER_QUERY:,} queues a query reads only the first {n.MAX_METRICS_PER_QUERY:,} "
        "metrics it finds, in no useful order."
        if queues > n.MAX_METRICS_PER_QUERY
        else ""
    )
    return (
        f"Warning: {queues:,} queues, more than the {capacity:,} a queue alarm evaluates. Each queue alarm then "
        f"evaluates the {capacity:,} most troubled queues at each evaluation (a Metrics Insights query returns "
        f"{n.MAX_SERIES_PER_QUERY} series, worst first), so a queue in trouble is missed while {capacity:,} others "
        f"are worse.{beyond} To be sure of a queue, {OUTGROWN_FIX}."
    )


def check_capacity(facts: Facts) -> Check:
    """The most queues a recent poll reported (`QueuesReported`) fit what the queue alarms evaluate:
    500 per Metrics Insights query."""
    title = "capacity"
    alarms = facts.alarms
    if isinstance(alarms, Unreadable):
        return _unknown("capacity", title, alarms, "the credentials need cloudwatch:DescribeAlarms")
    fleet = queue_alarm_queries(alarms)
    if not fleet:
        return Check("capacity", title, ABSENT, "no queue alarm is deployed with this stack")
    queries = min(fleet.values())
    capacity = queries * n.MAX_SERIES_PER_QUERY
    points = facts.queues_reported
    if isinstance(points, Unreadable):
        return _unknown("capacity", title, points, "the credentials need cloudwatch:GetMetricData")
    since = facts.now - timedelta(minutes=facts.windows.polls_minutes)
    recent = [p.value for p in points if p.timestamp >= since]
    per_query = f"{_plural(queries, 'query', 'queries')} of {n.MAX_SERIES_PER_QUERY}"
    each = f"each queue alarm evaluates up to {capacity:,} ({per_query})"
    if not recent:
        return Check(
            "capacity",
            title,
            UNKNOWN,
            f"could not check: no {n.METRIC_QUEUES_REPORTED} in the last {facts.windows.polls_minutes} minutes "
            f"(see polls); {each}",
        )
    reported = int(max(recent))
    if reported > capacity:
        return Check(
            "capacity",
            title,
            FAIL,
            f"{reported:,} queues reported, {each}: the {reported - capacity:,} least troubled queues of "
            "each evaluation are not evaluated",
            f"a queue in trouble is still evaluated unless {capacity:,} others are worse; {OUTGROWN_FIX}",
        )
    return Check("capacity", title, PASS, f"{reported:,} queues reported; {each}")


@dataclass(frozen=True)
class CheckSpec:
    """One check: its line's id and title, the IAM actions its facts are read with, the check."""

    id: str
    title: str
    actions: tuple[str, ...]
    run: Callable[[Facts], Check]

    @property
    def doc(self) -> str:
        """What it checks: the check function's docstring."""
        return " ".join((self.run.__doc__ or "").split())


_ALARMS_READ: Final = ("cloudwatch:DescribeAlarms",)
CHECKS: Final = (
    CheckSpec(
        "stack",
        "stack",
        ("cloudformation:DescribeStacks", "cloudformation:ListStackResources", "lambda:GetFunctionConfiguration"),
        check_stack,
    ),
    CheckSpec("schedule", "schedule", ("events:DescribeRule", "events:ListTargetsByRule"), check_schedule),
    CheckSpec("invocations", "invocations", ("cloudwatch:GetMetricData",), check_invocations),
    CheckSpec("polls", "polls", ("cloudwatch:GetMetricData", "logs:FilterLogEvents"), check_polls),
    CheckSpec("secret", "secret", ("secretsmanager:DescribeSecret", "iam:SimulatePrincipalPolicy"), check_secret),
    CheckSpec("alarms", "alarms", _ALARMS_READ, check_alarms),
    CheckSpec("alarm-states", "alarm states", _ALARMS_READ, check_alarm_states),
    CheckSpec("alarm-evaluation", "evaluation", _ALARMS_READ, check_alarm_evaluation),
    CheckSpec("subscriptions", "subscriptions", ("sns:ListSubscriptionsByTopic",), check_subscriptions),
    CheckSpec("dead-letters", "dead letters", ("sqs:GetQueueAttributes",), check_dead_letters),
    CheckSpec("capacity", "capacity", (*_ALARMS_READ, "cloudwatch:GetMetricData"), check_capacity),
)


def diagnose(facts: Facts) -> Report:
    """Every check over `facts`; only the stack's line when there is no stack of ours to check."""
    stack = check_stack(facts)
    name = facts.stack.name if isinstance(facts.stack, StackFacts) else "?"
    if facts.poller is None or isinstance(facts.stack, Unreadable) or facts.stack.status is None:
        return Report(name, facts.region, (stack,))
    return Report(name, facts.region, (stack, *(spec.run(facts) for spec in CHECKS[1:])))


# --- output ------------------------------------------------------------------------------------------

TITLE_WIDTH: Final = max(len(spec.title) for spec in CHECKS)


def render(report: Report, *, marks: Mapping[str, str] = MARKS) -> str:
    """One line per check, `→ what to do` under each failure, then a summary line."""
    lines = [f"{n.PRODUCT} doctor: stack {report.stack} in {report.region}"]
    for check in report.checks:
        lines.append(f"{marks[check.status]} {check.title:<{TITLE_WIDTH}}  {check.summary}")
        if check.fix and check.status in (FAIL, UNKNOWN):
            lines.append(f"  {'':<{TITLE_WIDTH}}  → {check.fix}")
    counts = [
        f"{report.count(PASS)} passed",
        f"{report.count(FAIL)} failed",
        f"{report.count(UNKNOWN)} could not be checked",
        f"{report.count(ABSENT)} not deployed",
    ]
    lines.append(", ".join(counts))
    return "\n".join(lines)


def render_json(reports: Sequence[Report]) -> str:
    return json.dumps(
        {"ok": all(r.ok for r in reports), "stacks": [r.as_json() for r in reports]}, indent=2, ensure_ascii=False
    )


README_START: Final = "<!-- doctor-checks:start -->"
README_END: Final = "<!-- doctor-checks:end -->"


def render_markdown() -> str:
    """The README's table of the checks, from `CHECKS` (scripts/doctor_doc.py writes it)."""
    rows = ["| line | passes when | read with |", "| --- | --- | --- |"]
    rows += [
        f"| `{spec.title}` | {spec.doc} | {', '.join(f'`{action}`' for action in spec.actions)} |" for spec in CHECKS
    ]
    return "\n".join(rows)
