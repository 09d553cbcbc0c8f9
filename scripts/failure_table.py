"""Renders the README's "Failure behaviour" table from the fault suite's scenario registry.

    python scripts/failure_table.py            # print the table
    python scripts/failure_table.py --write    # replace it in README.md, between its markers
    python scripts/failure_table.py --check    # exit 1 if README.md is out of date

tests/faults/test_registry.py fails when the README and the registry disagree, so the table
cannot drift from what the suite proves.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from scripts.readme_section import main  # noqa: E402
from tests.faults.registry import END, START, render  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(description=__doc__.splitlines()[0], script=Path(__file__).name, start=START, end=END, render=render))
