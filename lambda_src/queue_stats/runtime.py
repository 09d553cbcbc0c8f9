"""Builds the real adapters (Secrets Manager, Symbee API, CloudWatch) from settings.

Shared by the Lambda handler and the command line. Every AWS client honours AWS_REGION,
AWS_DEFAULT_REGION and AWS_ENDPOINT_URL through boto3's own configuration chain.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import NoRegionError

from queue_stats import names as n
from queue_stats.api_key import SecretsManagerApiKey
from queue_stats.cloudwatch import MAX_CONCURRENT_REQUESTS, CloudWatchPublisher
from queue_stats.errors import ConfigError
from queue_stats.poll import PollResult, run_poll
from queue_stats.publish import FanOutPublisher, Publisher
from queue_stats.settings import Settings, otlp_endpoint_for_region
from queue_stats.symbee_api import SymbeeApiClient

# botocore's standard retry mode (throttling and 5xx retried with backoff), 3 attempts in all,
# and short timeouts: a healthy PutMetricData or GetSecretValue answers in well under a second,
# and a poll must end inside its invocation even when an AWS endpoint misbehaves.
AWS_TOTAL_ATTEMPTS = 3
AWS_CONNECT_TIMEOUT_SECONDS = 1
AWS_READ_TIMEOUT_SECONDS = 3
_AWS_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": AWS_TOTAL_ATTEMPTS},
    connect_timeout=AWS_CONNECT_TIMEOUT_SECONDS,
    read_timeout=AWS_READ_TIMEOUT_SECONDS,
    max_pool_connections=MAX_CONCURRENT_REQUESTS,
)
# botocore checks every field of every datum against the API model before sending it: half the
# CPU of a large poll. The datums come from pure code whose output the unit tests check against
# that same model (test_metrics.py), and CloudWatch validates every request again on arrival.
_CLOUDWATCH_CONFIG = _AWS_CONFIG.merge(Config(parameter_validation=False))

# Time kept back from the invocation for publishing after the API call: the batches go out
# concurrently, each at worst 3 attempts of (1 s connect + 3 s read) plus standard-mode backoff
# (under 1 s, then under 2 s): about 15 s.
PUBLISH_RESERVE_SECONDS = 15.0
# The API call never takes longer than this, whatever the function's timeout.
MAX_API_SECONDS = 40.0
# No request to the metrics backend may still be running this close to the invocation's end:
# the failure report and the poll's log line need the rest.
END_MARGIN_SECONDS = 0.25


def api_deadline(remaining_millis: float | None = None) -> float:
    """A time.monotonic() deadline for the API call that leaves room to publish afterwards.

    `remaining_millis` is the invocation's remaining time (None outside Lambda)."""
    budget = MAX_API_SECONDS
    if remaining_millis is not None:
        budget = min(budget, remaining_millis / 1000.0 - PUBLISH_RESERVE_SECONDS)
    return time.monotonic() + max(0.0, budget)


def publish_deadline(remaining_millis: float | None = None) -> float:
    """A time.monotonic() deadline for the metrics backend's requests (none outside Lambda)."""
    if remaining_millis is None:
        return math.inf
    return time.monotonic() + max(0.0, remaining_millis / 1000.0 - END_MARGIN_SECONDS)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    api: SymbeeApiClient
    publisher: Publisher | None  # None: nothing is published (the CLI's dry runs)

    @classmethod
    def create(cls, settings: Settings, *, publish: bool = True) -> Runtime:
        session = boto3.session.Session()
        secrets = session.client("secretsmanager", region_name=settings.secrets_region, config=_AWS_CONFIG)
        publisher = metrics_publisher(settings, session) if publish else None
        api_key = SecretsManagerApiKey(
            secret_id=settings.api_key_secret_id,
            region=settings.secrets_region,
            max_age_seconds=settings.api_key_max_age_seconds,
            client=secrets,
        )
        return cls(
            settings=settings,
            api=SymbeeApiClient(settings, api_key),
            publisher=publisher,
        )

    def poll(self, remaining_millis: float | None = None) -> PollResult:
        """One poll as configured; `remaining_millis` is the invocation's time left (None: no limit)."""
        return run_poll(
            environment=self.settings.environment,
            fetcher=self.api,
            publisher=self.publisher,
            deadline=api_deadline(remaining_millis),
            publish_deadline=publish_deadline(remaining_millis),
            metrics=self.settings.publish_metrics,
            skip_idle=self.settings.skip_idle_queues,
        )


# --- the metrics backend (METRICS_BACKEND) -------------------------------------------------------


def metrics_publisher(settings: Settings, session: boto3.session.Session) -> Publisher:
    """The publisher METRICS_BACKEND names: classic PutMetricData, OTLP, or both side by side."""
    publishers: list[Publisher] = []
    if settings.metrics_backend in (n.BACKEND_CLOUDWATCH, n.BACKEND_BOTH):
        publishers.append(_cloudwatch_publisher(settings, session))
    if settings.metrics_backend in (n.BACKEND_OTEL, n.BACKEND_BOTH):
        publishers.append(_otlp_publisher(settings, session))
    return publishers[0] if len(publishers) == 1 else FanOutPublisher(publishers)


def _cloudwatch_publisher(settings: Settings, session: boto3.session.Session) -> CloudWatchPublisher:
    try:
        cloudwatch = session.client("cloudwatch", region_name=settings.aws_region, config=_CLOUDWATCH_CONFIG)
    except NoRegionError:
        raise ConfigError("AWS_REGION is not set: say which region to publish CloudWatch metrics in") from None
    return CloudWatchPublisher(cloudwatch, settings.namespace)


def _otlp_publisher(settings: Settings, session: boto3.session.Session) -> Publisher:
    # Imported here: protobuf and opentelemetry-proto load only when a backend sends OTLP.
    from queue_stats.otlp import OtlpPublisher  # noqa: PLC0415

    region = settings.aws_region or session.region_name
    if not region:
        raise ConfigError("AWS_REGION is not set: say which region to publish OpenTelemetry metrics in")
    if not re.fullmatch(n.AWS_REGION_PATTERN, region):
        raise ConfigError(f"AWS_REGION={region!r} is not an AWS region name")
    return OtlpPublisher(
        endpoint=settings.otlp_endpoint or otlp_endpoint_for_region(region),
        region=region,
        credentials=session.get_credentials,
    )
