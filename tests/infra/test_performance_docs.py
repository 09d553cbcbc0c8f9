"""The README's Performance section states the figures the code uses: the supported maximum, the
function's memory and timeout, and what building the asset needs."""

from __future__ import annotations

import pytest

from infra import PROJECT_ROOT, poller, wheels
from queue_stats.capacity import MAX_QUEUES_PER_POLL


@pytest.fixture(scope="module")
def performance() -> str:
    text = (PROJECT_ROOT / "README.md").read_text()
    return text[text.index("## Performance\n") : text.index("\n## ", text.index("## Performance\n") + 1)]


def test_the_supported_maximum_is_the_codes(performance: str) -> None:
    assert f"**Supported: up to {MAX_QUEUES_PER_POLL:,} queues per environment**" in performance
    assert (
        f"Beyond {MAX_QUEUES_PER_POLL:,} queues** a poll publishes the {MAX_QUEUES_PER_POLL:,} most urgent"
        in performance
    )


def test_memory_and_timeout_are_the_functions(performance: str) -> None:
    timeout = int(poller.TIMEOUT.to_seconds())
    assert f"**Memory {poller.MEMORY_MB:,} MB, timeout {timeout} s**" in performance
    deploy = (PROJECT_ROOT / "README.md").read_text()
    assert f"arm64 ({poller.MEMORY_MB:,} MB, one vCPU; {timeout} s timeout)" in deploy


def test_what_building_the_asset_needs_is_said(performance: str) -> None:
    assert f"Python {wheels.PYTHON_VERSION}" in performance
    assert f"`{wheels.PYTHON_ENV}`" in performance
