"""Regenerate the README's table of cdk.json keys and cdk.schema.json from infra/config.py
(`--check`: only report which is stale, exit 1). Run after changing a configuration field."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.config_docs import generated_files


def main(argv: list[str]) -> int:
    stale = [path for path, text in generated_files().items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.name} is stale: run python scripts/config_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_files().items():
        if path in stale:
            path.write_text(text)
            print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
