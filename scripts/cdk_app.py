"""The CDK CLI's `app` command (cdk.json): run app.py with an interpreter that has the CDK libraries.

The CLI runs `python3 scripts/cdk_app.py` in whatever shell the operator has, where `python3` is
often the system's, without aws-cdk-lib (or with some other version of it). So app.py runs with,
in this order: the virtualenv running this file, if it has aws_cdk (an activated one, or `.venv`
itself under `make`, which puts `.venv/bin` first on PATH); else the project's `.venv` made by
`make install`, with the pinned versions; else this interpreter, if it has aws_cdk. Without any,
it says what to run in one line instead of `ModuleNotFoundError: No module named 'aws_cdk'`.
Standard library only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def interpreter() -> str | None:
    """The interpreter to run app.py with (see the module's docstring for the order)."""
    has_cdk = importlib.util.find_spec("aws_cdk") is not None
    in_virtualenv = sys.prefix != sys.base_prefix
    if has_cdk and in_virtualenv:
        return sys.executable
    if VENV_PYTHON.exists():
        return str(VENV_PYTHON)
    return sys.executable if has_cdk else None


def main() -> None:
    python = interpreter()
    if python is None:
        sys.exit(
            f"{sys.executable} has no aws_cdk and {VENV_PYTHON} does not exist: "
            "run `make install` in the project folder first"
        )
    # exec, so the CLI talks to app.py directly: same process, same exit status and signals.
    os.execv(python, [python, str(APP), *sys.argv[1:]])


if __name__ == "__main__":
    main()
