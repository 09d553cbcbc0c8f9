"""The cost estimate as people and scripts read it: the command line's tables, JSON, the line
`discover` ends with, and the README's Cost section (scripts/cost_table.py writes it there).
Pure: everything comes from `queue_stats.cost`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from queue_stats import cost as c
from queue_stats import names as n
from queue_stats.cost import (
    COMPARED_HOURS_OPEN,
    Estimate,
    Line,
    Option,
    Price,
    Scenario,
    Setup,
    compare,
    describe,
    estimate,
    minutes,
    number,
    usd,
)


# --- the command line ---------------------------------------------------------------------------------
def render_text(estimates: Sequence[Estimate], options: Sequence[Option] = ()) -> str:
    """The line items of each environment, a total, a per-queue figure, then the notes."""
    out: list[str] = []
    for est in estimates:
        out.append(
            f"{est.setup.name}: {est.scenario.queues:,} queues, {describe(est.setup)}"
            + (f", {est.scenario.hours_open:g} h a day busy" if est.setup.skip_idle else "")
        )
        rows = [("item", "quantity", "unit price", "monthly")]
        rows += [(line.item, _quantity(line), line.price.short, _money(line)) for line in est.lines]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            out.append(f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]:>9}")
        out.append(f"  {'total' + (' (known items)' if est.unknown else ''):<{sum(widths) + 4}}  {usd(est.total):>9}")
        out.append(
            f"  {'per queue' + (' (known items)' if est.unknown else ''):<{sum(widths) + 4}}  {usd(est.per_queue):>9}"
        )
        if est.unknown:
            out.append(f"  Not priced (unknown): {', '.join(est.unknown)}.")
        out.append(f"  {free_tier_sentence(est)}")
        out.append("")
    if len(estimates) > 1:
        out.append(f"All {len(estimates)} environments: {usd(sum(e.total for e in estimates))} a month.")
        out.append("")
    if options:
        out.append(f"Options for {options[0].estimate.scenario.queues:,} queues (other settings as above):")
        width = max(len(o.label) for o in options)
        for option in options:
            out.append(
                f"  {option.label:<{width}}  {usd(option.estimate.total):>10} a month  "
                f"{usd(option.estimate.per_queue):>7} per queue"
            )
        out.append("")
    out.append("Assumptions:")
    out += [f"- {note}" for note in estimates[0].assumptions]
    return "\n".join(out)


def render_options_text(
    setup: Setup, scenario: Scenario, counts: Iterable[int], *, hours_open: float = COMPARED_HOURS_OPEN
) -> str:
    """The options table for several queue counts: monthly total and per queue."""
    counts = tuple(counts)
    table = [compare(setup, replace(scenario, queues=count), hours_open=hours_open) for count in counts]
    labels = [option.label for option in table[0]]
    width = max(len(label) for label in labels)
    out = [f"{setup.name}: monthly cost by option, polled every {minutes(setup.poll_rate_minutes)}"]
    out.append(f"  {'':<{width}}" + "".join(f"  {f'{count:,} queues':>22}" for count in counts))
    for row, label in enumerate(labels):
        cells = [table[col][row].estimate for col in range(len(counts))]
        out.append(
            f"  {label:<{width}}" + "".join(f"  {f'{usd(e.total)} ({usd(e.per_queue)}/queue)':>22}" for e in cells)
        )
    out.append("")
    # The free tier is worth most where the most is used: the largest count, every metric.
    out.append(free_tier_sentence(max((row[0].estimate for row in table), key=lambda e: e.free_tier)))
    out.append("One count (--queues 100) shows every line item; --json for scripts.")
    return "\n".join(out)


def to_json(estimates: Sequence[Estimate], options: Sequence[Option] = ()) -> dict[str, object]:
    """The estimate for scripts: every line with its unit price and source."""
    return {
        "region": c.REGION,
        "pricesReadOn": c.PRICES_READ_ON,
        "environments": [_estimate_json(e) for e in estimates],
        "total": round(sum(e.total for e in estimates), 2),
        "options": options_json(options),
        "assumptions": list(estimates[0].assumptions) if estimates else [],
    }


def options_json(options: Iterable[Option]) -> list[dict[str, object]]:
    return [
        {"option": o.label, "total": round(o.estimate.total, 2), "perQueue": round(o.estimate.per_queue, 4)}
        for o in options
    ]


def free_tier_sentence(est: Estimate) -> str:
    if est.free_tier < 0.005:
        return "Free tier: nothing here falls within it."
    return (
        f"Free tier: not counted; if the account does not use it elsewhere it could take off up to "
        f"{usd(est.free_tier)} ({', '.join(est.free_tier_items)})."
    )


def discovered_cost_line(setup: Setup, queues: int) -> str:
    """What `discover` ends with: the monthly cost of monitoring the queues it found."""
    if queues == 0:
        return "Monitoring no queues costs only the poller's fixed items: `symbee-queue-stats cost --queues 1`."
    est = estimate(setup, Scenario(queues))
    line = f"Monitoring these {queues:,} queues costs about {usd(est.total)} a month ({describe(setup)})"
    if setup.metrics != tuple(n.METRIC_PROFILES[n.PROFILE_ESSENTIAL]):
        essential = estimate(replace(setup, metrics=tuple(n.METRIC_PROFILES[n.PROFILE_ESSENTIAL])), Scenario(queues))
        line += f', {usd(essential.total)} with "metrics": "essential"'
    return f"{line}; `{n.PRODUCT} cost --queues {queues}` shows each item."


def _quantity(line: Line) -> str:
    unit = line.unit[:-1] if line.quantity == 1 and line.unit.endswith("s") else line.unit
    return f"{number(line.quantity)} {unit}"


def _money(line: Line) -> str:
    return "unknown" if line.monthly is None else usd(line.monthly)


def _estimate_json(est: Estimate) -> dict[str, object]:
    return {
        "name": est.setup.name,
        "queues": est.scenario.queues,
        "settings": {
            "metrics": list(est.setup.metrics),
            "skipIdleQueues": est.setup.skip_idle,
            "hoursOpen": est.scenario.hours_open,
            "pollRateMinutes": est.setup.poll_rate_minutes,
            "metricsBackend": est.setup.backend,
            "otlpGbPrice": est.scenario.otlp_gb_price,
            "transitionsPerDay": est.scenario.transitions_per_day,
        },
        "lines": [
            {
                "item": line.item,
                "quantity": round(line.quantity, 6),
                "unit": line.unit,
                "unitPrice": line.price.text,
                "monthly": None if line.monthly is None else round(line.monthly, 4),
                "detail": line.detail,
                "priceSource": line.price.source,
                "priceChecked": line.price.checked,
            }
            for line in est.lines
        ],
        "total": round(est.total, 2),
        "perQueue": round(est.per_queue, 4),
        "unknown": list(est.unknown),
        "freeTierCouldSave": round(est.free_tier, 2),
    }


def prices_used(estimates: Iterable[Estimate]) -> tuple[Price, ...]:
    """The unit prices the estimates use, in table order."""
    keys = {line.price.key for est in estimates for line in est.lines}
    return tuple(price for key, price in c.PRICES.items() if key in keys)


# --- the README's Cost section ------------------------------------------------------------------------
README_START = "<!-- cost-table:start -->"
README_END = "<!-- cost-table:end -->"
README_LINES_QUEUES = 100  # the queue count the line-by-line table shows
_OPTION_TITLES = (
    "every metric (the default)",
    '`"metrics": "essential"`',
    '`"metrics": "essential"` and `"skipIdleQueues": true`, queues busy {hours:g} hours a day',
)


def render_readme(setup: Setup | None = None, counts: Sequence[int] = c.README_QUEUE_COUNTS) -> str:
    """The README's Cost section between its markers: the stack's defaults, generated."""
    setup = setup or Setup()
    by_count = {count: compare(setup, Scenario(count)) for count in counts}
    lines_at = compare(setup, Scenario(README_LINES_QUEUES))
    default = lines_at[0].estimate
    polls = c.HOURS_PER_MONTH * 60 / setup.poll_rate_minutes
    out = [
        f"What one environment costs a month at {c.REGION} list prices (read {c.PRICES_READ_ON}), polled "
        f"every {minutes(setup.poll_rate_minutes)} ({c.HOURS_PER_MONTH} hours, {number(polls)} polls), every "
        f"default alarm, no overrides, {default.scenario.transitions_per_day:g} alarm transitions a day. This "
        "section is generated from `lambda_src/queue_stats/cost.py` (`python scripts/cost_table.py --write`) and "
        "a test fails when it is stale; `make cost` prints the same table for the `cdk.json` in force (below).",
        "",
        "| what is published | " + " | ".join(f"{count:,} queues" for count in counts) + " |",
        "| --- |" + " ---: |" * len(counts),
    ]
    for row, title in enumerate(_OPTION_TITLES):
        cells = [by_count[count][row].estimate for count in counts]
        out.append(
            f"| {title.format(hours=c.COMPARED_HOURS_OPEN)} | "
            + " | ".join(f"**{usd(e.total)}** ({usd(e.per_queue)} a queue)" for e in cells)
            + " |"
        )
    metrics_share = _share_of(default, "custom metrics")
    alarms_share = _share_of(default, "Metrics Insights alarms")
    out += [
        "",
        f"**Custom metrics are {metrics_share:.0%} of the default bill** at {README_LINES_QUEUES} queues, the Metrics "
        f"Insights alarms {alarms_share:.0%}; both grow with the number of queues, everything else is nearly flat. "
        + free_tier_sentence(default).replace("Free tier: not counted; if", "The free tier is not counted: if"),
        "",
        f"### Line by line, {README_LINES_QUEUES} queues",
        "",
        "| item | unit price | " + " | ".join(_short_title(o.label) for o in lines_at) + " |",
        "| --- | --- |" + " ---: |" * len(lines_at),
    ]
    items = list(dict.fromkeys(line.item for o in lines_at for line in o.estimate.lines))
    for item in items:
        found = [next((line for line in o.estimate.lines if line.item == item), None) for o in lines_at]
        price = next(line.price for line in found if line is not None)
        out.append(
            f"| {item} | {price.short} | "
            + " | ".join("—" if line is None else f"{_quantity(line)}: {_money(line)}" for line in found)
            + " |"
        )
    out.append("| **total** | | " + " | ".join(f"**{usd(o.estimate.total)}**" for o in lines_at) + " |")
    out.append("| per queue | | " + " | ".join(usd(o.estimate.per_queue) for o in lines_at) + " |")
    notes = list(dict.fromkeys(note for o in lines_at for note in o.estimate.assumptions))
    out += ["", "Assumptions and what is not known:", ""]
    out += [f"- {note}" for note in notes]
    otel_out, otel_estimates = _readme_otel(setup, counts)
    out += otel_out
    out += _readme_prices(prices_used([*(o.estimate for o in lines_at), *otel_estimates]))
    out += _readme_savings(setup, lines_at)
    out += [
        "",
        "### `symbee-queue-stats cost`",
        "",
        "```sh",
        "make cost                    # the cdk.json in force: 10, 100 and 1,000 queues, by option",
        "make cost QUEUES=250         # every line item for 250 queues, per environment of the cdk.json",
        "symbee-queue-stats cost --queues 250 --metrics essential --skip-idle --hours-open 12",
        "symbee-queue-stats cost --queues 250 --poll-seconds 0.4 --transitions-per-day 50 --json",
        "symbee-queue-stats cost --queues 10,100,1000 --backend otel --otlp-gb-price 0.08",
        "```",
        "",
        "`--config cdk.json` reads each environment's settings through the stack's own loader (so it runs from "
        "the project's checkout); without it the stack's defaults apply. `--metrics`, `--skip-idle`, "
        "`--hours-open`, `--poll-rate-minutes` and `--backend` override either, `--otlp-gb-price` sets the "
        "OpenTelemetry price per GB, and `--poll-seconds` replaces the estimated duration with the "
        "`Billed Duration` of the function's `REPORT` log lines. Several "
        "`--queues` counts print the options table; one prints the lines. `discover` ends with the monthly cost "
        "of monitoring the queues it found.",
    ]
    return "\n".join(out)


def _readme_otel(setup: Setup, counts: Sequence[int]) -> tuple[list[str], list[Estimate]]:
    """The OpenTelemetry backend priced the same way: `otel` at both per-GB figures, with
    `essential`, and `both` while migrating; then what changes and what is not known."""
    essential = tuple(n.METRIC_PROFILES[n.PROFILE_ESSENTIAL])
    otel = replace(setup, backend=n.BACKEND_OTEL)
    rows = (
        (
            f"`otel`, every metric, {usd(c.DEFAULT_OTLP_GB_PRICE)} per GB (the default price)",
            otel,
            c.DEFAULT_OTLP_GB_PRICE,
        ),
        (f"`otel`, every metric, {usd(c.LOW_OTLP_GB_PRICE)} per GB", otel, c.LOW_OTLP_GB_PRICE),
        (
            f'`otel`, `"metrics": "essential"`, {usd(c.DEFAULT_OTLP_GB_PRICE)} per GB',
            replace(otel, metrics=essential),
            c.DEFAULT_OTLP_GB_PRICE,
        ),
        (
            f"`both` (while migrating), every metric, {usd(c.DEFAULT_OTLP_GB_PRICE)} per GB",
            replace(setup, backend=n.BACKEND_BOTH),
            c.DEFAULT_OTLP_GB_PRICE,
        ),
    )
    table = {
        (title, count): estimate(row_setup, Scenario(count, otlp_gb_price=price))
        for title, row_setup, price in rows
        for count in counts
    }
    at = {title: table[title, README_LINES_QUEUES] for title, _, _ in rows}
    default = at[rows[0][0]]
    ingest = next(line for line in default.lines if line.item == "OpenTelemetry metrics ingestion")
    promql = next(line for line in default.lines if line.item == "PromQL alarms")
    queries = next(line for line in default.lines if line.item == "notifier: PromQL queries")
    classic = estimate(setup, Scenario(README_LINES_QUEUES)).total
    out = [
        "",
        "### With OpenTelemetry (`metricsBackend`)",
        "",
        "The same environment publishing over OTLP (see [OpenTelemetry backend](#opentelemetry-backend)), known "
        "items only: PromQL alarms have no published price and are **not included**.",
        "",
        "| backend, what is published, price per GB | " + " | ".join(f"{count:,} queues" for count in counts) + " |",
        "| --- |" + " ---: |" * len(counts),
    ]
    for title, _, _ in rows:
        cells = [table[title, count] for count in counts]
        out.append(
            f"| {title} | " + " | ".join(f"**{usd(e.total)}** ({usd(e.per_queue)} a queue)" for e in cells) + " |"
        )
    out += [
        "",
        f"With `otel` there are no custom metrics, PutMetricData requests or Metrics Insights alarms: at "
        f"{README_LINES_QUEUES} queues ingestion is {number(ingest.quantity)} GB a month ({ingest.detail}), "
        f"{usd(ingest.monthly or 0)} at {ingest.price.short}, against {usd(classic)} for the classic default. "
        f"`both` pays for both while the two run side by side. Not known:",
        "",
        f"- **PromQL alarms**: no published price; `otel` has {number(promql.quantity)} ({promql.detail}), `both` the "
        "same number of shadows. If they are priced like Metrics Insights alarms (per series analysed), they would "
        "grow with the queues.",
        f"- **The price per GB**: {ingest.price.checked}. The figure scales the ingestion line directly.",
        "- The billed size of a data point is its serialized size as AWS defines it; the figure above is measured "
        "with the poller's encoder for typical names, and errs high by the request's framing (about 30 bytes).",
        f"- **The notifier's PromQL queries**: with `otel` it reads a queue's numbers over PromQL ({queries.detail} "
        "at one poll a minute), which CloudWatch charges per million samples scanned at a price not published "
        "where we could read it; with `both` it reads the classic metrics with GetMetricData, priced as usual.",
    ]
    return out, list(table.values())


# --- the README's notifier cost (Notifications section) -----------------------------------------------
NOTIFIER_README_START = "<!-- notifier-cost:start -->"
NOTIFIER_README_END = "<!-- notifier-cost:end -->"
NOTIFIER_README_TRANSITIONS_PER_DAY = 100.0  # a busy centre: 50 alarms a day, each ALARM then OK
NOTIFIER_README_STORM_PER_DAY = 1_000.0  # a storm every day
NOTIFIER_README_EMAILS = 3


def notifier_lines(transitions_per_day: float, email_subscribers: int) -> list[Line]:
    """The notifier's share of the bill: its own lines of the estimate, its log lines and the
    (free) alarm events that invoke it."""
    setup = Setup(email_subscribers=email_subscribers)
    est = estimate(setup, Scenario(README_LINES_QUEUES, transitions_per_day=transitions_per_day))
    transitions = transitions_per_day * c.DAYS_PER_MONTH
    log_gb = transitions * c.NOTIFIER_LOG_BYTES / 1e9
    logs, events = c.PRICES["logs"], c.PRICES["eventbridge"]
    return [
        *(line for line in est.lines if line.item.startswith("notifier: ")),
        Line("notifier: its log lines", log_gb, "GB", logs, logs.cost(log_gb)),
        Line("CloudWatch's alarm events", transitions, "events", events, events.cost(transitions)),
    ]


def render_notifier_readme() -> str:
    """What the notifier adds to the bill, from the cost model's own lines for it."""
    rows = notifier_lines(NOTIFIER_README_TRANSITIONS_PER_DAY, NOTIFIER_README_EMAILS)
    storm = notifier_lines(NOTIFIER_README_STORM_PER_DAY, NOTIFIER_README_EMAILS)
    transitions = NOTIFIER_README_TRANSITIONS_PER_DAY * c.DAYS_PER_MONTH
    out = [
        f"At {c.REGION} list prices (read {c.PRICES_READ_ON}), for **{NOTIFIER_README_TRANSITIONS_PER_DAY:g} "
        f"transitions a day** ({number(transitions)} a month: a busy centre), email and chat configured, "
        f"{NOTIFIER_README_EMAILS} confirmed email addresses; each run {c.NOTIFIER_SECONDS:g} s at "
        f"{c.NOTIFIER_MEMORY_MB} MB (stated, not measured on Lambda). Free tiers not counted. Generated from "
        "`lambda_src/queue_stats/cost.py` (`python scripts/notifier_cost_table.py --write`); a test fails when it "
        "is stale.",
        "",
        "| item | unit price | a month |",
        "| --- | --- | ---: |",
    ]
    out += [f"| {line.item.removeprefix('notifier: ')} | {line.price.short} | {_quantity(line)}: {_money(line)} |"
            for line in rows]  # fmt: skip
    out += [
        f"| **the notifier in all** | | **{usd(_sum(rows))}** |",
        "",
        f"At {NOTIFIER_README_STORM_PER_DAY:,g} transitions a day (a storm every day) it comes to {usd(_sum(storm))}.",
    ]
    return "\n".join(out)


def _sum(lines: Iterable[Line]) -> float:
    return sum(line.monthly or 0.0 for line in lines)


def _readme_prices(prices: Sequence[Price]) -> list[str]:
    out = [
        "",
        "### Unit prices",
        "",
        f"One table in `lambda_src/queue_stats/cost.py`, {c.REGION}. The free tiers are per account and "
        "shared with everything else in it. *{quoted}*: {means}.".format(quoted=c.QUOTED, means=c.QUOTED_MEANS),
        "",
        "| price | unit price | free tier (per account) | source | checked |",
        "| --- | --- | --- | --- | --- |",
    ]
    for price in prices:
        free = price.free_text or "none"
        out.append(f"| {price.name} | {price.text} | {free} | <{price.source}> | {price.checked} |")
    return out


def _readme_savings(setup: Setup, options: Sequence[Option]) -> list[str]:
    every, essential, idle = (o.estimate for o in options)
    queues = every.scenario.queues
    slower = estimate(replace(setup, poll_rate_minutes=5), Scenario(queues))
    alarm = c.PRICES["insights_alarm"].cost(1) or 0.0
    return [
        "",
        "### Cutting the bill",
        "",
        f'- **`"metrics": "essential"`** publishes {len(essential.setup.metrics)} of the '
        f"{len(every.setup.metrics)} metrics per queue (what the default alarms and the dashboard's first rows "
        f"read): {usd(every.per_queue)} → {usd(essential.per_queue)} per queue a month at {queues} queues.",
        f'- **`"skipIdleQueues": true`** also leaves out a queue while it is idle; busy '
        f"{idle.scenario.hours_open:g} hours a day, {usd(idle.per_queue)} per queue. An idle queue is then not on "
        "the queue graphs either, and its alarms see no data (not breaching).",
        f"- **Switch off alarms you do not act on**: each queue alarm costs {usd(alarm)} per queue a month "
        '(`"alarms": {"agentsInError": {"enabled": false}}`).',
        "- **Monitor fewer queues**: `queueIds`, or `includeAmazonQueues` `false` (new queues are then not "
        "picked up by themselves).",
        f"- A slower `pollRateMinutes` does **not** lower the metric charge (a metric is billed for every hour "
        f"it receives data), only requests, Lambda and logs: every 5 minutes, {usd(every.total - slower.total)} "
        f"less at {queues} queues.",
        "- Renaming a queue starts new metrics (the name is a dimension); the old ones stop costing within the hour.",
    ]


def _share_of(est: Estimate, item: str) -> float:
    return sum(line.monthly or 0.0 for line in est.lines if line.item == item) / est.total


def _short_title(label: str) -> str:
    return label.replace("all metrics", "every metric").replace(" (", "<br>(")
