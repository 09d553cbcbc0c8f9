"""The README's account of what the OpenTelemetry backend deploys: each alarm's PromQL condition,
pending and recovery periods, and each dashboard panel's PromQL, rendered from the code that
builds them (scripts/promql_doc.py writes it), for the shipped defaults with `metricsBackend` otel.
"""

from __future__ import annotations

from typing import Final

from infra import promql_alarms
from infra.alarms import SPECS
from infra.config import QUEUE_ALARM_KINDS, AlarmKind, EnvironmentConfig, load_config
from infra.dashboard_layout import ROWS, promql_queries
from queue_stats import names
from queue_stats.cost import minutes

README_START: Final = "<!-- promql-queries:start -->"
README_END: Final = "<!-- promql-queries:end -->"
QUEUE_FIELD: Final = "<text>"  # how the table shows the dashboard's Queue field


def default_config() -> EnvironmentConfig:
    """The shipped defaults (cdk.json's company and environment) with the OpenTelemetry backend."""
    (config,) = load_config(
        {"companyCode": "abc-gadgets", "environment": "prod", "metricsBackend": names.BACKEND_OTEL}.get
    ).environments
    return config


def render_markdown() -> str:
    config = default_config()
    out = [
        f"With the defaults (environment `{config.environment}`, polled every {minutes(config.poll_rate_minutes)}), "
        "each alarm's condition; every series it returns is a contributor in ALARM once it has breached for the "
        "pending period, and back to OK after the recovery period without a breach. EvaluationInterval is "
        f"{promql_alarms.EVALUATION_INTERVAL_SECONDS} s.",
        "",
        "| alarm | PromQL condition | pending | recovery |",
        "| --- | --- | ---: | ---: |",
    ]
    for kind in QUEUE_ALARM_KINDS:
        condition = promql_alarms.queue_condition(config, kind, config.alarms[kind], function=SPECS[kind].statistic)
        out.append(_alarm_row(kind.pascal_name, condition))
    poll = AlarmKind.POLL_FAILED
    out.append(_alarm_row(poll.pascal_name, promql_alarms.poll_failed_condition(config, config.alarms[poll])))
    out += [
        "",
        'A queue override adds `QueueId="<id>"` to its own alarm\'s selector and `QueueId!="<id>"` to the '
        "fleet alarm's. `PollerErrors` and `PollerThrottles` read Lambda's own metrics, which never travel over "
        "OTLP: they stay classic alarms.",
        "",
        f"The dashboard's panels on the poller's metrics (`{QUEUE_FIELD}` is what the *Queue* field holds):",
        "",
        "| panel | PromQL |",
        "| --- | --- |",
    ]
    for row in ROWS:
        for panel in row.panels:
            threshold = None if panel.threshold_of is None else config.alarms[panel.threshold_of].threshold
            queries = promql_queries(
                panel,
                environment=config.environment,
                poll_rate_minutes=config.poll_rate_minutes,
                threshold=threshold,
                queue_name_part=QUEUE_FIELD,
            )
            if queries:
                shown = "<br>".join(f"`{q.query}`" + (f" ({q.label})" if q.label else "") for q in queries)
                out.append(f"| *{panel.title}* | {shown} |")
    return "\n".join(out)


def _alarm_row(name: str, condition: promql_alarms.Condition) -> str:
    return f"| `{name}` | `{condition.query}` | {condition.pending_seconds} s | {condition.recovery_seconds} s |"
