"""The README's tables of environment variables list exactly what the settings read, so a new
variable cannot go undocumented and a removed one cannot linger."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from queue_stats import names as n
from queue_stats.settings import NotifierSettings, Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
# Read by both, documented once in the text above each table: boto3's own configuration.
AWS_VARIABLES = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION"})


class Recording(Mapping[str, str]):
    """An environment that remembers every variable asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self._values[key]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return self._values.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def table_variables(heading: str) -> set[str]:
    section = README.split(f"\n### {heading}\n", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, re.MULTILINE))


@pytest.mark.parametrize(
    ("parse", "heading"),
    [(Settings.from_env, "The poller: environment variables"), (NotifierSettings.from_env, "The notifier's settings")],
    ids=["poller", "notifier"],
)
def test_each_table_lists_exactly_the_variables_the_settings_read(parse: object, heading: str) -> None:
    # Given the minimal environment both need
    env = Recording({n.ENV_COMPANY_CODE: "abc-gadgets", n.ENV_ENVIRONMENT: "prod", "AWS_REGION": "us-east-1"})
    # When the settings are parsed
    parse(env)  # type: ignore[operator]
    # Then every variable they asked for (boto3's region aside) is a row of the table, and no other
    assert table_variables(heading) == env.asked - AWS_VARIABLES
