"""`doctor`'s gatherer: reads a deployed stack's facts with the operator's credentials, for the pure
checks in `doctor.py`.

Every part is found from the stack itself (its resources by type, its `PollerFunctionName` output,
the function's configuration), so an optional part that is not deployed is simply not found. Each
read that fails becomes `Unreadable` with the API's reason rather than an exception, so one missing
permission costs one line, not the report. Every client honours AWS_PROFILE, AWS_REGION and
AWS_ENDPOINT_URL through boto3's own configuration chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from queue_stats import names as n
from queue_stats.doctor import (
    AlarmFacts,
    Datapoint,
    Facts,
    LogLine,
    PollerFacts,
    QueueDepth,
    RuleFacts,
    SecretAccess,
    StackFacts,
    StackResource,
    SubscriptionFacts,
    Unreadable,
    Windows,
    poll_rate_minutes,
)

# Reads only: botocore's standard retries, and timeouts that let a slow API answer.
_CONFIG: Final = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=10)
GET_SECRET_VALUE: Final = "secretsmanager:GetSecretValue"  # noqa: S105 - an IAM action
_MESSAGE_LIMIT: Final = 300
_LOG_PAGES: Final = 10  # FilterLogEvents pages read at most for the last failure line
_AWS_ERRORS: Final = (ClientError, BotoCoreError, ResponseParserError)

R = TypeVar("R")


def _why(error: Exception) -> str:
    """An AWS error as `Code: message`, on one line, cut short."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        text = f"{detail.get('Code', 'Error')}: {detail.get('Message', '')}".strip().rstrip(":")
    elif isinstance(error, ResponseParserError):
        text = "the endpoint's answer is not an AWS response (it may not offer this API)"
    else:
        text = str(error)
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _read(call: Callable[[], R]) -> R | Unreadable:
    try:
        return call()
    except _AWS_ERRORS as error:
        return Unreadable(_why(error))


class StackReader:
    """Reads one stack's facts; `session` carries the operator's profile and region."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self.region = session.region_name or "(no region)"
        self._clients: dict[tuple[str, str | None], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region, config=_CONFIG)
        return self._clients[key]

    # --- the stack ----------------------------------------------------------------------------------

    def stack(self, name: str) -> StackFacts:
        cloudformation = self.client("cloudformation")
        try:
            (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
                return StackFacts(name=name, status=None)
            raise
        summaries = [
            summary
            for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name)
            for summary in page["StackResourceSummaries"]
        ]
        return StackFacts(
            name=name,
            status=described["StackStatus"],
            status_reason=described.get("StackStatusReason"),
            resources=tuple(
                StackResource(
                    logical_id=s["LogicalResourceId"],
                    type=s["ResourceType"],
                    physical_id=s.get("PhysicalResourceId", ""),
                    status=s.get("ResourceStatus", ""),
                )
                for s in summaries
            ),
            outputs={o["OutputKey"]: o.get("OutputValue", "") for o in described.get("Outputs", [])},
        )

    def poller(self, stack: StackFacts) -> PollerFacts:
        name = stack.outputs[n.OUTPUT_POLLER_FUNCTION_NAME]
        configuration = self.client("lambda").get_function_configuration(FunctionName=name)
        variables: Mapping[str, str] = configuration.get("Environment", {}).get("Variables", {})
        return PollerFacts(
            function_name=configuration["FunctionName"],
            function_arn=configuration["FunctionArn"],
            role_arn=configuration["Role"],
            namespace=variables.get(n.ENV_METRICS_NAMESPACE, n.DEFAULT_NAMESPACE),
            environment=variables.get(n.ENV_ENVIRONMENT, ""),
            secret_id=variables.get(n.ENV_API_KEY_SECRET_ID, n.DEFAULT_API_KEY_SECRET_ID),
            secrets_region=variables.get(n.ENV_SECRETS_REGION) or self.region,
            log_group=_log_group(configuration, stack),
        )

    def rules(self, stack: StackFacts) -> tuple[RuleFacts, ...]:
        events = self.client("events")
        found = []
        for resource in stack.of_type("AWS::Events::Rule"):
            name = resource.physical_id.rsplit("/", 1)[-1]  # a name, or an ARN ending in rule/<name>
            rule = events.describe_rule(Name=name)
            if not rule.get("ScheduleExpression"):
                continue  # an event-pattern rule (the notifier's), not the poller's schedule
            targets = events.list_targets_by_rule(Rule=name).get("Targets", [])
            found.append(
                RuleFacts(
                    name=name,
                    state=rule.get("State", ""),
                    schedule=rule["ScheduleExpression"],
                    targets=tuple(t["Arn"] for t in targets),
                )
            )
        return tuple(found)

    # --- metrics and logs ---------------------------------------------------------------------------

    def metrics(
        self, poller: PollerFacts, *, now: datetime, windows: Windows
    ) -> dict[str, tuple[Datapoint, ...] | Unreadable]:
        """Invocations (Lambda), PollSucceeded and QueuesReported (the poller's), one minute each."""
        health = [{"Name": n.DIM_ENVIRONMENT, "Value": poller.environment}]
        function = [{"Name": "FunctionName", "Value": poller.function_name}]
        queries = {
            "invocations": ("AWS/Lambda", "Invocations", function, "Sum"),
            "polls": (poller.namespace, n.METRIC_POLL_SUCCEEDED, health, "Minimum"),
            "queues": (poller.namespace, n.METRIC_QUEUES_REPORTED, health, "Maximum"),
        }
        minutes = max(windows.invocations_minutes, windows.polls_minutes)
        request = [
            {
                "Id": key,
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
                    "Period": 60,
                    "Stat": stat,
                },
            }
            for key, (namespace, metric, dimensions, stat) in queries.items()
        ]
        try:
            results: dict[str, list[Datapoint]] = {key: [] for key in queries}
            paginator = self.client("cloudwatch").get_paginator("get_metric_data")
            pages = paginator.paginate(
                MetricDataQueries=request,
                StartTime=now - timedelta(minutes=minutes),
                EndTime=now + timedelta(minutes=1),
            )
            for page in pages:
                for result in page["MetricDataResults"]:
                    results[result["Id"]] += [
                        Datapoint(_utc(t), float(v))
                        for t, v in zip(result["Timestamps"], result["Values"], strict=True)
                    ]
        except _AWS_ERRORS as error:
            unreadable = Unreadable(_why(error))
            return dict.fromkeys(queries, unreadable)
        return {key: tuple(sorted(points, key=lambda p: p.timestamp)) for key, points in results.items()}

    def last_failure(self, poller: PollerFacts, *, now: datetime, windows: Windows) -> LogLine | None:
        """The newest `Poll failed:` line of the poller's log group in the last few hours."""
        logs = self.client("logs")
        newest: LogLine | None = None
        kwargs: dict[str, Any] = {
            "logGroupName": poller.log_group,
            "filterPattern": json.dumps(n.LOG_POLL_FAILED),  # a quoted term: the phrase itself
            "startTime": _millis(now - timedelta(minutes=windows.failures_minutes)),
            "endTime": _millis(now + timedelta(minutes=1)),
        }
        for _ in range(_LOG_PAGES):
            try:
                page = logs.filter_log_events(**kwargs)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return None  # no log group yet: the function never logged
                raise
            for event in page.get("events", []):
                line = LogLine(datetime.fromtimestamp(event["timestamp"] / 1000, UTC), _log_message(event["message"]))
                if newest is None or line.timestamp >= newest.timestamp:
                    newest = line
            token = page.get("nextToken")
            if not token:
                break
            kwargs["nextToken"] = token
        return newest

    # --- permissions ---------------------------------------------------------------------------------

    def secret_access(self, poller: PollerFacts) -> SecretAccess | Unreadable:
        """IAM's policy simulator on the poller's role: may it GetSecretValue on the key's secret?"""
        secret_arn = poller.secret_id
        if not secret_arn.startswith("arn:"):
            secrets = self.client("secretsmanager", poller.secrets_region)
            try:
                secret_arn = secrets.describe_secret(SecretId=poller.secret_id)["ARN"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return SecretAccess(f"{poller.secret_id} in {poller.secrets_region}", "implicitDeny", exists=False)
                return Unreadable(f"could not find the secret's ARN ({_why(error)})")
        try:
            answer = self.client("iam").simulate_principal_policy(
                PolicySourceArn=poller.role_arn, ActionNames=[GET_SECRET_VALUE], ResourceArns=[secret_arn]
            )
        except _AWS_ERRORS as error:
            return Unreadable(f"IAM policy simulation failed: {_why(error)}")
        results = answer.get("EvaluationResults", [])
        decision = results[0].get("EvalDecision", "unknown") if results else "unknown"
        return SecretAccess(secret_arn, decision)

    # --- alarms, topics, queues ---------------------------------------------------------------------

    def alarms(self, stack: StackFacts) -> tuple[AlarmFacts, ...]:
        names = [r.physical_id for r in stack.of_type("AWS::CloudWatch::Alarm")]
        cloudwatch = self.client("cloudwatch")
        found = []
        for first in range(0, len(names), 100):  # DescribeAlarms takes 100 names at most
            for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=names[first : first + 100]):
                found += [_alarm(alarm) for alarm in page.get("MetricAlarms", [])]
        return tuple(found)

    def subscriptions(self, stack: StackFacts) -> tuple[SubscriptionFacts, ...]:
        sns = self.client("sns")
        found = []
        for topic in stack.of_type("AWS::SNS::Topic"):
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic.physical_id):
                found += [
                    SubscriptionFacts(
                        topic=topic.physical_id,
                        protocol=s.get("Protocol", ""),
                        endpoint=s.get("Endpoint", ""),
                        # SNS lists an unconfirmed subscription with this in place of its ARN.
                        pending=s.get("SubscriptionArn") == "PendingConfirmation",
                    )
                    for s in page.get("Subscriptions", [])
                ]
        return tuple(found)

    def dead_letters(self, stack: StackFacts) -> tuple[QueueDepth, ...]:
        sqs = self.client("sqs")
        found = []
        for queue in stack.of_type("AWS::SQS::Queue"):
            attributes = sqs.get_queue_attributes(
                QueueUrl=queue.physical_id,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            ).get("Attributes", {})
            found.append(
                QueueDepth(
                    name=queue.physical_id.rstrip("/").rsplit("/", 1)[-1],
                    url=queue.physical_id,
                    messages=int(attributes.get("ApproximateNumberOfMessages", 0)),
                    in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                )
            )
        return tuple(found)


def gather(reader: StackReader, stack_name: str, *, now: datetime | None = None) -> Facts:
    """Every fact `doctor` checks about `stack_name`, read at `now` (default: the current time)."""
    now = now or datetime.now(UTC)
    stack = _read(lambda: reader.stack(stack_name))
    facts = Facts(stack=stack, region=reader.region, now=now)
    if isinstance(stack, Unreadable) or stack.status is None or n.OUTPUT_POLLER_FUNCTION_NAME not in stack.outputs:
        return facts
    poller = _read(lambda: reader.poller(stack))
    rules = _read(lambda: reader.rules(stack))
    windows = Windows.for_rate(poll_rate_minutes(rules))
    alarms = _read(lambda: reader.alarms(stack))
    common: dict[str, Any] = {
        "stack": stack,
        "region": reader.region,
        "now": now,
        "poller": poller,
        "rules": rules,
        "alarms": alarms,
        "subscriptions": _read(lambda: reader.subscriptions(stack)),
        "dead_letters": _read(lambda: reader.dead_letters(stack)),
    }
    if isinstance(poller, Unreadable):
        cannot = Unreadable(f"the poller function could not be read ({poller.why})")
        return Facts(
            **common,
            invocations=cannot,
            polls=cannot,
            queues_reported=cannot,
            last_failure=cannot,
            secret=cannot,
        )
    metrics = reader.metrics(poller, now=now, windows=windows)
    return Facts(
        **common,
        invocations=metrics["invocations"],
        polls=metrics["polls"],
        queues_reported=metrics["queues"],
        last_failure=_read(lambda: reader.last_failure(poller, now=now, windows=windows)),
        secret=reader.secret_access(poller),
    )


def _alarm(alarm: Mapping[str, Any]) -> AlarmFacts:
    query, period = None, alarm.get("Period")
    for metric in alarm.get("Metrics", []):
        if metric.get("ReturnData", True) and metric.get("Expression"):
            query, period = metric["Expression"], metric.get("Period", period)
    promql = alarm.get("EvaluationCriteria", {}).get("PromQLCriteria")
    if promql:
        query = promql.get("Query")
        window_seconds = int(promql.get("PendingPeriod", 0)) + int(alarm.get("EvaluationInterval") or 60)
    else:
        window_seconds = int(period or 60) * int(alarm.get("EvaluationPeriods") or 1)
    warm_up = alarm.get("WarmUpConfiguration", {}).get("WarmUpPeriodDurationInMinutes")
    since = alarm.get("StateTransitionedTimestamp") or alarm.get("StateUpdatedTimestamp")
    return AlarmFacts(
        name=alarm["AlarmName"],
        actions_enabled=bool(alarm.get("ActionsEnabled", True)),
        state=alarm.get("StateValue", ""),
        state_since=_utc(since) if since else None,
        window_minutes=max(1, window_seconds // 60),
        evaluation_state=alarm.get("EvaluationState") or None,
        state_reason=" ".join(str(alarm.get("StateReason", "")).split())[:_MESSAGE_LIMIT],
        warm_up_minutes=int(warm_up) if warm_up is not None else None,
        query=query,
    )


def _log_group(configuration: Mapping[str, Any], stack: StackFacts) -> str:
    """The poller's log group: its logging configuration's, else the stack's poller log group,
    else Lambda's default."""
    configured = configuration.get("LoggingConfig", {}).get("LogGroup")
    if configured:
        return str(configured)
    groups = stack.of_type("AWS::Logs::LogGroup")
    poller_groups = [g for g in groups if "poller" in g.logical_id.lower()] or (
        list(groups) if len(groups) == 1 else []
    )
    if poller_groups:
        return poller_groups[0].physical_id
    return f"/aws/lambda/{configuration['FunctionName']}"


def _log_message(raw: str) -> str:
    """A log event's message: the `message` field of a JSON line (Powertools), else the raw text."""
    text = raw.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("message"), str):
            text = document["message"]
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
