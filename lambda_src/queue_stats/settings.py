"""Environment variables -> one typed, validated `Settings` value.

The only module that reads configuration from the environment. Every error names the variable.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from queue_stats import names as n
from queue_stats.errors import ConfigError
from queue_stats.rules import is_header_value

# CloudWatch: namespaces are 1-255 of these characters and may not start with "AWS/".
_NAMESPACE_RE = re.compile(n.NAMESPACE_PATTERN)


@dataclass(frozen=True)
class Settings:
    company_code: str
    environment: str
    region: str  # the Symbee region; api_url is its host unless overridden
    api_url: str
    platform_code: str
    api_key_secret_id: str
    secrets_region: str
    include_amazon_queues: bool
    queue_ids: tuple[str, ...]  # empty: every queue
    namespace: str
    api_key_max_age_seconds: int
    publish_metrics: tuple[str, ...]  # per-queue metric names, in the contract's order
    skip_idle_queues: bool
    aws_region: str | None  # where metrics go: AWS_REGION, else AWS_DEFAULT_REGION, else boto3's own chain
    metrics_backend: str = n.DEFAULT_METRICS_BACKEND  # one of names.METRICS_BACKENDS
    otlp_endpoint: str | None = None  # None: CloudWatch's OTLP endpoint in aws_region (otlp_endpoint_for_region)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse and validate; raises ConfigError naming the first bad variable."""
        region = _get(env, n.ENV_REGION) or n.DEFAULT_SYMBEE_REGION
        if region not in n.SYMBEE_REGIONS:
            raise ConfigError(
                f"{n.ENV_REGION}={region!r} is not a Symbee Connect region "
                f"(one of {', '.join(n.SYMBEE_REGIONS)}); set {n.ENV_API_URL} for any other host"
            )
        api_url = _get(env, n.ENV_API_URL)
        if api_url:
            _check_url(n.ENV_API_URL, api_url)
        else:
            api_url = api_url_for_region(region)

        aws_region = _get(env, "AWS_REGION") or _get(env, "AWS_DEFAULT_REGION") or None
        secrets_region = _get(env, n.ENV_SECRETS_REGION) or aws_region
        if not secrets_region:
            raise ConfigError(
                f"{n.ENV_SECRETS_REGION} is not set and neither is AWS_REGION: "
                "say which region holds the API key secret"
            )
        if not re.fullmatch(n.AWS_REGION_PATTERN, secrets_region):
            raise ConfigError(f"{n.ENV_SECRETS_REGION}={secrets_region!r} is not an AWS region name")

        namespace = _get(env, n.ENV_METRICS_NAMESPACE) or n.DEFAULT_NAMESPACE
        if not _NAMESPACE_RE.fullmatch(namespace) or namespace.startswith("AWS/"):
            raise ConfigError(
                f"{n.ENV_METRICS_NAMESPACE}={namespace!r} is not a valid CloudWatch namespace "
                "(1-255 of A-Z a-z 0-9 . - _ / # :, not starting with AWS/)"
            )

        return cls(
            company_code=_header_value(n.ENV_COMPANY_CODE, _required(env, n.ENV_COMPANY_CODE)),
            environment=_header_value(n.ENV_ENVIRONMENT, _dimension_value(env, n.ENV_ENVIRONMENT)),
            region=region,
            api_url=api_url,
            platform_code=_header_value(n.ENV_PLATFORM_CODE, _get(env, n.ENV_PLATFORM_CODE) or n.DEFAULT_PLATFORM_CODE),
            api_key_secret_id=_get(env, n.ENV_API_KEY_SECRET_ID) or n.DEFAULT_API_KEY_SECRET_ID,
            secrets_region=secrets_region,
            include_amazon_queues=_boolean(env, n.ENV_INCLUDE_AMAZON_QUEUES, default=True),
            queue_ids=_queue_ids(env),
            namespace=namespace,
            api_key_max_age_seconds=_int_between(
                env,
                n.ENV_API_KEY_MAX_AGE_SECONDS,
                default=n.DEFAULT_API_KEY_MAX_AGE_SECONDS,
                low=1,
                high=n.MAX_API_KEY_MAX_AGE_SECONDS,
            ),
            publish_metrics=_publish_metrics(env),
            skip_idle_queues=_boolean(env, n.ENV_SKIP_IDLE_QUEUES, default=False),
            aws_region=aws_region,
            metrics_backend=_metrics_backend(env),
            otlp_endpoint=_otlp_endpoint(env),
        )


def api_url_for_region(region: str) -> str:
    """The vendor's URL: no host prefix for us-east-1, `<region>.` before the host otherwise."""
    if region not in n.SYMBEE_REGIONS:
        raise ConfigError(f"{region!r} is not a Symbee Connect region")
    prefix = "" if region == n.DEFAULT_SYMBEE_REGION else f"{region}."
    return f"https://{prefix}symbeeconnect.com:{n.API_PORT}{n.API_PATH}"


def otlp_endpoint_for_region(region: str) -> str:
    """CloudWatch's OTLP/HTTP metrics endpoint in an AWS region."""
    return f"{monitoring_host_for_region(region)}{n.OTLP_METRICS_PATH}"


def monitoring_host_for_region(region: str) -> str:
    """CloudWatch's `monitoring` host in an AWS region: the OTLP endpoint's, and the PromQL query
    API's (`/api/v1/query`, `/api/v1/query_range`)."""
    return f"https://monitoring.{region}.amazonaws.com"


def _get(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _required(env: Mapping[str, str], name: str) -> str:
    value = _get(env, name)
    if not value:
        raise ConfigError(f"{name} is required and not set")
    return value


def _header_value(name: str, value: str) -> str:
    """These values travel as HTTP headers (and the environment as a CloudWatch dimension): both
    carry printable ASCII only."""
    if not is_header_value(value):
        raise ConfigError(
            f"{name}={value!r} must be printable ASCII (it is sent as an HTTP header and used as a "
            "CloudWatch dimension)"
        )
    return value


def _dimension_value(env: Mapping[str, str], name: str) -> str:
    value = _required(env, name)
    if len(value) > n.MAX_DIMENSION_VALUE:
        raise ConfigError(f"{name} is longer than CloudWatch's {n.MAX_DIMENSION_VALUE}-character limit")
    return value


def _boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = _get(env, name).lower()
    if not value:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise ConfigError(f"{name}={env[name]!r} must be true or false")


def _int_between(env: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    value = _get(env, name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ConfigError(f"{name}={number} is out of range {low} to {high}")
    return number


def _queue_ids(env: Mapping[str, str]) -> tuple[str, ...]:
    ids = (part.strip() for part in _get(env, n.ENV_QUEUE_IDS).split(","))
    return tuple(dict.fromkeys(i for i in ids if i))  # order kept, duplicates dropped


def parse_publish_metrics(value: str) -> tuple[str, ...]:
    """A PUBLISH_METRICS value (`all`, `essential`, or metric names) as metric names, in the
    contract's order; ConfigError when it names no metric or an unknown one."""
    return _publish_metrics({n.ENV_PUBLISH_METRICS: value})


def _publish_metrics(env: Mapping[str, str]) -> tuple[str, ...]:
    """`all`, `essential`, or a comma-separated list of per-queue metric names."""
    value = _get(env, n.ENV_PUBLISH_METRICS) or n.PROFILE_ALL
    profile = n.METRIC_PROFILES.get(value.lower())
    if profile is not None:
        return tuple(profile)
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in n.QUEUE_METRIC_NAMES]
    if unknown or not wanted:
        raise ConfigError(
            f"{n.ENV_PUBLISH_METRICS}={value!r}: {'unknown metric ' + repr(unknown[0]) if unknown else 'names none'}; "
            f"give {' or '.join(n.METRIC_PROFILES)}, or metric names from: {', '.join(n.QUEUE_METRIC_NAMES)}"
        )
    return tuple(name for name in n.QUEUE_METRIC_NAMES if name in wanted)


def _metrics_backend(env: Mapping[str, str]) -> str:
    value = _get(env, n.ENV_METRICS_BACKEND).lower() or n.DEFAULT_METRICS_BACKEND
    if value not in n.METRICS_BACKENDS:
        raise ConfigError(
            f"{n.ENV_METRICS_BACKEND}={env[n.ENV_METRICS_BACKEND]!r} must be one of {', '.join(n.METRICS_BACKENDS)}"
        )
    return value


def _otlp_endpoint(env: Mapping[str, str]) -> str | None:
    url = _get(env, n.ENV_OTLP_METRICS_ENDPOINT)
    if url:
        _check_url(n.ENV_OTLP_METRICS_ENDPOINT, url)
    return url or None


def _promql_endpoint(env: Mapping[str, str]) -> str | None:
    """A base URL the query paths are appended to (a Prometheus behind a path prefix works too);
    signed requests cross no network in clear text."""
    url = _get(env, n.ENV_PROMQL_ENDPOINT)
    if url:
        _check_url(n.ENV_PROMQL_ENDPOINT, url)
        if urlsplit(url).query or urlsplit(url).fragment:
            raise ConfigError(f"{n.ENV_PROMQL_ENDPOINT}={url!r} must not have a query string or fragment")
    return url.rstrip("/") or None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the notifier --------------------------------------------------------------------------------
# An SNS topic ARN, in any partition (aws, aws-cn, aws-us-gov); FIFO topics end in ".fifo".
_TOPIC_ARN_RE = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")


@dataclass(frozen=True)
class NotifierSettings:
    """The notifier's settings (CONTRACT.md, "The notifier"); every channel is optional."""

    environment: str
    namespace: str
    notify_topic_arn: str | None  # email: messages people read
    chat_topic_arn: str | None  # Amazon Q Developer custom notifications
    pagerduty_routing_key_secret_id: str | None  # None: no paging
    pagerduty_events_url: str
    dashboard_url: str | None  # None: derived from the alarm's name and region
    runbook_url: str | None  # None: the "what to do" steps travel inline
    skip_idle_queues: bool  # the poller leaves idle queues out: a queue that stops reporting may be idle
    routing_key_max_age_seconds: int
    aws_region: str | None
    notify_on_ok: bool = True  # False: an OK reaches the pager (to resolve it), not email or chat
    metrics_backend: str = n.DEFAULT_METRICS_BACKEND  # the poller's, as the stack sets it
    promql_endpoint: str | None = None  # None: CloudWatch's monitoring host in aws_region

    @property
    def reads_promql(self) -> bool:
        """The numbers come from the PromQL query API, contributors are OTLP labels (`readings.reads_promql`)."""
        from queue_stats.readings import reads_promql  # noqa: PLC0415 - the poller never needs it

        return reads_promql(self.metrics_backend)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifierSettings:
        """Parse and validate; raises ConfigError naming the first bad variable."""
        namespace = _get(env, n.ENV_METRICS_NAMESPACE) or n.DEFAULT_NAMESPACE
        if not _NAMESPACE_RE.fullmatch(namespace) or namespace.startswith("AWS/"):
            raise ConfigError(
                f"{n.ENV_METRICS_NAMESPACE}={namespace!r} is not a valid CloudWatch namespace "
                "(1-255 of A-Z a-z 0-9 . - _ / # :, not starting with AWS/)"
            )
        pagerduty_url = _get(env, n.ENV_PAGERDUTY_EVENTS_URL) or n.DEFAULT_PAGERDUTY_EVENTS_URL
        # The routing key travels in the body: the same rule as the Symbee API's URL.
        _check_url(n.ENV_PAGERDUTY_EVENTS_URL, pagerduty_url, loopback_http_only=True)
        return cls(
            environment=_header_value(n.ENV_ENVIRONMENT, _dimension_value(env, n.ENV_ENVIRONMENT)),
            namespace=namespace,
            notify_topic_arn=_topic_arn(env, n.ENV_NOTIFY_TOPIC_ARN),
            chat_topic_arn=_topic_arn(env, n.ENV_CHAT_TOPIC_ARN),
            pagerduty_routing_key_secret_id=_get(env, n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID) or None,
            pagerduty_events_url=pagerduty_url,
            dashboard_url=_link(env, n.ENV_DASHBOARD_URL),
            runbook_url=_link(env, n.ENV_RUNBOOK_URL),
            skip_idle_queues=_boolean(env, n.ENV_SKIP_IDLE_QUEUES, default=False),
            routing_key_max_age_seconds=n.DEFAULT_API_KEY_MAX_AGE_SECONDS,
            aws_region=_get(env, "AWS_REGION") or _get(env, "AWS_DEFAULT_REGION") or None,
            notify_on_ok=_boolean(env, n.ENV_NOTIFY_ON_OK, default=True),
            metrics_backend=_metrics_backend(env),
            promql_endpoint=_promql_endpoint(env),
        )

    @property
    def channels(self) -> tuple[str, ...]:
        """The configured channels, in the order they are reported."""
        configured = (
            ("email", self.notify_topic_arn),
            ("chat", self.chat_topic_arn),
            ("pager", self.pagerduty_routing_key_secret_id),
        )
        return tuple(name for name, value in configured if value)


def _topic_arn(env: Mapping[str, str], name: str) -> str | None:
    value = _get(env, name)
    if value and not _TOPIC_ARN_RE.fullmatch(value):
        raise ConfigError(f"{name}={value!r} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)")
    return value or None


def _link(env: Mapping[str, str], name: str) -> str | None:
    """A link put in messages: it must open from a phone, so an absolute http(s) URL."""
    value = _get(env, name)
    if value:
        _check_url(name, value, loopback_http_only=False)
    return value or None


def _check_url(name: str, url: str, *, loopback_http_only: bool = True) -> None:
    """An absolute http(s) URL. With `loopback_http_only`, plain HTTP only to this machine: the API
    key, the routing key or signed metrics must never cross a network in clear text."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(f"{name}={url!r} is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        raise ConfigError(f"{name}={url!r} is not an absolute http(s) URL")
    if loopback_http_only and parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(f"{name} must use https (http is allowed only for localhost)")
