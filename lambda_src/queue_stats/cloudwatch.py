"""The classic backend: a poll's snapshot as PutMetricData datums, in the fewest requests, sent
concurrently, failures isolated, each request ended by the deadline however CloudWatch answers."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from queue_stats import names as n
from queue_stats.metrics import Datum, batch_datums, snapshot_datums
from queue_stats.publish import PublishReport, Snapshot, concurrently
from queue_stats.watchdog import TimeUp, call_within

# Batches of one poll go out together; botocore's pool must be at least this large.
MAX_CONCURRENT_REQUESTS = 8


class CloudWatchPublisher:
    """Sends datums to one namespace. `client` is a boto3 CloudWatch client (or a stand-in)."""

    name = n.BACKEND_CLOUDWATCH

    def __init__(self, client: Any, namespace: str) -> None:
        self._client = client
        self.namespace = namespace

    def publish(self, snapshot: Snapshot, *, deadline: float) -> PublishReport:
        return self.send(snapshot_datums(snapshot), deadline=deadline)

    def send(self, datums: Sequence[Datum], *, deadline: float = math.inf) -> PublishReport:
        """Datums in the fewest requests the limits allow, sent concurrently."""
        batches = batch_datums(datums)

        def put(batch: list[Datum]) -> str | None:
            return self._put(batch, deadline)

        failures = concurrently(put, batches, limit=MAX_CONCURRENT_REQUESTS)
        return PublishReport(
            backend=self.name,
            request_name="PutMetricData",
            datums=len(datums),
            requests=len(batches),
            failures=tuple(failure for failure in failures if failure is not None),
        )

    def _put(self, batch: list[Datum], deadline: float) -> str | None:
        """One request; botocore's standard retry mode has already retried throttling and 5xx."""
        if time.monotonic() >= deadline:
            return f"PutMetricData of {len(batch)} datums not sent: the poll's time was up"
        try:
            call_within(lambda: self._client.put_metric_data(Namespace=self.namespace, MetricData=batch), deadline)
        except TimeUp as error:
            return f"PutMetricData of {len(batch)} datums failed: {error}"
        except ClientError as error:
            info = error.response.get("Error", {})
            return f"PutMetricData of {len(batch)} datums failed: {info.get('Code')}: {info.get('Message', '')}"[:400]
        except BotoCoreError as error:
            return f"PutMetricData of {len(batch)} datums failed: {error}"[:400]
        return None
