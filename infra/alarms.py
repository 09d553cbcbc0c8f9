"""The alarms: per-queue Metrics Insights alarms (every queue a contributor, including queues that
appear after the deploy), per-queue overrides, and the poller's own health.

All are `CfnAlarm`: the L2 `Alarm` cannot express a Metrics Insights query, and one style keeps
names, descriptions and actions uniform. With `metricsBackend` `otel` the alarms on the poller's
metrics are PromQL alarms (`infra/promql_alarms.py`) under the same names and construct ids, so a
switch updates each alarm in place; with `both` the classic ones act and PromQL shadows watch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import promql_alarms, queries
from infra.config import HEALTH_ALARM_KINDS, QUEUE_ALARM_KINDS, AlarmKind, AlarmSettings, EnvironmentConfig
from queue_stats import links, names

# CloudWatch's limit on an alarm description; tests/infra/test_alarms.py checks the longest fits.
MAX_DESCRIPTION: Final = 1024
GREATER_OR_EQUAL: Final = "GreaterThanOrEqualToThreshold"
LESS_THAN: Final = "LessThanThreshold"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"
# "No successful poll" treats missing data as breaching, so before the first poll lands it would
# page. Its warm-up holds it in INSUFFICIENT_DATA until its window holds data (early end, the
# default), or at most this long past one window plus two poll intervals when nothing arrives:
# enough for the rest of the deploy and the first cold start.
WARM_UP_MARGIN_MINUTES: Final = names.ALARM_WARM_UP_MARGIN_MINUTES
MAX_WARM_UP_MINUTES: Final = 2880  # CloudWatch's limit
SHADOW_NOTE: Final = (
    "PromQL shadow (metricsBackend both): runs no action; compare it with the classic alarm before switching to otel."
)


@dataclass(frozen=True)
class AlarmSpec:
    """How the stack evaluates an alarm and describes it; its title and metric are the runtime
    catalog's (`queue_stats.alarm_catalog`), which the notifier and the README read too."""

    kind: AlarmKind
    statistic: str  # a Metrics Insights function for queue alarms, a CloudWatch statistic otherwise
    comparison: str
    meaning: str  # formatted with threshold and minutes

    @property
    def title(self) -> str:
        return self.kind.catalog.title

    @property
    def metric(self) -> str:
        return self.kind.catalog.metric


SPECS: Final = {
    AlarmKind.OLDEST_ITEM_AGE: AlarmSpec(
        kind=AlarmKind.OLDEST_ITEM_AGE,
        statistic="MAX",
        comparison=GREATER_OR_EQUAL,
        meaning="The oldest interaction waiting in a queue has waited {threshold:g} seconds or more "
        "for {minutes} minutes.",
    ),
    AlarmKind.ITEMS_IN_QUEUE: AlarmSpec(
        kind=AlarmKind.ITEMS_IN_QUEUE,
        statistic="MIN",
        comparison=GREATER_OR_EQUAL,
        meaning="{threshold:g} or more interactions have been waiting in a queue for {minutes} minutes.",
    ),
    AlarmKind.UNATTENDED_ITEMS: AlarmSpec(
        kind=AlarmKind.UNATTENDED_ITEMS,
        statistic="MIN",
        comparison=GREATER_OR_EQUAL,
        meaning="A queue that is not closed has had {threshold:g} or more interactions waiting and "
        "zero agents available for {minutes} minutes.",
    ),
    AlarmKind.AGENTS_IN_ERROR: AlarmSpec(
        kind=AlarmKind.AGENTS_IN_ERROR,
        statistic="MIN",
        comparison=GREATER_OR_EQUAL,
        meaning="{threshold:g} or more agents of a queue have been in an error state (for example a "
        "missed contact) for {minutes} minutes.",
    ),
    AlarmKind.POLL_FAILED: AlarmSpec(
        kind=AlarmKind.POLL_FAILED,
        statistic="Minimum",
        comparison=LESS_THAN,
        meaning="The poller has not completed a successful poll for {minutes} minutes, so the queue "
        "metrics and alarms are blind.",
    ),
    AlarmKind.POLLER_ERRORS: AlarmSpec(
        kind=AlarmKind.POLLER_ERRORS,
        statistic="Sum",
        comparison=GREATER_OR_EQUAL,
        meaning="The poller function ended with an error at least {threshold:g} time(s) per poll "
        "period for {minutes} minutes.",
    ),
    AlarmKind.POLLER_THROTTLES: AlarmSpec(
        kind=AlarmKind.POLLER_THROTTLES,
        statistic="Sum",
        comparison=GREATER_OR_EQUAL,
        meaning="Lambda refused to run the poller at least {threshold:g} time(s) per poll period for "
        "{minutes} minutes (concurrency limit reached).",
    ),
}


class Alarms(Construct):
    """Every alarm of one environment; `self.alarms` lists them for the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        function: lambda_.IFunction,
        alarm_actions: Sequence[str],
        ok_actions: Sequence[str],
        dashboard_url: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._alarm_actions = list(alarm_actions)
        self._ok_actions = list(ok_actions)
        self._dashboard_url = dashboard_url
        self.alarms: list[cloudwatch.CfnAlarm] = []
        # `both`: PromQL copies that watch without acting, to compare before switching to `otel`.
        self.shadows: list[cloudwatch.CfnAlarm] = []
        self._shadow_scope = Construct(self, "PromQLShadows") if config.promql_shadows else None

        for kind in QUEUE_ALARM_KINDS:
            if config.is_active(kind):
                self._queue_alarm(kind, config.alarms[kind], exclude=config.overridden_queue_ids(kind))
        for override in config.queue_overrides:
            for kind, settings in override.alarms.items():
                if config.is_active(kind, settings):
                    self._queue_alarm(kind, settings, only_queue=override.queue_id)

        health_dimensions = {
            AlarmKind.POLL_FAILED: (config.metrics_namespace, names.DIM_ENVIRONMENT, config.environment),
            AlarmKind.POLLER_ERRORS: (LAMBDA_NAMESPACE, "FunctionName", function.function_name),
            AlarmKind.POLLER_THROTTLES: (LAMBDA_NAMESPACE, "FunctionName", function.function_name),
        }
        for kind in HEALTH_ALARM_KINDS:
            if config.is_active(kind):
                namespace, dimension, value = health_dimensions[kind]
                alarm = self._health_alarm(kind, config.alarms[kind], namespace=namespace, dimension=(dimension, value))
                if kind is AlarmKind.POLL_FAILED:
                    # Its warm-up starts when it is created: not before the function that ends it.
                    alarm.node.add_dependency(function)

    def _queue_alarm(
        self,
        kind: AlarmKind,
        settings: AlarmSettings,
        *,
        only_queue: str | None = None,
        exclude: Sequence[str] = (),
    ) -> None:
        spec = SPECS[kind]
        scope = "this queue" if only_queue else "every queue that reports (each one a contributor)"
        construct_id = f"{kind.pascal_name}Alarm" + (f"-{only_queue.replace('/', '_')}" if only_queue else "")
        scope_text = f"Covers {scope}; the notification names the queue."
        config = self._config

        add = partial(self._add, construct_id, kind, settings, queue_id=only_queue, scope_text=scope_text)
        if config.promql_alarms or config.promql_shadows:
            promql = promql_alarms.queue_condition(
                config, kind, settings, only_queue=only_queue, exclude=exclude, function=spec.statistic
            ).properties()
            if config.promql_alarms:  # the classic metrics this alarm would read are not published
                add(condition=promql)
                return
            if config.is_active(kind, settings, promql=True):
                add(condition=promql, shadow=True)
        query = queries.queue_alarm_query(
            namespace=config.metrics_namespace,
            environment=config.environment,
            metric=spec.metric,
            function=spec.statistic,
            only_queue=only_queue,
            exclude_queues=exclude,
        )
        add(
            condition=self._threshold_condition(
                kind,
                settings,
                metrics=[
                    cloudwatch.CfnAlarm.MetricDataQueryProperty(
                        id="q1",
                        expression=query,
                        period=config.alarm_window(kind, settings.minutes).period_seconds,
                        return_data=True,
                    )
                ],
                # A queue that stops reporting is the poll-failure alarm's business, not this one's;
                # and with polls less often than every minute, the minutes between polls hold no data.
                treat_missing_data="notBreaching",
            ),
        )

    def _health_alarm(
        self, kind: AlarmKind, settings: AlarmSettings, *, namespace: str, dimension: tuple[str, str]
    ) -> cloudwatch.CfnAlarm:
        spec = SPECS[kind]
        config = self._config
        add = partial(self._add, f"{kind.pascal_name}Alarm", kind, settings, queue_id=None, scope_text="")
        if kind is AlarmKind.POLL_FAILED and (config.promql_alarms or config.promql_shadows):
            promql = promql_alarms.poll_failed_condition(config, settings).properties()
            # With otel, PollSucceeded goes over OTLP only; with both, a shadow watches beside.
            alarm = add(condition=promql, shadow=not config.promql_alarms)
            if config.promql_alarms:
                return alarm
        window = config.alarm_window(kind, settings.minutes)
        warm_up = None
        if kind is AlarmKind.POLL_FAILED:
            minutes = window.minutes + 2 * config.poll_rate_minutes + WARM_UP_MARGIN_MINUTES
            warm_up = cloudwatch.CfnAlarm.WarmUpConfigurationProperty(
                warm_up_period_duration_in_minutes=min(minutes, MAX_WARM_UP_MINUTES)
            )
        return add(
            condition=self._threshold_condition(
                kind,
                settings,
                namespace=namespace,
                metric_name=spec.metric,
                dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name=dimension[0], value=dimension[1])],
                statistic=spec.statistic,
                period=window.period_seconds,
                # No datapoint from the poller means no poll happened: that is the failure itself.
                # No Lambda error datapoints simply means no errors.
                treat_missing_data="breaching" if kind is AlarmKind.POLL_FAILED else "notBreaching",
                warm_up_configuration=warm_up,
            ),
        )

    def _threshold_condition(self, kind: AlarmKind, settings: AlarmSettings, **condition: Any) -> dict[str, Any]:
        """A classic alarm's condition: `condition` (its metric or query) against its threshold,
        breaching in every poll of its window."""
        window = self._config.alarm_window(kind, settings.minutes)
        return {
            "comparison_operator": SPECS[kind].comparison,
            "threshold": settings.threshold,
            "evaluation_periods": window.evaluation_periods,
            "datapoints_to_alarm": window.datapoints_to_alarm,
            **condition,
        }

    def _add(
        self,
        construct_id: str,
        kind: AlarmKind,
        settings: AlarmSettings,
        *,
        queue_id: str | None,
        scope_text: str,
        condition: Mapping[str, Any],
        shadow: bool = False,
    ) -> cloudwatch.CfnAlarm:
        """One alarm: its name, description and actions around `condition` (CfnAlarm properties).
        A `shadow` (PromQL beside the classic alarm, with `both`) runs no action."""
        spec = SPECS[kind]
        config = self._config
        window = config.alarm_window(kind, settings.minutes)
        meaning = spec.meaning.format(threshold=settings.threshold, minutes=window.minutes)
        description = " ".join(
            part
            for part in (
                f"Symbee {config.company_code}/{config.environment}: {meaning}",
                scope_text,
                self._what_to_do(kind),
            )
            if part
        )
        if shadow:
            assert self._shadow_scope is not None
            alarm = cloudwatch.CfnAlarm(
                self._shadow_scope,
                construct_id,
                alarm_name=config.alarm_names(kind, queue_id)[-1],
                alarm_description=f"{SHADOW_NOTE} {description}",
                actions_enabled=False,
                **condition,
            )
            self.shadows.append(alarm)
            return alarm
        alarm = cloudwatch.CfnAlarm(
            self,
            construct_id,
            alarm_name=config.alarm_name(kind, queue_id),
            alarm_description=description,
            actions_enabled=True,
            # Only the raw-JSON topics (alarmTopicArns): people hear of each transition from the
            # notifier, which CloudWatch's events reach without an action.
            alarm_actions=self._alarm_actions or None,
            ok_actions=self._ok_actions or None,
            **condition,
        )
        self.alarms.append(alarm)
        return alarm

    def _what_to_do(self, kind: AlarmKind) -> str:
        """Where a person finds the steps: the runbook's section of this kind, else the notification
        itself (which carries them) and the dashboard. The section is quoted by title, which the
        notifier also reads to recognise an alarm."""
        title = SPECS[kind].title
        if self._config.runbook_url:
            section = links.runbook_link(self._config.runbook_url, kind.catalog.anchor)
            return f"What to do: '{title}' in the runbook, {section}"
        dashboard = self._dashboard_url or "the stack output DashboardUrl"
        return f"What to do: the notification carries the steps for '{title}'; dashboard: {dashboard}"
