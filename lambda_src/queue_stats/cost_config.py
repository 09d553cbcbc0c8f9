"""A cdk.json, read by the stack's own loader (`infra.config.load_config`), as the cost model's
`Setup`s: one per environment, exactly as a deploy would configure it.

This is the only place `cost` touches the stack's code. `infra/` ships with the source, not with
the Lambda asset or the installed package, so it is found beside the cdk.json (or on the path);
without it only flags work. Settings the loader does not know yet (`metrics`, `skipIdleQueues`,
`metricsBackend` before they land) take the runtime's defaults.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from queue_stats import alarm_catalog
from queue_stats import names as n
from queue_stats.cost import QUEUE_ALARM_METRICS, QueueAlarm, Setup
from queue_stats.errors import ConfigError

# The health alarm on the poller's own metric (a PromQL alarm with OpenTelemetry), by its cdk.json key.
POLL_FAILED_KEY = next(kind.key for kind in alarm_catalog.KINDS if kind.metric == n.METRIC_POLL_SUCCEEDED)


def setups_from_cdk_json(path: Path) -> list[Setup]:
    """Every environment of the cdk.json at `path`; ConfigError naming what is wrong."""
    context = _context(path)
    config = _infra_config(path)
    try:
        app = config.load_config(context.get)
    except ValueError as error:  # the loader's ConfigError (and pydantic's) name the key
        raise ConfigError(f"{path}: {error}") from None
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


def _context(path: Path) -> Mapping[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"--config {path}: cannot read it: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"--config {path}: not valid JSON: {error.msg} (line {error.lineno})") from None
    context = document.get("context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise ConfigError(f'--config {path}: has no "context" object (is it the project\'s cdk.json?)')
    return context


def _infra_config(path: Path) -> Any:
    """The stack's configuration module, from the checkout beside `path` (or the path)."""
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)
    try:
        return importlib.import_module("infra.config")
    except ImportError as error:
        raise ConfigError(
            f"--config needs the project's source checkout (its infra/ package, beside {path.name}), which is "
            f"not importable here ({error}); give the settings as flags instead (--metrics, --skip-idle, "
            "--poll-rate-minutes)"
        ) from None
