"""The dashboard: right now, where it is worst, all queues, one queue picked from a menu, the
poller's health; the same size at any queue count; the README's description is its rendering."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from infra import PROJECT_ROOT, queries
from infra.alarms import Alarms
from infra.config import ConfigError, EnvironmentConfig, load_config
from infra.dashboard import QUEUE_PLACEHOLDER, QueueDashboard
from infra.dashboard_layout import README_END, README_START, ROWS, Kind, render_markdown
from infra.poller import TIMEOUT
from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth, cdk_json_context

SCHEMA: Final = 'SCHEMA("SymbeeConnect/Queues", Environment, QueueId, QueueName)'
SEARCH_SCHEMA: Final = '{"SymbeeConnect/Queues",Environment,QueueId,QueueName}'
# Stand-ins for what CloudFormation fills in, as long as the real values can be, so sizes measured
# on them are the sizes CloudWatch receives.
REGION: Final = "ap-southeast-2"
ACCOUNT_ARN: Final = f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:"


def render(value: Any, alarm_names: Mapping[str, str] | None = None) -> str:
    """The dashboard body with CloudFormation references replaced: alarm ARNs by their real form
    when `alarm_names` is given, anything else by a readable placeholder."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part, alarm_names) for part in parts)
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        if alarm_names is not None and attribute == "Arn":
            return ACCOUNT_ARN + alarm_names[logical_id]
        return f"GetAtt:{logical_id}.{attribute}"
    if "Ref" in value:
        return f"Ref:{value['Ref']}"
    raise AssertionError(f"unexpected intrinsic {value}")


def body_of(template: Mapping[str, Any], *, real_arns: bool = False) -> str:
    resources = template["Resources"]
    (dashboard,) = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    alarm_names = {
        logical_id: r["Properties"]["AlarmName"]
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    return render(dashboard["Properties"]["DashboardBody"], alarm_names if real_arns else None)


@pytest.fixture(scope="module")
def body(default_synth: Synth) -> dict[str, Any]:
    (dashboard,) = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "SymbeeQueueStats-prod"
    parsed: dict[str, Any] = json.loads(body_of(default_synth.templates[DEFAULT_STACK]))
    return parsed


def titled(body: Mapping[str, Any], title: str) -> dict[str, Any]:
    widgets: list[dict[str, Any]] = [w for w in body["widgets"] if w["properties"].get("title") == title]
    (widget,) = widgets
    return widget


def expressions(widget: Mapping[str, Any]) -> list[str]:
    return [line[-1]["expression"] for line in widget["properties"]["metrics"]]


def labels(widget: Mapping[str, Any]) -> list[str]:
    return [line[-1].get("label") for line in widget["properties"]["metrics"]]


def row_y(body: Mapping[str, Any], titles: Sequence[str]) -> set[int]:
    return {titled(body, title)["y"] for title in titles}


def every_string(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from every_string(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_string(item)


# --- one dashboard built on a bare stack, for the variants -----------------------------------------
def environment(**context: Any) -> EnvironmentConfig:
    values = {**cdk_json_context(), **context}
    (config,) = load_config(values.get).environments
    return config


def build(
    config: EnvironmentConfig,
    *,
    published: Sequence[str] = names.QUEUE_METRIC_NAMES,
    skip_idle_queues: bool = False,
) -> dict[str, Any]:
    """The template of a stack with just the alarms and the dashboard (no Lambda bundling)."""
    stack = cdk.Stack(cdk.App(), "Test")
    function = lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    log_group = logs.LogGroup(stack, "Logs")
    alarms = Alarms(stack, "Alarms", config=config, function=function, alarm_actions=[], ok_actions=[])
    QueueDashboard(
        stack,
        "Dashboard",
        config=config,
        function=function,
        timeout=TIMEOUT,
        alarms=alarms.alarms,
        log_group=log_group,
        published_metrics=published,
        skip_idle_queues=skip_idle_queues,
    )
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


# --- the rows ------------------------------------------------------------------------------------------
def test_rows_come_in_the_documented_order_each_under_its_heading(body: dict[str, Any]) -> None:
    # Given the default dashboard, read top to bottom
    headings = [w for w in body["widgets"] if w["type"] == "text" and w["properties"]["markdown"].startswith("**")]
    # Then each row of the layout is there, in order, under a heading that says what it answers
    assert [h["properties"]["markdown"] for h in headings] == [f"**{row.title}**: {row.question}" for row in ROWS]
    for heading, row, next_heading in zip(headings, ROWS, [*headings[1:], None], strict=True):
        below = {w["properties"].get("title") for w in body["widgets"] if w["y"] > heading["y"]}
        above_next = {
            w["properties"].get("title")
            for w in body["widgets"]
            if w["y"] > heading["y"] and (next_heading is None or w["y"] < next_heading["y"])
        }
        assert {panel.title for panel in row.panels} <= above_next <= below, row.title


def test_right_now_values_sit_beside_the_alarm_status(default_synth: Synth, body: dict[str, Any]) -> None:
    alarm = titled(body, "Alarms")
    values = ["Items waiting", "Oldest wait", "Agents available / staffed", "Queues with nobody free", "Last poll"]
    # Then they share one band of the page, values first, alarms at the right edge
    assert row_y(body, [*values, "Alarms"]) == {alarm["y"]}
    assert alarm["x"] + alarm["width"] == 24
    assert alarm["type"] == "alarm"
    alarm_ids = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm")
    assert sorted(alarm["properties"]["alarms"]) == sorted(f"GetAtt:{i}.Arn" for i in alarm_ids)
    assert alarm["properties"]["sortBy"] == "stateUpdatedTimestamp"


@pytest.mark.parametrize(
    ("title", "queries_", "labels_"),
    [
        ("Items waiting", ["SUM(ItemsInQueue)"], ["all queues"]),
        ("Oldest wait", ["MAX(OldestItemAge)"], ["seconds, any queue"]),
        ("Agents available / staffed", ["SUM(AgentsAvailable)", "SUM(AgentsStaffed)"], ["available", "staffed"]),
    ],
)
def test_right_now_totals_are_one_metrics_insights_query_over_every_queue(
    body: dict[str, Any], title: str, queries_: list[str], labels_: list[str]
) -> None:
    widget = titled(body, title)
    assert widget["properties"]["view"] == "singleValue"
    assert expressions(widget) == [f"SELECT {q} FROM {SCHEMA} WHERE Environment = 'prod'" for q in queries_]
    assert labels(widget) == labels_
    # The latest poll's value with the last hour as a sparkline, whatever range the page shows.
    assert widget["properties"]["sparkline"] is True
    assert widget["properties"]["start"] == "-PT60M"


def test_queues_with_nobody_free_counts_queues_not_items(body: dict[str, Any]) -> None:
    widget = titled(body, "Queues with nobody free")
    assert expressions(widget) == [
        f"SUM(SEARCH('{SEARCH_SCHEMA} MetricName=\"UnattendedItems\" Environment=\"prod\"', 'Maximum', 60) > 0)"
    ]


def test_last_poll_says_whether_and_how_long_ago(body: dict[str, Any]) -> None:
    (line,) = titled(body, "Last poll")["properties"]["metrics"]
    assert line[:4] == [names.DEFAULT_NAMESPACE, names.METRIC_POLL_SUCCEEDED, names.DIM_ENVIRONMENT, "prod"]
    assert line[4]["stat"] == "Minimum"
    assert line[4]["label"].endswith("${LAST_TIME_RELATIVE}")


@pytest.mark.parametrize(
    ("title", "metric", "threshold"),
    [
        ("Top 10: items waiting", names.METRIC_ITEMS_IN_QUEUE, 10),
        ("Top 10: oldest wait (s)", names.METRIC_OLDEST_ITEM_AGE, 300),
        ("Top 10: waiting with nobody available", names.METRIC_UNATTENDED_ITEMS, 1),
    ],
)
def test_top_ten_tables_rank_queues_by_name(body: dict[str, Any], title: str, metric: str, threshold: int) -> None:
    widget = titled(body, title)
    properties = widget["properties"]
    (line,) = properties["metrics"]
    assert line == [
        {
            "expression": f"SELECT MAX({metric}) FROM {SCHEMA} WHERE Environment = 'prod' "
            "GROUP BY QueueName ORDER BY MAX() DESC LIMIT 10",
            "period": 60,
        }
    ]  # no label, so each row is labelled with its queue's name
    assert properties["view"] == "table"
    assert properties["table"]["summaryColumns"] == ["MAX"]
    assert properties["table"]["showTimeSeriesData"] is False
    assert properties["start"] == "-PT15M"
    # Cells turn red from the matching alarm's threshold.
    assert properties["annotations"]["horizontal"] == [{"value": threshold, "color": "#d62728", "fill": "above"}]
    assert widget["height"] >= 7  # ten rows and a header without scrolling


def test_all_queues_graphs_are_totals_over_the_last_three_hours(body: dict[str, Any]) -> None:
    expected = {
        "Items, all queues": [
            "SUM(ItemsInQueue)",
            "SUM(UnattendedItems)",
            "SUM(ItemsBeingDelivered)",
            "SUM(ItemsScheduled)",
        ],
        "Oldest wait (s), any queue": ["MAX(OldestItemAge)"],
        "Agents, all queues": [
            "SUM(AgentsStaffed)",
            "SUM(AgentsAvailable)",
            "SUM(AgentsWorking)",
            "SUM(AgentsInWrap)",
            "SUM(AgentsInError)",
            "SUM(AgentsUnavailable)",
        ],
        "Queues open": ["SUM(QueueOpen)"],
    }
    for title, selects in expected.items():
        widget = titled(body, title)
        assert expressions(widget) == [f"SELECT {s} FROM {SCHEMA} WHERE Environment = 'prod'" for s in selects]
        assert widget["properties"]["start"] == "-PT3H", title


def one_queue_search(metric: str, statistic: str = "Maximum") -> str:
    terms = f'{SEARCH_SCHEMA} MetricName="{metric}" Environment="prod" QueueName="{QUEUE_PLACEHOLDER}"'
    return f"SEARCH('{terms}', '{statistic}', 60)"


def test_one_queue_graphs_show_only_the_queue_picked(body: dict[str, Any]) -> None:
    expected = {
        "Queue: items": [
            names.METRIC_ITEMS_IN_QUEUE,
            names.METRIC_UNATTENDED_ITEMS,
            names.METRIC_ITEMS_BEING_DELIVERED,
            names.METRIC_ITEMS_SCHEDULED,
        ],
        "Queue: oldest wait (s)": [names.METRIC_OLDEST_ITEM_AGE],
        "Queue: agents": [
            names.METRIC_AGENTS_STAFFED,
            names.METRIC_AGENTS_AVAILABLE,
            names.METRIC_AGENTS_WORKING,
            names.METRIC_AGENTS_IN_WRAP,
            names.METRIC_AGENTS_IN_ERROR,
            names.METRIC_AGENTS_UNAVAILABLE,
        ],
        "Queue: open (1) / closed (0)": [names.METRIC_QUEUE_OPEN],
    }
    one_queue = [w for w in body["widgets"] if w["y"] == titled(body, "Queue: open (1) / closed (0)")["y"]]
    for widget in one_queue:
        metrics = expected[widget["properties"]["title"]]
        assert expressions(widget) == [one_queue_search(m) for m in metrics]
        # They follow the range picked for the page.
        assert "start" not in widget["properties"]
    assert sorted(w["properties"]["title"] for w in one_queue) == sorted(expected)


def test_the_queue_menu_is_filled_from_the_queues_that_report(body: dict[str, Any]) -> None:
    (variable,) = body["variables"]
    assert variable == {
        "type": "pattern",
        "pattern": QUEUE_PLACEHOLDER,
        "inputType": "select",
        "id": "queue",
        "label": "Queue",
        "search": f'{SEARCH_SCHEMA} MetricName="ItemsInQueue" Environment="prod"',
        "populateFrom": names.DIM_QUEUE_NAME,
        "defaultValue": "__FIRST",
        "visible": True,
    }


def test_the_menu_switches_the_one_queue_row_and_nothing_else(body: dict[str, Any]) -> None:
    # The pattern replaces every occurrence in the body, so it may only occur where the queue is meant.
    one_queue_y = titled(body, "Queue: open (1) / closed (0)")["y"]
    occurrences = {
        (w["y"], w["properties"].get("title"))
        for w in body["widgets"]
        for text in every_string(w)
        if QUEUE_PLACEHOLDER in text
    }
    assert {y for y, _ in occurrences} == {one_queue_y}
    assert re.fullmatch(r"\w+", QUEUE_PLACEHOLDER)  # no regular-expression characters in the pattern


def test_poller_health_is_one_row_with_the_failed_poll_lines_under_it(
    default_synth: Synth, body: dict[str, Any]
) -> None:
    graphs = [
        "Polls succeeded (1) / failed (0)",
        "Symbee API latency (ms)",
        "Queues per poll",
        "Poller: invocations, errors, throttles",
        "Poller: duration (ms)",
    ]
    assert len(row_y(body, graphs)) == 1
    health = {
        "Polls succeeded (1) / failed (0)": [(names.METRIC_POLL_SUCCEEDED, "Minimum")],
        "Symbee API latency (ms)": [(names.METRIC_API_LATENCY, "Average"), (names.METRIC_API_LATENCY, "Maximum")],
        # QueuesIdle only with idle skipping (below).
        "Queues per poll": [(names.METRIC_QUEUES_REPORTED, "Minimum"), (names.METRIC_INVALID_RECORDS, "Sum")],
    }
    for title, expected in health.items():
        lines = titled(body, title)["properties"]["metrics"]
        assert [(line[:4], line[4].get("stat", "Average")) for line in lines] == [
            ([names.DEFAULT_NAMESPACE, metric, names.DIM_ENVIRONMENT, "prod"], stat) for metric, stat in expected
        ], title

    (function_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function", under="Poller")
    runs = titled(body, "Poller: invocations, errors, throttles")["properties"]["metrics"]
    assert [line[:4] for line in runs] == [
        ["AWS/Lambda", metric, "FunctionName", f"Ref:{function_id}"]
        for metric in ("Invocations", "Errors", "Throttles")
    ]
    assert {line[4]["stat"] for line in runs} == {"Sum"}
    duration = titled(body, "Poller: duration (ms)")["properties"]
    assert duration["annotations"]["horizontal"] == [{"value": 30000, "label": "Timeout", "yAxis": "left"}]

    (log_group_id,) = default_synth.resources(DEFAULT_STACK, "AWS::Logs::LogGroup", under="Poller")
    logs_widget = titled(body, "Last failed polls")
    assert logs_widget["type"] == "log"
    assert logs_widget["y"] > max(row_y(body, graphs))
    assert logs_widget["properties"]["query"].splitlines() == [
        f"SOURCE 'Ref:{log_group_id}' | fields @timestamp, message",
        '| filter @message like "Poll failed:"',
        "| sort @timestamp desc",
        "| limit 20",
    ]


def test_every_query_uses_the_shared_names(body: dict[str, Any]) -> None:
    # Every metric a query reads is one the poller publishes, in the queue schema it publishes to.
    texts = [*every_string(body["widgets"]), body["variables"][0]["search"]]
    selected = {m for t in texts for m in re.findall(r"SELECT [A-Z]+\((\w+)\) FROM", t)}
    searched = {m for t in texts for m in re.findall(r'MetricName="(\w+)"', t)}
    assert selected | searched == set(names.QUEUE_METRIC_NAMES)
    assert {s for t in texts for s in re.findall(r"SCHEMA\([^)]*\)", t)} == {SCHEMA}
    assert {s for t in texts for s in re.findall(r"\{[^}]*\}", t) if "Environment" in s} == {SEARCH_SCHEMA}


def test_nothing_fills_gaps_so_a_silent_queue_is_never_a_false_zero(body: dict[str, Any]) -> None:
    assert not [text for text in every_string(body) if "FILL(" in text.upper()]


def test_the_dashboard_url_output_opens_this_dashboard_in_the_stacks_partition(default_synth: Synth) -> None:
    template = default_synth.templates[DEFAULT_STACK]
    (mapping_id,) = template["Mappings"]
    assert template["Outputs"]["DashboardUrl"]["Value"] == {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Fn::FindInMap": [mapping_id, {"Ref": "AWS::Partition"}, "Host"]},
                "/cloudwatch/home?region=",
                {"Ref": "AWS::Region"},
                "#dashboards:name=SymbeeQueueStats-prod",
            ],
        ]
    }
    assert template["Mappings"][mapping_id] == {
        "aws": {"Host": "console.aws.amazon.com"},
        "aws-cn": {"Host": "console.amazonaws.cn"},
        "aws-us-gov": {"Host": "console.amazonaws-us-gov.com"},
    }


# --- variants -------------------------------------------------------------------------------------------
def widget_titles(body: Mapping[str, Any]) -> list[str]:
    return [w["properties"]["title"] for w in body["widgets"] if "title" in w["properties"]]


def referenced_metrics(body: Mapping[str, Any]) -> set[str]:
    text = " ".join(every_string(body))
    return {m for m in names.QUEUE_METRIC_NAMES if re.search(rf"\b{m}\b", text)}


@pytest.fixture(scope="module")
def essential() -> dict[str, Any]:
    template = build(environment(), published=names.METRIC_PROFILES[names.PROFILE_ESSENTIAL])
    parsed: dict[str, Any] = json.loads(body_of(template))
    return parsed


@pytest.fixture(scope="module")
def every_metric() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body_of(build(environment())))
    return parsed


def test_the_essential_profile_keeps_the_first_two_rows_whole(
    every_metric: dict[str, Any], essential: dict[str, Any]
) -> None:
    for title in [panel.title for row in ROWS[:2] for panel in row.panels]:
        assert titled(essential, title) == titled(every_metric, title), title


def test_the_essential_profile_reads_only_published_metrics(essential: dict[str, Any]) -> None:
    assert referenced_metrics(essential) == set(names.ESSENTIAL_METRICS)
    # A graph loses the lines it cannot draw but stays while one is left.
    assert labels(titled(essential, "Agents, all queues")) == ["Staffed", "Available", "In error"]


def test_a_metric_list_without_agent_metrics_drops_the_agent_graphs() -> None:
    template = build(environment(), published=[names.METRIC_ITEMS_IN_QUEUE, names.METRIC_OLDEST_ITEM_AGE])
    body = json.loads(body_of(template))
    titles = widget_titles(body)
    for gone in ("Agents available / staffed", "Queues with nobody free", "Agents, all queues", "Queue: agents"):
        assert gone not in titles
    assert {"Items waiting", "Oldest wait", "Top 10: items waiting", "Queue: items"} <= set(titles)
    assert referenced_metrics(body) == {names.METRIC_ITEMS_IN_QUEUE, names.METRIC_OLDEST_ITEM_AGE}


def test_an_unknown_published_metric_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="published_metrics: unknown metric ItemsWaiting"):
        build(environment(), published=["ItemsWaiting"])


@pytest.fixture(scope="module")
def idle_skipping() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body_of(build(environment(), skip_idle_queues=True)))
    return parsed


def test_idle_skipping_is_explained_on_the_dashboard(body: dict[str, Any], idle_skipping: dict[str, Any]) -> None:
    (header,) = [w for w in idle_skipping["widgets"] if w["y"] == 0]
    assert "gap means idle, not zero" in header["properties"]["markdown"]
    assert names.ENV_SKIP_IDLE_QUEUES in header["properties"]["markdown"]
    (default_header,) = [w for w in body["widgets"] if w["y"] == 0]
    assert "idle" not in default_header["properties"]["markdown"].lower()


def test_idle_skipping_graphs_queues_idle_and_fills_no_gap(idle_skipping: dict[str, Any]) -> None:
    lines = titled(idle_skipping, "Queues per poll")["properties"]["metrics"]
    assert [line[1] for line in lines] == [
        names.METRIC_QUEUES_REPORTED,
        names.METRIC_QUEUES_IDLE,
        names.METRIC_INVALID_RECORDS,
    ]
    assert not [text for text in every_string(idle_skipping) if "FILL(" in text.upper()]


# --- limits ----------------------------------------------------------------------------------------------
# CloudWatch's documented limits on a dashboard body (Dashboard Body Structure: 0 to 500 widgets;
# service quotas: 500 metrics per widget) and on a query expression (GetMetricData: 2,048 characters).
MAX_WIDGETS: Final = 500
MAX_METRICS_PER_WIDGET: Final = 500
# CloudWatch documents no byte limit for DashboardBody (PutDashboard's model has none either); this is
# our own budget, well under the 1 MB a CloudFormation template may have. Measured: 16 KB by default,
# 50 KB with every override allowed, 119 KB with every override and the longest names (alarm ARNs
# of ~300 characters are most of it), so growth beyond what the configuration allows fails here.
BODY_BUDGET_BYTES: Final = 128 * 1024


def max_overrides_context(**context: Any) -> dict[str, Any]:
    """queueOverrides with as many queues as the synth accepts, each overriding every queue alarm."""
    every_kind = {
        kind: {"threshold": 5} for kind in ("oldestItemAge", "itemsInQueue", "unattendedItems", "agentsInError")
    }

    def accepted(count: int) -> bool:
        try:
            environment(**context, queueOverrides={f"q{i}": every_kind for i in range(count)})
        except ConfigError:
            return False
        return True

    low, high = 0, 1000
    while low < high:  # the largest count that is accepted
        middle = (low + high + 1) // 2
        low, high = (middle, high) if accepted(middle) else (low, middle - 1)
    return {**context, "queueOverrides": {f"q{i}": every_kind for i in range(low)}}


@pytest.mark.slow
@pytest.mark.parametrize(
    "context",
    [
        pytest.param({}, id="short-names"),
        pytest.param({"stackName": "S", "environment": "e" * 126, "metricsNamespace": "N" * 255}, id="longest-names"),
    ],
)
def test_body_stays_within_limits_with_every_override(context: dict[str, Any]) -> None:
    # Given as many per-queue overrides as the synth accepts (each adds alarms to the status widgets)
    config = environment(**max_overrides_context(**context))
    template = build(config)
    body_text = body_of(template, real_arns=True)
    body = json.loads(body_text)
    # Then the body is within CloudWatch's limits and our budget
    assert len(body_text.encode()) < BODY_BUDGET_BYTES
    assert len(body["widgets"]) <= MAX_WIDGETS
    for widget in body["widgets"]:
        assert len(widget["properties"].get("metrics", [])) <= MAX_METRICS_PER_WIDGET
        assert len(widget["properties"].get("alarms", [])) <= 100
        for line in widget["properties"].get("metrics", []):
            if isinstance(line[-1], dict) and "expression" in line[-1]:
                assert len(line[-1]["expression"]) <= queries.MAX_EXPRESSION_LENGTH
    # And every alarm is on it
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    listed = [arn for w in body["widgets"] for arn in w["properties"].get("alarms", [])]
    assert sorted(listed) == sorted(ACCOUNT_ARN + a["Properties"]["AlarmName"] for a in alarms)


def test_body_does_not_grow_with_the_queues_monitored() -> None:
    # Given one environment watching every queue, and one listing 300 queues
    every_queue = body_of(build(environment()))
    listed = body_of(build(environment(queueIds=[f"q{i:03d}" for i in range(300)])))
    # Then the dashboard is the same: nothing on it is per queue
    assert listed == every_queue


# --- the README ------------------------------------------------------------------------------------------
def test_the_readme_describes_the_rows_as_built() -> None:
    text = (PROJECT_ROOT / "README.md").read_text()
    section = text.split("\n## Dashboard\n", 1)[1].split("\n## ", 1)[0]
    current = section.split(README_START, 1)[1].split(README_END, 1)[0].strip("\n")
    assert current == render_markdown(), "README out of date: run `python scripts/dashboard_doc.py --write`"


def test_every_row_and_widget_is_in_the_readme_in_page_order() -> None:
    rendered = render_markdown()
    positions = [rendered.index(f"*{panel.title}*") for row in ROWS for panel in row.panels]
    assert positions == sorted(positions)
    assert [line.split("**")[1] for line in rendered.splitlines() if not line.startswith(" ")] == [
        row.title for row in ROWS
    ]
    assert {panel.kind for row in ROWS for panel in row.panels} == set(Kind)
