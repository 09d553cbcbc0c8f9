"""Renders the README's "Cost" section from the cost model (lambda_src/queue_stats/cost.py).

    python scripts/cost_table.py            # print the section
    python scripts/cost_table.py --write    # replace it in README.md, between its markers
    python scripts/cost_table.py --check    # exit 1 if README.md is out of date

tests/unit/test_cost_readme.py fails when the README and the model disagree, so a changed price,
default or metric count cannot leave the README's figures behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from queue_stats.cost_report import README_END, README_START, render_readme  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="the cost section",
            start=README_START,
            end=README_END,
            render=render_readme,
        )
    )
