"""`python -m symbee_sim`: serve the simulator on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from .cli import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m symbee_sim",
        description="A local simulator of the Symbee Connect Realtime Queue Statistics API.",
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
