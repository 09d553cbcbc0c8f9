"""Invoke a deployed function's code the way Lambda would, on this machine.

    python -I -S run_handler.py CODE_DIR HANDLER FUNCTION_ARN MEMORY_MB TIMEOUT_S RESULT_JSON [EVENT_JSON [NATIVE_DIR]]

`-I -S`: no site-packages and no environment-driven path, so only CODE_DIR (the unzipped deployment
package) and the standard library are importable, as in the Lambda runtime with the package's own
dependencies. The environment is the function's, given by the caller. The event is EVENT_JSON's
content (a schedule's `{}` without it). The handler's return value goes to RESULT_JSON (its logs go
to stdout, as in Lambda). NATIVE_DIR, when given, comes before CODE_DIR: it holds this machine's
build of the package's compiled dependencies (the package's own are built for Lambda's arm64 Python
and cannot load here).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import uuid


class Context:
    """The Lambda context of one invocation, with the deployed function's name and limits."""

    def __init__(self, function_arn: str, memory_mb: int, seconds: float) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[1]
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self._end = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)


def main() -> None:
    code_dir, handler, function_arn, memory_mb, timeout, result_path, *optional = sys.argv[1:]
    event_path, native = (optional[0] if optional else None), optional[1:]
    sys.path[:0] = [*native, code_dir]
    module_name, function_name = handler.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
    event = {}
    if event_path:
        with open(event_path) as source:
            event = json.load(source)
    result = function(event, Context(function_arn, int(memory_mb), float(timeout)))
    with open(result_path, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
