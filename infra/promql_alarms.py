"""The PromQL form of the stack's alarms, for the OpenTelemetry backend: the condition of each
queue alarm and of "No successful poll" as CloudWatch's `EvaluationCriteria.PromQLCriteria`.
`infra/alarms.py` gives them the names, descriptions and actions of the classic alarms.

A PromQL alarm has no threshold, period or missing-data setting: the query is the condition, every
series it returns is a contributor in breach, and `PendingPeriod` is how long a contributor must
keep breaching: for a queue alarm, from its first breaching poll to the last poll of the alarm's
`minutes` (rounded up to whole polls, as for the classic alarm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import aws_cloudwatch as cloudwatch

from infra import promql
from infra.config import AlarmKind, AlarmSettings, EnvironmentConfig

# CloudWatch evaluates the query every minute; points arrive once per poll, at most every minute.
EVALUATION_INTERVAL_SECONDS: Final = 60
MAX_PERIOD_SECONDS: Final = 86_400  # CloudWatch's limit on PendingPeriod and RecoveryPeriod
# "No successful poll" has no warm-up as a PromQL alarm (those start OK and the query sees no data
# before the first poll), so it waits this many poll intervals longer than its window: after a
# deploy the first scheduled poll comes one interval after the schedule is created, and a second
# interval covers a slow first run. A dead poller is reported that much later than by the classic
# alarm.
POLL_FAILED_GRACE_POLLS: Final = 2


@dataclass(frozen=True)
class Condition:
    """What CloudWatch evaluates for one PromQL alarm."""

    query: str
    pending_seconds: int
    recovery_seconds: int

    def properties(self) -> dict[str, Any]:
        """The `CfnAlarm` properties that make it a PromQL alarm."""
        return {
            "evaluation_criteria": cloudwatch.CfnAlarm.EvaluationCriteriaProperty(
                prom_ql_criteria=cloudwatch.CfnAlarm.AlarmPromQLCriteriaProperty(
                    query=self.query,
                    pending_period=self.pending_seconds,
                    recovery_period=self.recovery_seconds,
                )
            ),
            "evaluation_interval": EVALUATION_INTERVAL_SECONDS,
        }


def recovery_seconds(config: EnvironmentConfig) -> int:
    """A contributor returns to OK after a poll interval and a minute without a breach: one good
    poll between breaching ones neither resolves nor re-pages, even when the next poll lands late."""
    return min((config.poll_rate_minutes + promql.LATE_POLL_MINUTES) * 60, MAX_PERIOD_SECONDS)


def queue_condition(
    config: EnvironmentConfig,
    kind: AlarmKind,
    settings: AlarmSettings,
    *,
    only_queue: str | None = None,
    exclude: Sequence[str] = (),
    function: str,
) -> Condition:
    """The condition of a per-queue alarm (a fleet alarm, or an override's own); `function` is the
    classic alarm's Metrics Insights function, so one queue's series fold the same way."""
    source = promql.Source(config.environment, config.poll_rate_minutes)
    if kind is AlarmKind.UNATTENDED_ITEMS:
        query = promql.unattended_query(
            source, threshold=settings.threshold, only_queue=only_queue, exclude_queues=exclude
        )
    else:
        metric = kind.metric
        assert metric is not None, kind  # a queue alarm always reads a per-queue metric
        query = promql.queue_alarm_query(
            source,
            metric=metric,
            function=function,
            threshold=settings.threshold,
            only_queue=only_queue,
            exclude_queues=exclude,
        )
    # Pending from the first breaching poll, it fires on the poll that completes the window (as
    # many breaching polls as the classic alarm needs); each poll is seen within the minute after
    # it lands, so it fires when the classic alarm does, once that poll's minute has closed.
    polls = config.alarm_window(kind, settings.minutes).datapoints_to_alarm
    return Condition(query, (polls - 1) * config.poll_rate_minutes * 60, recovery_seconds(config))


def poll_failed_condition(config: EnvironmentConfig, settings: AlarmSettings) -> Condition:
    """The condition of "No successful poll": the latest poll failed, or none reported, for its
    window plus the grace (see POLL_FAILED_GRACE_POLLS)."""
    window = config.alarm_window(AlarmKind.POLL_FAILED, settings.minutes)
    pending = (window.minutes + POLL_FAILED_GRACE_POLLS * config.poll_rate_minutes) * 60
    return Condition(
        promql.poll_failed_query(promql.Source(config.environment, config.poll_rate_minutes)),
        min(pending, MAX_PERIOD_SECONDS),
        recovery_seconds(config),
    )
