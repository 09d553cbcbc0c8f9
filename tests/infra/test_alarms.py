"""The alarms: every queue covered by a Metrics Insights query (so queues created after the deploy
are too), thresholds, windows CloudWatch accepts at any poll rate, missing data, warm-up, actions,
descriptions, override ids as the poller publishes them. Most tests build the Alarms construct
alone on a bare stack; the first few read the whole default synth."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from infra import PROJECT_ROOT
from infra.alarms import MAX_DESCRIPTION, MAX_WARM_UP_MINUTES, WARM_UP_MARGIN_MINUTES, Alarms
from infra.config import AlarmKind, ConfigError, load_config
from infra.config_notify import MAX_RUNBOOK_URL
from queue_stats import names
from queue_stats.handler import lambda_handler
from symbee_sim import SimulatorServer
from symbee_sim.data import generate_queues
from symbee_sim.local_aws import MotoServer
from tests.conftest import API_KEY, COMPANY, ENVIRONMENT, FakeLambdaContext, list_metrics
from tests.deploy.resources import Resolver
from tests.infra.conftest import DEFAULT_STACK, Synth

PREFIX = "SymbeeQueueStats-prod"
SCHEMA = 'SCHEMA("SymbeeConnect/Queues", Environment, QueueId, QueueName)'
MINIMAL = {"companyCode": COMPANY, "environment": ENVIRONMENT}
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"


def alarms_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Alarms").values()
    }


def built(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The alarms the construct makes for `context` (over MINIMAL), by name, with DependsOn."""
    (config,) = load_config({**MINIMAL, **context}.get).environments
    stack = cdk.Stack()
    function = lambda_.Function.from_function_name(stack, "Poller", "poller")
    Alarms(stack, "Alarms", config=config, function=function, alarm_actions=[TOPIC], ok_actions=[TOPIC])
    resources = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    return {
        r["Properties"]["AlarmName"]: {**r["Properties"], "DependsOn": r.get("DependsOn", [])}
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def label_values(expression: str, dimension: str, operator: str = "=") -> list[str]:
    """The label values a Metrics Insights query compares `dimension` with, unescaped as the query
    language reads them (a backslash escapes the next character)."""
    literals = re.findall(rf"{dimension} {re.escape(operator)} '((?:[^'\\]|\\.)*)'", expression)
    return [re.sub(r"\\(.)", r"\1", literal) for literal in literals]


def test_the_default_alarm_set(default_synth: Synth) -> None:
    # The queue and poller-health alarms (the notifier's own are tests/infra/test_notifier.py's)
    assert sorted(alarms_by_name(default_synth)) == sorted(
        f"{PREFIX}-{kind}"
        for kind in (
            "OldestItemAge",
            "ItemsInQueue",
            "UnattendedItems",
            "AgentsInError",
            "PollFailed",
            "PollerErrors",
            "PollerThrottles",
        )
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        # kind: (Metrics Insights function, metric, threshold, minutes = periods of one poll)
        ("OldestItemAge", ("MAX", names.METRIC_OLDEST_ITEM_AGE, 300, 2)),
        ("ItemsInQueue", ("MIN", names.METRIC_ITEMS_IN_QUEUE, 10, 5)),
        ("UnattendedItems", ("MIN", names.METRIC_UNATTENDED_ITEMS, 1, 5)),
        ("AgentsInError", ("MIN", names.METRIC_AGENTS_IN_ERROR, 1, 5)),
    ],
)
def test_queue_alarm_is_one_query_over_every_queue(
    default_synth: Synth, kind: str, expected: tuple[str, str, int, int]
) -> None:
    function, metric, threshold, periods = expected
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]

    # One multi-time-series Metrics Insights query: each (QueueId, QueueName) is a contributor,
    # and no QueueId filter, so a queue id that is nowhere in the config is covered too.
    assert alarm["Metrics"] == [
        {
            "Id": "q1",
            "Expression": f"SELECT {function}({metric}) FROM {SCHEMA} WHERE Environment = 'prod' "
            f"GROUP BY QueueId, QueueName ORDER BY {function}() DESC",
            "Period": 60,
            "ReturnData": True,
        }
    ]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == threshold
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == periods
    # A queue that stops reporting is the poll-failure alarm's business.
    assert alarm["TreatMissingData"] == "notBreaching"
    for single_metric_key in ("MetricName", "Namespace", "Statistic", "Period", "Dimensions"):
        assert single_metric_key not in alarm


def test_no_successful_poll_for_three_minutes(default_synth: Synth) -> None:
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-PollFailed"]
    assert {k: alarm[k] for k in alarm if k not in ("AlarmActions", "OKActions", "AlarmDescription", "Tags")} == {
        "AlarmName": f"{PREFIX}-PollFailed",
        "ActionsEnabled": True,
        "Namespace": names.DEFAULT_NAMESPACE,
        "MetricName": names.METRIC_POLL_SUCCEEDED,
        "Dimensions": [{"Name": names.DIM_ENVIRONMENT, "Value": "prod"}],
        # Minimum: a poll that publishes 1 and then 0 in the same minute still counts as failed.
        "Statistic": "Minimum",
        "Period": 60,
        "ComparisonOperator": "LessThanThreshold",
        "Threshold": 1,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3,
        # No datapoint means no poll ran: that is the failure itself.
        "TreatMissingData": "breaching",
        # ... but not before the first poll could land: no page on the first deploy. It ends
        # early (the default) once its window holds data, failed polls included.
        "WarmUpConfiguration": {"WarmUpPeriodDurationInMinutes": 3 + 2 * 1 + WARM_UP_MARGIN_MINUTES},
    }


@pytest.mark.parametrize(("kind", "metric"), [("PollerErrors", "Errors"), ("PollerThrottles", "Throttles")])
def test_lambda_errors_and_throttles(default_synth: Synth, kind: str, metric: str) -> None:
    alarm = alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]
    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function", under="Poller")
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["MetricName"] == metric
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 60)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 3
    assert alarm["TreatMissingData"] == "notBreaching"
    assert "WarmUpConfiguration" not in alarm


def test_no_alarm_notifies_people_through_a_cloudwatch_action(default_synth: Synth) -> None:
    # Given the default configuration (no alarmTopicArns)
    # Then no queue or poller alarm has an SNS action: the notifier sends each transition once per
    # channel from CloudWatch's events, and an email action would send it a second time
    for name, alarm in alarms_by_name(default_synth).items():
        assert alarm["ActionsEnabled"] is True, name
        assert ("AlarmActions", "OKActions") not in alarm.items(), name
        assert "AlarmActions" not in alarm, name
        assert "OKActions" not in alarm, name
        assert "InsufficientDataActions" not in alarm, name


def test_the_poll_failure_alarm_is_created_after_the_function(default_synth: Synth) -> None:
    # Its warm-up starts at creation; the function (and its schedule) must exist by then.
    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function", under="Poller")
    for logical_id, alarm in default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Alarms").items():
        expected = [function_id] if alarm["Properties"]["AlarmName"].endswith("-PollFailed") else []
        assert [d for d in alarm.get("DependsOn", []) if d == function_id] == expected, logical_id


SECTIONS = [
    ("OldestItemAge", "Oldest item too old"),
    ("ItemsInQueue", "Too many items waiting"),
    ("UnattendedItems", "Work waiting with no agent available"),
    ("AgentsInError", "Agents in error"),
    ("PollFailed", "No successful poll"),
    ("PollerErrors", "Poller errors"),
    ("PollerThrottles", "Poller throttled"),
]
# A longer region name than any, for the resolved descriptions.
LONG_REGION = "ap-southeast-5x-long"


@pytest.mark.parametrize(("kind", "section"), SECTIONS)
def test_without_a_runbook_descriptions_say_the_notification_carries_the_steps(
    default_synth: Synth, kind: str, section: str
) -> None:
    # Given the default configuration (no runbookUrl), resolved as CloudFormation would in a long region
    pseudo = {"AWS::Region": LONG_REGION, "AWS::Partition": "aws-us-gov"}
    resolve = Resolver({}, {}, pseudo, default_synth.templates[DEFAULT_STACK]["Mappings"])
    description = resolve(alarms_by_name(default_synth)[f"{PREFIX}-{kind}"]["AlarmDescription"])
    # Then the description says what is wrong, that the notification carries the steps, and links
    # the dashboard: never a relative README path, which no console can open
    assert description.startswith("Symbee abc-gadgets/prod: ")
    assert f"the notification carries the steps for '{section}'; dashboard: https://" in description
    assert description.endswith(f"region={LONG_REGION}#dashboards:name={PREFIX}")
    assert "README.md" not in description


@pytest.mark.parametrize(("kind", "section"), SECTIONS)
def test_with_a_runbook_descriptions_link_the_kinds_section(kind: str, section: str) -> None:
    # Given a runbookUrl (with a fragment of its own, which the section's anchor replaces)
    alarm = built({"runbookUrl": "https://wiki.example.com/ops/queues#top"})[f"{PREFIX}-{kind}"]
    # Then the description links that section of the runbook
    anchor = section.lower().replace(" ", "-")
    assert alarm["AlarmDescription"].endswith(
        f"'{section}' in the runbook, https://wiki.example.com/ops/queues#{anchor}"
    )


@pytest.mark.parametrize("runbook", [None, "https://" + "r" * (MAX_RUNBOOK_URL - len("https://"))])
def test_the_longest_description_fits_cloudwatchs_limit(runbook: str | None) -> None:
    # Given the longest names and values the configuration accepts
    longest = {
        "companyCode": "c" * 128,
        "environment": "e" * 126,  # with the shortest stackName, the longest stack name (128)
        "stackName": "S",
        "alarms": {"unattendedItems": {"threshold": 123456.789, "minutes": 180}},
        **({"runbookUrl": runbook} if runbook else {}),
    }
    (config,) = load_config({**MINIMAL, **longest}.get).environments
    stack = cdk.Stack()
    function = lambda_.Function.from_function_name(stack, "Poller", "poller")
    dashboard = (
        f"https://console.amazonaws-us-gov.com/cloudwatch/home?region={LONG_REGION}#dashboards:name={config.stack_name}"
    )
    Alarms(stack, "Alarms", config=config, function=function, alarm_actions=[], ok_actions=[], dashboard_url=dashboard)
    resources = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    # When every description is built; Then each fits in CloudWatch's 1,024 characters
    lengths = [len(r["Properties"]["AlarmDescription"]) for r in resources.values()]
    assert len(lengths) == len(AlarmKind)
    assert max(lengths) <= MAX_DESCRIPTION


# --- windows: what CloudWatch accepts at any poll rate ---------------------------------------------
@pytest.mark.parametrize(
    ("rate", "minutes", "evaluation", "datapoints"),
    [(1, 5, 5, 5), (5, 10, 10, 2), (5, 3, 5, 1), (7, 175, 175, 25), (60, 120, 120, 2)],
)
def test_queue_alarms_evaluate_one_minute_periods_with_one_datapoint_per_poll(
    rate: int, minutes: int, evaluation: int, datapoints: int
) -> None:
    # Given polls every `rate` minutes and an alarm that must hold for `minutes`
    alarms = built({"pollRateMinutes": rate, "alarms": {"itemsInQueue": {"minutes": minutes}}})

    # When built
    alarm = alarms[f"{PREFIX}-ItemsInQueue"]

    # Then a multi-time-series alarm's 60 s periods cover the whole polls in the window; every poll
    # in it must breach, and the minutes between polls (no data) do not count either way
    assert alarm["Metrics"][0]["Period"] == 60
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (evaluation, datapoints)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert evaluation * 60 <= 3 * 3600  # Metrics Insights alarms evaluate the last 3 hours only


@pytest.mark.parametrize(("rate", "minutes", "periods"), [(5, 3, 1), (5, 1440, 288), (60, 1440, 24)])
def test_health_alarms_evaluate_one_period_per_poll(rate: int, minutes: int, periods: int) -> None:
    alarm = built({"pollRateMinutes": rate, "alarms": {"pollFailed": {"minutes": minutes}}})[f"{PREFIX}-PollFailed"]
    assert alarm["Period"] == rate * 60
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == periods
    # One day at most for periods under an hour (86,400 s), 7 days otherwise.
    assert alarm["Period"] * periods <= (86_400 if rate < 60 else 604_800)


def test_the_warm_up_covers_the_window_and_two_polls_within_cloudwatchs_limit() -> None:
    alarm = built({"pollRateMinutes": 60, "alarms": {"pollFailed": {"minutes": 1440}}})[f"{PREFIX}-PollFailed"]
    warm_up = alarm["WarmUpConfiguration"]["WarmUpPeriodDurationInMinutes"]
    assert warm_up == min(1440 + 2 * 60 + WARM_UP_MARGIN_MINUTES, MAX_WARM_UP_MINUTES)
    assert "OnlyStartEvaluatingAfterWarmUpPeriodEnds" not in alarm["WarmUpConfiguration"]


# --- which alarms exist -------------------------------------------------------------------------
def test_a_default_alarm_whose_metric_is_not_published_is_not_created() -> None:
    # Given a metric selection without AgentsInError (and the alarm left at its default)
    metrics = [names.METRIC_ITEMS_IN_QUEUE, names.METRIC_OLDEST_ITEM_AGE, names.METRIC_UNATTENDED_ITEMS]

    # When built
    alarms = built({"metrics": metrics})

    # Then its alarm is absent, and every other one is there
    assert f"{PREFIX}-AgentsInError" not in alarms
    assert len(alarms) == len(AlarmKind) - 1


def test_a_disabled_alarm_is_not_created() -> None:
    assert f"{PREFIX}-PollerThrottles" not in built({"alarms": {"pollerThrottles": {"enabled": False}}})


# --- overrides: the id as the poller publishes it ----------------------------------------------
def test_a_non_ascii_override_queries_the_id_as_published() -> None:
    # Given an override for a queue whose id is not ASCII
    alarms = built({"queueOverrides": {"Zürich Support": {"itemsInQueue": {"threshold": 2}}}})

    # When its alarm and the fleet alarm are built
    own = alarms[f"{PREFIX}-ItemsInQueue-Zürich Support"]["Metrics"][0]["Expression"]
    fleet = alarms[f"{PREFIX}-ItemsInQueue"]["Metrics"][0]["Expression"]

    # Then both compare QueueId with the escaped form the poller publishes (`ü` as `\xfc`), the
    # backslash itself escaped for the query language
    assert "QueueId = 'Z\\\\xfcrich Support'" in own
    assert label_values(own, names.DIM_QUEUE_ID) == ["Z\\xfcrich Support"]
    assert label_values(fleet, names.DIM_QUEUE_ID, "!=") == ["Z\\xfcrich Support"]


@pytest.mark.slow
def test_an_override_for_a_non_ascii_queue_matches_the_dimension_the_handler_publishes(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the simulator serving one queue whose id is `Zürich Support`, and the stack's
    # alarms for an override of that id
    queue_id = "Zürich Support"
    (record,) = generate_queues(1, seed=3, now=0)
    record["queueInfo"].update({"queueId": queue_id, "queueName": queue_id})
    override_query = built({"queueOverrides": {queue_id: {"itemsInQueue": {"threshold": 2}}}})[
        f"{PREFIX}-ItemsInQueue-{queue_id}"
    ]["Metrics"][0]["Expression"]
    with SimulatorServer(
        api_key=API_KEY, company_code=COMPANY, environment=ENVIRONMENT, body_override=json.dumps([record]).encode()
    ) as simulator:
        for name, value in {
            names.ENV_COMPANY_CODE: COMPANY,
            names.ENV_ENVIRONMENT: ENVIRONMENT,
            names.ENV_API_URL: simulator.url,
        }.items():
            monkeypatch.setenv(name, value)
        for name in (names.ENV_QUEUE_IDS, names.ENV_METRICS_NAMESPACE, names.ENV_API_KEY_SECRET_ID):
            monkeypatch.delenv(name, raising=False)

        # When the real handler polls once into the local CloudWatch
        assert lambda_handler({}, FakeLambdaContext())["ok"] is True

    # Then the QueueId dimension it published is exactly the id the override's query selects
    published = {
        d["Value"]
        for metric in list_metrics()
        if metric["MetricName"] == names.METRIC_ITEMS_IN_QUEUE
        for d in metric["Dimensions"]
        if d["Name"] == names.DIM_QUEUE_ID
    }
    assert published == set(label_values(override_query, names.DIM_QUEUE_ID))


# --- the README's figures -----------------------------------------------------------------------
def test_the_readmes_window_and_warm_up_figures_are_what_the_stack_does() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    # "at pollRateMinutes 5 and minutes 10: 10 periods, 2 datapoints to alarm"
    alarm = built({"pollRateMinutes": 5, "alarms": {"itemsInQueue": {"minutes": 10}}})[f"{PREFIX}-ItemsInQueue"]
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (10, 2)
    assert "at `pollRateMinutes` 5 and `minutes` 10: 10 periods, 2 datapoints" in " ".join(readme.split())
    # "pollRateMinutes 7 takes minutes up to 175 for a queue alarm and 1,435 for a poller alarm"
    for kind, most in (("itemsInQueue", 175), ("pollerErrors", 1435)):
        assert built({"pollRateMinutes": 7, "alarms": {kind: {"minutes": most}}})
        with pytest.raises(ConfigError):
            built({"pollRateMinutes": 7, "alarms": {kind: {"minutes": most + 1}}})
    assert "So `pollRateMinutes` 7 takes `minutes` up to 175 for a queue alarm and 1,435" in " ".join(readme.split())
    # "(15 minutes by default)"
    warm_up = built({})[f"{PREFIX}-PollFailed"]["WarmUpConfiguration"]["WarmUpPeriodDurationInMinutes"]
    assert f"plus {WARM_UP_MARGIN_MINUTES} minutes have passed ({warm_up} minutes by default)" in " ".join(
        readme.split()
    )
