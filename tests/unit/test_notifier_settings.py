"""The notifier's environment variables -> NotifierSettings: defaults, and errors naming the variable."""

from __future__ import annotations

import pytest

from queue_stats import names as n
from queue_stats.errors import ConfigError
from queue_stats.settings import NotifierSettings

MINIMAL = {n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "eu-west-1"}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"


def settings(**env: str) -> NotifierSettings:
    return NotifierSettings.from_env({**MINIMAL, **env})


def test_defaults_match_the_contract() -> None:
    s = settings()
    assert s.environment == "prod"
    assert s.namespace == "SymbeeConnect/Queues"
    assert (s.notify_topic_arn, s.chat_topic_arn, s.pagerduty_routing_key_secret_id) == (None, None, None)
    assert s.pagerduty_events_url == "https://events.pagerduty.com/v2/enqueue"
    assert (s.dashboard_url, s.runbook_url) == (None, None)
    assert s.skip_idle_queues is False
    assert s.routing_key_max_age_seconds == 300
    assert s.aws_region == "eu-west-1"
    assert s.notify_on_ok is True
    assert s.channels == ()


def test_channels_are_those_configured() -> None:
    s = settings(NOTIFY_TOPIC_ARN=TOPIC, PAGERDUTY_ROUTING_KEY_SECRET_ID="pd-key")
    assert s.channels == ("email", "pager")


def test_the_environment_is_required() -> None:
    with pytest.raises(ConfigError, match="SYMBEE_ENVIRONMENT is required and not set"):
        NotifierSettings.from_env({"AWS_REGION": "eu-west-1"})


@pytest.mark.parametrize("variable", [n.ENV_NOTIFY_TOPIC_ARN, n.ENV_CHAT_TOPIC_ARN])
def test_a_topic_must_be_an_sns_arn(variable: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable}='alerts' is not an SNS topic ARN"):
        settings(**{variable: "alerts"})


def test_other_partitions_and_fifo_topics_are_arns_too() -> None:
    arn = "arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo"
    assert settings(NOTIFY_TOPIC_ARN=arn).notify_topic_arn == arn


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://events.example.com/v2/enqueue", "must use https (http is allowed only for localhost)"),
        ("ftp://events.example.com", "is not an absolute http(s) URL"),
        ("https://", "is not an absolute http(s) URL"),
        ("https://h:port/x", "is not a valid URL"),
    ],
)
def test_the_pagerduty_url_follows_the_pollers_rule(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{n.ENV_PAGERDUTY_EVENTS_URL}"):
        settings(PAGERDUTY_EVENTS_URL=url)
    with pytest.raises(ConfigError) as raised:
        settings(PAGERDUTY_EVENTS_URL=url)
    assert message in str(raised.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v2/enqueue", "http://localhost/v2/enqueue", "http://[::1]/x"])
def test_plain_http_is_allowed_to_loopback(url: str) -> None:
    assert settings(PAGERDUTY_EVENTS_URL=url).pagerduty_events_url == url


@pytest.mark.parametrize("variable", [n.ENV_DASHBOARD_URL, n.ENV_RUNBOOK_URL])
def test_links_must_be_absolute_so_a_phone_can_open_them(variable: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable}='README.md#when-an-alarm-fires' is not an absolute"):
        settings(**{variable: "README.md#when-an-alarm-fires"})


def test_skip_idle_queues_is_read_like_the_pollers() -> None:
    assert settings(SKIP_IDLE_QUEUES="true").skip_idle_queues is True
    with pytest.raises(ConfigError, match="SKIP_IDLE_QUEUES='yes' must be true or false"):
        settings(SKIP_IDLE_QUEUES="yes")


def test_notify_on_ok_is_a_boolean_naming_its_variable() -> None:
    assert settings(NOTIFY_ON_OK="false").notify_on_ok is False
    with pytest.raises(ConfigError, match="NOTIFY_ON_OK='no' must be true or false"):
        settings(NOTIFY_ON_OK="no")


# --- where the numbers are read (METRICS_BACKEND) -------------------------------------------------
@pytest.mark.parametrize(("backend", "promql"), [("", False), ("cloudwatch", False), ("both", False), ("OTEL", True)])
def test_only_otel_reads_the_numbers_with_promql(backend: str, promql: bool) -> None:
    # `both`: the classic alarms act and the classic metrics exist
    assert settings(METRICS_BACKEND=backend).reads_promql is promql


def test_an_unknown_backend_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="METRICS_BACKEND='prometheus' must be one of cloudwatch, otel, both"):
        settings(METRICS_BACKEND="prometheus")


def test_the_promql_endpoint_is_the_regions_monitoring_host_unless_set() -> None:
    assert settings().promql_endpoint is None  # the runtime derives it from the region
    assert settings(PROMQL_ENDPOINT="http://127.0.0.1:9090/prom/").promql_endpoint == "http://127.0.0.1:9090/prom"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://monitoring.example.com", "PROMQL_ENDPOINT must use https"),
        ("ftp://127.0.0.1", "is not an absolute http"),
        ("https://monitoring.example.com?x=1", "must not have a query string"),
    ],
)
def test_a_bad_promql_endpoint_is_refused_naming_the_variable(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings(PROMQL_ENDPOINT=url)
