"""The `symbee-queue-stats` command line: poll, watch, discover, simulate, cost, notify-test, doctor.

Configured by the same environment variables as the Lambda; flags override them. Failures print
one line to stderr (no traceback) and exit non-zero: 2 for configuration, 1 for anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from queue_stats import cost, cost_report
from queue_stats import names as n
from queue_stats.doctor import capacity_warning
from queue_stats.errors import ConfigError, QueueStatsError
from queue_stats.model import QueueStats
from queue_stats.poll import PollResult
from queue_stats.settings import Settings, api_url_for_region, parse_publish_metrics
from queue_stats.table import DEFAULT_OLDEST_WARNING_SECONDS, render_discovery, render_queues

if TYPE_CHECKING:
    from queue_stats.runtime import Runtime

PROG = n.PRODUCT
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130

# Flags that override an environment variable: (flag, variable, help).
_OVERRIDES: tuple[tuple[str, str, str], ...] = (
    ("--company-code", n.ENV_COMPANY_CODE, "Symbee Connect company alias"),
    ("--environment", n.ENV_ENVIRONMENT, "Symbee Connect environment name"),
    ("--region", n.ENV_REGION, f"Symbee region (default {n.DEFAULT_SYMBEE_REGION})"),
    ("--api-url", n.ENV_API_URL, "full API URL (overrides --region), e.g. a local simulator"),
    ("--secret-id", n.ENV_API_KEY_SECRET_ID, f"Secrets Manager id of the key (default {n.DEFAULT_API_KEY_SECRET_ID})"),
    ("--secrets-region", n.ENV_SECRETS_REGION, "region of that secret (default AWS_REGION)"),
    ("--queue-ids", n.ENV_QUEUE_IDS, "comma-separated queue ids/ARNs to ask for (default all)"),
    ("--include-amazon-queues", n.ENV_INCLUDE_AMAZON_QUEUES, "true or false (default true)"),
    ("--namespace", n.ENV_METRICS_NAMESPACE, f"CloudWatch namespace (default {n.DEFAULT_NAMESPACE})"),
)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        command: Callable[[argparse.Namespace], int] = args.run
        return command(args)
    except ConfigError as error:
        return _fail(f"configuration: {error}", EXIT_CONFIG)
    except QueueStatsError as error:
        return _fail(str(error), EXIT_FAILED)
    except KeyboardInterrupt:  # Ctrl-C ends a watch normally; anything else was cut short
        return EXIT_OK if args.command == "watch" else EXIT_INTERRUPTED
    except Exception as error:  # a bug or an unexpected library error: still one line
        if args.verbose:
            raise
        return _fail(f"unexpected {type(error).__name__}: {error} (run with --verbose for details)", EXIT_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Symbee Connect realtime queue statistics, from the API to CloudWatch."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging; tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    poll = commands.add_parser("poll", help="poll once, print the queues and publish to CloudWatch")
    _add_config_flags(poll)
    poll.add_argument("--dry-run", action="store_true", help="print only; publish nothing")
    poll.add_argument("--json", action="store_true", help="print the queues as JSON instead of a table")
    poll.set_defaults(run=_cmd_poll)

    watch = commands.add_parser("watch", help="poll every --interval seconds and redraw the table (publishes nothing)")
    _add_config_flags(watch)
    watch.add_argument("--interval", type=_positive_float, default=60.0, help="seconds between polls (default 60)")
    watch.add_argument(
        "--count", type=_positive_int, default=None, help="stop after this many polls (default: until Ctrl-C)"
    )
    watch.add_argument(
        "--oldest-warning",
        type=_positive_float,
        default=float(DEFAULT_OLDEST_WARNING_SECONDS),
        help=f"flag queues whose oldest item is this many seconds old (default {DEFAULT_OLDEST_WARNING_SECONDS})",
    )
    watch.add_argument("--no-color", action="store_true", help="no ANSI colours")
    watch.set_defaults(run=_cmd_watch)

    discover = commands.add_parser("discover", help="list the queues and print a cdk.json snippet for them")
    _add_config_flags(discover)
    discover.add_argument("--json", action="store_true", help="print the queues as JSON")
    discover.set_defaults(run=_cmd_discover)

    _add_notify_test(commands)
    _add_cost_parser(commands)
    _add_doctor(commands)

    simulate = commands.add_parser("simulate", help="serve the local Symbee API simulator on 127.0.0.1")
    simulate.set_defaults(run=_cmd_simulate)
    try:
        from symbee_sim.cli import add_arguments  # noqa: PLC0415 - the simulator is not in the Lambda asset
    except ImportError:
        simulate.set_defaults(run=_no_simulator)
    else:
        add_arguments(simulate)
    return parser


def _add_cost_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "cost",
        help="the monthly AWS cost of a configuration, one line per item",
        description="The monthly AWS cost of monitoring N queues: one line per item from one table of "
        f"{cost.REGION} unit prices, a total and a per-queue figure. Settings come from --config (a cdk.json, "
        "one estimate per environment) or the stack's defaults; the flags below override either.",
    )
    parser.add_argument(
        "--queues",
        required=True,
        type=_queue_counts,
        metavar="N[,N...]",
        help="queues monitored; several counts (10,100,1000) print the options table instead of the lines",
    )
    parser.add_argument("--config", metavar="PATH", help="a cdk.json: price each of its environments as configured")
    parser.add_argument(
        "--metrics", metavar="SET", help="all (default), essential, or comma-separated metric names (the metrics key)"
    )
    parser.add_argument(
        "--skip-idle",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="idle queues publish nothing (the skipIdleQueues key)",
    )
    parser.add_argument(
        "--hours-open",
        type=_hours,
        default=None,
        metavar="H",
        help="hours a day a queue is not idle (default 24; only matters with --skip-idle)",
    )
    parser.add_argument(
        "--poll-rate-minutes", type=_positive_int, default=None, metavar="M", help="minutes between polls (default 1)"
    )
    parser.add_argument("--backend", choices=n.METRICS_BACKENDS, default=None, help="the metricsBackend key")
    parser.add_argument(
        "--otlp-gb-price",
        type=_non_negative_float,
        default=cost.DEFAULT_OTLP_GB_PRICE,
        metavar="USD",
        help=f"OpenTelemetry ingestion per GB (default {cost.DEFAULT_OTLP_GB_PRICE:g}, a third-party figure: AWS's "
        f"own is not confirmed; the other figure quoted is {cost.LOW_OTLP_GB_PRICE:g})",
    )
    parser.add_argument(
        "--transitions-per-day",
        type=_non_negative_float,
        default=cost.DEFAULT_TRANSITIONS_PER_DAY,
        metavar="T",
        help=f"alarm transitions a day the notifier handles (default {cost.DEFAULT_TRANSITIONS_PER_DAY:g})",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_positive_float,
        default=None,
        metavar="S",
        help="billed seconds per poll, from the function's REPORT lines (default: an estimate from the queue count)",
    )
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    parser.set_defaults(run=_cmd_cost)


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration (each overrides its environment variable)")
    for flag, variable, text in _OVERRIDES:
        group.add_argument(flag, dest=variable, metavar=variable, help=text)


def _positive_int(text: str) -> int:
    value = _positive_float(text)
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(value)


def _queue_counts(text: str) -> tuple[int, ...]:
    counts = tuple(_positive_int(part.strip()) for part in text.split(","))
    return tuple(dict.fromkeys(counts))


def _hours(text: str) -> float:
    value = _non_negative_float(text)
    if value > 24:
        raise argparse.ArgumentTypeError("must be at most 24")
    return value


def _non_negative_float(text: str) -> float:
    value = _finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive_float(text: str) -> float:
    value = _finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _settings(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Settings:
    overrides = {variable: getattr(args, variable) for _, variable, _ in _OVERRIDES}
    return Settings.from_env({**environ, **{k: v for k, v in overrides.items() if v is not None}})


def _runtime(args: argparse.Namespace, *, publish: bool) -> Runtime:
    from queue_stats.runtime import Runtime  # noqa: PLC0415 - boto3 only when a command needs it

    return Runtime.create(_settings(args), publish=publish)


def _poll(runtime: Runtime) -> PollResult:
    return runtime.poll()


def _cmd_poll(args: argparse.Namespace) -> int:
    result = _poll(_runtime(args, publish=not args.dry_run))
    out = sys.stdout
    if args.json:
        json.dump([_queue_json(q) for q in result.parsed.queues], out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(render_queues(result.parsed.queues, color=_color(out)) + "\n")
    _print_summary(result, sys.stderr)
    return EXIT_OK


def _cmd_watch(args: argparse.Namespace) -> int:
    out = sys.stdout
    color = _color(out) and not args.no_color
    runtime = _runtime(args, publish=False)  # one session and key cache for the whole watch
    polls = 0
    while True:
        started = time.monotonic()
        try:
            result = _poll(runtime)
            screen = render_queues(result.parsed.queues, color=color, oldest_warning_seconds=args.oldest_warning)
            status = (
                f"{time.strftime('%H:%M:%S')}  {len(result.parsed.queues)} queues, "
                f"{len(result.parsed.problems)} invalid, API {result.api.latency_ms:.0f} ms"
            )
        except ConfigError:
            raise
        except QueueStatsError as error:  # keep watching: the next poll may work
            screen, status = "", f"{time.strftime('%H:%M:%S')}  poll failed: {error}"
        if out.isatty():
            out.write("\033[H\033[2J")  # redraw in place
        out.write(f"{screen}\n{status}  (every {args.interval:g}s, Ctrl-C to stop)\n")
        out.flush()
        polls += 1
        if args.count and polls >= args.count:
            return EXIT_OK
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


def _cmd_discover(args: argparse.Namespace) -> int:
    runtime = _runtime(args, publish=False)
    queues = _poll(runtime).parsed.queues
    if args.json:
        json.dump([_queue_json(q) for q in queues], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        warning = capacity_warning(len(queues))
        if warning:
            print(warning, file=sys.stderr)
        return EXIT_OK
    print(render_discovery(queues))
    context = cdk_context(runtime.settings, queues)
    warning = capacity_warning(len(queues))
    if warning:
        print(f"\n{warning}")
    print(f"\n{len(queues)} queues. A cdk.json snippet that monitors them:")
    if "queueIds" in context:
        print("(leave queueIds out, or empty, to monitor every queue, including ones created later)\n")
    else:
        print("(too many to list in queueIds, which Lambda's 4 KB of environment variables must hold:")
        print(" without it every queue is monitored, including ones created later)\n")
    print(json.dumps({"context": context}, indent=2, ensure_ascii=False))
    setup = cost.Setup(
        metrics=runtime.settings.publish_metrics, api_key_max_age_seconds=runtime.settings.api_key_max_age_seconds
    )
    print(f"\n{cost_report.discovered_cost_line(setup, len(queues))}")
    return EXIT_OK


def cdk_context(settings: Settings, queues: Sequence[QueueStats]) -> dict[str, object]:
    """The `context` keys of the stack's cdk.json that monitor this environment's queues."""
    context: dict[str, object] = {
        "companyCode": settings.company_code,
        "environment": settings.environment,
        "includeAmazonQueues": settings.include_amazon_queues,
    }
    queue_ids = [q.queue_id for q in queues]
    if len(",".join(queue_ids)) <= n.MAX_QUEUE_IDS_LENGTH:
        context["queueIds"] = queue_ids
    if settings.region != n.DEFAULT_SYMBEE_REGION:
        context["symbeeRegion"] = settings.region
    if settings.api_url != api_url_for_region(settings.region) and settings.api_url.startswith("https://"):
        context["apiUrl"] = settings.api_url
    if settings.api_key_secret_id != n.DEFAULT_API_KEY_SECRET_ID:
        context["secretId"] = settings.api_key_secret_id
    if settings.secrets_region != settings.aws_region:
        context["secretRegion"] = settings.secrets_region
    if settings.namespace != n.DEFAULT_NAMESPACE:
        context["metricsNamespace"] = settings.namespace
    return context


def _cmd_cost(args: argparse.Namespace) -> int:
    if args.config is not None:
        from queue_stats.cost_config import setups_from_cdk_json  # noqa: PLC0415 - needs the checkout's infra/

        setups = setups_from_cdk_json(Path(args.config))
    else:
        setups = [cost.Setup()]
    setups = [_cost_overrides(setup, args) for setup in setups]
    hours_open = 24.0 if args.hours_open is None else args.hours_open
    scenario = cost.Scenario(
        queues=args.queues[0],
        hours_open=hours_open,
        transitions_per_day=args.transitions_per_day,
        poll_seconds=args.poll_seconds,
        otlp_gb_price=args.otlp_gb_price,
    )
    compared_hours = hours_open if hours_open < 24 else cost.COMPARED_HOURS_OPEN
    try:
        if len(args.queues) > 1:
            return _print_cost_options(setups, scenario, args.queues, compared_hours, as_json=args.json)
        estimates = [cost.estimate(setup, scenario) for setup in setups]
        options = cost.compare(setups[0], scenario, hours_open=compared_hours) if len(setups) == 1 else ()
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if args.json:
        json.dump(cost_report.to_json(estimates, options), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(cost_report.render_text(estimates, options))
    return EXIT_OK


def _print_cost_options(
    setups: Sequence[cost.Setup], scenario: cost.Scenario, counts: Sequence[int], hours: float, *, as_json: bool
) -> int:
    if as_json:
        tables = [
            {
                "name": setup.name,
                "queues": {
                    str(count): cost_report.options_json(
                        cost.compare(setup, replace(scenario, queues=count), hours_open=hours)
                    )
                    for count in counts
                },
            }
            for setup in setups
        ]
        json.dump(
            {"region": cost.REGION, "pricesReadOn": cost.PRICES_READ_ON, "environments": tables}, sys.stdout, indent=2
        )
        sys.stdout.write("\n")
        return EXIT_OK
    print("\n\n".join(cost_report.render_options_text(setup, scenario, counts, hours_open=hours) for setup in setups))
    return EXIT_OK


def _cost_overrides(setup: cost.Setup, args: argparse.Namespace) -> cost.Setup:
    """Flags given on the command line win over the cdk.json's values, in every environment."""
    if args.metrics is not None:
        try:
            setup = replace(setup, metrics=parse_publish_metrics(args.metrics))
        except ConfigError as error:
            raise ConfigError(f"--metrics: {error}") from None
    if args.skip_idle is not None:
        setup = replace(setup, skip_idle=args.skip_idle)
    if args.poll_rate_minutes is not None:
        setup = replace(setup, poll_rate_minutes=args.poll_rate_minutes)
    if args.backend is not None:
        setup = replace(setup, backend=args.backend)
    return setup


def _cmd_simulate(args: argparse.Namespace) -> int:
    from symbee_sim.cli import run  # noqa: PLC0415

    return run(args)


def _no_simulator(args: argparse.Namespace) -> int:
    raise ConfigError("the simulator is not installed here (it ships with the source, not the Lambda asset)")


def _queue_json(queue: QueueStats) -> dict[str, object]:
    return {
        "queueId": queue.queue_id,
        "queueName": queue.queue_name,
        "deliveryProvider": queue.delivery_provider,
        "taskType": queue.task_type,
        "openClosedState": queue.open_state,
        "metrics": dict(queue.values),
    }


def _print_summary(result: PollResult, stream: TextIO) -> None:
    summary = result.summary()
    published = (
        f"published {summary['datums']} datums in {summary['requests']} {result.published.request_name} request(s)"
        if result.published is not None
        else "dry run: nothing published"
    )
    print(
        f"{summary['queues']} queues, {summary['invalid_records']} invalid records, "
        f"API {summary['api_latency_ms']} ms; {published}",
        file=stream,
    )


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


# --- notify-test: the notifier's fire drill ----------------------------------------------------------

# Flags that override one of the notifier's environment variables: (flag, variable, help).
_NOTIFY_OVERRIDES: tuple[tuple[str, str, str], ...] = (
    ("--environment", n.ENV_ENVIRONMENT, "Symbee Connect environment name"),
    ("--namespace", n.ENV_METRICS_NAMESPACE, f"CloudWatch namespace (default {n.DEFAULT_NAMESPACE})"),
    ("--notify-topic-arn", n.ENV_NOTIFY_TOPIC_ARN, "SNS topic for email"),
    ("--chat-topic-arn", n.ENV_CHAT_TOPIC_ARN, "SNS topic for chat (Amazon Q Developer)"),
    ("--pagerduty-secret-id", n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID, "Secrets Manager id of the routing key"),
    ("--pagerduty-url", n.ENV_PAGERDUTY_EVENTS_URL, f"Events API v2 URL (default {n.DEFAULT_PAGERDUTY_EVENTS_URL})"),
    ("--dashboard-url", n.ENV_DASHBOARD_URL, "link put in every message"),
    ("--runbook-url", n.ENV_RUNBOOK_URL, "link base for 'what to do'"),
)
DEFAULT_STACK_PREFIX = "SymbeeQueueStats"  # the stack's default `stackName`
DEFAULT_DRILL_ALARM = "oldestItemAge"


def _add_notify_test(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from queue_stats.alarm_catalog import KINDS  # noqa: PLC0415 - only this command needs it

    drill = commands.add_parser(
        "notify-test",
        help="send a clearly marked TEST notification through every configured channel",
        description=(
            "Sends a TEST transition of one alarm for one queue through every channel the notifier is "
            "configured with (email, chat, pager), with the queue's real numbers, and prints where each "
            "went. Configured by the notifier's environment variables, or by --stack."
        ),
    )
    group = drill.add_argument_group("configuration (each overrides its environment variable)")
    for flag, variable, text in _NOTIFY_OVERRIDES:
        group.add_argument(flag, dest=variable, metavar=variable, help=text)
    drill.add_argument("--queue", help="the queue's name or id (required for a queue alarm)")
    drill.add_argument(
        "--stack",
        help=f"read the settings of this deployed stack's notifier (output {n.OUTPUT_NOTIFIER_FUNCTION_NAME})",
    )
    drill.add_argument(
        "--alarm",
        choices=[kind.key for kind in KINDS],
        default=DEFAULT_DRILL_ALARM,
        help=f"which alarm the test is for (default {DEFAULT_DRILL_ALARM})",
    )
    drill.add_argument(
        "--resolve", action="store_true", help="send the TEST OK instead: resolves the test incident the pager opened"
    )
    drill.set_defaults(run=_cmd_notify_test)


def _cmd_notify_test(args: argparse.Namespace) -> int:
    from queue_stats.alarm_catalog import BY_KEY  # noqa: PLC0415 - boto3 only when a command needs it
    from queue_stats.notify_runtime import NotifyRuntime  # noqa: PLC0415
    from queue_stats.settings import NotifierSettings  # noqa: PLC0415

    kind = BY_KEY[args.alarm]
    if kind.per_queue and not (args.queue or "").strip():
        raise ConfigError(f"--queue is required for the {kind.key} alarm (a queue name or id)")
    environ: dict[str, str] = dict(os.environ)
    if args.stack:
        environ.update(_stack_notifier_environment(args.stack))
    overrides = {variable: getattr(args, variable) for _, variable, _ in _NOTIFY_OVERRIDES}
    settings = NotifierSettings.from_env({**environ, **{k: v for k, v in overrides.items() if v is not None}})
    if not settings.channels:
        raise ConfigError(
            f"no channel is configured: set {n.ENV_NOTIFY_TOPIC_ARN}, {n.ENV_CHAT_TOPIC_ARN} or "
            f"{n.ENV_PAGERDUTY_ROUTING_KEY_SECRET_ID} (or name a deployed stack with --stack)"
        )
    runtime = NotifyRuntime.create(settings)
    queue = None
    if kind.per_queue:
        queue, note = runtime.find_queue(args.queue)
        if note:
            print(note, file=sys.stderr)
    stack = args.stack or f"{DEFAULT_STACK_PREFIX}-{_stack_suffix(settings.environment)}"
    outcome = runtime.drill(queue, kind, alarm_name=f"{stack}-{kind.name}", resolve=args.resolve)

    out = sys.stdout
    state = "OK" if args.resolve else "ALARM"
    about = f"{queue.display_name} ({settings.environment})" if queue else settings.environment
    print(f"TEST {state} for {about}, alarm {stack}-{kind.name}:", file=out)
    good, bad = _marks(out)
    for delivery in outcome.deliveries:
        mark = good if delivery.ok else bad
        print(f"{mark} {delivery.channel:<5}  {delivery.target}  {' '.join(delivery.detail.split())}", file=out)
    numbers = outcome.numbers
    if numbers is not None:
        as_of = f" (as of {numbers.as_of:%H:%M} UTC)" if numbers.as_of else ""
        read = f"read from CloudWatch{as_of}" if numbers.unavailable is None else f"unavailable: {numbers.unavailable}"
        print(f"numbers: {read}", file=out)
    if not args.resolve and settings.pagerduty_routing_key_secret_id and not outcome.failed:
        resolve = " ".join(_drill_command(args))
        print(f"The test incident stays open until you resolve it: {resolve} --resolve", file=out)
    if outcome.failed:
        failed = ", ".join(d.channel for d in outcome.failed)
        return _fail(f"{len(outcome.failed)} of {len(outcome.deliveries)} channel(s) failed: {failed}", EXIT_FAILED)
    return EXIT_OK


def _stack_notifier_environment(stack: str) -> dict[str, str]:
    """The notifier function's environment variables in a deployed stack, read with the caller's
    credentials: the stack's output names the function, its configuration holds the variables."""
    import boto3  # noqa: PLC0415 - only this command needs it
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack).get("Stacks", [])
        outputs = {o.get("OutputKey"): o.get("OutputValue") for o in (stacks[0].get("Outputs", []) if stacks else [])}
        function = outputs.get(n.OUTPUT_NOTIFIER_FUNCTION_NAME)
        if not function:
            raise ConfigError(
                f"stack {stack!r} has no output {n.OUTPUT_NOTIFIER_FUNCTION_NAME}: deploy a version with the notifier"
            )
        configuration = boto3.client("lambda").get_function_configuration(FunctionName=function)
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise QueueStatsError(
            f"could not read the notifier's settings from stack {stack!r}: "
            f"{detail.get('Code', 'error')}: {detail.get('Message', '')}"
        ) from None
    except BotoCoreError as error:
        raise QueueStatsError(f"could not read the notifier's settings from stack {stack!r}: {error}") from None
    variables = configuration.get("Environment", {}).get("Variables", {})
    return {str(k): str(v) for k, v in variables.items()}


def _stack_suffix(environment: str) -> str:
    """The stack name's environment part, as the stack writes it (infra/config.py)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", environment).strip("-") or "env"


def _drill_command(args: argparse.Namespace) -> list[str]:
    words = [PROG, "notify-test", "--alarm", args.alarm]
    if args.queue:
        words += ["--queue", shlex.quote(args.queue)]
    if args.stack:
        words += ["--stack", shlex.quote(args.stack)]
    return words


def _marks(stream: TextIO) -> tuple[str, str]:
    """✓ and ✗ where the terminal can print them, else plain words."""
    return ("✓", "✗") if _can_print(stream, "✓✗") else ("OK  ", "FAIL")


def _can_print(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# --- doctor: the deployed stack's self-check -------------------------------------------------------

CDK_JSON = "cdk.json"


def _add_doctor(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check a deployed stack: one line per check, what to do for each failure",
        description=(
            "Checks a deployed stack with your AWS credentials: the stack is complete; the schedule is enabled and "
            "ran the poller; the latest polls succeeded; the poller's role may read the API key; every alarm exists "
            "with actions enabled, none stuck in INSUFFICIENT_DATA, none with an evaluation problem; no email "
            "subscription pending; no dead letters; the queues fit what the alarms evaluate. One line per check: "
            "✓ passed, ✗ failed (with what to do), ? could not be checked (with why), – not deployed with this "
            "stack. Exit status 0 only when no check failed."
        ),
    )
    doctor.add_argument(
        "--stack",
        action="append",
        metavar="NAME",
        help=f"a deployed stack (<stackName>-<environment>); repeat for several. Default: every stack of ./{CDK_JSON}",
    )
    doctor.add_argument("--region", help="the stacks' AWS region (default: AWS_REGION, or the profile's)")
    doctor.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE)")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.set_defaults(run=_cmd_doctor)


def _cmd_doctor(args: argparse.Namespace) -> int:
    import boto3  # noqa: PLC0415 - only this command needs it
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    from queue_stats import doctor  # noqa: PLC0415
    from queue_stats.doctor_aws import StackReader, gather  # noqa: PLC0415

    stacks = args.stack or _cdk_json_stacks()
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
    except BotoCoreError as error:
        raise ConfigError(str(error)) from None
    if not session.region_name:
        raise ConfigError("no AWS region: pass --region or set AWS_REGION (or a region in the profile)")
    reader = StackReader(session)
    reports = [doctor.diagnose(gather(reader, name)) for name in dict.fromkeys(stacks)]
    out = sys.stdout
    if args.json:
        out.write(doctor.render_json(reports) + "\n")
    else:
        marks = doctor.MARKS if _can_print(out, "".join(doctor.MARKS.values()) + "→") else doctor.ASCII_MARKS
        text = "\n\n".join(doctor.render(report, marks=marks) for report in reports)
        out.write((text if marks is doctor.MARKS else text.replace("→", "->")) + "\n")
    failed = [f"{report.stack}: {check.id}" for report in reports for check in report.failed]
    if failed:
        return _fail(f"{len(failed)} check(s) failed: {', '.join(failed)}", EXIT_FAILED)
    return EXIT_OK


def _cdk_json_stacks() -> list[str]:
    """Every stack the cdk.json in the current folder deploys, by the stack's own naming."""
    from queue_stats import cdk_context  # noqa: PLC0415 - needs the checkout's infra/

    path = Path(CDK_JSON)
    if not path.is_file():
        raise ConfigError(f"name the stack: --stack <stackName>-<environment> (no {CDK_JSON} here to read it from)")
    return cdk_context.stack_names(path, flag=CDK_JSON, instead="name the stack with --stack instead")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
