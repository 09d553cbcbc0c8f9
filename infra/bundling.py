"""The Lambda asset for CDK: `lambda_src/queue_stats` plus its pinned dependencies, bundled on this
machine from the wheel cache (infra/wheels.py), never in Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from infra import LAMBDA_SRC, wheels

# Must match wheels.PYTHON_VERSION: the bundled wheels are built for that interpreter.
RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE: Final = lambda_.Architecture.ARM_64


@jsii.implements(cdk.ILocalBundling)
class LocalPipBundling:
    """Builds the asset with pip; it succeeds or raises, so CDK never falls back to Docker."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        del options  # the Docker image below is a placeholder that never runs
        wheels.build(Path(output_dir))
        return True


def lambda_code() -> lambda_.Code:
    """The function's code asset, hashed by its bundled output."""
    return lambda_.Code.from_asset(
        str(LAMBDA_SRC),
        asset_hash_type=cdk.AssetHashType.OUTPUT,
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry("local-bundling-only"),
            # jsii calls try_bundle with the options as one positional struct, not the keyword
            # arguments its Python protocol declares.
            local=LocalPipBundling(),  # type: ignore[arg-type]
        ),
    )
