"""The shell commands README.md gives the reader, found where a reader would copy them from.

- every line of a fenced `sh`/`shell`/`bash` block (comments dropped, `\\` continuations joined);
- every `$ ` line of a fenced `console` block;
- every inline code span that is a `make` command (`make deploy CDK_ARGS="..."` in prose).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from infra import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
SHELL_BLOCKS = ("sh", "shell", "bash")
INLINE_MAKE = re.compile(r"`(make [^`]+)`")


@dataclass(frozen=True)
class Command:
    text: str  # as written, without its comment
    section: str  # the `## ` heading it is under
    line: int
    fenced: bool  # in a code block (a step to paste), not a span in prose

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def make_target(self) -> str | None:
        argv = self.argv
        return argv[1] if argv[0] == "make" and len(argv) > 1 and "=" not in argv[1] else None

    @property
    def make_variables(self) -> dict[str, str]:
        return dict(arg.split("=", 1) for arg in self.argv[1:] if "=" in arg) if self.argv[0] == "make" else {}

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.section}): {self.text}"


def commands(path: Path = README) -> list[Command]:
    found: list[Command] = []
    section = ""
    fence: str | None = None  # the info string of the open block
    pending = ""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if fence is None and line.startswith("## "):
            section = line[3:].strip()
        if line.lstrip().startswith("```"):
            fence = line.strip()[3:].strip() if fence is None else None
            continue
        if fence in SHELL_BLOCKS:
            text = pending + line.strip()
            if text.endswith("\\"):
                pending = text[:-1] + " "
                continue
            pending = ""
            words = shlex.split(text, comments=True)
            if words:
                found.append(Command(shlex.join(words), section, number, fenced=True))
        elif fence == "console":
            if line.lstrip().startswith("$ "):
                words = shlex.split(line.lstrip()[2:], comments=True)
                found.append(Command(shlex.join(words), section, number, fenced=True))
        elif fence is None:
            found.extend(Command(match.group(1), section, number, fenced=False) for match in INLINE_MAKE.finditer(line))
    return found


def in_section(section: str, path: Path = README) -> list[Command]:
    return [command for command in commands(path) if command.section == section]


# --- samples of output in the README, taken from the rehearsal's own run ----------------------------
UPDATE_SAMPLES = "UPDATE_README_SAMPLES"  # set to 1 to write the README's samples from this run


def check_sample(name: str, block: str) -> None:
    """The README's sample `name` (between `<!-- name:start -->` and `<!-- name:end -->`) is `block`,
    or, with UPDATE_README_SAMPLES=1, becomes it."""
    from scripts.readme_block import replaced, section

    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = README.read_text(encoding="utf-8")
    if os.environ.get(UPDATE_SAMPLES) == "1":
        README.write_text(replaced(text, start=start, end=end, block=block), encoding="utf-8")
        return
    assert section(text, start=start, end=end) == block, (
        f"README.md's {name} is stale: run `{UPDATE_SAMPLES}=1 .venv/bin/pytest tests/deploy` and commit it"
    )
