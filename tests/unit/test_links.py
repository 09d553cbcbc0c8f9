"""Console links: the dashboard URL people open from the stack output and from notifications."""

from __future__ import annotations

import pytest

from queue_stats import links


def test_dashboard_url_in_a_commercial_region() -> None:
    # Given a dashboard in Sydney
    # When its link is built
    url = links.dashboard_url("ap-southeast-2", "SymbeeQueueStats-prod")
    # Then it opens that dashboard in that region of the commercial console
    assert url == (
        "https://console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#dashboards:name=SymbeeQueueStats-prod"
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("cn-north-1", "console.amazonaws.cn"),
        ("cn-northwest-1", "console.amazonaws.cn"),
        ("us-gov-west-1", "console.amazonaws-us-gov.com"),
        ("eu-central-2", "console.aws.amazon.com"),
    ],
)
def test_each_partition_has_its_own_console(region: str, host: str) -> None:
    # Given a region outside (or inside) the commercial partition
    # When the link is built
    # Then it points at that partition's console
    assert links.dashboard_url(region, "D").startswith(f"https://{host}/cloudwatch/home?region={region}#")


def test_a_given_console_host_wins() -> None:
    # Given a host only known at deploy time (the stack passes a CloudFormation lookup)
    url = links.dashboard_url("${Token[AWS.Region]}", "D", console_host="${Token[Host]}")
    # Then both are used as they are
    assert url == "https://${Token[Host]}/cloudwatch/home?region=${Token[AWS.Region]}#dashboards:name=D"


def test_a_name_is_escaped_for_the_url() -> None:
    # Given a name with a character that would end the fragment
    # Then it is percent-encoded, not cut
    assert links.dashboard_url("us-east-1", "a b#c").endswith("#dashboards:name=a%20b%23c")
