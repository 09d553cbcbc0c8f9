"""The building blocks of the configuration models: a frozen base model that names unknown keys,
value types that also take their `cdk -c key=value` string forms, and checks that carry both the
error message and what they add to the JSON Schema. No CDK, no knowledge of particular keys.

Every problem is a `PydanticCustomError` of type `config` whose message is the text after the key
in `cdk.json context key '<key>': <problem>`; `located` raises one at a path below the value being
validated (pydantic prefixes the path of the field it is in).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, core_schema

ERROR_TYPE: Final = "config"
Loc = tuple[str | int, ...]


def problem(text: str) -> PydanticCustomError:
    """A configuration problem at the value being validated."""
    return PydanticCustomError(ERROR_TYPE, text)


def located(loc: Loc, text: str, value: Any = None) -> ValidationError:
    """A configuration problem at `loc` below the value being validated."""
    details = InitErrorDetails(type=problem(text), loc=loc, input=value)
    return ValidationError.from_exception_data("cdk.json context", [details])


def blank(value: Any) -> bool:
    """Unset: CDK drops nulls from lists, so an empty string is how an entry says "not set"."""
    return value is None or (isinstance(value, str) and not value.strip())


class Model(BaseModel):
    """A frozen section of the context: camelCase keys, unknown ones refused by name, blank ones
    left to their default, and accepted as a JSON string (`-c alarms='{...}'`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, validate_by_name=False)
    unknown_key: ClassVar[str] = "unknown key; valid keys"
    refused_keys: ClassVar[Mapping[str, str]] = {}  # keys that exist elsewhere but not here: why

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, BaseModel):
            return data
        given = as_object(data)
        aliases = [f.alias or name for name, f in cls.model_fields.items()]
        by_name = list(cls.model_fields) if cls.model_config.get("validate_by_name") else []
        for key in given:
            if key in cls.refused_keys:
                raise located((key,), cls.refused_keys[key], given[key])
            if key not in aliases and key not in by_name:
                raise located((key,), f"{cls.unknown_key}: {', '.join(aliases)}", given[key])
        return {key: value for key, value in given.items() if not blank(value)}


# --- parsers: a value as cdk.json holds it, or the string `-c` delivers ----------------------------
def as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = as_json(value)
    if not isinstance(value, Mapping):
        raise problem(f"must be an object, got {type(value).__name__}")
    return dict(value)


def as_list(value: Any, *, comma_separated: bool = True) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") or not comma_separated:
            value = as_json(text)
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise problem(f"must be a list, got {type(value).__name__}")
    return list(value)


def as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise problem(f"is not valid JSON: {error.msg}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise problem(f"must be a string, got {type(value).__name__}")
    return value.strip()


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise problem(f"must be true or false, got {value!r}")


def _whole(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise problem(f"must be a whole number, got {value!r}")


def _number(value: Any) -> float:
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    if not math.isfinite(number):
        raise problem(f"must be a number, got {value!r}")
    return number


def _strings(value: Any) -> tuple[str, ...]:
    items = as_list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise located((index,), "must be a non-empty string", item)
    return tuple(item.strip() for item in items)


Text = Annotated[str, BeforeValidator(_text)]
Bool = Annotated[bool, BeforeValidator(_bool)]
Whole = Annotated[int, BeforeValidator(_whole)]
Number = Annotated[float, BeforeValidator(_number)]
Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]


# --- checks ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)  # compared by identity: typing hashes annotations
class Check:
    """A rule on an already parsed value: `ok` or the problem; `schema` is what it adds to the
    JSON Schema editors read (an enum, a range, a pattern)."""

    ok: Callable[[Any], bool]
    problem: str | Callable[[Any], str]
    schema: Mapping[str, Any] = field(default_factory=dict)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        result = handler(schema)
        result.update(self.schema)
        return result

    def _check(self, value: Any) -> Any:
        if not self.ok(value):
            raise problem(self.problem if isinstance(self.problem, str) else self.problem(value))
        return value


def between(low: int, high: int) -> Check:
    return Check(lambda v: low <= v <= high, f"must be between {low} and {high}", {"minimum": low, "maximum": high})


def one_of(choices: Sequence[Any]) -> Check:
    shown = ", ".join(map(str, choices))
    return Check(lambda v: v in choices, f"must be one of {shown}", {"enum": list(choices)})


def matches(pattern: str, text: str) -> Check:
    compiled = re.compile(pattern)
    return Check(lambda v: compiled.fullmatch(v) is not None, text, {"pattern": f"^(?:{pattern})$"})


def each(rule: Callable[[str], str | None]) -> Check:
    """Every item passes `rule` (which returns the problem with one item, or None)."""

    def first_problem(values: Sequence[str]) -> str | None:
        return next((p for p in map(rule, values) if p is not None), None)

    return Check(lambda vs: first_problem(vs) is None, lambda vs: first_problem(vs) or "")


class ReadOnly:
    """A validated mapping handed out as a read-only view (pydantic builds a dict), dumped as one."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            MappingProxyType,
            handler(source),
            serialization=core_schema.wrap_serializer_function_ser_schema(lambda value, dump: dump(dict(value))),
        )


@dataclass(frozen=True, eq=False)  # compared by identity: typing hashes annotations
class InputShape:
    """The JSON Schema of a value whose cdk.json form differs from its parsed type: that of the
    type `shape`, or the schema itself when `shape` is a dict."""

    shape: Any

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        if isinstance(self.shape, dict):
            return dict(self.shape)
        return handler(TypeAdapter(self.shape).core_schema)
