"""The operator documentation of the configuration, generated from the models in
`infra/config.py`: the README's table of cdk.json keys and `cdk.schema.json`, the JSON Schema of
cdk.json that editors use to complete and check it. `scripts/config_docs.py` writes both; a test
fails when either is stale.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from infra import PROJECT_ROOT
from infra.config import AppConfig, EnvironmentConfig

README: Final = PROJECT_ROOT / "README.md"
SCHEMA: Final = PROJECT_ROOT / "cdk.schema.json"
TABLE_BEGIN: Final = "<!-- cdk.json keys: generated from infra/config.py by scripts/config_docs.py -->"
TABLE_END: Final = "<!-- end of generated cdk.json keys -->"


def _extra(info: FieldInfo) -> Mapping[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, Mapping) else {}


def _default_text(info: FieldInfo) -> str:
    if "x-default-text" in _extra(info):
        return str(_extra(info)["x-default-text"])
    if info.is_required():
        return "*(required)*"
    if info.default is None:
        return "none"
    value = list(info.default) if isinstance(info.default, tuple) else info.default
    return f"`{value}`" if isinstance(value, str) else f"`{json.dumps(value)}`"


def context_table() -> str:
    """The README's table: every key, its default and what it means, in the models' order."""
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for model in (EnvironmentConfig, AppConfig):
        for name, info in model.model_fields.items():
            rows.append(f"| `{info.alias or name}` | {_default_text(info)} | {info.description} |")
    return "\n".join(rows)


def readme(text: str) -> str:
    """`text` (the README) with the generated table between its markers replaced."""
    head, rest = text.split(TABLE_BEGIN, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_BEGIN}\n{context_table()}\n{TABLE_END}{tail}"


def _clean(node: Any) -> Any:
    """Pydantic's JSON Schema without its generated titles and this project's README-only hints;
    an unset optional key may also be "" (how an `environments` entry clears a value)."""
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    cleaned = {k: _clean(v) for k, v in node.items() if k != "title" and not k.startswith("x-")}
    if "x-default" in node:
        cleaned["default"] = node["x-default"]
    if {"type": "null"} in cleaned.get("anyOf", []):
        cleaned["anyOf"].append({"const": ""})
    return cleaned


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema(by_alias=True)
    return schema


def context_schema() -> dict[str, Any]:
    """The JSON Schema of this project's cdk.json: the CLI's keys, CDK's feature flags, and the
    stack's context keys checked as synth checks them (string forms for `-c` aside)."""
    environment = _schema(EnvironmentConfig)
    app = _schema(AppConfig)
    definitions = {**environment.pop("$defs", {}), **app.pop("$defs", {})}
    entry = {**environment, "required": ["environment"]}
    definitions["Environment"] = entry
    top_level = {**environment["properties"], **app["properties"]}
    top_level["environments"] = {**top_level["environments"], "items": {"$ref": "#/$defs/Environment"}}
    context = {
        "type": "object",
        "description": "The stack's configuration (README: Configuration). Keys starting with '@' are CDK "
        "feature flags.",
        "properties": top_level,
        # Either one environment at the top level, or a list of them.
        "oneOf": [{"required": ["environment"]}, {"required": ["environments"]}],
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"app": {"type": "string"}, "watch": {"type": "object"}, "context": context},
        "$defs": dict(sorted(definitions.items())),
    }
    return {"title": "cdk.json of symbee-queue-stats", **_clean(schema)}


def generated_files() -> dict[Path, str]:
    """Each generated file's path and its up-to-date content."""
    return {
        README: readme(README.read_text()),
        SCHEMA: json.dumps(context_schema(), indent=2, ensure_ascii=False) + "\n",
    }
