"""A local AWS for development: `moto_server` on loopback serving Secrets Manager and CloudWatch,
and a stand-in for the Lambda context.

Used by `make demo`, the integration tests and the benchmark. boto3 reaches it through
AWS_ENDPOINT_URL, exactly as the poller would reach any endpoint.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from types import TracebackType

from queue_stats.names import POLLER_MEMORY_MB

START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """`moto_server` in its own process on 127.0.0.1; a context manager.

    `launcher` is what the interpreter runs, given moto's own `-H host -p port` after it: another
    module or script that patches moto before serving (the deploy rehearsal's shims) fits here.
    `url_host` is the name clients use for 127.0.0.1; moto's CloudFormation reads a template URL
    from its own S3 only when the URL says `localhost`, so the CDK CLI needs that one.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        launcher: Sequence[str] = ("-m", "moto.server"),
        url_host: str = "127.0.0.1",
    ) -> None:
        self.region = region
        self.port = 0
        self._launcher = tuple(launcher)
        self._url_host = url_host
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self._url_host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The variables that point boto3 (and so the poller) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def start(self) -> MotoServer:
        for _ in range(3):  # another process may take the free port between pick and bind
            self.port = free_port()
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and launcher
                [sys.executable, *self._launcher, "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("moto_server did not start on 127.0.0.1")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=2),  # noqa: S310
            ):
                return True
            time.sleep(0.1)
        return False

    def reset(self) -> None:
        """Forget every secret, metric and alarm."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LocalLambdaContext:
    """Stands in for the Lambda context of one invocation (the deployed function's memory)."""

    memory_limit_in_mb = POLLER_MEMORY_MB

    def __init__(self, function_name: str, *, seconds: float = 55.0) -> None:
        self.function_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._end = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)
