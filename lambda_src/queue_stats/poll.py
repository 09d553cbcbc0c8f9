"""One poll: fetch -> parse -> publish, against two small interfaces passed in.

A poll either publishes every valid value plus `PollSucceeded` 1, or raises the project's own
error after publishing `PollSucceeded` 0 (best effort: CloudWatch itself may be the fault).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from queue_stats.cloudwatch import PublishReport
from queue_stats.errors import PublishError, QueueStatsError
from queue_stats.metrics import Datum, health_datums, queue_datums
from queue_stats.model import ParsedResponse, parse_body
from queue_stats.symbee_api import ApiResponse

logger = logging.getLogger(__name__)

# Invalid data is logged one line per problem up to this many a poll, then summarised, so a
# broken vendor release cannot flood the logs (and the bill) with 50,000 lines a minute.
MAX_PROBLEMS_LOGGED = 20


class Fetcher(Protocol):
    def fetch(self, deadline: float) -> ApiResponse: ...


class Publisher(Protocol):
    def publish(self, datums: Sequence[Datum]) -> PublishReport: ...


@dataclass(frozen=True)
class PollResult:
    parsed: ParsedResponse
    api: ApiResponse
    timestamp: datetime
    published: PublishReport | None  # None when nothing was to be published (dry run)

    def summary(self) -> dict[str, object]:
        """The numbers an operator wants in the poll's log line."""
        summary: dict[str, object] = {
            "queues": len(self.parsed.queues),
            "invalid_records": len(self.parsed.problems),
            "api_latency_ms": round(self.api.latency_ms, 1),
            "api_attempts": self.api.attempts,
        }
        if self.published is not None:
            summary["datums"] = self.published.datums
            summary["put_metric_data_requests"] = self.published.requests
        return summary


def run_poll(
    *,
    environment: str,
    fetcher: Fetcher,
    publisher: Publisher | None,
    deadline: float,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PollResult:
    """Fetch, parse and publish once. Raises QueueStatsError when the poll failed."""
    try:
        api = fetcher.fetch(deadline)
        parsed = parse_body(api.body)
    except QueueStatsError:
        if publisher is not None:
            _report_failure(publisher, environment, now())
        raise
    # Every datum of a poll carries the moment the API answered: the snapshot's time.
    timestamp = now()
    _log_problems(parsed)
    if publisher is None:
        return PollResult(parsed, api, timestamp, None)

    datums = queue_datums(parsed.queues, environment=environment, timestamp=timestamp)
    datums += health_datums(
        environment=environment,
        timestamp=timestamp,
        succeeded=True,
        api_latency_ms=api.latency_ms,
        queues_reported=len(parsed.queues),
        invalid_records=len(parsed.problems),
    )
    report = publisher.publish(datums)
    if not report.ok:
        # The batch holding PollSucceeded 1 may have landed; a 0 for the same minute makes the
        # Minimum statistic (what the health alarm reads) say the poll failed.
        _report_failure(publisher, environment, timestamp)
        raise PublishError(
            f"{len(report.failures)} of {report.requests} PutMetricData requests failed, "
            f"the other {report.requests - len(report.failures)} landed; first: {report.failures[0]}"
        )
    return PollResult(parsed, api, timestamp, report)


def _report_failure(publisher: Publisher, environment: str, timestamp: datetime) -> None:
    report = publisher.publish(health_datums(environment=environment, timestamp=timestamp, succeeded=False))
    if not report.ok:
        # A warning: the poll's one ERROR line is the caller's "Poll failed: ...".
        logger.warning("Could not publish PollSucceeded=0 either: %s", report.failures[0])


def _log_problems(parsed: ParsedResponse) -> None:
    for problem in parsed.problems[:MAX_PROBLEMS_LOGGED]:
        logger.warning("Skipped invalid data: %s", problem)
    hidden = len(parsed.problems) - MAX_PROBLEMS_LOGGED
    if hidden > 0:
        logger.warning("Skipped invalid data: %d more problems not logged one by one", hidden)
