"""README.md's commands work as written: each shell command it gives is run here, or by the deploy
rehearsal, or is listed with the reason it cannot run offline. A new command in none of these
fails `test_every_readme_command_is_checked`, so the README cannot gain an unchecked command.

Also cdk.json's `app` command, which the CDK CLI runs from whatever shell the operator has.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from infra import PROJECT_ROOT
from infra.config import load_config
from tests.deploy import readme
from tests.deploy.conftest import REHEARSED_STEPS, readme_steps
from tests.infra.conftest import cdk_json_context

pytestmark = pytest.mark.slow

VENV_BIN = PROJECT_ROOT / ".venv" / "bin"

# How each make target the README names is checked. Every one is also dry-run (`make -n`), which
# fails for a target the Makefile does not have.
RUN_HERE = ("install", "demo", "cost")  # offline, quick, changes nothing: run as written
REHEARSED = ("synth", "bootstrap", "deploy", "diff", "destroy")  # run by tests/deploy/test_rehearsal.py
THIS_RUN = ("test",)  # `make test` is what runs this test
NOT_RUN = {
    "bench": "takes minutes; tests/integration/test_bench_smoke.py runs the benchmark's code on small sizes",
    "audit": "needs the internet (PyPI's vulnerability data)",
    "format": "rewrites the working tree; `make lint`, run by `make test`, is its read-only check",
    "docs": "rewrites README.md; the tests that fail when a generated block is stale are its read-only check",
}
# Scripts the README runs directly, and why they are checked by their --help only.
SCRIPTS_BY_HELP = {
    "scripts/bench.py": "takes minutes (see `make bench` above)",
}
# Console-script verbs run as written, in an operator's shell whose API and AWS are local stand-ins
# (`watch` only with `--count`); and those checked by their --help only, with the reason.
CONSOLE_RUN = ("poll", "discover", "cost", "watch")
CONSOLE_HELP = {
    "simulate": "serves until stopped; tests/integration/test_cli.py runs it",
    "watch": "without --count it polls until stopped; tests/integration/test_cli.py runs it",
    "doctor": "checks a deployed stack; tests/deploy/test_doctor.py runs the README's command on the rehearsal's",
    "notify-test": (
        "sends through a deployed stack's channels (--stack reads its outputs): tests/deploy/test_rehearsal.py runs "
        "the Deploy section's drill as written against the deployed stack; tests/integration drives the rest"
    ),
}


def unique(commands: list[readme.Command]) -> list[readme.Command]:
    seen: dict[str, readme.Command] = {}
    for command in commands:
        seen.setdefault(command.text, command)
    return list(seen.values())


ALL = unique(readme.commands())
MAKE = [c for c in ALL if c.argv[0] == "make"]
CONSOLE_SCRIPT = [c for c in ALL if Path(c.argv[0]).name == "symbee-queue-stats"]
PYTHON_SCRIPTS = [c for c in ALL if Path(c.argv[0]).name.startswith("python")]


def user_shell() -> dict[str, str]:
    """This machine's environment as a user's shell has it: no make of ours around, no AWS pointers."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MAKE", "AWS_")) and name not in ("MFLAGS", "VIRTUAL_ENV")
    }


def run(
    argv: list[str], env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=PROJECT_ROOT, env=env or user_shell(), capture_output=True, text=True, timeout=timeout, check=False
    )


def test_readme_has_commands_to_check() -> None:
    # Given the README; Then the extractor finds the deploy steps (so a parsing slip cannot pass vacuously)
    assert {"install", "synth", "bootstrap", "deploy", "destroy", "demo", "test"} <= {c.make_target for c in MAKE}


def test_every_readme_command_is_checked() -> None:
    # Given every command the README gives; Then each has a way to be checked here
    known_targets = (*RUN_HERE, *REHEARSED, *THIS_RUN, *NOT_RUN)
    unchecked = [
        str(c)
        for c in ALL
        if not (
            (c in MAKE and c.make_target in known_targets)
            or (c in CONSOLE_SCRIPT and len(c.argv) > 1 and c.argv[1] in (*CONSOLE_RUN, *CONSOLE_HELP))
            or (c in PYTHON_SCRIPTS and len(c.argv) > 1 and c.argv[1] in SCRIPTS_BY_HELP)
        )
    ]
    assert unchecked == [], "add these to a list in tests/deploy/test_readme_commands.py:\n" + "\n".join(unchecked)


@pytest.mark.parametrize("command", MAKE, ids=str)
def test_make_command_names_a_target_of_the_makefile(command: readme.Command) -> None:
    # When make plans the command without running it; Then the Makefile has the target
    result = run(["make", "-n", *command.argv[1:]], timeout=60)
    assert result.returncode == 0, f"{command}: {result.stderr}"


@pytest.mark.parametrize("command", [c for c in MAKE if c.make_target in RUN_HERE], ids=str)
def test_make_command_runs_as_written(command: readme.Command) -> None:
    # When a user runs the command in the project folder; Then it succeeds
    result = run(command.argv)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def test_the_rehearsal_runs_the_readmes_deploy_and_teardown_steps() -> None:
    # Given the targets the rehearsal vouches for; Then it finds each as a step of Deploy or Teardown,
    # which is where it takes the commands it runs from
    rehearsed = {c.make_target for c in readme_steps("Deploy", (*REHEARSED_STEPS, "diff"))}
    rehearsed |= {c.make_target for c in readme_steps("Teardown", ("destroy",))}
    assert set(REHEARSED) <= rehearsed


@pytest.mark.parametrize(
    "command", [c for c in MAKE if "-c" in shlex.split(c.make_variables.get("CDK_ARGS", ""))], ids=str
)
def test_context_overrides_in_the_readme_are_valid(command: readme.Command) -> None:
    # Given `-c key=value` overrides as the README writes them (the CLI passes each value as a string)
    words = shlex.split(command.make_variables["CDK_ARGS"])
    overrides = dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "-c")
    context = {**cdk_json_context(), **overrides}
    # When the stack's configuration is built from them; Then it is accepted
    load_config(context.get)


@pytest.mark.parametrize("command", CONSOLE_SCRIPT, ids=str)
def test_console_script_command_runs_as_written(command: readme.Command, poller_env: dict[str, str]) -> None:
    # Given an operator's shell: the configuration variables, a reachable API and AWS holding the key
    env = {**user_shell(), **poller_env, "PATH": os.pathsep.join((str(VENV_BIN), os.environ["PATH"]))}
    argv = [Path(command.argv[0]).name, *command.argv[1:]]
    if argv[1] not in CONSOLE_RUN or (argv[1] == "watch" and "--count" not in argv):
        argv.append("--help")  # see CONSOLE_HELP for why: the verb and its flags must still exist
    # When the command runs; Then it succeeds
    result = run(argv, env=env, timeout=120)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


@pytest.mark.parametrize("command", PYTHON_SCRIPTS, ids=str)
def test_script_command_offers_the_readmes_flags(command: readme.Command) -> None:
    # Given a script the README runs with flags; When its help is printed
    script, *flags = command.argv[1:]
    result = run([command.argv[0], script, "--help"], timeout=60)
    # Then it runs from the project folder and accepts every flag the README gives it
    assert result.returncode == 0, result.stderr
    assert [flag for flag in flags if flag.startswith("-") and flag not in result.stdout] == []


# --- cdk.json's app command, from a shell without the virtualenv (issue: `cdk bootstrap` failed with
# `ModuleNotFoundError: No module named 'aws_cdk'` outside make) ---------------------------------------


def app_command() -> list[str]:
    return shlex.split(json.loads((PROJECT_ROOT / "cdk.json").read_text())["app"])


def bare_shell() -> dict[str, str]:
    """A new terminal: the system's PATH without this project's virtualenv, nothing activated."""
    path = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p).resolve() != VENV_BIN.resolve()]
    return {**user_shell(), "PATH": os.pathsep.join(path)}


def project_copy(tmp_path: Path, *, with_venv: bool) -> Path:
    """The app command's files in a folder of their own, with an app.py that reports its interpreter."""
    (tmp_path / "scripts").mkdir()
    for part in app_command()[1:]:
        if (PROJECT_ROOT / part).is_file():
            shutil.copy(PROJECT_ROOT / part, tmp_path / part)
    (tmp_path / "app.py").write_text(
        "import json, sys\nimport aws_cdk\nprint(json.dumps({'python': sys.executable, 'args': sys.argv[1:]}))\n"
    )
    if with_venv:
        (tmp_path / ".venv").symlink_to(PROJECT_ROOT / ".venv", target_is_directory=True)
    return tmp_path


def test_app_command_runs_the_app_with_the_projects_virtualenv_from_a_bare_shell(tmp_path: Path) -> None:
    # Given a shell whose python3 is not the project's, and the project's .venv
    project = project_copy(tmp_path, with_venv=True)
    env = bare_shell()
    assert shutil.which("python3", path=env["PATH"]) is not None
    # When the CDK CLI would run cdk.json's app command there
    result = subprocess.run(app_command(), cwd=project, env=env, capture_output=True, text=True, check=False)
    # Then app.py runs, with the virtualenv's interpreter (which has aws_cdk)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["python"] == str(project / ".venv" / "bin" / "python")


def test_app_command_without_the_cdk_libraries_says_what_to_run(tmp_path: Path) -> None:
    # Given no .venv and an interpreter without aws_cdk (-S: no site-packages)
    project = project_copy(tmp_path, with_venv=False)
    launcher = project / app_command()[1]
    # When the app command runs
    result = subprocess.run(
        [sys.executable, "-S", str(launcher)],
        cwd=project,
        env=bare_shell(),
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it fails with one line naming the fix, and no traceback
    assert result.returncode == 1
    assert "run `make install`" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_make_docs_regenerates_every_generated_readme_block() -> None:
    # Given the README generators in scripts/ (each writes one block between its markers)
    generators = {
        path.stem for path in (PROJECT_ROOT / "scripts").glob("*.py") if path.stem.endswith(("_doc", "_table"))
    }
    generators |= {"notify_examples"}
    # Then `make docs` runs each of them
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    listed = set(makefile.split("DOC_SCRIPTS := ", 1)[1].splitlines()[0].split())
    assert listed == generators
