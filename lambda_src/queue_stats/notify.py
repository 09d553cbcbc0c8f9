"""The notifier's Lambda entry point: wiring only. Settings and adapters are built once per container.

One EventBridge event from CloudWatch (a queue contributor's or a health alarm's state change) in,
one message per configured channel out. When any channel fails for good the invocation raises one
`NotifyError` naming the failed channels, after the others were sent: the stack's on-failure
destination keeps the event, and with Lambda's own retries at 0 no channel that succeeded is sent
twice.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from queue_stats.errors import NotifyError, QueueStatsError
from queue_stats.names import PRODUCT
from queue_stats.notify_runtime import NotifyOutcome, NotifyRuntime
from queue_stats.settings import NotifierSettings

# The poller's service name: one logger configuration, whichever handler a process imports.
logger = Logger(service=PRODUCT)
copy_config_to_registered_loggers(source_logger=logger, include={"queue_stats"})

_runtime: NotifyRuntime | None = None


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        runtime = _runtime_for(NotifierSettings.from_env(os.environ))
        outcome = runtime.handle(event, context.get_remaining_time_in_millis())
    except QueueStatsError as error:
        logger.error(f"Notify failed: {error}", extra={"error_type": type(error).__name__})
        raise
    result = outcome.as_dict()
    if outcome.failed:
        failure = NotifyError(failure_message(outcome))
        logger.error(f"Notify failed: {failure}", extra={"notify": result})
        raise failure
    logger.info(f"Notify {outcome.status}", extra={"notify": result})
    return result


def failure_message(outcome: NotifyOutcome) -> str:
    """One line naming each failed channel and why (never a key: reasons are built without one)."""
    failed = outcome.failed
    sent = [d.channel for d in outcome.deliveries if d.ok and not d.skipped]
    reasons = "; ".join(f"{d.channel} ({d.target}): {d.detail}" for d in failed)
    also = f"; sent: {', '.join(sent)}" if sent else ""
    return f"{len(failed)} of {len(outcome.deliveries)} channel(s) failed: {reasons}{also}"


def _runtime_for(settings: NotifierSettings) -> NotifyRuntime:
    """Reuse the warm container's clients and routing-key cache unless the settings changed."""
    global _runtime  # noqa: PLW0603 - the container-lifetime cache is the point
    if _runtime is None or _runtime.settings != settings:
        _runtime = NotifyRuntime.create(settings)
    return _runtime
