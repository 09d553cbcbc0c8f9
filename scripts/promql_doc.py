"""Renders the README's table of the OpenTelemetry backend's PromQL (alarm conditions and dashboard
queries) from infra/promql_docs.py, the code the stack builds them with.

    python scripts/promql_doc.py            # print the tables
    python scripts/promql_doc.py --write    # replace them in README.md, between their markers
    python scripts/promql_doc.py --check    # exit 1 if README.md is out of date

tests/infra/test_promql_stack.py fails when the README and the code disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from infra.promql_docs import README_END, README_START, render_markdown  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="the OpenTelemetry backend's PromQL",
            start=README_START,
            end=README_END,
            render=render_markdown,
        )
    )
