"""`doctor`'s checks over plain facts: each check passes on a healthy stack and fails, with what to
do, on the one problem it exists for; what could not be read is said, never guessed.

The deploy rehearsal (tests/deploy/test_doctor.py) runs the same checks on facts read from a
deployed stack; what the emulator cannot stage (IAM policy simulation, evaluation states, failed
stack statuses) is covered here."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from infra import queries
from queue_stats import doctor
from queue_stats import names as n
from queue_stats.doctor import (
    ABSENT,
    FAIL,
    PASS,
    UNKNOWN,
    AlarmFacts,
    Datapoint,
    Facts,
    LogLine,
    PollerFacts,
    QueueDepth,
    RuleFacts,
    SecretAccess,
    StackFacts,
    StackResource,
    SubscriptionFacts,
    Unreadable,
)

NOW = datetime(2026, 9, 23, 19, 55, 30, tzinfo=UTC)
STACK = "SymbeeQueueStats-prod"
FUNCTION = "SymbeeQueueStats-prod-PollerFunction-AbC123"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:SymbeeQueueStats-prod-Topic"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:SYMBEE_CONNECT_API_KEY-AbCdEf"
QUEUE_KINDS = ("OldestItemAge", "ItemsInQueue", "UnattendedItems", "AgentsInError")
HEALTH_KINDS = ("PollFailed", "PollerErrors", "PollerThrottles")


def fleet_query(kind: str, **kwargs: object) -> str:
    return queries.queue_alarm_query(
        namespace=n.DEFAULT_NAMESPACE,
        environment="prod",
        metric=kind,
        function="MAX",
        **kwargs,  # type: ignore[arg-type]
    )


def alarm(name: str, **changes: object) -> AlarmFacts:
    kind = name.rsplit("-", 1)[-1]
    facts = AlarmFacts(
        name=name,
        actions_enabled=True,
        state="OK",
        state_since=NOW - timedelta(hours=1),
        window_minutes=3,
        query=fleet_query(kind) if kind in QUEUE_KINDS else None,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


ALARMS = tuple(alarm(f"{STACK}-{kind}") for kind in (*QUEUE_KINDS, *HEALTH_KINDS))


def minutes(*values: float, last: datetime = NOW - timedelta(minutes=1)) -> tuple[Datapoint, ...]:
    """One datapoint a minute, the last one at `last`."""
    return tuple(Datapoint(last - timedelta(minutes=len(values) - 1 - i), v) for i, v in enumerate(values))


def healthy(**changes: object) -> Facts:
    resources = (
        StackResource("PollerFunction", "AWS::Lambda::Function", FUNCTION, "CREATE_COMPLETE"),
        StackResource("PollerSchedule", "AWS::Events::Rule", "SymbeeQueueStats-prod-Schedule", "CREATE_COMPLETE"),
        StackResource("NotificationsTopic", "AWS::SNS::Topic", TOPIC, "CREATE_COMPLETE"),
        *(
            StackResource(a.name.rsplit("-", 1)[-1], "AWS::CloudWatch::Alarm", a.name, "CREATE_COMPLETE")
            for a in ALARMS
        ),
    )
    facts = Facts(
        stack=StackFacts(
            STACK, "CREATE_COMPLETE", resources=resources, outputs={n.OUTPUT_POLLER_FUNCTION_NAME: FUNCTION}
        ),
        region="us-east-1",
        now=NOW,
        poller=PollerFacts(
            function_name=FUNCTION,
            function_arn=FUNCTION_ARN,
            role_arn="arn:aws:iam::123456789012:role/SymbeeQueueStats-prod-PollerRole",
            namespace=n.DEFAULT_NAMESPACE,
            environment="prod",
            secret_id="SYMBEE_CONNECT_API_KEY",
            secrets_region="us-east-1",
            log_group="/aws/lambda/poller",
        ),
        rules=(RuleFacts("SymbeeQueueStats-prod-Schedule", "ENABLED", "rate(1 minute)", (FUNCTION_ARN,)),),
        invocations=minutes(1, 1, 1),
        polls=minutes(1, 1, 1),
        queues_reported=minutes(120, 120, 120),
        last_failure=None,
        secret=SecretAccess(SECRET, "allowed"),
        alarms=ALARMS,
        subscriptions=(SubscriptionFacts(TOPIC, "email", "ops@example.com", pending=False),),
        dead_letters=(),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def with_resources(facts: Facts, *extra: StackResource) -> Facts:
    stack = facts.stack
    assert isinstance(stack, StackFacts)
    return replace(facts, stack=replace(stack, resources=(*stack.resources, *extra)))


def one(facts: Facts, check_id: str) -> doctor.Check:
    (found,) = [c for c in doctor.diagnose(facts).checks if c.id == check_id]
    return found


# --- the whole report --------------------------------------------------------------------------------


def test_a_healthy_stack_passes_every_check_it_has() -> None:
    # Given a stack whose every part works (no dead-letter queue deployed with it)
    report = doctor.diagnose(healthy())
    # Then every check passes but the absent part, which is said to be absent, not failed
    assert {c.id: c.status for c in report.checks if c.status != PASS} == {"dead-letters": ABSENT}
    assert report.ok


def test_the_report_has_one_line_per_check_in_a_fixed_order() -> None:
    report = doctor.diagnose(healthy())
    assert [c.id for c in report.checks] == [
        "stack",
        "schedule",
        "invocations",
        "polls",
        "secret",
        "alarms",
        "alarm-states",
        "alarm-evaluation",
        "subscriptions",
        "dead-letters",
        "capacity",
    ]


def test_a_could_not_check_line_does_not_fail_the_report() -> None:
    # Given the caller may not simulate IAM policies
    report = doctor.diagnose(healthy(secret=Unreadable("AccessDenied: not authorized to iam:SimulatePrincipalPolicy")))
    # Then the line says why it could not check, and the report still passes
    assert one(healthy(secret=Unreadable("AccessDenied: no")), "secret").status == UNKNOWN
    assert report.ok


# --- stack ---------------------------------------------------------------------------------------------


def test_a_missing_stack_is_the_only_line_and_says_how_to_name_it() -> None:
    report = doctor.diagnose(Facts(stack=StackFacts(STACK, None), region="eu-west-1", now=NOW))
    (check,) = report.checks
    assert (check.status, check.summary) == (FAIL, f"no stack {STACK} in eu-west-1")
    assert "--stack" in (check.fix or "")


def test_an_unreadable_stack_fails_naming_the_permission() -> None:
    report = doctor.diagnose(Facts(stack=Unreadable("AccessDenied: no"), region="us-east-1", now=NOW))
    (check,) = report.checks
    assert check.status == FAIL
    assert "cloudformation:DescribeStacks" in (check.fix or "")


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        ("UPDATE_ROLLBACK_COMPLETE", "deploy again"),
        ("ROLLBACK_COMPLETE", "delete the stack"),
        ("CREATE_FAILED", "delete the stack"),
        ("UPDATE_ROLLBACK_FAILED", "deploy again"),
        ("UPDATE_IN_PROGRESS", "wait for it"),
        ("REVIEW_IN_PROGRESS", "wait for it"),
    ],
)
def test_a_stack_not_complete_fails_with_its_status(status: str, advice: str) -> None:
    facts = healthy()
    assert isinstance(facts.stack, StackFacts)
    check = one(replace(facts, stack=replace(facts.stack, status=status)), "stack")
    assert check.status == FAIL
    assert check.summary.startswith(status)
    assert advice in (check.fix or "")


def test_a_resource_not_complete_fails_naming_it() -> None:
    facts = with_resources(healthy(), StackResource("Broken", "AWS::SQS::Queue", "u", "CREATE_FAILED"))
    check = one(facts, "stack")
    assert check.status == FAIL
    assert "Broken (CREATE_FAILED)" in check.summary


def test_a_stack_without_the_pollers_output_is_not_taken_for_ours() -> None:
    facts = Facts(stack=StackFacts("Other", "CREATE_COMPLETE"), region="us-east-1", now=NOW)
    (check,) = doctor.diagnose(facts).checks
    assert check.status == FAIL
    assert n.OUTPUT_POLLER_FUNCTION_NAME in check.summary


# --- schedule and invocations --------------------------------------------------------------------------


def test_a_disabled_schedule_fails_with_the_command_that_enables_it() -> None:
    rule = RuleFacts("SymbeeQueueStats-prod-Schedule", "DISABLED", "rate(1 minute)", (FUNCTION_ARN,))
    check = one(healthy(rules=(rule,)), "schedule")
    assert check.status == FAIL
    assert "aws events enable-rule --name SymbeeQueueStats-prod-Schedule" in (check.fix or "")


def test_a_schedule_that_targets_something_else_fails() -> None:
    rule = RuleFacts("SymbeeQueueStats-prod-Schedule", "ENABLED", "rate(1 minute)", ("arn:aws:lambda:x:1:function:y",))
    assert one(healthy(rules=(rule,)), "schedule").status == FAIL


def test_a_schedule_targeting_an_alias_of_the_poller_passes() -> None:
    rule = RuleFacts("SymbeeQueueStats-prod-Schedule", "ENABLED", "rate(1 minute)", (f"{FUNCTION_ARN}:live",))
    assert one(healthy(rules=(rule,)), "schedule").status == PASS


def test_no_schedule_rule_fails() -> None:
    assert one(healthy(rules=()), "schedule").status == FAIL


def test_no_invocation_in_the_window_fails() -> None:
    # Given the poller last ran an hour ago
    check = one(healthy(invocations=minutes(1, last=NOW - timedelta(hours=1))), "invocations")
    assert check.status == FAIL
    assert FUNCTION in check.summary


def test_an_unreadable_metric_is_could_not_check() -> None:
    check = one(healthy(invocations=Unreadable("AccessDenied: no")), "invocations")
    assert (check.status, check.summary) == (UNKNOWN, "could not check: AccessDenied: no")


@pytest.mark.parametrize(
    ("expression", "minutes_"), [("rate(1 minute)", 1), ("rate(5 minutes)", 5), ("rate(1 hour)", 60)]
)
def test_the_poll_rate_is_read_from_the_schedule(expression: str, minutes_: int) -> None:
    assert doctor.poll_rate_minutes((RuleFacts("r", "ENABLED", expression, ()),)) == minutes_


def test_a_slow_schedule_widens_the_windows() -> None:
    # Given a poll every 5 minutes, the last invocation 12 minutes ago
    rule = RuleFacts("r", "ENABLED", "rate(5 minutes)", (FUNCTION_ARN,))
    facts = healthy(rules=(rule,), invocations=minutes(1, last=NOW - timedelta(minutes=12)))
    # Then it is inside the window (3 polls)
    assert one(facts, "invocations").status == PASS


# --- polls -------------------------------------------------------------------------------------------


def test_a_failed_latest_poll_fails_with_the_last_failure_line() -> None:
    line = LogLine(NOW - timedelta(minutes=1), "Poll failed: Symbee API call failed 3 times, last: HTTP 503")
    check = one(healthy(polls=minutes(1, 1, 0), last_failure=line), "polls")
    assert check.status == FAIL
    assert "Poll failed: Symbee API call failed 3 times, last: HTTP 503" in check.summary
    assert "README.md#no-successful-poll" in (check.fix or "")


def test_a_failed_poll_without_a_log_line_says_so() -> None:
    check = one(healthy(polls=minutes(0)), "polls")
    assert check.status == FAIL
    assert f'no "{n.LOG_POLL_FAILED}" line' in check.summary


def test_no_poll_result_fails() -> None:
    assert one(healthy(polls=()), "polls").status == FAIL


def test_a_stale_latest_poll_fails() -> None:
    # Given the last poll succeeded, 8 minutes ago, at one poll a minute
    check = one(healthy(polls=minutes(1, 1, last=NOW - timedelta(minutes=8))), "polls")
    assert check.status == FAIL
    assert "8 minutes ago" in check.summary


def test_an_earlier_failure_is_mentioned_when_the_latest_poll_succeeded() -> None:
    check = one(healthy(polls=minutes(1, 0, 1)), "polls")
    assert check.status == PASS
    assert "1 of the 3 before failed" in check.summary


# --- secret ------------------------------------------------------------------------------------------


def test_a_role_that_may_not_read_the_secret_fails() -> None:
    check = one(healthy(secret=SecretAccess(SECRET, "implicitDeny")), "secret")
    assert check.status == FAIL
    assert "implicitDeny" in check.summary


def test_a_secret_that_does_not_exist_fails() -> None:
    check = one(
        healthy(secret=SecretAccess("SYMBEE_CONNECT_API_KEY in us-east-1", "implicitDeny", exists=False)), "secret"
    )
    assert check.status == FAIL
    assert "no secret SYMBEE_CONNECT_API_KEY in us-east-1" in check.summary


def test_simulation_not_available_is_could_not_check_with_how_to_check_by_hand() -> None:
    check = one(healthy(secret=Unreadable("IAM policy simulation is not available")), "secret")
    assert check.status == UNKNOWN
    assert "secretsmanager:GetSecretValue" in (check.fix or "")


# --- alarms ------------------------------------------------------------------------------------------


def test_an_alarm_with_actions_disabled_fails_with_the_command_that_enables_them() -> None:
    alarms = (*ALARMS[1:], replace(ALARMS[0], actions_enabled=False))
    check = one(healthy(alarms=alarms), "alarms")
    assert check.status == FAIL
    assert f"aws cloudwatch enable-alarm-actions --alarm-names {ALARMS[0].name}" in (check.fix or "")


def test_a_missing_alarm_fails_naming_it() -> None:
    check = one(healthy(alarms=ALARMS[1:]), "alarms")
    assert check.status == FAIL
    assert ALARMS[0].name in check.summary


def test_insufficient_data_within_the_warm_up_passes() -> None:
    # Given an alarm in INSUFFICIENT_DATA for 5 minutes (window 3 + 2 polls + 10 = 15 minutes allowed)
    stuck = replace(ALARMS[4], state="INSUFFICIENT_DATA", state_since=NOW - timedelta(minutes=5))
    check = one(healthy(alarms=(*ALARMS[:4], stuck, *ALARMS[5:])), "alarm-states")
    assert check.status == PASS
    assert "1 in INSUFFICIENT_DATA within their warm-up" in check.summary


def test_insufficient_data_past_the_warm_up_fails_naming_the_alarm() -> None:
    stuck = replace(ALARMS[4], state="INSUFFICIENT_DATA", state_since=NOW - timedelta(minutes=16))
    check = one(healthy(alarms=(*ALARMS[:4], stuck, *ALARMS[5:])), "alarm-states")
    assert check.status == FAIL
    assert f"{stuck.name} (since 16 minutes ago)" in check.summary


def test_the_alarms_own_warm_up_wins_when_cloudwatch_reports_one() -> None:
    stuck = replace(ALARMS[4], state="INSUFFICIENT_DATA", state_since=NOW - timedelta(minutes=16), warm_up_minutes=30)
    assert one(healthy(alarms=(*ALARMS[:4], stuck, *ALARMS[5:])), "alarm-states").status == PASS


def test_alarms_in_alarm_are_mentioned_not_failed() -> None:
    firing = replace(ALARMS[0], state="ALARM")
    check = one(healthy(alarms=(firing, *ALARMS[1:])), "alarm-states")
    assert check.status == PASS
    assert f"1 in ALARM ({firing.name}" in check.summary


def test_partial_data_fails_pointing_at_the_capacity() -> None:
    partial = replace(ALARMS[0], evaluation_state="PARTIAL_DATA")
    check = one(healthy(alarms=(partial, *ALARMS[1:])), "alarm-evaluation")
    assert check.status == FAIL
    assert "more than 500 series" in check.summary
    assert "capacity" in (check.fix or "")


def test_an_evaluation_error_fails_with_the_state_reason() -> None:
    broken = replace(ALARMS[0], evaluation_state="EVALUATION_ERROR", state_reason="Query is invalid")
    check = one(healthy(alarms=(broken, *ALARMS[1:])), "alarm-evaluation")
    assert check.status == FAIL
    assert "(Query is invalid)" in check.summary


def test_no_alarm_in_the_stack_is_absent_not_failed() -> None:
    facts = healthy(alarms=())
    stack = facts.stack
    assert isinstance(stack, StackFacts)
    facts = replace(facts, stack=replace(stack, resources=stack.resources[:3]))
    assert {one(facts, i).status for i in ("alarms", "alarm-states", "alarm-evaluation", "capacity")} == {ABSENT}


# --- subscriptions and dead letters ---------------------------------------------------------------------


def test_a_pending_email_subscription_fails_naming_the_address() -> None:
    subscriptions = (SubscriptionFacts(TOPIC, "email", "new@example.com", pending=True),)
    check = one(healthy(subscriptions=subscriptions), "subscriptions")
    assert check.status == FAIL
    assert "new@example.com (email)" in check.summary
    assert "Confirm subscription" in (check.fix or "")


def test_confirmed_subscriptions_pass_counted_by_protocol() -> None:
    check = one(healthy(), "subscriptions")
    assert (check.status, check.summary) == (PASS, "none pending confirmation (1 email on 1 topic)")


def test_messages_in_a_dead_letter_queue_fail_with_how_to_read_them() -> None:
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/SymbeeQueueStats-prod-NotifierDeadLetters"
    facts = with_resources(healthy(), StackResource("NotifierDeadLetters", "AWS::SQS::Queue", url, "CREATE_COMPLETE"))
    facts = replace(facts, dead_letters=(QueueDepth("SymbeeQueueStats-prod-NotifierDeadLetters", url, 2, 1),))
    check = one(facts, "dead-letters")
    assert check.status == FAIL
    assert check.summary.startswith("3 events the notifier could not deliver")
    assert f"aws sqs receive-message --queue-url {url}" in (check.fix or "")


def test_an_empty_dead_letter_queue_passes() -> None:
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"
    facts = with_resources(healthy(), StackResource("Dlq", "AWS::SQS::Queue", url, "CREATE_COMPLETE"))
    assert one(replace(facts, dead_letters=(QueueDepth("dlq", url, 0, 0),)), "dead-letters").status == PASS


# --- capacity ------------------------------------------------------------------------------------------


def test_more_queues_than_one_query_returns_fails() -> None:
    check = one(healthy(queues_reported=minutes(620)), "capacity")
    assert check.status == FAIL
    assert "620 queues reported, each queue alarm evaluates up to 500" in check.summary
    assert "queueOverrides" in (check.fix or "")


def test_queues_that_fit_pass() -> None:
    check = one(healthy(queues_reported=minutes(500)), "capacity")
    assert (check.status, check.summary) == (
        PASS,
        "500 queues reported; each queue alarm evaluates up to 500 (1 query of 500)",
    )


def test_override_alarms_are_not_counted_as_fleet_queries() -> None:
    # Given the fleet alarms and an override's single-queue alarm (as the stack writes their queries)
    override = alarm(
        f"{STACK}-OldestItemAge-email-vip",
        query=fleet_query("OldestItemAge", only_queue="email-vip"),
    )
    # Then each kind runs one fleet query
    assert doctor.queue_alarm_queries((*ALARMS, override)) == dict.fromkeys(QUEUE_KINDS, 1)


def test_capacity_counts_every_fleet_query_of_the_least_covered_kind() -> None:
    # Given two fleet queries for every queue alarm kind
    parts = tuple(replace(a, name=f"{a.name}-Part2") for a in ALARMS[:4])
    check = one(healthy(alarms=(*ALARMS, *parts), queues_reported=minutes(620)), "capacity")
    assert (check.status, "up to 1,000 (2 queries of 500)" in check.summary) == (PASS, True)


def test_capacity_without_queues_reported_is_could_not_check() -> None:
    assert one(healthy(queues_reported=()), "capacity").status == UNKNOWN


@pytest.mark.parametrize(("queues", "warned"), [(500, False), (501, True), (12_000, True)])
def test_discover_warns_only_above_what_one_query_returns(queues: int, warned: bool) -> None:
    warning = doctor.capacity_warning(queues)
    assert (warning is not None) == warned
    if queues > n.MAX_METRICS_PER_QUERY:
        assert "first 10,000 metrics" in (warning or "")


# --- output --------------------------------------------------------------------------------------------


def test_the_text_puts_what_to_do_under_each_failure() -> None:
    report = doctor.diagnose(healthy(polls=minutes(0)))
    lines = doctor.render(report).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("✗ polls"))
    assert lines[index + 1].strip().startswith("→ follow the failure's cause")
    assert lines[-1] == "9 passed, 1 failed, 0 could not be checked, 1 not deployed"


def test_the_text_has_plain_marks_for_terminals_without_them() -> None:
    text = doctor.render(doctor.diagnose(healthy()), marks=doctor.ASCII_MARKS)
    assert text.isascii()


def test_json_holds_the_same_checks() -> None:
    report = doctor.diagnose(healthy(polls=minutes(0)))
    document = json.loads(doctor.render_json([report]))
    assert document["ok"] is False
    (stack,) = document["stacks"]
    assert [c["id"] for c in stack["checks"]] == [c.id for c in report.checks]
    assert stack["counts"] == {PASS: 9, FAIL: 1, UNKNOWN: 0, ABSENT: 1}


# --- the README ----------------------------------------------------------------------------------------


def test_every_check_is_listed_under_its_own_id() -> None:
    # Given the checks' specs (the README's table is made from them); Then a report has exactly their lines
    assert [spec.id for spec in doctor.CHECKS] == [c.id for c in doctor.diagnose(healthy()).checks]
    assert [spec.title for spec in doctor.CHECKS] == [c.title for c in doctor.diagnose(healthy()).checks]


def test_the_readmes_table_of_checks_is_the_codes() -> None:
    from infra import PROJECT_ROOT
    from scripts.readme_block import section

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    current = section(readme, start=doctor.README_START, end=doctor.README_END)
    assert current == doctor.render_markdown(), "README out of date: run `python scripts/doctor_doc.py --write`"
