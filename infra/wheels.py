"""The Lambda's pinned dependencies as wheels for its platform: downloaded once into a local
cache, then installed from there by every synth. No CDK import, so the Makefile's download step
(`python -m infra.wheels`) starts fast.

Installing from the cache with `--no-index` makes synth work offline and write the same bytes,
hence the same asset hash, on every run and every machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

from infra import LAMBDA_SRC, PROJECT_ROOT

# The Lambda runtime's Python (infra/bundling.py picks the matching CDK runtime).
PYTHON_VERSION: Final = "3.13"
PACKAGE: Final = "queue_stats"
WHEEL_CACHE: Final = PROJECT_ROOT / ".cache" / "wheels"
REQUIREMENTS: Final = LAMBDA_SRC / "requirements.txt"
# Wheels for Lambda's arm64 Amazon Linux, whatever machine runs the synth.
PLATFORM_ARGS: Final = (
    "--platform",
    "manylinux2014_aarch64",
    "--only-binary=:all:",
    "--implementation",
    "cp",
    "--python-version",
    PYTHON_VERSION,
)


class BundlingError(RuntimeError):
    """The asset could not be built; the message says what to run."""


def build(output_dir: Path) -> None:
    """Install the pinned dependencies from the wheel cache into `output_dir`, then the package."""
    if not any(WHEEL_CACHE.glob("*.whl")):
        raise BundlingError(
            f"the wheel cache {WHEEL_CACHE} is empty; run `make synth` (or `python -m infra.wheels`) "
            "once with access to PyPI to fill it"
        )
    command = [
        sys.executable, "-m", "pip", "install",
        "--isolated",  # ignore the machine's pip config: only the cache counts
        "--quiet", "--disable-pip-version-check",
        "--no-compile",  # .pyc files would differ between machines and change the asset hash
        "--no-index", "--find-links", str(WHEEL_CACHE),
        "--target", str(output_dir),
        *PLATFORM_ARGS,
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BundlingError(
            f"pip could not install {REQUIREMENTS.name} from {WHEEL_CACHE} "
            f"(run `python -m infra.wheels` to refresh the cache): {result.stderr.strip()[-2000:]}"
        )
    # Console scripts carry this machine's interpreter path and never run in Lambda.
    shutil.rmtree(output_dir / "bin", ignore_errors=True)
    shutil.copytree(
        LAMBDA_SRC / PACKAGE,
        output_dir / PACKAGE,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        dirs_exist_ok=True,
    )


def download() -> None:
    """Fill the wheel cache (needs access to the package index once)."""
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download",
        "--quiet", "--disable-pip-version-check",
        "--dest", str(WHEEL_CACHE),
        *PLATFORM_ARGS,
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603


if __name__ == "__main__":
    download()
