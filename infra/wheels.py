"""The Lambda's asset: its pinned dependencies as wheels for its platform (downloaded once into a
local cache, then installed from there by every synth), the package, and their bytecode compiled by
the runtime's own Python. No CDK import, so the Makefile's download step (`python -m infra.wheels`)
starts fast.

Installing from the cache with `--no-index` makes synth work offline, and compiling
deterministically (below) makes it write the same bytes, hence the same asset hash, on every run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from infra import LAMBDA_SRC, PROJECT_ROOT

# The Lambda runtime's Python (infra/bundling.py picks the matching CDK runtime).
PYTHON_VERSION: Final = "3.13"
PACKAGE: Final = "queue_stats"
WHEEL_CACHE: Final = PROJECT_ROOT / ".cache" / "wheels"
REQUIREMENTS: Final = LAMBDA_SRC / "requirements.txt"
# Where the function's code lives in Lambda: the paths written into the bytecode (tracebacks show
# the real path anyway: the import system rewrites it when it loads a .pyc).
TASK_ROOT: Final = "/var/task"
# Names an interpreter of PYTHON_VERSION, when none is found by itself.
PYTHON_ENV: Final = "LAMBDA_PYTHON"
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


# The same wheels for the machine running the build instead (the benchmark imports them here).
HOST_PLATFORM_ARGS: Final = ("--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON_VERSION)


def build(output_dir: Path, *, wheel_cache: Path = WHEEL_CACHE, platform_args: tuple[str, ...] = PLATFORM_ARGS) -> None:
    """Install the pinned dependencies from the wheel cache into `output_dir`, then the package,
    then compile both."""
    if not any(wheel_cache.glob("*.whl")):
        raise BundlingError(
            f"the wheel cache {wheel_cache} is empty; run `make synth` (or `python -m infra.wheels`) "
            "once with access to PyPI to fill it"
        )
    command = [
        sys.executable, "-m", "pip", "install",
        "--isolated",  # ignore the machine's pip config: only the cache counts
        "--quiet", "--disable-pip-version-check",
        "--no-compile",  # .pyc files would differ between machines and change the asset hash
        "--no-index", "--find-links", str(wheel_cache),
        "--target", str(output_dir),
        *platform_args,
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BundlingError(
            f"pip could not install {REQUIREMENTS.name} from {wheel_cache} "
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
    try:
        interpreter = runtime_python()
    except BundlingError as missing:
        if os.environ.get(PYTHON_ENV):  # asked for by name: a wrong one is an error, not a fallback
            raise
        # Bytecode only speeds up cold starts: without the runtime's Python the asset still works.
        print(f"Warning: {missing}. The asset ships without bytecode: cold starts are slower.", file=sys.stderr)
        return
    compile_bytecode(output_dir, interpreter)


def compile_bytecode(output_dir: Path, python: str | None = None) -> None:
    """Every module's .pyc, compiled by the runtime's Python, so a cold start loads bytecode
    instead of compiling boto3, botocore and the rest from source (`/var/task` is read-only:
    without these, every new container compiles them again).

    Deterministic, so the asset hash only changes with the code: one process (no workers),
    compileall's sorted walk, a fixed hash seed (set and frozenset constants), paths inside the
    bytecode relative to TASK_ROOT rather than this build's temporary folder, and
    `unchecked-hash` invalidation, which stores a hash of the source instead of its mtime; the
    runtime then never compares the two (the asset is immutable)."""
    interpreter = python or runtime_python()
    command = [
        interpreter, "-I", "-S",  # this interpreter alone: no site-packages, no user settings
        "-m", "compileall", "-q",
        "--invalidation-mode", "unchecked-hash",
        "-s", str(output_dir), "-p", TASK_ROOT,
        str(output_dir),
    ]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BundlingError(
            f"Python {PYTHON_VERSION} ({interpreter}) could not compile the Lambda's bytecode: "
            f"{(result.stdout + result.stderr).strip()[-2000:]}"
        )


def runtime_python(environ: Mapping[str, str] = os.environ) -> str:
    """An interpreter of the runtime's version: LAMBDA_PYTHON, this one, python3.13 on PATH, or
    one of pyenv's. Raises BundlingError saying what to install when there is none."""
    explicit = environ.get(PYTHON_ENV)
    if explicit:
        if _version_of(explicit) != PYTHON_VERSION:
            raise BundlingError(
                f"{PYTHON_ENV}={explicit} is not a Python {PYTHON_VERSION} interpreter; the Lambda "
                f"runs Python {PYTHON_VERSION} and its bytecode must be compiled by that version"
            )
        return explicit
    pyenv_root = environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = [
        sys.executable,
        shutil.which(f"python{PYTHON_VERSION}", path=environ.get("PATH")),
        *sorted(glob.glob(f"{pyenv_root}/versions/{PYTHON_VERSION}*/bin/python{PYTHON_VERSION}"), reverse=True),
    ]
    for candidate in candidates:
        if candidate and _version_of(candidate) == PYTHON_VERSION:
            return candidate
    raise BundlingError(
        f"Python {PYTHON_VERSION} is needed to build the Lambda asset (the function runs Python "
        f"{PYTHON_VERSION} and ships bytecode compiled by it), and none was found: install it "
        f"(`pyenv install {PYTHON_VERSION}`, `uv python install {PYTHON_VERSION}` or your system's "
        f"python{PYTHON_VERSION} package), or set {PYTHON_ENV} to its path"
    )


def _version_of(interpreter: str) -> str | None:
    """`major.minor` of an interpreter, or None when it does not run (a pyenv shim without it)."""
    try:
        result = subprocess.run(  # noqa: S603
            [interpreter, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def download(wheel_cache: Path = WHEEL_CACHE, platform_args: tuple[str, ...] = PLATFORM_ARGS) -> None:
    """Fill the wheel cache (needs access to the package index once)."""
    wheel_cache.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download",
        "--quiet", "--disable-pip-version-check",
        "--dest", str(wheel_cache),
        *platform_args,
        "-r", str(REQUIREMENTS),
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603


if __name__ == "__main__":
    download()
