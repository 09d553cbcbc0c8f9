"""A cdk.json, read by the stack's own loader (`infra.config.load_config`), as the cost model's
`Setup`s: one per environment, exactly as a deploy would configure it.

This is the only place `cost` touches the stack's code. `infra/` ships with the source, not with
the Lambda asset or the installed package, so it is found beside the cdk.json (or on the path);
without it only flags work. Settings the loader does not know yet (`metrics`, `skipIdleQueues`,
`metricsBackend` before they land) take the runtime's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from queue_stats import alarm_catalog, cdk_context
from queue_stats import names as n
from queue_stats.cost import QUEUE_ALARM_METRICS, QueueAlarm, Setup
from queue_stats.errors import ConfigError

FLAG = "--config"
INSTEAD = "give the settings as flags instead (--metrics, --skip-idle, --poll-rate-minutes)"
# The health alarm on the poller's own metric (a PromQL alarm with OpenTelemetry), by its cdk.json key.
POLL_FAILED_KEY = next(kind.key for kind in alarm_catalog.KINDS if kind.metric == n.METRIC_POLL_SUCCEEDED)


def setups_from_cdk_json(path: Path) -> list[Setup]:
    """Every environment of the cdk.json at `path`; ConfigError naming what is wrong."""
    app = cdk_context.load_app(path, flag=FLAG, instead=INSTEAD)
    config = cdk_context.infra_config(path, flag=FLAG, instead=INSTEAD)
    return [
        setup_from_environment(env, config.QUEUE_ALARM_KINDS, config.HEALTH_ALARM_KINDS) for env in app.environments
    ]


def setup_from_environment(env: Any, queue_kinds: Iterable[Any], health_kinds: Iterable[Any]) -> Setup:
    """One loaded environment as the cost model sees it."""
    queue_alarms = []
    for kind in queue_kinds:
        metric = QUEUE_ALARM_METRICS.get(str(kind.value))
        if metric is None:
            raise ConfigError(f"cost does not know the alarm '{kind.value}' yet: add it to cost.QUEUE_ALARM_METRICS")
        own = [o.alarms[kind] for o in env.queue_overrides if kind in o.alarms]
        queue_alarms.append(
            QueueAlarm(
                metric=metric,
                fleet=bool(env.alarms[kind].enabled),
                excluded=len(own),
                own=sum(bool(settings.enabled) for settings in own),
            )
        )
    max_age = env.api_key_max_age_seconds
    return Setup(
        name=str(env.stack_name),
        metrics=tuple(getattr(env, "metrics", n.QUEUE_METRIC_NAMES)),
        skip_idle=bool(getattr(env, "skip_idle_queues", False)),
        poll_rate_minutes=int(env.poll_rate_minutes),
        queue_alarms=tuple(queue_alarms),
        health_alarms=sum(bool(env.alarms[kind].enabled) for kind in health_kinds),
        poll_failed_alarm=any(bool(env.alarms[kind].enabled) for kind in health_kinds if kind.value == POLL_FAILED_KEY),
        api_key_max_age_seconds=n.DEFAULT_API_KEY_MAX_AGE_SECONDS if max_age is None else int(max_age),
        backend=str(getattr(env, "metrics_backend", n.DEFAULT_METRICS_BACKEND)),
        email_subscribers=len(env.notification_emails),
        environment=str(env.environment),
    )
