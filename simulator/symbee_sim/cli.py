"""The simulator's command line: `symbee-queue-stats simulate` and `python -m symbee_sim`.

`add_arguments` fills a parser (a subcommand's, in the project CLI) and `run` serves until Ctrl-C.
Argument destinations are prefixed `sim_` so they cannot collide with a host CLI's own options.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from queue_stats.names import ENV_API_URL, ENV_COMPANY_CODE, ENV_ENVIRONMENT, ENV_SECRETS_REGION

from .faults import FAULT_KINDS, Fault
from .server import SimulatorServer

DEFAULT_PORT = 8080


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the simulator's options to `parser`. It always binds 127.0.0.1, so there is no --host."""
    parser.add_argument(
        "--port",
        dest="sim_port",
        metavar="PORT",
        type=int,
        default=DEFAULT_PORT,
        help="port on 127.0.0.1; 0 picks a free one",
    )
    parser.add_argument(
        "--queues",
        dest="sim_queues",
        type=_non_negative,
        default=None,
        metavar="N",
        help="serve N generated queues that change every minute (default: the vendor's 3-queue example)",
    )
    parser.add_argument(
        "--seed", dest="sim_seed", metavar="SEED", type=int, default=1, help="seed of the generated queues"
    )
    parser.add_argument("--api-key", dest="sim_api_key", metavar="KEY", default="sim-api-key", help="the key to accept")
    parser.add_argument("--company-code", dest="sim_company_code", metavar="CODE", default="abc-gadgets")
    parser.add_argument("--environment", dest="sim_environment", metavar="NAME", default="prod")
    parser.add_argument(
        "--secrets-region",
        dest="sim_secrets_region",
        metavar="REGION",
        default=None,
        help="require this X-sc-secrets-region (default: accept any)",
    )
    faults = parser.add_argument_group("faults", "misbehave on purpose, to exercise a client's error handling")
    faults.add_argument(
        "--fault",
        dest="sim_faults",
        action="append",
        choices=FAULT_KINDS,
        default=[],
        metavar="KIND",
        help=f"inject a fault (repeatable, applied in order): {', '.join(FAULT_KINDS)}",
    )
    faults.add_argument(
        "--fault-status",
        dest="sim_fault_status",
        metavar="STATUS",
        type=int,
        default=500,
        help="HTTP status for 'status'",
    )
    faults.add_argument(
        "--retry-after", dest="sim_retry_after", metavar="VALUE", default=None, help="Retry-After for 'status'"
    )
    faults.add_argument(
        "--delay",
        dest="sim_delay",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="seconds for 'slow', 'hang' (default 30) and 'dribble'",
    )
    faults.add_argument(
        "--fault-times",
        dest="sim_fault_times",
        type=int,
        default=None,
        metavar="N",
        help="apply each fault to the next N requests only (default: every request)",
    )
    faults.add_argument(
        "--fault-location", dest="sim_fault_location", metavar="URL", default=None, help="Location for 'redirect'"
    )
    parser.add_argument(
        "--rotate-key-after",
        dest="sim_rotate_key_after",
        type=int,
        default=None,
        metavar="N",
        help="after N requests, accept only '<api-key>-rotated'",
    )
    parser.add_argument("--verbose", dest="sim_verbose", action="store_true", help="log every request")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM); 0 then, non-zero with a one-line error if it cannot start."""
    try:
        faults = [
            Fault(
                kind=kind,
                times=args.sim_fault_times,
                status=args.sim_fault_status,
                retry_after=args.sim_retry_after,
                delay=args.sim_delay,
                location=args.sim_fault_location,
            )
            for kind in args.sim_faults
        ]
        sim = SimulatorServer(
            api_key=args.sim_api_key,
            company_code=args.sim_company_code,
            environment=args.sim_environment,
            secrets_region=args.sim_secrets_region,
            queues=args.sim_queues,
            seed=args.sim_seed,
            port=args.sim_port,
            verbose=args.sim_verbose,
            rotate_key_after=args.sim_rotate_key_after,
            on_key_rotated=_announce_rotation(args.sim_rotate_key_after),
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sim.start()
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.sim_port}: {error.strerror or error}", file=sys.stderr)
        return 1
    for fault in faults:
        sim.add_fault(fault)

    settings = {ENV_API_URL: sim.url, ENV_COMPANY_CODE: sim.company_code, ENV_ENVIRONMENT: sim.environment}
    if sim.secrets_region is not None:
        settings[ENV_SECRETS_REGION] = sim.secrets_region
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items())

    restore = _sigterm_as_interrupt()
    try:
        # Announced only once a Ctrl-C (or SIGTERM) is sure to stop the server cleanly: a script that
        # waits for this line and then interrupts must never catch the gap before the `try`.
        print(f"Symbee API simulator on {sim.url} (Ctrl-C to stop); point the poller at it: {exports}", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        restore()
    print(f"simulator stopped after {sim.requests} requests", file=sys.stderr, flush=True)
    return 0


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _announce_rotation(after: int | None) -> Callable[[str], None] | None:
    if after is None:
        return None

    def announce(new_key: str) -> None:
        # Printed on purpose: it is the simulator's own made-up key, and the operator has to put
        # the new value where the poller reads its key.
        print(f"API key rotated after {after} requests; now accepting only {new_key!r}", flush=True)

    return announce


def _sigterm_as_interrupt() -> Callable[[], None]:
    """Let SIGTERM stop the server cleanly like Ctrl-C (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
