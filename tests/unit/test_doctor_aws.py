"""How `doctor`'s gatherer reads the answers of AWS APIs the emulator does not give in full: alarms
as CloudWatch describes them (Metrics Insights, PromQL, warm-up, evaluation state), log lines and
the poller's log group. The reads themselves run against the deploy rehearsal
(tests/deploy/test_doctor.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from queue_stats.doctor import StackFacts, StackResource
from queue_stats.doctor_aws import _alarm, _log_group, _log_message

CHANGED = datetime(2026, 9, 23, 19, 0, tzinfo=UTC)


def test_a_metrics_insights_alarm_is_read_with_its_query_window_and_evaluation_state() -> None:
    described = {
        "AlarmName": "S-prod-OldestItemAge",
        "ActionsEnabled": True,
        "StateValue": "OK",
        "StateTransitionedTimestamp": CHANGED,
        "StateUpdatedTimestamp": datetime(2026, 9, 23, 19, 30, tzinfo=UTC),
        "EvaluationPeriods": 2,
        "Metrics": [{"Id": "q1", "Expression": "SELECT MAX(OldestItemAge) FROM ...", "Period": 60, "ReturnData": True}],
        "EvaluationState": "PARTIAL_DATA",
    }
    alarm = _alarm(described)
    assert (alarm.query, alarm.window_minutes, alarm.evaluation_state) == (
        "SELECT MAX(OldestItemAge) FROM ...",
        2,
        "PARTIAL_DATA",
    )
    # The last transition, not the last update of the reason, is when the state began
    assert alarm.state_since == CHANGED


def test_a_promql_alarm_is_read_with_its_query_and_pending_period() -> None:
    described = {
        "AlarmName": "S-prod-ItemsInQueue",
        "StateValue": "OK",
        "EvaluationCriteria": {
            "PromQLCriteria": {"Query": "max by (QueueId) (ItemsInQueue) >= 10", "PendingPeriod": 240}
        },
        "EvaluationInterval": 60,
    }
    alarm = _alarm(described)
    assert (alarm.query, alarm.window_minutes) == ("max by (QueueId) (ItemsInQueue) >= 10", 5)


def test_an_alarms_own_warm_up_is_read() -> None:
    described = {
        "AlarmName": "S-prod-PollFailed",
        "StateValue": "INSUFFICIENT_DATA",
        "StateUpdatedTimestamp": CHANGED,
        "Period": 60,
        "EvaluationPeriods": 3,
        "WarmUpConfiguration": {"WarmUpPeriodDurationInMinutes": 15},
    }
    alarm = _alarm(described)
    assert (alarm.warm_up_minutes, alarm.window_minutes, alarm.query) == (15, 3, None)


def test_a_powertools_log_line_is_read_as_its_message() -> None:
    line = "Poll failed: Symbee API call failed 3 times, last: HTTP 503"
    raw = '{"level":"ERROR","location":"handler:31","message":"' + line + '"}'
    assert _log_message(raw) == line


def test_a_plain_log_line_is_kept_and_cut_short() -> None:
    assert _log_message("Poll failed:  " + "x" * 400).startswith("Poll failed: xxx")
    assert len(_log_message("Poll failed: " + "x" * 400)) == 300


def test_the_log_group_is_the_functions_own_setting_first() -> None:
    stack = StackFacts(
        "S",
        "CREATE_COMPLETE",
        resources=(StackResource("PollerLogGroup", "AWS::Logs::LogGroup", "g1", "CREATE_COMPLETE"),),
    )
    configured = {"FunctionName": "f", "LoggingConfig": {"LogGroup": "configured"}}
    assert _log_group(configured, stack) == "configured"
    assert _log_group({"FunctionName": "f"}, stack) == "g1"
    assert _log_group({"FunctionName": "f"}, StackFacts("S", "CREATE_COMPLETE")) == "/aws/lambda/f"


def test_with_several_log_groups_the_pollers_is_picked() -> None:
    groups = (
        StackResource("NotifierLogGroup", "AWS::Logs::LogGroup", "notifier", "CREATE_COMPLETE"),
        StackResource("PollerLogGroup1A2B", "AWS::Logs::LogGroup", "poller", "CREATE_COMPLETE"),
    )
    assert _log_group({"FunctionName": "f"}, StackFacts("S", "CREATE_COMPLETE", resources=groups)) == "poller"
