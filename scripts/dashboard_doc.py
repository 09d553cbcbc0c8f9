"""Renders the README's description of the dashboard's rows from infra/dashboard_layout.py, the
list the dashboard itself is built from.

    python scripts/dashboard_doc.py            # print the rows
    python scripts/dashboard_doc.py --write    # replace them in README.md, between their markers
    python scripts/dashboard_doc.py --check    # exit 1 if README.md is out of date

tests/infra/test_dashboard.py fails when the README and the dashboard disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from infra.dashboard_layout import README_END, README_START, render_markdown  # noqa: E402

README = ROOT / "README.md"


def updated(text: str) -> str:
    """`text` with the part between the markers replaced by the current rendering."""
    if README_START not in text or README_END not in text:
        raise SystemExit(f"{README.name} has no {README_START} ... {README_END} markers")
    before, rest = text.split(README_START, 1)
    _, after = rest.split(README_END, 1)
    return f"{before}{README_START}\n{render_markdown()}\n{README_END}{after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update README.md")
    action.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args()
    if not (args.write or args.check):
        print(render_markdown())
        return 0
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if args.check:
        if new != text:
            print(f"{README.name}: the dashboard rows are out of date; run {Path(__file__).name} --write")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
