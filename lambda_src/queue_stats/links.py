"""Links into the AWS console that people follow from the stack's outputs and from notifications.

Pure string building (no I/O), shared by the CDK stack and the runtime so the two cannot disagree.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

PARTITION_AWS: Final = "aws"
PARTITION_CHINA: Final = "aws-cn"
PARTITION_GOVCLOUD: Final = "aws-us-gov"
# The console's host per partition; "?region=" then picks the region inside it.
CONSOLE_HOSTS: Final = {
    PARTITION_AWS: "console.aws.amazon.com",
    PARTITION_CHINA: "console.amazonaws.cn",
    PARTITION_GOVCLOUD: "console.amazonaws-us-gov.com",
}


def partition_of(region: str) -> str:
    """The AWS partition a region name belongs to (cn-north-1 is aws-cn, us-gov-west-1 aws-us-gov)."""
    if region.startswith("cn-"):
        return PARTITION_CHINA
    if region.startswith("us-gov-"):
        return PARTITION_GOVCLOUD
    return PARTITION_AWS


def dashboard_url(region: str, dashboard_name: str, *, console_host: str | None = None) -> str:
    """The console URL that opens one CloudWatch dashboard.

    `console_host` defaults to the host of the region's partition; the stack passes its own when the
    region is only known at deploy time. CloudWatch documents no URL parameter that selects a value
    of a dashboard variable, so the link opens the dashboard as saved (its first queue picked).
    """
    host = console_host if console_host is not None else CONSOLE_HOSTS[partition_of(region)]
    return f"https://{host}/cloudwatch/home?region={region}#dashboards:name={quote(dashboard_name, safe='')}"


def runbook_link(runbook_url: str, anchor: str) -> str:
    """`runbook_url` opened at one section: its own fragment, if any, replaced by `anchor`."""
    return f"{runbook_url.split('#', 1)[0]}#{anchor}" if anchor else runbook_url
