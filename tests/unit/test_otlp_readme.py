"""The README's "OpenTelemetry backend" section says what the code does: each figure and name in it
is checked against the constant or the behaviour it describes."""

from __future__ import annotations

import json
import math
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from queue_stats import names as n
from queue_stats.cloudwatch import MAX_CONCURRENT_REQUESTS
from queue_stats.model import parse_body
from queue_stats.otlp import (
    CONNECT_TIMEOUT_SECONDS,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    READ_TIMEOUT_SECONDS,
)
from queue_stats.otlp_wire import (
    FAILURE_OFFSET_NANOS,
    MAX_POINTS_PER_REQUEST,
    OTEL_UNITS,
    RESOURCE,
    encode_snapshot,
)
from queue_stats.publish import Health, Snapshot
from queue_stats.settings import otlp_endpoint_for_region
from symbee_sim import generate_queues

README = Path(__file__).resolve().parents[2] / "README.md"
POLLS_PER_MONTH = 43_800  # one a minute, an average month


@pytest.fixture(scope="module")
def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n### OpenTelemetry backend\n")
    return " ".join(text[start : text.index("\n## ", start + 1)].split())


def test_the_unit_table_is_the_codes_mapping(section: str) -> None:
    rows = dict(re.findall(r"\| (\w+) \| `([^`]+)` \|", section))
    assert rows == OTEL_UNITS


def test_the_endpoint_attributes_resource_and_signing_are_the_codes(section: str) -> None:
    assert f"`{otlp_endpoint_for_region('<AWS_REGION>')}`" in section
    assert f"SigV4 for service `{n.OTLP_SIGNING_SERVICE}`" in section
    for name in n.OTLP_QUEUE_ATTRIBUTES:
        assert f"`{name}`" in section
    (service,) = RESOURCE.attributes
    assert f"`{service.key}` = `{service.value.string_value}`" in section


def test_the_retry_and_limit_figures_are_the_codes(section: str) -> None:
    assert f"At most {MAX_POINTS_PER_REQUEST:,} data points and 1 MB per request" in section
    assert f"go out {MAX_CONCURRENT_REQUESTS} at a time" in section
    assert f"tried up to {MAX_ATTEMPTS} times in all" in section
    assert f"(up to {MAX_RETRY_AFTER_SECONDS:g} s)" in section
    assert f"at most {CONNECT_TIMEOUT_SECONDS:g} s to connect and {READ_TIMEOUT_SECONDS:g} s for the answer" in section
    assert f"stamped {FAILURE_OFFSET_NANOS // 1_000_000} ms after the poll's time" in section


@pytest.mark.parametrize(("queues", "requests", "gb"), [(100, 2, 10), (1000, 12, 100)])
def test_the_requests_and_size_per_poll_are_what_the_code_makes(
    section: str, queues: int, requests: int, gb: int
) -> None:
    # Given a poll of generated queues, as the README's figures assume
    parsed = parse_body(json.dumps(generate_queues(queues, seed=1, now=time.time())).encode())
    health = Health(True, 1.0, len(parsed.queues), 0)
    made = encode_snapshot(Snapshot("prod", datetime.now(UTC), parsed.queues, health))
    # Then the README's request count is exact, and its sizes are right to within 15%
    assert f"{queues:,} queues {'make ' if queues == 100 else ''}{requests} requests" in section
    assert len(made) == requests == math.ceil(sum(r.points for r in made) / MAX_POINTS_PER_REQUEST)
    size = sum(len(r.body) for r in made)
    assert f"{queues:,} queues {'send ' if queues == 100 else ''}about {gb} GB" in section
    assert size * POLLS_PER_MONTH / 1e9 == pytest.approx(gb, rel=0.15)
    assert "About 200 bytes of protobuf per data point" in section
    assert size / sum(r.points for r in made) == pytest.approx(200, rel=0.15)
