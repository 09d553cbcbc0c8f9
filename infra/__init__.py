"""The CDK app's constructs: the poller, its alarms and notifications, and the dashboard.

The runtime's shared names live in `lambda_src/queue_stats/names.py`; putting `lambda_src` on the
path here lets every infra module import them even where the project is not pip-installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_SRC = PROJECT_ROOT / "lambda_src"

if str(LAMBDA_SRC) not in sys.path:
    sys.path.insert(0, str(LAMBDA_SRC))
