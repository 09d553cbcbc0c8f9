"""Renders the README's "When an alarm fires" steps from the alarm catalog (the text the notifier sends).

python scripts/runbook_doc.py            # print them
python scripts/runbook_doc.py --write    # replace them in README.md, between their markers
python scripts/runbook_doc.py --check    # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda_src")]

from queue_stats.alarm_catalog import RUNBOOK_END, RUNBOOK_START, runbook_markdown  # noqa: E402
from scripts.readme_block import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(
        main(
            description=__doc__.splitlines()[0],
            script=Path(__file__).name,
            what="the alarm runbook",
            start=RUNBOOK_START,
            end=RUNBOOK_END,
            render=runbook_markdown,
        )
    )
