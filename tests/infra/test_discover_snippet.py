"""What `symbee-queue-stats discover` prints is a configuration the stack accepts as it is."""

from __future__ import annotations

from infra.config import load_config
from queue_stats import names as n
from queue_stats.cli import cdk_context
from queue_stats.model import QueueStats
from queue_stats.settings import Settings

ARN = "arn:aws:connect:us-east-1:111122223333:instance/aaaa/queue/bbbb"


def test_the_discover_snippet_loads_into_the_stacks_config() -> None:
    # Given settings with a non-default secret and namespace, and two discovered queues
    settings = Settings.from_env(
        {
            n.ENV_COMPANY_CODE: "abc-gadgets",
            n.ENV_ENVIRONMENT: "prod",
            n.ENV_API_KEY_SECRET_ID: "team/symbee-key",
            n.ENV_METRICS_NAMESPACE: "Ops/Symbee",
            n.ENV_INCLUDE_AMAZON_QUEUES: "false",
            n.ENV_REGION: "eu-west-2",
            n.ENV_SECRETS_REGION: "eu-west-1",
            "AWS_REGION": "us-east-1",
        }
    )
    queues = [
        QueueStats(ARN, "Inbound", "AMAZON", "AMAZON_ANY", None, {}),
        QueueStats("email", "E", None, None, None, {}),
    ]
    context = cdk_context(settings, queues)
    # When the stack reads it as its cdk.json context
    config = load_config(context.get)
    # Then it describes the same environment and queues
    (environment,) = config.environments
    assert (environment.company_code, environment.environment) == ("abc-gadgets", "prod")
    assert environment.queue_ids == (ARN, "email")
    assert environment.secret_id == "team/symbee-key"
    assert environment.metrics_namespace == "Ops/Symbee"
    assert environment.include_amazon_queues is False
    assert environment.symbee_region == "eu-west-2"
    assert environment.secret_region == "eu-west-1"


def test_a_list_too_long_for_lambdas_environment_is_left_out_of_the_snippet() -> None:
    settings = Settings.from_env({n.ENV_COMPANY_CODE: "c", n.ENV_ENVIRONMENT: "e", "AWS_REGION": "us-east-1"})
    queues = [QueueStats(f"{ARN}-{i:03d}", "q", None, None, None, {}) for i in range(60)]
    context = cdk_context(settings, queues)
    assert "queueIds" not in context
    assert load_config(context.get).environments[0].queue_ids == ()
