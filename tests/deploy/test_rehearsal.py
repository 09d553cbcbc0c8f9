"""A real deploy, rehearsed offline: README.md's deploy steps (`make install`, `make synth`,
`make bootstrap`, `make deploy`) run the real CDK CLI against a local AWS emulator; then what the
emulator holds is compared with the template, the function's code with the asset, the code is run
with the deployed function's settings, and `make diff` and the README's teardown (`make destroy`)
run last.

The emulator answers "success" even when it skipped a resource, so nothing here trusts an exit
code or a stack status alone: every check reads the resources back through the services' own
APIs. The destroy test must stay last in this file (it removes what the others read).
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra import PROJECT_ROOT
from queue_stats import names
from symbee_sim import ReceivedRequest, SimulatorServer, vendor_example
from tests.conftest import Datapoint, read_metrics
from tests.deploy import readme
from tests.deploy.conftest import Rehearsal, readme_steps
from tests.deploy.resources import (
    HELD,
    NOT_HELD,
    ReadBack,
    Resolver,
    ResourceMissing,
    check_known,
    compare,
    held_resources,
    read_back,
    resolver_for,
    sha256_b64,
    uncaught_mutations,
)
from tests.fixtures import event
from tests.infra.conftest import DEFAULT_STACK, cdk_json_context

pytestmark = pytest.mark.slow

RUN_HANDLER = Path(__file__).with_name("run_handler.py")
API_KEY = "rehearsal-api-key-0123456789"


@dataclass(frozen=True)
class DeployedStack:
    name: str
    template: dict[str, Any]
    physical_ids: dict[str, str]
    resolve: Resolver
    outputs: dict[str, str]


def deployed_stacks(rehearsal: Rehearsal) -> list[DeployedStack]:
    """Every stack of the assembly as the emulator holds it, with a resolver for its template."""
    cloudformation = rehearsal.aws.client("cloudformation")
    stacks = []
    for name, template in rehearsal.templates().items():
        (description,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        summaries = cloudformation.get_paginator("list_stack_resources").paginate(StackName=name)
        physical_ids = {
            s["LogicalResourceId"]: s.get("PhysicalResourceId", "")
            for page in summaries
            for s in page["StackResourceSummaries"]
        }
        resolve = resolver_for(rehearsal.aws, template, physical_ids, name, description["StackId"])
        outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
        stacks.append(DeployedStack(name, template, physical_ids, resolve, outputs))
    return stacks


@pytest.fixture(scope="module")
def stacks(rehearsal: Rehearsal) -> list[DeployedStack]:
    return deployed_stacks(rehearsal)


def functions(stack: DeployedStack) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in stack.template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            yield logical_id, resource


# --- the stacks ------------------------------------------------------------------------------------


def test_every_stack_of_the_app_is_deployed(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> None:
    # Given the assembly `make synth` wrote; When README's steps ran; Then each stack is in the emulator
    assert DEFAULT_STACK in {stack.name for stack in stacks}
    cloudformation = rehearsal.aws.client("cloudformation")
    statuses = {s.name: cloudformation.describe_stacks(StackName=s.name)["Stacks"][0]["StackStatus"] for s in stacks}
    assert set(statuses.values()) == {"CREATE_COMPLETE"}, statuses


def test_every_resource_type_is_known_to_the_rehearsal(stacks: list[DeployedStack]) -> None:
    # Given the templates; Then each type is either read back or covered by a named template test
    check_known({r["Type"] for stack in stacks for r in stack.template["Resources"].values()})


def test_the_emulator_holds_every_resource_it_can(stacks: list[DeployedStack]) -> None:
    # When the emulator's CloudFormation lists what it made; Then nothing it can hold was skipped
    for stack in stacks:
        missing = [i for i, _, _ in held_resources(stack.template) if i not in stack.physical_ids]
        assert not missing, f"{stack.name}: the emulator skipped {missing}"


@pytest.fixture(scope="module")
def read_backs(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> list[ReadBack]:
    """Every resource of a type the emulator holds, read back through its service's own API."""
    return [r for s in stacks for r in read_back(rehearsal.aws, s.template, s.physical_ids, s.resolve)]


def test_every_resource_has_the_templates_properties(read_backs: list[ReadBack]) -> None:
    # Given each deployed resource read back; Then every property the template sets has the template's value
    differences = [d for r in read_backs for d in compare(r.logical_id, r.resource_type, r.wanted, r.deployed)]
    assert not differences, "\n".join(map(str, differences))


def test_every_compared_property_would_catch_a_difference(read_backs: list[ReadBack]) -> None:
    # Given each compared property of each resource in turn set to a value nobody deployed
    # Then the comparison reports exactly that property (no check passes vacuously)
    uncaught = {
        r.logical_id: uncaught_mutations(r.logical_id, r.resource_type, r.wanted, r.deployed) for r in read_backs
    }
    assert {logical_id: props for logical_id, props in uncaught.items() if props} == {}


def test_outputs_are_the_deployed_resources(stacks: list[DeployedStack]) -> None:
    # Given the outputs the README tells operators to use (topic ARN, dashboard URL, function name)
    for stack in stacks:
        wanted = {key: stack.resolve(output["Value"]) for key, output in stack.template.get("Outputs", {}).items()}
        # Then the deployed stack reports them with the deployed resources' names
        assert stack.outputs == wanted


def test_not_held_types_name_the_tests_that_assert_their_templates() -> None:
    # Given a type the emulator cannot create; Then a template test still covers it
    for resource_type, entry in NOT_HELD.items():
        if entry.asserted_in is not None:
            assert resource_type in (Path(__file__).parents[2] / entry.asserted_in).read_text(), resource_type


# --- the function's code ---------------------------------------------------------------------------


def deployed_package(rehearsal: Rehearsal, stack: DeployedStack, logical_id: str) -> bytes:
    """The zip at the function's template Code location in the emulator's S3 (the bootstrap bucket)."""
    code = stack.resolve(stack.template["Resources"][logical_id]["Properties"]["Code"])
    return bytes(rehearsal.aws.client("s3").get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read())


def asset_files(rehearsal: Rehearsal, resource: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the function's asset folder in the cloud assembly, by its path inside the asset."""
    root = rehearsal.assembly / resource["Metadata"]["aws:asset:path"]
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_function_code_is_the_uploaded_package(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> None:
    for stack in stacks:
        for logical_id, _ in functions(stack):
            # Given the package uploaded where the template points
            package = deployed_package(rehearsal, stack, logical_id)
            # When Lambda reports the hash of the code it holds
            function = rehearsal.aws.client("lambda").get_function(FunctionName=stack.physical_ids[logical_id])
            # Then it is that package's
            assert function["Configuration"]["CodeSha256"] == sha256_b64(package), logical_id


def test_uploaded_package_is_the_asset_byte_for_byte(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> None:
    for stack in stacks:
        for logical_id, resource in functions(stack):
            # Given the uploaded package and the asset folder `make synth` bundled
            with zipfile.ZipFile(io.BytesIO(deployed_package(rehearsal, stack, logical_id))) as package:
                uploaded = {i.filename: package.read(i) for i in package.infolist() if not i.is_dir()}
            # Then they hold the same files with the same bytes
            expected = asset_files(rehearsal, resource)
            assert sorted(uploaded) == sorted(expected), logical_id
            assert [name for name in expected if uploaded[name] != expected[name]] == [], logical_id


@dataclass(frozen=True)
class PollRun:
    result: dict[str, Any]  # what the handler returned
    settings: dict[str, str]  # the deployed function's environment
    requests: list[ReceivedRequest]  # what the simulated vendor received
    points: list[Datapoint]  # what the emulator's CloudWatch holds afterwards


def host_builds_of_compiled_packages(code_dir: Path, native_dir: Path) -> Path:
    """This machine's build of each distribution of the deployment that holds compiled extensions
    (built for Lambda's arm64 Python, they cannot load here), at the very version the package pins:
    copied from this virtualenv, which installs the same pins. Everything else runs as deployed."""
    native_dir.mkdir()
    compiled = []
    for record in sorted(code_dir.glob("*.dist-info/RECORD")):
        if any(line.split(",", 1)[0].endswith(".so") for line in record.read_text().splitlines()):
            name, version = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            compiled.append((name, version))
    assert compiled, "the package has no compiled extension: drop this overlay"
    for name, version in compiled:
        here = importlib.metadata.distribution(name)
        assert here.version == version, f"{name}: this machine has {here.version}, the package pins {version}"
        for top in sorted({Path(str(f)).parts[0] for f in here.files or () if not str(f).startswith("..")}):
            source = Path(str(here.locate_file(top)))
            if top.endswith(".dist-info") or not source.exists() or (native_dir / top).exists():
                continue
            if source.is_dir():
                shutil.copytree(source, native_dir / top)
            else:
                shutil.copy2(source, native_dir / top)
    return native_dir


def run_deployed(
    rehearsal: Rehearsal,
    stack: DeployedStack,
    handler: str,
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    event: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The deployed function of `handler`: its package run here with its deployed settings (plus
    `env`) and `event`, as Lambda runs it. Returns the handler's result and the deployed settings."""
    (logical_id,) = [i for i, r in functions(stack) if r["Properties"]["Handler"] == handler]
    config = rehearsal.aws.client("lambda").get_function_configuration(FunctionName=stack.physical_ids[logical_id])
    settings = config["Environment"]["Variables"]
    code_dir = tmp_path / "code"
    with zipfile.ZipFile(io.BytesIO(deployed_package(rehearsal, stack, logical_id))) as package:
        package.extractall(code_dir)
    native_dir = host_builds_of_compiled_packages(code_dir, tmp_path / "native")
    result_path, event_path = tmp_path / "result.json", tmp_path / "event.json"
    event_path.write_text(json.dumps(event or {}))
    variables = {
        **settings,
        **rehearsal.server.env(),
        **(env or {}),
        "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(RUN_HANDLER), str(code_dir), config["Handler"], config["FunctionArn"],
         str(config["MemorySize"]), str(config["Timeout"]), str(result_path), str(event_path), str(native_dir)],
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, f"the deployed code failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return json.loads(result_path.read_text()), settings


def run_deployed_poller(rehearsal: Rehearsal, stack: DeployedStack, api_url: str, tmp_path: Path) -> dict[str, Any]:
    """The deployed poller run once here with `api_url` as the API (the one setting a real account
    would not have); what the handler returned. The key's secret must exist."""
    result, _ = run_deployed(rehearsal, stack, names.HANDLER, tmp_path, env={names.ENV_API_URL: api_url})
    return result


def configured_vendor(rehearsal: Rehearsal) -> SimulatorServer:
    """The simulated Symbee API, accepting only the company, environment and secrets region cdk.json
    configures (and the rehearsal's key)."""
    context = cdk_json_context()
    return SimulatorServer(
        api_key=API_KEY,
        company_code=context["companyCode"],
        environment=context["environment"],
        secrets_region=rehearsal.aws.region,
    )


@pytest.fixture(scope="module")
def poll(
    rehearsal: Rehearsal, stacks: list[DeployedStack], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PollRun]:
    """The deployed poller's package, run once here with the deployed settings, against the simulator."""
    stack = next(s for s in stacks if s.name == DEFAULT_STACK)
    context = cdk_json_context()
    # The key as Symbee's own stack stores it, before the first poll (README: "From zero").
    secrets = rehearsal.aws.client("secretsmanager")
    secret_id = context.get("secretId") or names.DEFAULT_API_KEY_SECRET_ID
    secrets.create_secret(Name=secret_id, SecretString=API_KEY)
    with configured_vendor(rehearsal) as simulator:
        # The API's URL is the one setting a real account would not have.
        result, settings = run_deployed(
            rehearsal, stack, names.HANDLER, tmp_path_factory.mktemp("poll"), env={names.ENV_API_URL: simulator.url}
        )
        requests = simulator.received
    assert settings[names.ENV_API_KEY_SECRET_ID] == secret_id
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in rehearsal.server.env().items():
            monkeypatch.setenv(name, value)
        points = read_metrics(settings[names.ENV_METRICS_NAMESPACE])
    yield PollRun(result, settings, requests, points)
    secrets.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)


def test_deployed_code_polls_with_the_deployed_settings(poll: PollRun) -> None:
    # Given the deployed package run with the deployed environment
    # Then it reported success, and the simulated vendor saw one accepted call for the deployed tenant
    assert poll.result["ok"] is True
    (request,) = poll.requests
    assert request.status == 200
    sent = (
        request.header("X-sc-company-code"),
        request.header("X-sc-company-environment"),
        request.header("X-sc-secrets-region"),
    )
    assert sent == (
        poll.settings[names.ENV_COMPANY_CODE],
        poll.settings[names.ENV_ENVIRONMENT],
        poll.settings[names.ENV_SECRETS_REGION],
    )


def test_deployed_code_publishes_every_queue_to_the_deployed_namespace(poll: PollRun) -> None:
    # Given the metrics read back from the emulator's CloudWatch, in the deployed namespace
    # Then every queue of the API's answer is there, under the deployed environment
    queues = {p.dimensions[names.DIM_QUEUE_ID] for p in poll.points if names.DIM_QUEUE_ID in p.dimensions}
    assert queues == {record["queueInfo"]["queueId"] for record in vendor_example()}
    assert {p.dimensions[names.DIM_ENVIRONMENT] for p in poll.points} == {poll.settings[names.ENV_ENVIRONMENT]}


def test_deployed_code_counts_the_poll_as_a_success(poll: PollRun) -> None:
    # Given the poller's own health metrics; Then the poll succeeded
    health = {p.metric: p.value for p in poll.points if set(p.dimensions) == {names.DIM_ENVIRONMENT}}
    assert health[names.METRIC_POLL_SUCCEEDED] == 1


def test_the_commands_ran_with_no_way_to_a_real_account(rehearsal: Rehearsal) -> None:
    # Given the shell the rehearsal runs the README's commands in
    env = rehearsal.environment()
    # Then every AWS call goes to the emulator, and no profile or credentials file of the machine is read
    assert env["AWS_ENDPOINT_URL"] == rehearsal.server.url
    assert "AWS_PROFILE" not in env
    assert not Path(env["AWS_CONFIG_FILE"]).exists()
    assert not Path(env["AWS_SHARED_CREDENTIALS_FILE"]).exists()


# --- the notifier: the deployed code on a fixture event, and the README's fire drill ----------------


@dataclass
class Inbox:
    """An SQS queue subscribed to the stack's email topic, as a confirmed address would be."""

    rehearsal: Rehearsal
    queue_url: str
    subscription_arn: str

    def subjects(self) -> list[str]:
        sqs = self.rehearsal.aws.client("sqs")
        found = []
        while batch := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                found.append(json.loads(message["Body"])["Subject"])
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found


@pytest.fixture(scope="module")
def inbox(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> Iterator[Inbox]:
    stack = next(s for s in stacks if s.name == DEFAULT_STACK)
    sqs, sns = rehearsal.aws.client("sqs"), rehearsal.aws.client("sns")
    queue_url = sqs.create_queue(QueueName="rehearsal-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(TopicArn=stack.outputs["AlarmTopicArn"], Protocol="sqs", Endpoint=queue_arn)
    yield Inbox(rehearsal, queue_url, subscription["SubscriptionArn"])
    sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    sqs.delete_queue(QueueUrl=queue_url)


def test_deployed_notifier_emails_a_queue_alarm_with_the_deployed_settings(
    rehearsal: Rehearsal,
    stacks: list[DeployedStack],
    poll: PollRun,
    inbox: Inbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Given the deployed notifier's package and settings, and the queue's numbers the poll published
    stack = next(s for s in stacks if s.name == DEFAULT_STACK)
    # When it handles a queue's contributor ALARM, as the stack's rule would hand it over
    result, settings = run_deployed(
        rehearsal, stack, names.NOTIFY_HANDLER, tmp_path_factory.mktemp("notify"), event=event("queue_alarm")
    )
    # Then it emailed the stack's topic, naming the queue, with its numbers read from CloudWatch
    assert settings[names.ENV_NOTIFY_TOPIC_ARN] == stack.outputs["AlarmTopicArn"]
    assert (result["status"], result["numbers"]) == ("sent", "read")
    assert [c["channel"] for c in result["channels"]] == ["email"]
    assert inbox.subjects() == ["ALARM: prod / Customer Care Inbound: Oldest item too old"]


def drill_commands() -> list[readme.Command]:
    steps = [c for c in readme.in_section("Deploy") if c.fenced and c.argv[1:2] == ["notify-test"]]
    assert steps, "README.md's Deploy section no longer has the notify-test fire drill"
    return steps


def test_the_readmes_fire_drill_reaches_the_deployed_channels(
    rehearsal: Rehearsal, poll: PollRun, inbox: Inbox
) -> None:
    # Given the deployed stack, a poll's numbers and an inbox on the email topic
    inbox.subjects()  # what earlier tests left
    outputs = []
    for command in drill_commands():
        # When the README's drill runs as written, in an operator's shell pointed at the emulator
        result = subprocess.run(
            command.argv,
            cwd=PROJECT_ROOT,
            env=rehearsal.environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        # Then every configured channel accepted it, with the queue's real numbers
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
        assert "email" in result.stdout
        assert "numbers: read from CloudWatch" in result.stdout
        outputs.append((command, result.stdout))
    # And the README's sample is the first drill's own output (ids and times as they vary, fixed)
    command, stdout = outputs[0]
    shown = re.sub(r"message id [0-9a-f-]{8,}", "message id 5f0c...", stdout.rstrip("\n"))
    shown = re.sub(r"\b\d\d:\d\d UTC\b", "19:55 UTC", shown)
    # CloudFormation names a topic <stack>-<logical id>-<random suffix>
    shown = re.sub(r"(:sns:[^:\s]+:\d{12}:\S+?)-[A-Z0-9]{10,13}\b", r"\1-EXAMPLE12345", shown)
    readme.check_sample("drill-sample", "\n".join(("```console", f"$ {command.text}", shown, "```")))
    # And the inbox holds the TEST ALARM, then the TEST OK that resolves it
    assert inbox.subjects() == [
        "[TEST] ALARM: prod / Customer Care Inbound: Oldest item too old",
        "[TEST] OK: prod / Customer Care Inbound: Oldest item too old",
    ]


# --- the README's other commands on the deployed app; teardown last --------------------------------


def test_make_diff_finds_no_difference_after_the_deploy(rehearsal: Rehearsal) -> None:
    # Given the deployed app; When the README's `make diff` compares it with the same assembly
    (step,) = readme_steps("Deploy", ("diff",))
    result = rehearsal.run(step)
    # Then the emulator's deployed templates are the synthesized ones
    assert "There were no differences" in result.stdout + result.stderr


def test_make_destroy_removes_every_resource(rehearsal: Rehearsal, stacks: list[DeployedStack]) -> None:
    # Given the deployed app; When the README's teardown command runs
    for step in readme_steps("Teardown", ("destroy",)):
        rehearsal.run(step)

    # Then no stack of the app is left, and no resource the emulator held can be read any more
    remaining = [s["StackName"] for s in rehearsal.aws.client("cloudformation").describe_stacks()["Stacks"]]
    assert not {stack.name for stack in stacks} & set(remaining)
    left = []
    for stack in stacks:
        for logical_id, resource_type, resource in held_resources(stack.template):
            wanted = stack.resolve(resource.get("Properties", {}))
            try:
                HELD[resource_type].read(rehearsal.aws, stack.physical_ids[logical_id], wanted)
            except ResourceMissing:
                continue
            left.append(logical_id)
    assert left == []
    # And the bootstrap stack stays for other CDK apps, as the README says
    assert "CDKToolkit" in remaining
