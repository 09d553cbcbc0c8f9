"""The dashboard of one environment, built from the rows in `infra/dashboard_layout.py`: what is
waiting right now, where it is worst, all queues, one queue picked from a menu, the poller's health.

Nothing on it grows with the number of queues: environment-wide values and the top-10 tables are
Metrics Insights queries over every queue, and the per-queue graphs show the one queue picked in
the dashboard's Queue variable (a SEARCH, so queues created after the deploy are in the menu).

With `metricsBackend` `otel` the poller's metrics exist only as OpenTelemetry metrics, which
Metrics Insights and SEARCH cannot see: the same panels are PromQL charts (`PromQLWidget`), and
the Queue variable is a text field matched against queue names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import queries
from infra.config import EnvironmentConfig
from infra.dashboard_layout import (
    FAILED_POLL_LINES,
    GRID_WIDTH,
    INSIGHTS_HOURS,
    NOW_MINUTES,
    PROMQL_KINDS,
    PROMQL_NUMBER_KINDS,
    QUEUE_VARIABLE_LABEL,
    ROWS,
    TOP_LIMIT,
    TOP_MINUTES,
    Kind,
    Panel,
    PromQLQuery,
    Row,
    promql_queries,
)
from queue_stats import links, names

MAX_ALARMS_PER_WIDGET: Final = 100  # what one alarm status widget can show
# The dashboard variable that picks the queue of the "One queue" row: every occurrence of this text
# in the dashboard body is replaced by the queue name picked (a CloudWatch "pattern" variable).
QUEUE_VARIABLE_ID: Final = "queue"
QUEUE_PLACEHOLDER: Final = "__SYMBEE_QUEUE__"
# Which metric's queues fill the picker, in order of preference among the published ones.
PICKER_METRICS: Final = (names.METRIC_ITEMS_IN_QUEUE, *names.QUEUE_METRIC_NAMES)
LOG_FIELDS: Final = ("message",)  # Powertools' JSON key for the log line's text


@jsii.implements(cloudwatch.IWidget)
class PromQLWidget:
    """A PromQL chart, which aws-cdk-lib has no widget for: the JSON that AWS's own published
    dashboards write for it (`type` chart, `data.queries` in language PromQL). Its official schema
    is not published; `view` is `line` or `number`, the two those dashboards use."""

    def __init__(
        self, *, title: str, width: int, height: int, view: str, queries: Sequence[PromQLQuery], step_seconds: int
    ) -> None:
        self._title, self._width, self._height, self._view = title, width, height, view
        self._queries, self._step = tuple(queries), step_seconds
        self._x = self._y = 0

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def warnings(self) -> list[str] | None:
        return None

    @property
    def warnings_v2(self) -> dict[str, str] | None:
        return None

    def position(self, x: float, y: float) -> None:
        self._x, self._y = int(x), int(y)

    def to_json(self) -> list[Any]:
        queries = [
            {
                "id": f"q{index}",
                "type": "cloudwatch-metrics",
                "language": "PromQL",
                "query": query.query,
                "step": self._step,
                **({} if query.label is None else {"label": query.label}),
            }
            for index, query in enumerate(self._queries)
        ]
        style = {"numberOptions": {"sparkline": True}} if self._view == "number" else {}
        return [
            {
                "type": "chart",
                "x": self._x,
                "y": self._y,
                "width": self._width,
                "height": self._height,
                "properties": {
                    "title": self._title,
                    "view": self._view,
                    "region": cdk.Aws.REGION,
                    "data": {"queries": queries},
                    "plotOptions": {
                        "legend": {"position": "bottom", "show": True},
                        "yAxis": [{"type": "linear"}],
                        **({"style": style} if style else {}),
                    },
                },
            }
        ]


class QueueDashboard(Construct):
    """A CloudWatch dashboard named after the stack; `url` opens it in the console."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        function: lambda_.IFunction,
        timeout: cdk.Duration,
        alarms: Sequence[cloudwatch.CfnAlarm],
        log_group: logs.ILogGroup,
        published_metrics: Sequence[str] = names.QUEUE_METRIC_NAMES,
        skip_idle_queues: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        unknown = sorted(set(published_metrics) - set(names.QUEUE_METRIC_NAMES))
        if unknown:
            raise ValueError(
                f"published_metrics: unknown metric {', '.join(unknown)}; valid: {', '.join(names.QUEUE_METRIC_NAMES)}"
            )
        self._config = config
        # Classic metrics are not published with `otel`: the poller's panels read PromQL.
        self._promql = config.metrics_backend == names.BACKEND_OTEL
        self._function = function
        self._timeout = timeout
        self._log_group = log_group
        self._period = cdk.Duration.minutes(config.poll_rate_minutes)
        # CfnAlarms have no L2 object; importing by ARN gives the status widget what it needs.
        self._alarms = [
            cloudwatch.Alarm.from_alarm_arn(self, f"Ref{index}", alarm.attr_arn) for index, alarm in enumerate(alarms)
        ]

        self.rows = visible_rows(published_metrics, skip_idle_queues=skip_idle_queues)
        widgets: list[list[cloudwatch.IWidget]] = [[self._header(skip_idle_queues)]]
        for row in self.rows:
            widgets.append([self._heading(row)])
            widgets.append([widget for panel in row.panels for widget in self._build(panel)])
        picker_metric = next((m for m in PICKER_METRICS if m in published_metrics), None)
        variables = [] if picker_metric is None else [self._queue_variable(picker_metric)]

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.stack_name,
            default_interval=cdk.Duration.hours(INSIGHTS_HOURS),
            widgets=widgets,
            variables=variables,
        )
        self._url: str | None = None

    # --- the parts of the page ------------------------------------------------------------------
    def _header(self, skip_idle_queues: bool) -> cloudwatch.IWidget:
        config = self._config
        coverage = (
            "cover every queue (PromQL over the OpenTelemetry metrics); *One queue* adds up the queues whose "
            f"name contains the text typed in the **{QUEUE_VARIABLE_LABEL}** field above (any case; empty: all)."
            if self._promql
            else f"cover every queue (Metrics Insights: the last {INSIGHTS_HOURS} hours, whatever the time range); "
            f"*One queue* shows the queue picked in the **{QUEUE_VARIABLE_LABEL}** menu above."
        )
        text = [
            f"# Symbee Connect queues: {config.company_code} / {config.environment}",
            f"Polled every {config.poll_rate_minutes} min. *Right now*, *Where it is worst* and *All queues* "
            f"{coverage} When an alarm fires, see the README section *When an alarm fires*.",
        ]
        if skip_idle_queues:
            text.append(
                f"**Idle queues are skipped** (`{names.ENV_SKIP_IDLE_QUEUES}`): a queue that is closed or has "
                "nobody staffed, with nothing waiting, scheduled or ringing, sends no datapoint, so in its "
                "graphs a gap means idle, not zero, and totals add up only the queues that reported."
            )
        return cloudwatch.TextWidget(markdown="\n\n".join(text), width=GRID_WIDTH, height=len(text) + 1)

    def _heading(self, row: Row) -> cloudwatch.IWidget:
        return cloudwatch.TextWidget(
            markdown=f"**{row.title}**: {row.question}",
            width=GRID_WIDTH,
            height=1,
            background=cloudwatch.TextWidgetBackground.TRANSPARENT,
        )

    def _queue_variable(self, metric: str) -> cloudwatch.IVariable:
        choices: dict[str, Any]
        if self._promql:
            # No SEARCH sees OpenTelemetry metrics: a text field, which the *One queue* queries
            # match against queue names (empty: every queue).
            choices = {
                "input_type": cloudwatch.VariableInputType.INPUT,
                "default_value": cloudwatch.DefaultValue.value(""),
            }
        else:
            search = queries.queue_search_terms(
                namespace=self._config.metrics_namespace, environment=self._config.environment, metric=metric
            )
            choices = {
                "input_type": cloudwatch.VariableInputType.SELECT,
                "values": cloudwatch.Values.from_search(search, names.DIM_QUEUE_NAME),
                "default_value": cloudwatch.DefaultValue.FIRST,
            }
        return cloudwatch.DashboardVariable(
            id=QUEUE_VARIABLE_ID,
            type=cloudwatch.VariableType.PATTERN,
            label=QUEUE_VARIABLE_LABEL,
            value=QUEUE_PLACEHOLDER,
            visible=True,
            **choices,
        )

    def _build(self, panel: Panel) -> list[cloudwatch.IWidget]:
        if self._promql and panel.kind in PROMQL_KINDS:
            return [self._promql_chart(panel)]
        builders = {
            Kind.CURRENT: self._single_value,
            Kind.UNATTENDED_QUEUES: self._single_value,
            Kind.LAST_POLL: self._single_value,
            Kind.TOP: self._top,
            Kind.TOTALS: self._graph,
            Kind.ONE_QUEUE: self._graph,
            Kind.HEALTH: self._graph,
            Kind.FUNCTION: self._graph,
            Kind.FAILED_POLLS: self._failed_polls,
        }
        if panel.kind is Kind.ALARMS:
            return self._alarm_status(panel)
        return [builders[panel.kind](panel)]

    # --- one builder per kind of panel ----------------------------------------------------------
    def _single_value(self, panel: Panel) -> cloudwatch.IWidget:
        return cloudwatch.SingleValueWidget(
            title=panel.title,
            width=panel.width,
            height=panel.height,
            metrics=[self._metric(panel, line_index) for line_index in range(len(panel.lines))],
            sparkline=True,
            start=f"-PT{self._minutes(NOW_MINUTES, polls=3)}M",
        )

    def _top(self, panel: Panel) -> cloudwatch.IWidget:
        (line,) = panel.lines
        query = queries.top_queues_query(
            namespace=self._config.metrics_namespace,
            environment=self._config.environment,
            metric=line.metric,
            function=line.function,
            limit=TOP_LIMIT,
        )
        threshold = self._threshold(panel)
        return cloudwatch.TableWidget(
            title=panel.title,
            width=panel.width,
            height=panel.height,
            # No label: each row is labelled with its queue's name (the GROUP BY value).
            metrics=[cloudwatch.MathExpression(expression=query, label="", period=self._period)],
            summary=cloudwatch.TableSummaryProps(
                columns=[cloudwatch.TableSummaryColumn.MAXIMUM], hide_non_summary_columns=True
            ),
            thresholds=[] if threshold is None else [cloudwatch.TableThreshold.above(threshold, cloudwatch.Color.RED)],
            start=f"-PT{self._minutes(TOP_MINUTES, polls=2)}M",
        )

    def _graph(self, panel: Panel) -> cloudwatch.IWidget:
        annotations = []
        threshold = self._threshold(panel)
        if threshold is not None:
            annotations.append(cloudwatch.HorizontalAnnotation(value=threshold, label="Alarm threshold"))
        if panel.shows_timeout:
            annotations.append(cloudwatch.HorizontalAnnotation(value=self._timeout.to_milliseconds(), label="Timeout"))
        return cloudwatch.GraphWidget(
            title=panel.title,
            width=panel.width,
            height=panel.height,
            left=[self._metric(panel, line_index) for line_index in range(len(panel.lines))],
            left_annotations=annotations,
            left_y_axis=cloudwatch.YAxisProps(min=0, max=panel.y_max, show_units=False),
            legend_position=cloudwatch.LegendPosition.BOTTOM,
            # Metrics Insights sees only the last 3 hours; pinning also keeps the period from being
            # stretched on a longer time range, which would add several polls into one SUM.
            start=f"-PT{INSIGHTS_HOURS}H" if panel.kind is Kind.TOTALS else None,
        )

    def _alarm_status(self, panel: Panel) -> list[cloudwatch.IWidget]:
        chunks = [
            self._alarms[start : start + MAX_ALARMS_PER_WIDGET]
            for start in range(0, len(self._alarms), MAX_ALARMS_PER_WIDGET)
        ]
        return [
            cloudwatch.AlarmStatusWidget(
                title=panel.title if index == 0 else f"{panel.title} ({index + 1} of {len(chunks)})",
                alarms=chunk,
                # The first sits beside the values; the rest take rows of their own below them.
                width=panel.width if index == 0 else GRID_WIDTH,
                height=panel.height,
                sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
            )
            for index, chunk in enumerate(chunks)
        ]

    def _promql_chart(self, panel: Panel) -> cloudwatch.IWidget:
        config = self._config
        return PromQLWidget(
            title=panel.title,
            width=panel.width,
            height=panel.height,
            view="number" if panel.kind in PROMQL_NUMBER_KINDS else "line",
            queries=promql_queries(
                panel,
                environment=config.environment,
                poll_rate_minutes=config.poll_rate_minutes,
                threshold=self._threshold(panel),
                queue_name_part=QUEUE_PLACEHOLDER,
            ),
            step_seconds=config.poll_rate_minutes * 60,
        )

    def _failed_polls(self, panel: Panel) -> cloudwatch.IWidget:
        return cloudwatch.LogQueryWidget(
            title=panel.title,
            width=panel.width,
            height=panel.height,
            log_group_names=[self._log_group.log_group_name],
            query_string=queries.log_lines_query(
                containing=names.LOG_POLL_FAILED, fields=LOG_FIELDS, limit=FAILED_POLL_LINES
            ),
            view=cloudwatch.LogQueryVisualizationType.TABLE,
        )

    # --- one line of a panel --------------------------------------------------------------------
    def _metric(self, panel: Panel, index: int) -> cloudwatch.IMetric:
        line = panel.lines[index]
        config = self._config
        period_seconds = int(self._period.to_seconds())
        if panel.kind in (Kind.CURRENT, Kind.TOTALS):
            query = queries.queue_total_query(
                namespace=config.metrics_namespace,
                environment=config.environment,
                metric=line.metric,
                function=line.function,
            )
            return cloudwatch.MathExpression(expression=query, label=line.label, period=self._period)
        if panel.kind is Kind.UNATTENDED_QUEUES:
            search = queries.queue_search(
                namespace=config.metrics_namespace,
                environment=config.environment,
                metric=line.metric,
                statistic=line.statistic,
                period_seconds=period_seconds,
            )
            return cloudwatch.MathExpression(
                expression=queries.count_above_zero(search), label=line.label, period=self._period
            )
        if panel.kind is Kind.ONE_QUEUE:
            search = queries.queue_search(
                namespace=config.metrics_namespace,
                environment=config.environment,
                metric=line.metric,
                statistic=line.per_queue_statistic,
                period_seconds=period_seconds,
                queue_name=QUEUE_PLACEHOLDER,
            )
            return cloudwatch.SearchExpression(expression=search, label=line.label, period=self._period)
        if panel.kind is Kind.FUNCTION:
            return self._function.metric(line.metric, statistic=line.statistic, period=self._period, label=line.label)
        label = f"{line.label}, ${{LAST_TIME_RELATIVE}}" if panel.kind is Kind.LAST_POLL else line.label
        return cloudwatch.Metric(
            namespace=config.metrics_namespace,
            metric_name=line.metric,
            dimensions_map={names.DIM_ENVIRONMENT: config.environment},
            statistic=line.statistic,
            period=self._period,
            label=label,
        )

    def _threshold(self, panel: Panel) -> float | None:
        if panel.threshold_of is None:
            return None
        settings = self._config.alarms[panel.threshold_of]
        return settings.threshold if settings.enabled else None

    def _minutes(self, minutes: int, *, polls: int) -> int:
        """`minutes`, or `polls` poll intervals if that is longer (a 60-minute poll rate)."""
        return max(minutes, polls * self._config.poll_rate_minutes)

    @property
    def url(self) -> str:
        """The console link that opens this dashboard (what `DashboardUrl` and notifications carry)."""
        if self._url is None:
            stack = cdk.Stack.of(self)
            if cdk.Token.is_unresolved(stack.region):
                # The region, and with it the partition's console, is only known at deploy time; the
                # lookup is made on first use so a stack that never links here carries no mapping.
                hosts = cdk.CfnMapping(
                    self,
                    "ConsoleHosts",
                    mapping={partition: {"Host": host} for partition, host in links.CONSOLE_HOSTS.items()},
                )
                host = hosts.find_in_map(cdk.Aws.PARTITION, "Host")
                self._url = links.dashboard_url(stack.region, self._config.stack_name, console_host=host)
            else:
                self._url = links.dashboard_url(stack.region, self._config.stack_name)
        return self._url


def visible_rows(published_metrics: Sequence[str], *, skip_idle_queues: bool) -> tuple[Row, ...]:
    """The rows and panels that have something to show with these per-queue metrics published."""
    rows = []
    for row in ROWS:
        panels = tuple(
            kept
            for panel in row.panels
            if (kept := panel.keeping(published_metrics, skip_idle_queues=skip_idle_queues)) is not None
        )
        if panels:
            rows.append(Row(title=row.title, question=row.question, panels=panels))
    return tuple(rows)
