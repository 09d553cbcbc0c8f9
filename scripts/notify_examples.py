"""Renders the README's example notifications (Notifications section) with the notifier's own code.

    python scripts/notify_examples.py            # print them
    python scripts/notify_examples.py --write    # replace them in README.md, between their markers
    python scripts/notify_examples.py --check    # exit 1 if README.md is out of date

tests/unit/test_notify_readme.py fails when the README's copy differs, so it cannot drift.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from tests.notify_examples import END, START, render  # noqa: E402

README = ROOT / "README.md"


def updated(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"{README.name} has no {START} ... {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{render()}\n{END}{after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update README.md")
    action.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args()
    if not (args.write or args.check):
        print(render())
        return 0
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if args.check:
        if new != text:
            print(f"{README.name}: the example notifications are out of date; run {Path(__file__).name} --write")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
