"""One poll: fetch -> parse -> select -> publish, against two small interfaces passed in.

A poll either publishes every valid, selected value plus `PollSucceeded` 1, or raises the
project's own error after publishing `PollSucceeded` 0 (best effort: the metrics backend itself
may be the fault, and the report is not sent without the time to finish it).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from queue_stats import names as n
from queue_stats.errors import PublishError, QueueStatsError
from queue_stats.model import ParsedResponse, parse_body
from queue_stats.publish import Health, Publisher, PublishReport, Snapshot
from queue_stats.selection import Selection, select
from queue_stats.symbee_api import ApiResponse

logger = logging.getLogger(__name__)

# The failure report is one request of one datum: not started with less time than this before its
# deadline (it would only be cut), and skipped with a WARNING instead.
MIN_REPORT_SECONDS = 0.5
# Invalid data is logged one line per problem up to this many a poll, then summarised, so a
# broken vendor release cannot flood the logs (and the bill) with 50,000 lines a minute.
MAX_PROBLEMS_LOGGED = 20


class Fetcher(Protocol):
    def fetch(self, deadline: float) -> ApiResponse: ...


@dataclass(frozen=True)
class PollResult:
    parsed: ParsedResponse
    selection: Selection
    api: ApiResponse
    timestamp: datetime
    published: PublishReport | None  # None when nothing was to be published (dry run)

    def summary(self) -> dict[str, object]:
        """The numbers an operator wants in the poll's log line."""
        summary: dict[str, object] = {
            "queues": len(self.parsed.queues),
            "invalid_records": len(self.parsed.problems),
            "idle_queues_skipped": self.selection.idle,
            "queues_left_out": self.selection.left_out,
            "api_latency_ms": round(self.api.latency_ms, 1),
            "api_attempts": self.api.attempts,
        }
        if self.published is not None:
            summary["backend"] = self.published.backend
            summary["datums"] = self.published.datums
            summary["requests"] = self.published.requests
        return summary


def run_poll(
    *,
    environment: str,
    fetcher: Fetcher,
    publisher: Publisher | None,
    deadline: float,
    publish_deadline: float = math.inf,
    report_deadline: float | None = None,
    metrics: Sequence[str] = n.QUEUE_METRIC_NAMES,
    skip_idle: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PollResult:
    """Fetch, parse and publish once. Raises QueueStatsError when the poll failed.

    `deadline` bounds the API call (the key read included), `publish_deadline` every request of
    the snapshot to the metrics backend, `report_deadline` the failure report (default: the
    publish deadline); all time.monotonic() instants. `metrics` and `skip_idle` choose what is published."""
    report_by = publish_deadline if report_deadline is None else report_deadline
    try:
        api = fetcher.fetch(deadline)
        parsed = parse_body(api.body)
    except QueueStatsError:
        if publisher is not None:
            _report_failure(publisher, environment, now(), report_by)
        raise
    # Every value of a poll carries the moment the API answered: the snapshot's time.
    timestamp = now()
    _log_problems(parsed)
    selection = select(parsed.queues, metrics=metrics, skip_idle=skip_idle)
    if selection.capped is not None:
        logger.warning("%s", selection.capped.summary())
    if publisher is None:
        return PollResult(parsed, selection, api, timestamp, None)

    health = Health(
        succeeded=True,
        api_latency_ms=api.latency_ms,
        queues_reported=len(selection.queues),
        invalid_records=len(parsed.problems),
        queues_idle=selection.idle if skip_idle else None,
    )
    report = publisher.publish(Snapshot(environment, timestamp, selection.queues, health), deadline=publish_deadline)
    if not report.ok:
        # The request holding PollSucceeded 1 may have landed; a 0 for the same minute makes the
        # Minimum statistic (what the health alarm reads) say the poll failed.
        _report_failure(publisher, environment, timestamp, report_by)
        raise PublishError(
            f"{len(report.failures)} of {report.requests} {report.request_name} requests failed, "
            f"the other {report.requests - len(report.failures)} landed; first: {report.failures[0]}"
        )
    return PollResult(parsed, selection, api, timestamp, report)


def _report_failure(publisher: Publisher, environment: str, timestamp: datetime, deadline: float) -> None:
    """PollSucceeded 0, when there is time to send it. Warnings only: the poll's one ERROR line is
    the caller's "Poll failed: ..."."""
    left = deadline - time.monotonic()
    if left < MIN_REPORT_SECONDS:
        logger.warning("Not publishing PollSucceeded=0: %.2f s left, too little to send it", max(left, 0.0))
        return
    failed = Snapshot(environment, timestamp, (), Health(succeeded=False))
    report = publisher.publish(failed, deadline=deadline)
    if not report.ok:
        logger.warning("Could not publish PollSucceeded=0 either: %s", report.failures[0])


def _log_problems(parsed: ParsedResponse) -> None:
    for problem in parsed.problems[:MAX_PROBLEMS_LOGGED]:
        logger.warning("Skipped invalid data: %s", problem)
    hidden = len(parsed.problems) - MAX_PROBLEMS_LOGGED
    if hidden > 0:
        logger.warning("Skipped invalid data: %d more problems not logged one by one", hidden)
