"""Builds the real adapters (Secrets Manager, Symbee API, CloudWatch) from settings.

Shared by the Lambda handler and the command line. Every AWS client honours AWS_REGION,
AWS_DEFAULT_REGION and AWS_ENDPOINT_URL through boto3's own configuration chain.
"""

from __future__ import annotations

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
from queue_stats.watchdog import watch_client

# botocore's standard retry mode (throttling and 5xx retried with backoff), 3 attempts in all,
# and short timeouts: a healthy PutMetricData or GetSecretValue answers in well under a second.
# These bound each wait, not a call: every call of a poll also ends by its deadline (below),
# through watchdog.call_within, however an endpoint misbehaves.
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

# Time kept back from the invocation for publishing after the API call: each request is bounded
# by the deadline below, whatever the endpoint does; a healthy publish of a few hundred queues
# takes well under a second, and this leaves room for botocore's retries of a throttled batch.
# With under twice this left, the API call and publishing share the time half and half.
PUBLISH_RESERVE_SECONDS = 15.0
# The API call never takes longer than this, whatever the function's timeout.
MAX_API_SECONDS = 40.0
# No request may still be running this close to the invocation's end: the poll's log line, its
# error and Lambda's own record of it need the rest.
END_MARGIN_SECONDS = 0.25
# Publishing the snapshot stops this long before that end, so the failure report (PollSucceeded 0)
# still has time when CloudWatch was slow: one request of one datum, tens of milliseconds when healthy.
REPORT_RESERVE_SECONDS = 1.0
# Outside Lambda (the command line) a poll has this long, so a hanging endpoint cannot hold it for ever.
OUTSIDE_LAMBDA_SECONDS = MAX_API_SECONDS + PUBLISH_RESERVE_SECONDS + REPORT_RESERVE_SECONDS + END_MARGIN_SECONDS


@dataclass(frozen=True)
class Deadlines:
    """One poll's time.monotonic() deadlines, from the invocation's remaining time."""

    api: float  # the key read and the Symbee API call
    publish: float  # the snapshot's requests to the metrics backend
    report: float  # the failure report, the poll's last request

    @classmethod
    def plan(cls, remaining_millis: float | None = None) -> Deadlines:
        """`remaining_millis` is the invocation's remaining time (None: outside Lambda)."""
        now = time.monotonic()
        left = OUTSIDE_LAMBDA_SECONDS if remaining_millis is None else max(0.0, remaining_millis / 1000.0)
        api = min(MAX_API_SECONDS, max(left - PUBLISH_RESERVE_SECONDS, left / 2))
        end = max(0.0, left - END_MARGIN_SECONDS)
        return cls(api=now + api, publish=now + max(0.0, end - REPORT_RESERVE_SECONDS), report=now + end)


def api_deadline(remaining_millis: float | None = None) -> float:
    """A time.monotonic() deadline for the API call that leaves room to publish afterwards."""
    return Deadlines.plan(remaining_millis).api


def publish_deadline(remaining_millis: float | None = None) -> float:
    """A time.monotonic() deadline for the metrics backend's requests of a poll's snapshot."""
    return Deadlines.plan(remaining_millis).publish


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    api: SymbeeApiClient
    publisher: Publisher | None  # None: nothing is published (the CLI's dry runs)

    @classmethod
    def create(cls, settings: Settings, *, publish: bool = True) -> Runtime:
        session = boto3.session.Session()
        secrets = watch_client(
            session.client("secretsmanager", region_name=settings.secrets_region, config=_AWS_CONFIG)
        )
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
        """One poll as configured; `remaining_millis` is the invocation's time left (None: outside Lambda)."""
        deadlines = Deadlines.plan(remaining_millis)
        return run_poll(
            environment=self.settings.environment,
            fetcher=self.api,
            publisher=self.publisher,
            deadline=deadlines.api,
            publish_deadline=deadlines.publish,
            report_deadline=deadlines.report,
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
        cloudwatch = watch_client(
            session.client("cloudwatch", region_name=settings.aws_region, config=_CLOUDWATCH_CONFIG)
        )
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
