"""Fixtures of the integration tests."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

import queue_stats.handler as lambda_module


@pytest.fixture
def lambda_logs() -> Iterator[io.StringIO]:
    """What the handler's JSON logger writes, as Lambda would ship it to CloudWatch Logs."""
    handler = lambda_module.logger.registered_handler
    stream = io.StringIO()
    original = handler.setStream(stream)
    yield stream
    handler.setStream(original)
