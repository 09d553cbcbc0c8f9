"""One generated section of README.md, between its two markers: print it, write it, or check it.

Shared by the scripts that generate README tables (failure_table.py, cost_table.py), so a table
that describes behaviour is rendered from the code and cannot drift.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def section(text: str, start: str, end: str) -> str:
    """What stands between the markers now, without the newlines next to them."""
    if start not in text or end not in text:
        raise SystemExit(f"{README.name} has no {start} ... {end} markers")
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def updated(text: str, start: str, end: str, body: str) -> str:
    section(text, start, end)  # both markers present
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{body}\n{end}{after}"


def main(*, description: str, script: str, start: str, end: str, render: Callable[[], str]) -> int:
    parser = argparse.ArgumentParser(description=description)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update README.md")
    action.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args()
    if not (args.write or args.check):
        print(render())
        return 0
    text = README.read_text(encoding="utf-8")
    new = updated(text, start, end, render())
    if args.check:
        if new != text:
            print(f"{README.name}: the section between {start} and {end} is out of date; run {script} --write")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0
