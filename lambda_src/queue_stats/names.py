"""Every name shared by the runtime, the CLI and the CDK stack: env vars, metrics, dimensions.

This module is the single source of truth; `infra/` imports it instead of repeating a string.
It is pure (no I/O, no third-party imports) so the CDK app can import it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PRODUCT: Final = "symbee-queue-stats"  # the console script, log service, User-Agent and stack tag

# --- environment variables (CONTRACT.md) -------------------------------------------------------
ENV_COMPANY_CODE: Final = "SYMBEE_COMPANY_CODE"
ENV_ENVIRONMENT: Final = "SYMBEE_ENVIRONMENT"
ENV_REGION: Final = "SYMBEE_REGION"
ENV_API_URL: Final = "SYMBEE_API_URL"
ENV_PLATFORM_CODE: Final = "SYMBEE_PLATFORM_CODE"
ENV_API_KEY_SECRET_ID: Final = "SYMBEE_API_KEY_SECRET_ID"  # noqa: S105 - a name, not a secret
ENV_SECRETS_REGION: Final = "SYMBEE_SECRETS_REGION"
ENV_INCLUDE_AMAZON_QUEUES: Final = "SYMBEE_INCLUDE_AMAZON_QUEUES"
ENV_QUEUE_IDS: Final = "SYMBEE_QUEUE_IDS"
ENV_METRICS_NAMESPACE: Final = "METRICS_NAMESPACE"
ENV_API_KEY_MAX_AGE_SECONDS: Final = "API_KEY_MAX_AGE_SECONDS"
ENV_PUBLISH_METRICS: Final = "PUBLISH_METRICS"
ENV_SKIP_IDLE_QUEUES: Final = "SKIP_IDLE_QUEUES"
ENV_METRICS_BACKEND: Final = "METRICS_BACKEND"
ENV_OTLP_METRICS_ENDPOINT: Final = "OTLP_METRICS_ENDPOINT"

# The notifier's settings (CONTRACT.md, "The notifier"); SYMBEE_ENVIRONMENT and METRICS_NAMESPACE
# are shared with the poller.
ENV_NOTIFY_TOPIC_ARN: Final = "NOTIFY_TOPIC_ARN"
ENV_CHAT_TOPIC_ARN: Final = "CHAT_TOPIC_ARN"
ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID: Final = "PAGERDUTY_ROUTING_KEY_SECRET_ID"  # noqa: S105 - a name
ENV_PAGERDUTY_EVENTS_URL: Final = "PAGERDUTY_EVENTS_URL"
ENV_DASHBOARD_URL: Final = "DASHBOARD_URL"
ENV_RUNBOOK_URL: Final = "RUNBOOK_URL"
# `false`: OK transitions go to the pager only (to resolve its incident), not to email or chat.
ENV_NOTIFY_ON_OK: Final = "NOTIFY_ON_OK"
# Where the notifier reads a queue's numbers with METRICS_BACKEND=otel: CloudWatch's
# Prometheus-compatible query API (a local fake in tests); `http://` to a loopback address only.
ENV_PROMQL_ENDPOINT: Final = "PROMQL_ENDPOINT"

# --- defaults -----------------------------------------------------------------------------------
DEFAULT_SYMBEE_REGION: Final = "us-east-1"
DEFAULT_PLATFORM_CODE: Final = "AWS Connect"
DEFAULT_API_KEY_SECRET_ID: Final = "SYMBEE_CONNECT_API_KEY"  # noqa: S105 - the secret's id
DEFAULT_NAMESPACE: Final = "SymbeeConnect/Queues"
DEFAULT_API_KEY_MAX_AGE_SECONDS: Final = 300
MAX_API_KEY_MAX_AGE_SECONDS: Final = 3600  # the vendor: never cache the key longer than an hour
DEFAULT_PAGERDUTY_EVENTS_URL: Final = "https://events.pagerduty.com/v2/enqueue"

# Where the poller's metrics go: classic PutMetricData, OpenTelemetry (OTLP) or both.
BACKEND_CLOUDWATCH: Final = "cloudwatch"
BACKEND_OTEL: Final = "otel"
BACKEND_BOTH: Final = "both"
METRICS_BACKENDS: Final = (BACKEND_CLOUDWATCH, BACKEND_OTEL, BACKEND_BOTH)
DEFAULT_METRICS_BACKEND: Final = BACKEND_CLOUDWATCH
# Lambda allows 4 KB of environment variables in all; the queue filter is the only one that grows.
MAX_QUEUE_IDS_LENGTH: Final = 3200  # characters of SYMBEE_QUEUE_IDS, commas included

# What the runtime and the stack both accept (one rule, checked at synth and at start).
AWS_REGION_PATTERN: Final = r"[a-z]{2}(-[a-z]+)+-\d+"
# CloudWatch namespaces; spaces, which CloudWatch allows, are left out to keep them safe to quote
# in the alarms' queries and the dashboard's SEARCH expressions. "AWS/" is reserved.
NAMESPACE_PATTERN: Final = r"[0-9A-Za-z.\-_/#:]{1,255}"

# Regions a Symbee Connect environment can live in. us-east-1 has no host prefix.
SYMBEE_REGIONS: Final = (
    "us-east-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "af-south-1",
)
API_PORT: Final = 9443
API_PATH: Final = "/symbee-connect-stats-service/svc/rs/RealtimeStatsService/retrieveQueueInfo"

# --- metric dimensions --------------------------------------------------------------------------
DIM_ENVIRONMENT: Final = "Environment"
DIM_QUEUE_ID: Final = "QueueId"
DIM_QUEUE_NAME: Final = "QueueName"
QUEUE_DIMENSIONS: Final = (DIM_ENVIRONMENT, DIM_QUEUE_ID, DIM_QUEUE_NAME)
HEALTH_DIMENSIONS: Final = (DIM_ENVIRONMENT,)
MAX_DIMENSION_VALUE: Final = 1024  # CloudWatch's limit on a dimension value's length

# --- OpenTelemetry (METRICS_BACKEND otel/both): data-point attributes, which PromQL sees as labels ---
# The dimensions above, plus two that cost nothing more there (OTLP bills bytes, not series);
# these two are sent only when the API gave them.
ATTR_DELIVERY_PROVIDER: Final = "DeliveryProvider"
ATTR_TASK_TYPE: Final = "TaskType"
OTLP_QUEUE_ATTRIBUTES: Final = (*QUEUE_DIMENSIONS, ATTR_DELIVERY_PROVIDER, ATTR_TASK_TYPE)
OTLP_SIGNING_SERVICE: Final = "monitoring"  # SigV4 service name of CloudWatch's OTLP endpoint
OTLP_METRICS_PATH: Final = "/v1/metrics"
# CloudWatch's PromQL query API, on the same host as the OTLP endpoint and signed the same way.
PROMQL_QUERY_PATH: Final = "/api/v1/query"
PROMQL_QUERY_RANGE_PATH: Final = "/api/v1/query_range"


@dataclass(frozen=True)
class CountMetric:
    """A per-queue metric copied from one numeric field of the API's record."""

    name: str
    field: str
    unit: str


METRIC_AGENTS_STAFFED: Final = "AgentsStaffed"
METRIC_AGENTS_AVAILABLE: Final = "AgentsAvailable"
METRIC_AGENTS_WORKING: Final = "AgentsWorking"
METRIC_AGENTS_IN_WRAP: Final = "AgentsInWrap"
METRIC_AGENTS_IN_ERROR: Final = "AgentsInError"
METRIC_AGENTS_UNAVAILABLE: Final = "AgentsUnavailable"
METRIC_ITEMS_IN_QUEUE: Final = "ItemsInQueue"
METRIC_ITEMS_SCHEDULED: Final = "ItemsScheduled"
METRIC_ITEMS_BEING_DELIVERED: Final = "ItemsBeingDelivered"
METRIC_OLDEST_ITEM_AGE: Final = "OldestItemAge"
METRIC_QUEUE_OPEN: Final = "QueueOpen"  # 1 open, 0 closed, absent when unknown; unit None
# Derived: items waiting while no agent is available and the queue is not closed (0 otherwise).
# It exists so one alarm can say "work is waiting and nobody can take it" without paging at night.
METRIC_UNATTENDED_ITEMS: Final = "UnattendedItems"

# Per-queue metrics copied from one numeric field each. Order is the README's table order.
COUNT_METRICS: Final = (
    CountMetric(METRIC_AGENTS_STAFFED, "agentsStaffed", "Count"),
    CountMetric(METRIC_AGENTS_AVAILABLE, "agentsAvailable", "Count"),
    CountMetric(METRIC_AGENTS_WORKING, "agentsWorking", "Count"),
    CountMetric(METRIC_AGENTS_IN_WRAP, "agentsInWrap", "Count"),
    CountMetric(METRIC_AGENTS_IN_ERROR, "agentsInError", "Count"),
    CountMetric(METRIC_AGENTS_UNAVAILABLE, "agentsUnavailable", "Count"),
    CountMetric(METRIC_ITEMS_IN_QUEUE, "itemsInQueue", "Count"),
    CountMetric(METRIC_ITEMS_SCHEDULED, "itemsScheduled", "Count"),
    CountMetric(METRIC_ITEMS_BEING_DELIVERED, "itemsBeingDelivered", "Count"),
    CountMetric(METRIC_OLDEST_ITEM_AGE, "oldestItem", "Seconds"),
)

# --- the poller's own health (dimension Environment only) ---------------------------------------
METRIC_POLL_SUCCEEDED: Final = "PollSucceeded"
METRIC_API_LATENCY: Final = "ApiLatency"
METRIC_QUEUES_REPORTED: Final = "QueuesReported"
METRIC_INVALID_RECORDS: Final = "InvalidRecords"
METRIC_QUEUES_IDLE: Final = "QueuesIdle"

# Every metric the poller can publish, queue metrics first (the tests check the poller's output
# against these).
QUEUE_METRIC_NAMES: Final = (
    *(m.name for m in COUNT_METRICS),
    METRIC_QUEUE_OPEN,
    METRIC_UNATTENDED_ITEMS,
)
HEALTH_METRIC_NAMES: Final = (
    METRIC_POLL_SUCCEEDED,
    METRIC_API_LATENCY,
    METRIC_QUEUES_REPORTED,
    METRIC_INVALID_RECORDS,
    METRIC_QUEUES_IDLE,
)

# --- which per-queue metrics are published (PUBLISH_METRICS, cdk.json `metrics`) ----------------
PROFILE_ALL: Final = "all"
PROFILE_ESSENTIAL: Final = "essential"
# What the default alarms read (oldest item, items waiting, unattended items, agents in error), what
# the dashboard's first row shows (agents available of staffed) and whether the queue is open
# (the OpenTelemetry alarms compute "unattended" from items, available agents and open state).
ESSENTIAL_METRICS: Final = (
    METRIC_AGENTS_STAFFED,
    METRIC_AGENTS_AVAILABLE,
    METRIC_AGENTS_IN_ERROR,
    METRIC_ITEMS_IN_QUEUE,
    METRIC_OLDEST_ITEM_AGE,
    METRIC_QUEUE_OPEN,
    METRIC_UNATTENDED_ITEMS,
)
METRIC_PROFILES: Final = {PROFILE_ALL: QUEUE_METRIC_NAMES, PROFILE_ESSENTIAL: ESSENTIAL_METRICS}

# --- log lines others search for ----------------------------------------------------------------
# A failed poll's one ERROR line starts with this; the dashboard's Logs Insights widget and the
# README's runbook look for it.
LOG_POLL_FAILED: Final = "Poll failed:"

# --- the Lambda entry point ---------------------------------------------------------------------
HANDLER: Final = "queue_stats.handler.lambda_handler"
# The poller function's memory (one full vCPU: why in infra/poller.py): the stack deploys it and
# `cost` prices its GB-seconds.
POLLER_MEMORY_MB: Final = 1769
NOTIFY_HANDLER: Final = "queue_stats.notify.lambda_handler"
# The notifier function's memory: the stack deploys it and `cost` prices its GB-seconds.
NOTIFIER_MEMORY_MB: Final = 256

# --- the notifier (CONTRACT.md, "The notifier") -------------------------------------------------
# The events it handles: the stack's EventBridge rule matches these, the notifier parses them.
EVENT_SOURCE_CLOUDWATCH: Final = "aws.cloudwatch"
DETAIL_TYPE_CONTRIBUTOR_STATE_CHANGE: Final = "CloudWatch Alarm Contributor State Change"  # one queue
DETAIL_TYPE_ALARM_STATE_CHANGE: Final = "CloudWatch Alarm State Change"  # the poller-health alarms
# The stack output naming the notifier function; `notify-test --stack` reads its settings from it.
OUTPUT_NOTIFIER_FUNCTION_NAME: Final = "NotifierFunctionName"

# --- the deployed stack, as `doctor` finds its parts -------------------------------------------
# The stack output naming the poller function; `doctor` starts from it.
OUTPUT_POLLER_FUNCTION_NAME: Final = "PollerFunctionName"
# A Metrics Insights (or PromQL) query returns at most this many time series: above it a queue
# alarm evaluates the first ones in its ORDER BY and reports the evaluation state PARTIAL_DATA.
MAX_SERIES_PER_QUERY: Final = 500
# ... and processes at most this many metrics (then the first ones it finds, in no useful order).
MAX_METRICS_PER_QUERY: Final = 10_000
# "No successful poll" stays in its warm-up (INSUFFICIENT_DATA) for its window plus two poll
# intervals plus this margin at most; `doctor` allows every alarm as long before calling one stuck.
ALARM_WARM_UP_MARGIN_MINUTES: Final = 10
