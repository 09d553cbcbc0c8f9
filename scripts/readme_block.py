"""Keeps a generated block of README.md, between two HTML-comment markers, in step with the code
it is rendered from. The scripts that render one block each (the Makefile's DOC_SCRIPTS, which `make
docs` runs) share this command line: print the block, `--write` it into
README.md, or `--check` it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def section(text: str, *, start: str, end: str) -> str:
    """What stands between the markers now, without the newlines next to them."""
    if start not in text or end not in text:
        raise SystemExit(f"{README.name} has no {start} ... {end} markers")
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def replaced(text: str, *, start: str, end: str, block: str) -> str:
    """`text` with the part between `start` and `end` replaced by `block`."""
    section(text, start=start, end=end)  # both markers present
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{block}\n{end}{after}"


def main(*, description: str, script: str, what: str, start: str, end: str, render: Callable[[], str]) -> int:
    """The command line of a script that renders one README block; returns the exit status."""
    parser = argparse.ArgumentParser(description=description)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update README.md")
    action.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args()
    if not (args.write or args.check):
        print(render())
        return 0
    text = README.read_text(encoding="utf-8")
    new = replaced(text, start=start, end=end, block=render())
    if args.check:
        if new != text:
            print(f"{README.name} is out of date ({what}); run {script} --write")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0
