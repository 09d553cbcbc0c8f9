"""The README's "With `otel`" part of the Notifications section says what the PromQL reader does:
its figures are the code's."""

from __future__ import annotations

from infra import PROJECT_ROOT
from queue_stats import names as n
from queue_stats import promql_reader, readings
from queue_stats.settings import monitoring_host_for_region

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n### With `otel`: numbers from PromQL\n", 1)[1].split("\n### ", 1)[0]
PROSE = " ".join(SECTION.split())
SETTINGS = README.split("\n### The notifier's settings\n", 1)[1].split("\n### ", 1)[0]


def test_the_timeouts_and_budget_are_the_readers() -> None:
    connect, answer = promql_reader.CONNECT_TIMEOUT_SECONDS, promql_reader.READ_TIMEOUT_SECONDS
    assert f"at most {connect:g} s to connect and {answer:g} s for the answer" in PROSE
    assert f"all within {promql_reader.BUDGET_SECONDS:g} s" in PROSE


def test_a_failed_attempt_is_tried_once_more() -> None:
    assert promql_reader.MAX_ATTEMPTS == 2
    assert "is tried once more" in PROSE


def test_the_steps_are_the_classic_readers_minutes() -> None:
    assert f"each of the {readings.LOOKBACK_MINUTES + 1} one-minute steps" in PROSE


def test_the_endpoint_and_path_are_the_readers() -> None:
    assert f"`{n.PROMQL_QUERY_RANGE_PATH}` on `{monitoring_host_for_region('<AWS_REGION>')}`" in PROSE
    assert f"| `{n.ENV_PROMQL_ENDPOINT}` | no | `{monitoring_host_for_region('<AWS_REGION>')}` |" in SETTINGS


def test_the_unavailable_line_is_the_readers() -> None:
    assert f"`Numbers: unavailable: {promql_reader.QUERY_FAILED}: HTTP 403: ...`" in PROSE
