"""The project's cdk.json, read by the stack's own loader (`infra.config.load_config`), for the
commands an operator runs from the checkout: `cost --config` prices its environments, `doctor`
checks their stacks.

`infra/` ships with the source, not with the Lambda asset or the installed package, so it is found
beside the cdk.json (or on the path).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from queue_stats.errors import ConfigError


def load_app(path: Path, *, flag: str, instead: str) -> Any:
    """The cdk.json at `path` as the stack's `AppConfig`; ConfigError naming `flag` and what is wrong."""
    context = read_context(path, flag=flag)
    config = infra_config(path, flag=flag, instead=instead)
    try:
        return config.load_config(context.get)
    except ValueError as error:  # the loader's ConfigError (and pydantic's) name the key
        raise ConfigError(f"{path}: {error}") from None


def stack_names(path: Path, *, flag: str, instead: str) -> list[str]:
    """The name of each stack the cdk.json at `path` deploys (`<stackName>-<environment>`)."""
    return [str(env.stack_name) for env in load_app(path, flag=flag, instead=instead).environments]


def read_context(path: Path, *, flag: str) -> Mapping[str, Any]:
    """The `context` object of the cdk.json at `path`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{flag} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{flag} {path}: cannot read it: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{flag} {path}: not valid JSON: {error.msg} (line {error.lineno})") from None
    context = document.get("context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise ConfigError(f'{flag} {path}: has no "context" object (is it the project\'s cdk.json?)')
    return context


def infra_config(path: Path, *, flag: str, instead: str) -> Any:
    """The stack's configuration module, from the checkout beside `path` (or the path); `instead`
    says what the operator can do without it."""
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)
    try:
        return importlib.import_module("infra.config")
    except ImportError as error:
        raise ConfigError(
            f"{flag} needs the project's source checkout (its infra/ package, beside {path.name}), which is "
            f"not importable here ({error}); {instead}"
        ) from None
