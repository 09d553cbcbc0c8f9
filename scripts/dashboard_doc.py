"""Renders the README's description of the dashboard's rows from infra/dashboard_layout.py, the
list the dashboard itself is built from.

    python scripts/dashboard_doc.py            # print the rows
    python scripts/dashboard_doc.py --write    # replace them in README.md, between their markers
    python scripts/dashboard_doc.py --check    # exit 1 if README.md is out of date

tests/infra/test_dashboard.py fails when the README and the dashboard disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from infra.dashboard_layout import README_END, README_START, render_markdown  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="the dashboard's rows",
            start=README_START,
            end=README_END,
            render=render_markdown,
        )
    )
