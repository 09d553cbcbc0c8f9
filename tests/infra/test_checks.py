"""Checks on the synthesized templates: cdk-nag, cfn-lint, no secret value, and the Lambda asset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import DEFAULT_STACK, Synth

# The only AWS Solutions findings the design accepts; each carries its reason in infra/stack.py.
ACKNOWLEDGED = {"AwsSolutions-IAM5[Resource::*]", "AwsSolutions-L1", "AwsSolutions-SQS3"}
# With chat channels: their guardrail reads the stack's alarms, `<stack>-*`.
CHAT_GUARDRAIL = (
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:{}-*]"
)
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


@pytest.fixture(params=["default_synth", "custom_synth"])
def synth(request: pytest.FixtureRequest) -> Synth:
    result: Synth = request.getfixturevalue(request.param)
    return result


def test_cdk_nag_leaves_no_finding_unacknowledged(synth: Synth) -> None:
    (report,) = synth.validation_report["pluginReports"]
    assert report["pluginName"] == "AwsSolutions"
    assert report["violations"] == []
    assert report["conclusion"] == "success"
    acknowledged = report["suppressedViolations"]
    with_chat = [name for name, t in synth.templates.items() if '"AWS::Chatbot::' in json.dumps(t)]
    assert {finding["ruleName"] for finding in acknowledged} == ACKNOWLEDGED | {
        CHAT_GUARDRAIL.format(name) for name in with_chat
    }
    for finding in acknowledged:
        assert len(finding["reason"]) > 40, finding["ruleName"]


def test_cfn_lint_is_clean(synth: Synth) -> None:
    templates = sorted(str(path) for path in synth.outdir.glob("*.template.json"))
    assert templates
    result = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *templates], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_no_secret_value_in_any_template(synth: Synth) -> None:
    for stack, template in synth.templates.items():
        text = json.dumps(template)
        # No dynamic reference that would resolve the key into a property, and no secret made here.
        assert "resolve:secretsmanager" not in text, stack
        assert "SecretString" not in text, stack
        assert "AWS::SecretsManager::Secret" not in text, stack
        # Each function learns where a key is (the API's, the pager's routing key), never the key.
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                variables = resource["Properties"]["Environment"]["Variables"]
                keys = [name for name in variables if "API_KEY" in name or "ROUTING_KEY" in name]
                assert not [name for name in keys if not name.endswith(("_SECRET_ID", "_SECONDS"))]


def test_both_functions_run_one_asset_bundled_once(default_synth: Synth) -> None:
    # Given the poller and the notifier; Then they point at one uploaded package, the one asset
    functions = default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()
    assert len(functions) == 2
    assert len({json.dumps(f["Properties"]["Code"]) for f in functions}) == 1
    assert len([path for path in default_synth.outdir.glob("asset.*") if path.is_dir()]) == 1


def test_asset_is_the_package_plus_pinned_wheels_for_arm64(default_synth: Synth) -> None:
    function = next(iter(default_synth.resources(DEFAULT_STACK, "AWS::Lambda::Function").values()))
    asset = default_synth.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
    assert (asset / "queue_stats" / "names.py").is_file()
    assert (asset / "boto3").is_dir()
    assert (asset / "aws_lambda_powertools").is_dir()
    assert list(asset.glob("charset_normalizer/*aarch64*.so")), "native wheels must target Lambda's arm64"
    assert not (asset / "bin").exists()


def test_asset_hash_is_the_same_on_every_synth(default_synth: Synth, custom_synth: Synth) -> None:
    def code_keys(synth: Synth) -> set[str]:
        return {
            resource["Properties"]["Code"]["S3Key"]
            for template in synth.templates.values()
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::Lambda::Function"
        }

    assert len(code_keys(default_synth)) == 1
    assert code_keys(default_synth) == code_keys(custom_synth)
