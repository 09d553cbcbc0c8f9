"""METRICS_BACKEND and OTLP_METRICS_ENDPOINT: defaults, errors that name the variable, the
publisher(s) each backend builds, and the OTLP publisher's limits against the poll's time budget
(what each backend imports: test_runtime_imports.py)."""

from __future__ import annotations

import os

import pytest

from queue_stats import names as n
from queue_stats.cloudwatch import CloudWatchPublisher
from queue_stats.errors import ConfigError
from queue_stats.http import CUT_GRACE_SECONDS
from queue_stats.otlp import (
    BACKOFF_BASE_SECONDS,
    CONNECT_TIMEOUT_SECONDS,
    MAX_ATTEMPTS,
    READ_TIMEOUT_SECONDS,
    OtlpPublisher,
)
from queue_stats.publish import FanOutPublisher
from queue_stats.runtime import PUBLISH_RESERVE_SECONDS, Runtime
from queue_stats.settings import Settings

MINIMAL = {n.ENV_COMPANY_CODE: "abc-gadgets", n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "eu-west-1"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**MINIMAL, **env})


def test_the_classic_backend_and_the_regions_endpoint_are_the_defaults() -> None:
    s = settings()
    assert (s.metrics_backend, s.otlp_endpoint) == ("cloudwatch", None)


@pytest.mark.parametrize(("value", "backend"), [("otel", "otel"), (" Both ", "both"), ("CLOUDWATCH", "cloudwatch")])
def test_the_backend_is_read_whatever_its_case(value: str, backend: str) -> None:
    assert settings(METRICS_BACKEND=value).metrics_backend == backend


def test_an_unknown_backend_is_refused_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"^METRICS_BACKEND='prometheus' must be one of cloudwatch, otel, both$"):
        settings(METRICS_BACKEND="prometheus")


@pytest.mark.parametrize(
    "url", ["https://collector.example.com:4318/v1/metrics", "http://127.0.0.1:4318/v1/metrics", "http://localhost/x"]
)
def test_an_https_endpoint_or_plain_http_to_this_machine_is_accepted(url: str) -> None:
    assert settings(OTLP_METRICS_ENDPOINT=url).otlp_endpoint == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://monitoring.us-east-1.amazonaws.com/v1/metrics", "must use https"),
        ("ftp://example.com/v1/metrics", "is not an absolute http(s) URL"),
        ("https://host:port/v1/metrics", "is not a valid URL"),
    ],
)
def test_an_unsafe_or_malformed_endpoint_is_refused_naming_the_variable(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=r"^OTLP_METRICS_ENDPOINT") as error:
        settings(OTLP_METRICS_ENDPOINT=url)
    assert problem in str(error.value)


def test_each_backend_builds_its_publishers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    classic = Runtime.create(settings()).publisher
    assert isinstance(classic, CloudWatchPublisher)
    otel = Runtime.create(settings(METRICS_BACKEND="otel")).publisher
    assert isinstance(otel, OtlpPublisher)
    both = Runtime.create(settings(METRICS_BACKEND="both")).publisher
    assert isinstance(both, FanOutPublisher)
    assert both.name == "cloudwatch+otel"


def test_the_otlp_endpoint_defaults_to_cloudwatchs_in_the_functions_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    publisher = Runtime.create(settings(METRICS_BACKEND="otel")).publisher
    assert isinstance(publisher, OtlpPublisher)
    assert publisher.endpoint == "https://monitoring.eu-west-1.amazonaws.com/v1/metrics"
    assert publisher.region == "eu-west-1"
    local = Runtime.create(settings(METRICS_BACKEND="otel", OTLP_METRICS_ENDPOINT="http://127.0.0.1:9/v1/metrics"))
    assert isinstance(local.publisher, OtlpPublisher)
    assert (local.publisher.endpoint, local.publisher.region) == ("http://127.0.0.1:9/v1/metrics", "eu-west-1")


def test_without_a_region_the_otlp_backend_fails_at_start_naming_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    env = {
        n.ENV_COMPANY_CODE: "c",
        n.ENV_ENVIRONMENT: "e",
        n.ENV_SECRETS_REGION: "us-east-1",
        "METRICS_BACKEND": "otel",
    }
    with pytest.raises(ConfigError, match=r"^AWS_REGION is not set: say which region to publish OpenTelemetry metrics"):
        Runtime.create(Settings.from_env(env))


def test_the_worst_otlp_publish_fits_in_the_time_kept_back_for_publishing() -> None:
    # Every attempt times out (cut by the watchdog a little later), with the longest backoffs between.
    attempts = MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS + CUT_GRACE_SECONDS)
    backoff = sum(BACKOFF_BASE_SECONDS * 2**failures for failures in range(1, MAX_ATTEMPTS))
    assert attempts + backoff <= PUBLISH_RESERVE_SECONDS
