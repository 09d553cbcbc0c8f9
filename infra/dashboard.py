"""The dashboard of one environment: alarm status first, then every queue (SEARCH expressions, so
queues created after the deploy appear by themselves), then the poller's health."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import queries
from infra.config import EnvironmentConfig
from queue_stats import names

WIDTH: Final = 24  # the dashboard grid is 24 units wide
THIRD: Final = WIDTH // 3
HEIGHT: Final = 6
MAX_ALARMS_PER_WIDGET: Final = 100
# One line per queue, labelled with the queue's name.
QUEUE_LABEL: Final = "${PROP('Dim.QueueName')}"

# (title, metric, statistic, unit label) per queue graph, three per row.
QUEUE_GRAPHS: Final = (
    ("Items waiting", names.METRIC_ITEMS_IN_QUEUE, "Maximum", "items"),
    ("Oldest item age", names.METRIC_OLDEST_ITEM_AGE, "Maximum", "seconds"),
    ("Waiting with no agent available", names.METRIC_UNATTENDED_ITEMS, "Maximum", "items"),
    ("Agents available", names.METRIC_AGENTS_AVAILABLE, "Minimum", "agents"),
    ("Agents working", names.METRIC_AGENTS_WORKING, "Maximum", "agents"),
    ("Agents staffed", names.METRIC_AGENTS_STAFFED, "Maximum", "agents"),
    ("Agents in error", names.METRIC_AGENTS_IN_ERROR, "Maximum", "agents"),
    ("Agents in after-contact work", names.METRIC_AGENTS_IN_WRAP, "Maximum", "agents"),
    ("Agents unavailable (break, lunch)", names.METRIC_AGENTS_UNAVAILABLE, "Maximum", "agents"),
    ("Items being delivered", names.METRIC_ITEMS_BEING_DELIVERED, "Maximum", "items"),
    ("Callbacks scheduled", names.METRIC_ITEMS_SCHEDULED, "Maximum", "items"),
    ("Queue open (1) / closed (0)", names.METRIC_QUEUE_OPEN, "Minimum", "open"),
)


class QueueDashboard(Construct):
    """A CloudWatch dashboard named after the stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        function: lambda_.IFunction,
        timeout: cdk.Duration,
        alarms: Sequence[cloudwatch.CfnAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        period = cdk.Duration.minutes(config.poll_rate_minutes)
        period_seconds = config.poll_rate_minutes * 60

        def queue_graph(title: str, metric: str, statistic: str, unit: str) -> cloudwatch.GraphWidget:
            search = queries.queue_search(
                namespace=config.metrics_namespace,
                environment=config.environment,
                metric=metric,
                statistic=statistic,
                period_seconds=period_seconds,
            )
            return cloudwatch.GraphWidget(
                title=title,
                width=THIRD,
                height=HEIGHT,
                left=[cloudwatch.MathExpression(expression=search, label=QUEUE_LABEL, period=period)],
                left_y_axis=cloudwatch.YAxisProps(min=0, label=unit, show_units=False),
                legend_position=cloudwatch.LegendPosition.RIGHT,
            )

        def health(metric: str, statistic: str, label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=config.metrics_namespace,
                metric_name=metric,
                dimensions_map={names.DIM_ENVIRONMENT: config.environment},
                statistic=statistic,
                period=period,
                label=label,
            )

        # CfnAlarms have no L2 object; importing by ARN gives the widget what it needs.
        alarm_refs = [
            cloudwatch.Alarm.from_alarm_arn(self, f"Ref{index}", alarm.attr_arn) for index, alarm in enumerate(alarms)
        ]
        header = cloudwatch.TextWidget(
            markdown=(
                f"# Symbee Connect queues: {config.company_code} / {config.environment}\n"
                f"One line per queue; new queues appear by themselves. Poll every "
                f"{config.poll_rate_minutes} min. When an alarm fires, see the README section "
                "*When an alarm fires*."
            ),
            width=WIDTH,
            height=2,
        )
        rows: list[list[cloudwatch.IWidget]] = [[header]]
        # An alarm status widget shows at most 100 alarms.
        for start in range(0, len(alarm_refs), MAX_ALARMS_PER_WIDGET):
            rows.append(
                [
                    cloudwatch.AlarmStatusWidget(
                        title="Alarms",
                        alarms=alarm_refs[start : start + MAX_ALARMS_PER_WIDGET],
                        width=WIDTH,
                        height=4,
                        sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
                    )
                ]
            )
        graphs: list[cloudwatch.IWidget] = [queue_graph(*graph) for graph in QUEUE_GRAPHS]
        rows += [graphs[i : i + 3] for i in range(0, len(graphs), 3)]
        rows.append(
            [
                cloudwatch.GraphWidget(
                    title="Poller: invocations, errors, throttles",
                    width=THIRD,
                    height=HEIGHT,
                    left=[
                        function.metric_invocations(period=period, statistic="Sum", label="Invocations"),
                        function.metric_errors(period=period, statistic="Sum", label="Errors"),
                        function.metric_throttles(period=period, statistic="Sum", label="Throttles"),
                    ],
                    left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                ),
                cloudwatch.GraphWidget(
                    title="Poller: duration (ms)",
                    width=THIRD,
                    height=HEIGHT,
                    left=[
                        function.metric_duration(period=period, statistic="Average", label="Average"),
                        function.metric_duration(period=period, statistic="Maximum", label="Maximum"),
                    ],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(value=timeout.to_milliseconds(), label="Timeout")
                    ],
                    left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                ),
                cloudwatch.GraphWidget(
                    title="Polls succeeded (1) / failed (0)",
                    width=THIRD,
                    height=HEIGHT,
                    left=[health(names.METRIC_POLL_SUCCEEDED, "Minimum", "Poll succeeded")],
                    left_y_axis=cloudwatch.YAxisProps(min=0, max=1, show_units=False),
                ),
            ]
        )
        rows.append(
            [
                cloudwatch.GraphWidget(
                    title="Symbee API latency (ms)",
                    width=THIRD,
                    height=HEIGHT,
                    left=[
                        health(names.METRIC_API_LATENCY, "Average", "Average"),
                        health(names.METRIC_API_LATENCY, "Maximum", "Maximum"),
                    ],
                    left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                ),
                cloudwatch.GraphWidget(
                    title="Queues reported per poll",
                    width=THIRD,
                    height=HEIGHT,
                    left=[health(names.METRIC_QUEUES_REPORTED, "Minimum", "Queues reported")],
                    left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                ),
                cloudwatch.GraphWidget(
                    title="Invalid records or fields skipped",
                    width=THIRD,
                    height=HEIGHT,
                    left=[health(names.METRIC_INVALID_RECORDS, "Sum", "Invalid records")],
                    left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                ),
            ]
        )

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.stack_name,
            default_interval=cdk.Duration.hours(3),
            widgets=rows,
        )
