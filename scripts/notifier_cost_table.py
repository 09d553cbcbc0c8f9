"""Renders the README's notifier cost (section "Notifications") from the cost model.

    python scripts/notifier_cost_table.py            # print the table
    python scripts/notifier_cost_table.py --write    # replace it in README.md, between its markers
    python scripts/notifier_cost_table.py --check    # exit 1 if README.md is out of date

tests/unit/test_notify_readme.py fails when the README and the model disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from queue_stats.cost_report import NOTIFIER_README_END, NOTIFIER_README_START, render_notifier_readme  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="the notifier's cost",
            start=NOTIFIER_README_START,
            end=NOTIFIER_README_END,
            render=render_notifier_readme,
        )
    )
