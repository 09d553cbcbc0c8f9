"""The log bytes `cost` prices per poll are what the real handler writes: a poll that logs more
(or much less) fails here until cost.POLL_LOG_LINE_BYTES is updated."""

from __future__ import annotations

import io

import pytest

from queue_stats import cost
from queue_stats.handler import lambda_handler
from tests.conftest import FakeLambdaContext

# A deployed function's name as CDK generates it (<stack>-<construct id><hash>-<suffix>), and its ARN.
DEPLOYED_NAME = "SymbeeQueueStats-prod-PollerFunction1A2B3C4D-AbCdEfGhIjKl"
DEPLOYED_ARN = f"arn:aws:lambda:ap-southeast-2:123456789012:function:{DEPLOYED_NAME}"


@pytest.mark.usefixtures("poller_env")
def test_a_polls_log_line_fits_the_bytes_cost_prices(lambda_logs: io.StringIO) -> None:
    # Given a deployed function's name and ARN
    context = FakeLambdaContext(function_name=DEPLOYED_NAME, invoked_function_arn=DEPLOYED_ARN)
    # When it polls twice (a cold start, then a warm poll)
    lambda_handler({}, context)
    lambda_handler({}, context)
    # Then each poll writes one line no longer than priced, and not far shorter
    lines = lambda_logs.getvalue().splitlines()
    assert len(lines) == 2
    sizes = [len(line.encode()) + 1 for line in lines]  # + the newline
    assert max(sizes) <= cost.POLL_LOG_LINE_BYTES
    assert min(sizes) >= 0.7 * cost.POLL_LOG_LINE_BYTES, sizes
