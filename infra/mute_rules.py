"""Quiet hours and maintenance windows: CloudWatch alarm mute rules from cdk.json's `muteRules`.

While a rule's window is open the muted alarms still evaluate and change state, but run no actions,
and their events carry `muteDetail`, on which the notifier sends nothing. A rule names its alarms
(by reference, so CloudFormation creates it after them): every alarm the stack made of each kind it
mutes, a queue's own override alarms included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.config_notify import MuteRule
from queue_stats import alarm_catalog


class MuteRules(Construct):
    """One `AlarmMuteRule` per configured rule; `self.rules` lists them."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, alarms: Sequence[cloudwatch.CfnAlarm]
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: list[cloudwatch.AlarmMuteRule] = []
        for rule in config.mute_rules:
            muted = [alarm for alarm in alarms if _kind_of(alarm, config) in {kind.value for kind in rule.kinds}]
            self.rules.append(
                cloudwatch.AlarmMuteRule(
                    self,
                    f"MuteRule-{rule.name}",
                    alarm_mute_rule_name=config.mute_rule_name(rule),
                    description=_description(rule, config),
                    schedule=cloudwatch.ScheduleExpression.expression(
                        rule.schedule, cdk.TimeZone.of(rule.timezone) if rule.timezone else None
                    ),
                    duration=cdk.Duration.minutes(rule.duration_minutes),
                    start=_calendar(rule.start_date),
                    expire=_calendar(rule.expire_date),
                    alarms=muted,
                )
            )


def _kind_of(alarm: cloudwatch.CfnAlarm, config: EnvironmentConfig) -> str | None:
    """The `alarms` key of one of the stack's alarms, from its `<stack>-<Kind>[-...]` name."""
    rest = (alarm.alarm_name or "").removeprefix(f"{config.stack_name}")
    kind = alarm_catalog.kind_from_alarm_name(rest)
    return kind.key if kind is not None and rest.startswith(f"-{kind.name}") else None


def _description(rule: MuteRule, config: EnvironmentConfig) -> str:
    zone = rule.timezone or "UTC"
    return (
        f"Symbee {config.company_code}/{config.environment}: mutes {', '.join(rule.alarms)} alarms at "
        f"{rule.schedule} ({zone}) for {rule.duration_minutes} minutes (cdk.json muteRules '{rule.name}')"
    )[:1024]


def _calendar(when: datetime | None) -> cloudwatch.CalendarDateTime | None:
    """A wall-clock time in the rule's time zone, written as CloudWatch reads it."""
    if when is None:
        return None
    return cloudwatch.CalendarDateTime(
        year=when.year, month=when.month, day=when.day, hour=when.hour, minute=when.minute
    )
