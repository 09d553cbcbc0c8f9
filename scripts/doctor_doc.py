"""Renders the README's table of `doctor`'s checks from `queue_stats.doctor.CHECKS`, the list the
command itself runs.

    python scripts/doctor_doc.py            # print the table
    python scripts/doctor_doc.py --write    # replace it in README.md, between its markers
    python scripts/doctor_doc.py --check    # exit 1 if README.md is out of date

tests/unit/test_doctor.py fails when the README and the checks disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from queue_stats.doctor import README_END, README_START, render_markdown  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="doctor's checks",
            start=README_START,
            end=README_END,
            render=render_markdown,
        )
    )
