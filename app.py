#!/usr/bin/env python3
"""The CDK app: read the configuration from cdk.json context, build one stack per environment."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from infra.config import ConfigError, load_config
from infra.stack import build_app


def main(app: cdk.App | None = None) -> None:
    app = app or cdk.App()
    try:
        config = load_config(app.node.try_get_context)
    except ConfigError as error:
        # One line per problem the operator can act on, instead of a traceback through jsii.
        sys.exit("\n".join(f"Configuration error: {problem}" for problem in (error, *error.others)))
    for note in config.notes:
        print(note, file=sys.stderr)
    build_app(app, config)
    app.synth()


if __name__ == "__main__":
    main()
