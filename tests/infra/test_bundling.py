"""The Lambda asset ships bytecode for the runtime's Python, built so that the asset hash (what
decides whether `cdk deploy` replaces the function's code) is the same for the same code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from infra import bundling, wheels
from queue_stats import names
from tests.infra.conftest import DEFAULT_STACK, Synth


def asset_dir(synth: Synth) -> Path:
    """The code asset's folder (the poller's; the notifier shares it)."""
    (function,) = [
        f
        for f in synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == names.HANDLER
    ]
    return synth.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"


def synth_code_asset(outdir: Path) -> tuple[str, Path]:
    """A clean build of the function's code asset through CDK: (its hash, its folder)."""
    # CDK caches staged assets per process; without this the second build would be the first.
    cdk.AssetStaging.clear_asset_hash_cache()
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Bundle")
    lambda_.Function(
        stack,
        "Function",
        runtime=bundling.RUNTIME,
        architecture=bundling.ARCHITECTURE,
        handler=names.HANDLER,
        code=bundling.lambda_code(),
    )
    app.synth()
    template = json.loads((outdir / "Bundle.template.json").read_text())
    (function,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return asset_hash, outdir / f"asset.{asset_hash}"


def has_runtime_python() -> bool:
    try:
        wheels.runtime_python()
    except wheels.BundlingError:
        return False
    return True


# Without the runtime's Python the asset ships without bytecode (a warning at synth): these tests
# cannot run then, and say so in the summary (`make test` runs pytest with -ra).
needs_runtime_python = pytest.mark.skipif(
    not has_runtime_python(),
    reason=f"NO PYTHON {wheels.PYTHON_VERSION} HERE: the asset's bytecode is not built or tested; install it",
)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_clean_builds_give_the_same_asset_hash_and_bytes(tmp_path: Path) -> None:
    # Given two builds of the asset through CDK, each in a fresh folder of its own
    first_hash, first = synth_code_asset(tmp_path / "first" / "cdk.out")
    second_hash, second = synth_code_asset(tmp_path / "second" / "cdk.out")
    # Then CDK computed the same hash, so a second `cdk deploy` would not replace the code
    assert first_hash == second_hash
    # and every file, bytecode included, is byte for byte the same
    first_files, second_files = tree(first), tree(second)
    assert any(name.endswith(".pyc") for name in first_files)
    assert first_files.keys() == second_files.keys()
    assert [name for name in first_files if first_files[name] != second_files[name]] == []


def test_the_parsers_native_decoder_is_bundled_for_lambdas_arm64_python(default_synth: Synth) -> None:
    # msgspec is compiled code: the asset must carry its build for arm64 and Python 3.13
    tag = wheels.PYTHON_VERSION.replace(".", "")
    assert list(asset_dir(default_synth).glob(f"msgspec/_core.cpython-{tag}-aarch64-linux-gnu.so"))


@needs_runtime_python
def test_every_module_in_the_asset_has_bytecode_for_the_runtimes_python(default_synth: Synth) -> None:
    # Given the synthesized asset
    asset = asset_dir(default_synth)
    tag = f"cpython-{wheels.PYTHON_VERSION.replace('.', '')}"
    # Then each .py has its .pyc beside it for Lambda's Python, boto3's and ours alike
    sources = list(asset.rglob("*.py"))
    missing = [
        str(p.relative_to(asset)) for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()
    ]
    assert sources
    assert missing == []
    # and no bytecode of any other Python came along
    assert {p.name.split(".")[-2] for p in asset.rglob("*.pyc")} == {tag}


@needs_runtime_python
def test_the_bytecode_is_never_checked_against_its_source_and_names_lambdas_paths(default_synth: Synth) -> None:
    pyc = (
        asset_dir(default_synth)
        / "queue_stats"
        / "__pycache__"
        / f"model.cpython-{wheels.PYTHON_VERSION.replace('.', '')}.pyc"
    )
    data = pyc.read_bytes()
    # PEP 552 flags: 0b01 is "hash-based, not checked": no stat() of the source, no mtime in the file
    assert int.from_bytes(data[4:8], "little") == 0b01
    # and the path inside is where Lambda keeps the code, not this build's temporary folder
    assert b"/var/task/queue_stats/model.py" in data
    assert str(default_synth.outdir).encode() not in data


@needs_runtime_python
def test_lambdas_python_loads_the_shipped_bytecode_without_compiling(default_synth: Synth, tmp_path: Path) -> None:
    # Given a copy of one shipped module whose source is then broken (same length, so only a
    # check of the source could notice)
    python = wheels.runtime_python()
    package = tmp_path / "queue_stats"
    shutil.copytree(asset_dir(default_synth) / "queue_stats", package)
    source = package / "names.py"
    text = source.read_text()
    source.write_text(text.replace("PRODUCT: Final = ", "PRODUCT: Final + "))
    # When the runtime's Python imports it, writing no bytecode of its own
    result = subprocess.run(
        [
            python,
            "-I",
            "-B",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import queue_stats.names as n; print(n.PRODUCT)",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it ran the shipped bytecode: the broken source was never read
    assert (result.returncode, result.stdout.strip()) == (0, names.PRODUCT), result.stderr


def test_a_named_interpreter_of_another_version_is_refused_clearly() -> None:
    # Given LAMBDA_PYTHON naming this test's own interpreter (not the runtime's version)
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == wheels.PYTHON_VERSION:
        pytest.skip("this interpreter is the runtime's version")
    with pytest.raises(wheels.BundlingError) as caught:
        wheels.runtime_python({wheels.PYTHON_ENV: sys.executable, "PATH": os.environ["PATH"]})
    # Then the error names the variable and the version needed
    assert f"{wheels.PYTHON_ENV}={sys.executable} is not a Python {wheels.PYTHON_VERSION} interpreter" in str(
        caught.value
    )


def test_without_the_runtimes_python_the_build_says_what_to_install(tmp_path: Path) -> None:
    # Given a machine where no interpreter of the runtime's version can be found
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == wheels.PYTHON_VERSION:
        pytest.skip("this interpreter is the runtime's version")
    with pytest.raises(wheels.BundlingError) as caught:
        wheels.runtime_python({"PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path)})
    # Then the build fails with a message saying what to install, or which variable to set
    message = str(caught.value)
    assert f"Python {wheels.PYTHON_VERSION} is needed to build the Lambda asset" in message
    assert f"pyenv install {wheels.PYTHON_VERSION}" in message
    assert wheels.PYTHON_ENV in message


def test_without_the_runtimes_python_the_asset_is_built_without_bytecode_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a machine where no Python of the runtime's version can be found
    monkeypatch.delenv(wheels.PYTHON_ENV, raising=False)

    def missing(*_: object) -> str:
        raise wheels.BundlingError("Python 3.13 is needed ... and none was found")

    monkeypatch.setattr(wheels, "runtime_python", missing)
    # When the asset is built
    wheels.build(tmp_path / "asset")
    # Then it holds the package's sources and no bytecode, and the build said why in one line
    assert (tmp_path / "asset" / "queue_stats" / "handler.py").is_file()
    assert not list((tmp_path / "asset").rglob("*.pyc"))
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Warning:")]
    assert "ships without bytecode" in line
