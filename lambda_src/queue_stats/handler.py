"""Lambda entry point: wiring only. Settings and adapters are built once per container."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from queue_stats.errors import QueueStatsError
from queue_stats.names import LOG_POLL_FAILED, PRODUCT
from queue_stats.runtime import Runtime
from queue_stats.settings import Settings

logger = Logger(service=PRODUCT)
# The poll's own modules log through the standard library; give them the same JSON output.
copy_config_to_registered_loggers(source_logger=logger, include={"queue_stats"})

_runtime: Runtime | None = None


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    try:
        runtime = _runtime_for(Settings.from_env(os.environ))
        result = runtime.poll(context.get_remaining_time_in_millis())
    except QueueStatsError as error:
        # One line that says what failed; raising makes the invocation count in Lambda's Errors.
        logger.error(f"{LOG_POLL_FAILED} {error}", extra={"error_type": type(error).__name__})
        raise
    summary = result.summary()
    logger.info("Poll succeeded", extra=summary)
    return {"ok": True, **summary}


def _runtime_for(settings: Settings) -> Runtime:
    """Reuse the warm container's sessions and key cache unless the settings changed."""
    global _runtime  # noqa: PLW0603 - the container-lifetime cache is the point
    if _runtime is None or _runtime.settings != settings:
        _runtime = Runtime.create(settings)
    return _runtime
