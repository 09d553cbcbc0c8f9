"""Renders the README's example notifications (Notifications section) with the notifier's own code.

    python scripts/notify_examples.py            # print them
    python scripts/notify_examples.py --write    # replace them in README.md, between their markers
    python scripts/notify_examples.py --check    # exit 1 if README.md is out of date

tests/unit/test_notify_readme.py fails when the README's copy differs, so it cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from scripts.readme_block import main  # noqa: E402
from tests.notify_examples import END, START, render  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            what="the example notifications",
            script=Path(__file__).name,
            start=START,
            end=END,
            render=render,
        )
    )
