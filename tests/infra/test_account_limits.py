"""What a real account would refuse, though synth, cdk-nag and cfn-lint pass: refused at synth naming
the key, or by a CloudFormation rule before anything is created (found by reviewing the templates
against AWS's documentation)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, load_config
from infra.functions import MAX_FUNCTION_DESCRIPTION
from tests.infra.conftest import DEFAULT_STACK, PAGER_TOPIC, Synth, cdk_json_context, synthesize

MINIMAL = {"companyCode": "abc-gadgets", "environment": "prod"}
TOPIC = "arn:aws:sns:us-east-1:123456789012:pager-{}"


def test_five_existing_topics_are_refused_as_one_action_too_many() -> None:
    # CloudWatch takes 5 actions per state; the notifier's own alarms add the email topic
    load_config({**MINIMAL, "alarmTopicArns": [TOPIC.format(i) for i in range(4)]}.get)
    with pytest.raises(ConfigError) as error:
        load_config({**MINIMAL, "alarmTopicArns": [TOPIC.format(i) for i in range(5)]}.get)
    assert error.value.key == "alarmTopicArns"
    assert "at most 4 topics" in str(error.value)


def test_a_stack_name_over_cloudformations_limit_is_refused_naming_the_environment() -> None:
    with pytest.raises(ConfigError) as error:
        load_config({**MINIMAL, "stackName": "S" * 100, "environment": "e" * 40}.get)
    assert error.value.key == "environment"
    assert "over CloudFormation's 128" in str(error.value)


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    context = {**cdk_json_context(), "companyCode": "c" * 128, "environment": "e" * 100, "stackName": "S"}
    return synthesize(context, tmp_path_factory.mktemp("long") / "cdk.out")


def test_function_descriptions_fit_lambdas_limit_whatever_the_names(long_names: Synth) -> None:
    (stack,) = long_names.templates
    functions = long_names.resources(stack, "AWS::Lambda::Function").values()
    lengths = [len(f["Properties"]["Description"]) for f in functions]
    assert len(lengths) == 2
    assert max(lengths) == MAX_FUNCTION_DESCRIPTION


def test_the_dead_letter_alarm_keeps_its_state_when_sqs_stops_sending_metrics(default_synth: Synth) -> None:
    alarms = default_synth.resources(DEFAULT_STACK, "AWS::CloudWatch::Alarm", under="Notifier")
    (dead_letters,) = [
        a for a in alarms.values() if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert dead_letters["Properties"]["TreatMissingData"] == "ignore"


def rules(template: dict[str, Any]) -> dict[str, Any]:
    return {name: rule for name, rule in template.get("Rules", {}).items() if name.startswith("SameRegion")}


def test_a_topic_in_another_region_stops_the_deploy_before_anything_is_created(custom_synth: Synth) -> None:
    # Given the custom configuration's existing topic in eu-west-2
    region = PAGER_TOPIC.split(":")[3]
    (rule,) = rules(custom_synth.templates["CallCenter-prod"]).values()
    (assertion,) = rule["Assertions"]
    # Then the template asserts the stack's region is that one, and says which key to fix
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}
    assert assertion["AssertDescription"].startswith(f"alarmTopicArns in cdk.json name(s) an ARN in {region}")


def test_no_region_rule_without_arns(default_synth: Synth) -> None:
    assert rules(default_synth.templates[DEFAULT_STACK]) == {}
