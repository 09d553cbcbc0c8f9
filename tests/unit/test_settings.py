"""Environment variables -> Settings: defaults, every region's URL, errors that name the variable."""

from __future__ import annotations

import pytest

from queue_stats import names as n
from queue_stats.errors import ConfigError
from queue_stats.settings import Settings, api_url_for_region

MINIMAL = {n.ENV_COMPANY_CODE: "abc-gadgets", n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "eu-west-1"}
PATH = "/symbee-connect-stats-service/svc/rs/RealtimeStatsService/retrieveQueueInfo"


def settings(**env: str) -> Settings:
    return Settings.from_env({**MINIMAL, **env})


def test_defaults_match_the_contract() -> None:
    s = settings()
    assert s.company_code == "abc-gadgets"
    assert s.environment == "prod"
    assert s.api_url == f"https://symbeeconnect.com:9443{PATH}"
    assert s.platform_code == "AWS Connect"
    assert s.api_key_secret_id == "SYMBEE_CONNECT_API_KEY"
    assert s.secrets_region == "eu-west-1"  # the function's own region
    assert s.include_amazon_queues is True
    assert s.queue_ids == ()
    assert s.namespace == "SymbeeConnect/Queues"
    assert s.api_key_max_age_seconds == 300


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us-east-1", f"https://symbeeconnect.com:9443{PATH}"),
        ("us-west-2", f"https://us-west-2.symbeeconnect.com:9443{PATH}"),
        ("ca-central-1", f"https://ca-central-1.symbeeconnect.com:9443{PATH}"),
        ("eu-west-2", f"https://eu-west-2.symbeeconnect.com:9443{PATH}"),
        ("eu-central-1", f"https://eu-central-1.symbeeconnect.com:9443{PATH}"),
        ("ap-southeast-1", f"https://ap-southeast-1.symbeeconnect.com:9443{PATH}"),
        ("ap-southeast-2", f"https://ap-southeast-2.symbeeconnect.com:9443{PATH}"),
        ("ap-northeast-1", f"https://ap-northeast-1.symbeeconnect.com:9443{PATH}"),
        ("ap-northeast-2", f"https://ap-northeast-2.symbeeconnect.com:9443{PATH}"),
        ("af-south-1", f"https://af-south-1.symbeeconnect.com:9443{PATH}"),
    ],
)
def test_each_region_has_the_vendors_url(region: str, url: str) -> None:
    assert settings(SYMBEE_REGION=region).api_url == url
    assert api_url_for_region(region) == url


def test_the_region_table_covers_every_region_tested() -> None:
    assert len(n.SYMBEE_REGIONS) == 10


def test_the_url_override_wins_over_the_region() -> None:
    s = settings(SYMBEE_REGION="eu-west-2", SYMBEE_API_URL="https://stats.example.com/x")
    assert s.api_url == "https://stats.example.com/x"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost:1/x", "http://[::1]:9/x"])
def test_plain_http_is_allowed_only_to_this_machine(url: str) -> None:
    assert settings(SYMBEE_API_URL=url).api_url == url


@pytest.mark.parametrize(
    "url",
    ["http://symbeeconnect.com/x", "ftp://127.0.0.1/x", "not a url", "https:///x", "http://[bad", "https://h:abc/x"],
)
def test_an_unsafe_or_bad_url_names_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match="SYMBEE_API_URL"):
        settings(SYMBEE_API_URL=url)


def test_secrets_region_explicit_wins_and_falls_back_to_aws_default_region() -> None:
    assert settings(SYMBEE_SECRETS_REGION="us-west-2").secrets_region == "us-west-2"
    env = {n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e", "AWS_DEFAULT_REGION": "ap-south-1"}
    assert Settings.from_env(env).secrets_region == "ap-south-1"


def test_metrics_go_to_aws_region_before_aws_default_region() -> None:
    assert settings(AWS_DEFAULT_REGION="ap-south-1").aws_region == "eu-west-1"
    env = {n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e", "AWS_DEFAULT_REGION": "ap-south-1"}
    assert Settings.from_env(env).aws_region == "ap-south-1"


def test_queue_ids_are_split_trimmed_and_deduplicated_in_order() -> None:
    s = settings(SYMBEE_QUEUE_IDS=" email-care, arn:aws:connect:us-east-1:1:instance/i/queue/q ,,email-care ")
    assert s.queue_ids == ("email-care", "arn:aws:connect:us-east-1:1:instance/i/queue/q")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("FALSE", False), ("False", False), ("", True)])
def test_include_amazon_queues_reads_true_and_false(value: str, expected: bool) -> None:
    assert settings(SYMBEE_INCLUDE_AMAZON_QUEUES=value).include_amazon_queues is expected


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({n.ENV_COMPANY_CODE: ""}, "SYMBEE_COMPANY_CODE"),
        ({n.ENV_ENVIRONMENT: "  "}, "SYMBEE_ENVIRONMENT"),
        ({n.ENV_ENVIRONMENT: "e" * 1025}, "SYMBEE_ENVIRONMENT"),
        ({n.ENV_REGION: "us-east-2"}, "SYMBEE_REGION"),
        ({n.ENV_INCLUDE_AMAZON_QUEUES: "yes"}, "SYMBEE_INCLUDE_AMAZON_QUEUES"),
        ({n.ENV_API_KEY_MAX_AGE_SECONDS: "0"}, "API_KEY_MAX_AGE_SECONDS"),
        ({n.ENV_API_KEY_MAX_AGE_SECONDS: "3601"}, "API_KEY_MAX_AGE_SECONDS"),
        ({n.ENV_API_KEY_MAX_AGE_SECONDS: "5m"}, "API_KEY_MAX_AGE_SECONDS"),
        ({n.ENV_METRICS_NAMESPACE: "AWS/Connect"}, "METRICS_NAMESPACE"),
        ({n.ENV_METRICS_NAMESPACE: "bad|name"}, "METRICS_NAMESPACE"),
        ({n.ENV_METRICS_NAMESPACE: "has space"}, "METRICS_NAMESPACE"),
        ({n.ENV_SECRETS_REGION: "Ireland"}, "SYMBEE_SECRETS_REGION"),
    ],
)
def test_a_bad_value_fails_with_a_message_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        settings(**env)


def test_a_missing_required_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="SYMBEE_COMPANY_CODE is required"):
        Settings.from_env({n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "us-east-1"})


def test_no_region_anywhere_names_the_secrets_region_variable() -> None:
    with pytest.raises(ConfigError, match="SYMBEE_SECRETS_REGION"):
        Settings.from_env({n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e"})


def test_max_age_accepts_the_full_range() -> None:
    assert settings(API_KEY_MAX_AGE_SECONDS="1").api_key_max_age_seconds == 1
    assert settings(API_KEY_MAX_AGE_SECONDS="3600").api_key_max_age_seconds == 3600


def test_every_per_queue_metric_is_published_by_default() -> None:
    assert settings().publish_metrics == n.QUEUE_METRIC_NAMES
    assert settings().skip_idle_queues is False


def test_the_essential_profile_names_what_the_default_alarms_read() -> None:
    chosen = settings(PUBLISH_METRICS="essential").publish_metrics
    assert set(chosen) == set(n.ESSENTIAL_METRICS)
    for alarmed in ("OldestItemAge", "ItemsInQueue", "UnattendedItems", "AgentsInError"):
        assert alarmed in chosen


def test_an_explicit_list_is_kept_in_the_contracts_order_without_repeats() -> None:
    chosen = settings(PUBLISH_METRICS=" OldestItemAge, ItemsInQueue,ItemsInQueue ").publish_metrics
    assert chosen == ("ItemsInQueue", "OldestItemAge")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("ItemsInQueue,ItemsWaiting", "unknown metric 'ItemsWaiting'"),
        (" , ", "names none"),
        ("PollSucceeded", "unknown"),
    ],
)
def test_a_bad_metric_list_names_the_variable_and_the_problem(value: str, says: str) -> None:
    with pytest.raises(ConfigError, match="PUBLISH_METRICS") as error:
        settings(PUBLISH_METRICS=value)
    assert says in str(error.value)


def test_skip_idle_queues_is_a_boolean() -> None:
    assert settings(SKIP_IDLE_QUEUES="true").skip_idle_queues is True
    with pytest.raises(ConfigError, match="SKIP_IDLE_QUEUES"):
        settings(SKIP_IDLE_QUEUES="sometimes")
