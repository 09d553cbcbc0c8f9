"""Keeps a generated block of README.md (between two HTML-comment markers) equal to its renderer.

Used by the scripts that render README blocks from the code: `print` (default), `--write`, `--check`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def updated(text: str, start: str, end: str, block: str) -> str:
    """`text` with what lies between `start` and `end` replaced by `block`."""
    if start not in text or end not in text:
        raise SystemExit(f"{README.name} has no {start} ... {end} markers")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{block}\n{end}{after}"


def main(*, description: str, what: str, script: str, start: str, end: str, render: Callable[[], str]) -> int:
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
            print(f"{README.name}: {what} is out of date; run {script} --write")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0
