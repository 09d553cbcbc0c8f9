"""Publishing datums with PutMetricData: fewest requests, sent concurrently, failures isolated."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from queue_stats.metrics import Datum, batch_datums

# Batches of one poll go out together; botocore's pool must be at least this large.
MAX_CONCURRENT_REQUESTS = 8


@dataclass(frozen=True)
class PublishReport:
    datums: int
    requests: int
    failures: tuple[str, ...]  # one line per failed request

    @property
    def ok(self) -> bool:
        return not self.failures


class CloudWatchPublisher:
    """Sends datums to one namespace. `client` is a boto3 CloudWatch client (or a stand-in)."""

    def __init__(self, client: Any, namespace: str) -> None:
        self._client = client
        self.namespace = namespace

    def publish(self, datums: Sequence[Datum]) -> PublishReport:
        batches = batch_datums(datums)
        if len(batches) <= 1:
            failures = [self._put(batch) for batch in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(len(batches), MAX_CONCURRENT_REQUESTS)) as pool:
                failures = list(pool.map(self._put, batches))
        return PublishReport(
            datums=len(datums),
            requests=len(batches),
            failures=tuple(failure for failure in failures if failure is not None),
        )

    def _put(self, batch: list[Datum]) -> str | None:
        """One request; botocore's standard retry mode has already retried throttling and 5xx."""
        try:
            self._client.put_metric_data(Namespace=self.namespace, MetricData=batch)
        except ClientError as error:
            info = error.response.get("Error", {})
            return f"PutMetricData of {len(batch)} datums failed: {info.get('Code')}: {info.get('Message', '')}"[:400]
        except BotoCoreError as error:
            return f"PutMetricData of {len(batch)} datums failed: {error}"[:400]
        return None
