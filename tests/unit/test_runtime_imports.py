"""What a cold container imports: each function's handler and runtime, built as Lambda builds them
in a fresh interpreter, load only what their configuration needs. pydantic is the stack's
(infra/) and never the runtime's; protobuf and OpenTelemetry load only for the otel backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_stats import names as n

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "eu-west-1"}
POLLER_ENV = {**CREDENTIALS, n.ENV_COMPANY_CODE: "abc-gadgets", n.ENV_ENVIRONMENT: "prod"}
NOTIFIER_ENV = {**CREDENTIALS, n.ENV_ENVIRONMENT: "prod"}
BUILD_POLLER = (
    "import os, queue_stats.handler as h; from queue_stats.settings import Settings; "
    "h.Runtime.create(Settings.from_env(os.environ))"
)
BUILD_NOTIFIER = (
    "import os, queue_stats.notify as h; from queue_stats.settings import NotifierSettings; "
    "h.NotifyRuntime.create(NotifierSettings.from_env(os.environ))"
)


def _modules_after(statement: str, env: dict[str, str]) -> set[str]:
    code = f"import sys; {statement}; print(','.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env, "PYTHONPATH": str(LAMBDA_SRC)},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.strip().split(","))


@pytest.mark.parametrize("backend", ["cloudwatch", "otel", "both"])
@pytest.mark.parametrize(("build", "env"), [(BUILD_POLLER, POLLER_ENV), (BUILD_NOTIFIER, NOTIFIER_ENV)])
def test_neither_function_ever_loads_pydantic(build: str, env: dict[str, str], backend: str) -> None:
    loaded = _modules_after(build, {**env, "METRICS_BACKEND": backend})
    # The statement ran (the runtime module is there), and the stack's model library is not
    assert "queue_stats.settings" in loaded
    assert not {m for m in loaded if m == "pydantic" or m.startswith(("pydantic.", "pydantic_core"))}


def test_the_classic_backend_never_loads_protobuf_so_its_cold_start_is_unchanged() -> None:
    # Given the handler imported and the classic backend's runtime built, as a cold container does
    classic = _modules_after(BUILD_POLLER, POLLER_ENV)
    # Then neither protobuf nor opentelemetry was imported; with METRICS_BACKEND=otel both are
    assert not {m for m in classic if m.startswith(("google.protobuf", "opentelemetry"))}
    otel = _modules_after(BUILD_POLLER, {**POLLER_ENV, "METRICS_BACKEND": "otel"})
    assert {"google.protobuf", "opentelemetry.proto.metrics.v1.metrics_pb2", "queue_stats.otlp"} <= otel
