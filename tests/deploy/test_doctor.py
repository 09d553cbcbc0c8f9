"""`symbee-queue-stats doctor` on the deploy rehearsal's stack: README.md's own doctor command on
the freshly deployed stack (healthy; its output is the README's sample), then each failure staged
in the emulator, one per test and undone after it, caught by its line.

What the emulator cannot do is filled in the way the real service would, and said so here: it runs
no schedule, so the poller's run is its deployed code run here (`run_deployed_poller`) and the
`Invocations` datum Lambda would publish for that run is put in by the test; it ships no function
logs, so a failure's `Poll failed:` line is written to the poller's log group as Lambda would. It
offers no IAM policy simulation (the secret line says it could not check), evaluates no alarm and
reports no evaluation state (tests/unit/test_doctor.py covers those with plain data).

Facts that need time (no recent invocation, a failed poll, too many queues) are staged hours before
now and read with doctor's clock set there, so nothing the rehearsal's other tests read (the last
3 hours of metrics) sees them; an alarm stuck past its warm-up is read with the clock an hour ahead.
This module runs before test_rehearsal.py (file order) and leaves the stack as it found it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra import PROJECT_ROOT
from queue_stats import doctor
from queue_stats import names as n
from queue_stats.doctor import FAIL, PASS
from queue_stats.doctor_aws import StackReader, gather
from symbee_sim import vendor_example
from tests.deploy import readme
from tests.deploy.conftest import Rehearsal
from tests.deploy.test_rehearsal import (
    API_KEY,
    DeployedStack,
    configured_vendor,
    deployed_stacks,
    run_deployed_poller,
)
from tests.infra.conftest import DEFAULT_STACK

pytestmark = pytest.mark.slow

CLI = PROJECT_ROOT / ".venv" / "bin" / "symbee-queue-stats"
MARK_BY_STATUS = doctor.MARKS


@dataclass(frozen=True)
class Deployed:
    """The rehearsal's default stack, after its poller ran once."""

    stack: DeployedStack
    function_name: str
    secret_id: str
    namespace: str
    environment: str

    def physical(self, resource_type: str) -> list[str]:
        return [
            self.stack.physical_ids[logical_id]
            for logical_id, resource in self.stack.template["Resources"].items()
            if resource["Type"] == resource_type
        ]


@pytest.fixture(scope="module")
def deployed(rehearsal: Rehearsal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The deployed stack as the schedule would leave it: the API key stored (README: "From zero"),
    the poller's deployed code run once against the simulator, and Lambda's Invocations datum of
    that run. The secret is removed afterwards: test_rehearsal.py stores it again for its own run."""
    stack = next(s for s in deployed_stacks(rehearsal) if s.name == DEFAULT_STACK)
    function_name = stack.outputs[n.OUTPUT_POLLER_FUNCTION_NAME]
    settings = rehearsal.aws.client("lambda").get_function_configuration(FunctionName=function_name)
    variables = settings["Environment"]["Variables"]
    secrets = rehearsal.aws.client("secretsmanager")
    secrets.create_secret(Name=variables[n.ENV_API_KEY_SECRET_ID], SecretString=API_KEY)
    with configured_vendor(rehearsal) as simulator:
        result = run_deployed_poller(rehearsal, stack, simulator.url, tmp_path_factory.mktemp("doctor-poll"))
    assert result["ok"] is True
    put_metric(rehearsal, "AWS/Lambda", "Invocations", {"FunctionName": function_name}, value=1, at=datetime.now(UTC))
    yield Deployed(
        stack=stack,
        function_name=function_name,
        secret_id=variables[n.ENV_API_KEY_SECRET_ID],
        namespace=variables[n.ENV_METRICS_NAMESPACE],
        environment=variables[n.ENV_ENVIRONMENT],
    )
    secrets.delete_secret(SecretId=variables[n.ENV_API_KEY_SECRET_ID], ForceDeleteWithoutRecovery=True)


def put_metric(
    rehearsal: Rehearsal, namespace: str, metric: str, dimensions: dict[str, str], *, value: float, at: datetime
) -> None:
    rehearsal.aws.client("cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                "Value": value,
                "Timestamp": at,
            }
        ],
    )


# --- running doctor ------------------------------------------------------------------------------------


def run_cli(rehearsal: Rehearsal, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """A command in the rehearsal's operator shell (credentials for the emulator only), from the checkout."""
    return subprocess.run(
        argv, cwd=PROJECT_ROOT, env=rehearsal.environment(), capture_output=True, text=True, timeout=120, check=False
    )


def doctor_cli(rehearsal: Rehearsal, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(rehearsal, [str(CLI), "doctor", *args])


def lines(output: str) -> dict[str, tuple[str, str]]:
    """The report's check lines, by title: (mark, summary)."""
    found = {}
    for spec in doctor.CHECKS:
        for line in output.splitlines():
            match = re.match(rf"^(\S+) {re.escape(spec.title)} +(.*)$", line)
            if match and match[1] in MARK_BY_STATUS.values():
                found[spec.title] = (match[1], match[2])
    return found


def diagnosed(rehearsal: Rehearsal, stack: str, *, at: datetime) -> dict[str, doctor.Check]:
    """doctor's checks of `stack`, read in this process with its clock at `at`."""
    session = boto3.Session(
        aws_access_key_id=rehearsal.server.env()["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=rehearsal.server.env()["AWS_SECRET_ACCESS_KEY"],
        region_name=rehearsal.aws.region,
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AWS_ENDPOINT_URL", rehearsal.server.url)
        report = doctor.diagnose(gather(StackReader(session), stack, now=at))
    return {check.id: check for check in report.checks}


def slot(hours: int) -> datetime:
    """A moment `hours` before now, outside what the rehearsal's other tests read."""
    return datetime.now(UTC) - timedelta(hours=hours)


# --- healthy: the README's command, as written ----------------------------------------------------------


def readme_doctor_command() -> readme.Command:
    (command,) = [c for c in readme.in_section("Deploy") if c.fenced and "doctor" in c.argv]
    return command


@pytest.fixture(scope="module")
def readme_run(rehearsal: Rehearsal, deployed: Deployed) -> subprocess.CompletedProcess[str]:
    return run_cli(rehearsal, readme_doctor_command().argv)


def test_the_readmes_doctor_command_passes_on_the_deployed_stack(readme_run: subprocess.CompletedProcess[str]) -> None:
    # Given the stack right after README's deploy steps and one poll
    # When the README's doctor command runs as written (the stack's name from cdk.json)
    # Then it exits 0, and only what the emulator cannot do or the stack does not have is not a pass
    assert readme_run.returncode == 0, readme_run.stdout + readme_run.stderr
    marks = {title: mark for title, (mark, _) in lines(readme_run.stdout).items()}
    assert marks == {
        **{spec.title: MARK_BY_STATUS[PASS] for spec in doctor.CHECKS},
        "secret": MARK_BY_STATUS[doctor.UNKNOWN],  # no IAM policy simulation in the emulator
    }


def test_the_emulators_missing_policy_simulation_is_said_not_failed(
    readme_run: subprocess.CompletedProcess[str],
) -> None:
    _, summary = lines(readme_run.stdout)["secret"]
    assert summary.startswith("could not check: IAM policy simulation failed")


def test_the_healthy_report_counts_the_queues_the_poller_published(
    readme_run: subprocess.CompletedProcess[str],
) -> None:
    _, summary = lines(readme_run.stdout)["capacity"]
    assert summary.startswith(f"{len(vendor_example())} queues reported")


def normalized(output: str) -> str:
    """The report with what varies from run to run (clock times) fixed, as the README shows it."""
    return re.sub(r"\b\d\d:\d\d UTC\b", "19:55 UTC", output.rstrip("\n"))


def test_the_readmes_sample_is_this_output(readme_run: subprocess.CompletedProcess[str]) -> None:
    # Given the README's sample of doctor's output; Then it is what the README's command printed here
    readme.check_sample("doctor-sample", "\n".join(("```text", normalized(readme_run.stdout), "```")))


def test_json_holds_the_same_checks(rehearsal: Rehearsal, deployed: Deployed) -> None:
    result = doctor_cli(rehearsal, "--json", "--stack", DEFAULT_STACK)
    document = json.loads(result.stdout)
    assert (result.returncode, document["ok"]) == (0, True)
    assert [c["id"] for c in document["stacks"][0]["checks"]] == [spec.id for spec in doctor.CHECKS]


# --- each failure, staged ----------------------------------------------------------------------------


def test_a_disabled_schedule_fails_with_the_command_that_enables_it(rehearsal: Rehearsal, deployed: Deployed) -> None:
    events = rehearsal.aws.client("events")
    # The schedule, not the notifier's rule for alarm events
    (rule,) = [
        deployed.stack.physical_ids[logical_id]
        for logical_id, resource in deployed.stack.template["Resources"].items()
        if resource["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in resource["Properties"]
    ]
    events.disable_rule(Name=rule)
    try:
        result = doctor_cli(rehearsal, "--stack", DEFAULT_STACK)
    finally:
        events.enable_rule(Name=rule)
    assert result.returncode == 1
    mark, summary = lines(result.stdout)["schedule"]
    assert (mark, summary) == (MARK_BY_STATUS[FAIL], f"rule {rule} is DISABLED")
    assert f"→ aws events enable-rule --name {rule}" in result.stdout
    assert result.stderr.strip() == f"symbee-queue-stats: error: 1 check(s) failed: {DEFAULT_STACK}: schedule"


def test_no_recent_invocation_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    # Given nothing ran in the minutes before a moment hours ago
    check = diagnosed(rehearsal, DEFAULT_STACK, at=slot(4))["invocations"]
    assert (check.status, check.summary) == (
        FAIL,
        f"Lambda reports no invocation of {deployed.function_name} in the last 5 minutes",
    )


def test_a_failed_poll_fails_quoting_its_log_line(rehearsal: Rehearsal, deployed: Deployed) -> None:
    # Given a poll that published PollSucceeded 0 and logged its failure, as the poller does
    at = slot(5)
    failed = at - timedelta(minutes=1)
    health = {n.DIM_ENVIRONMENT: deployed.environment}
    put_metric(rehearsal, deployed.namespace, n.METRIC_POLL_SUCCEEDED, health, value=0, at=failed)
    (log_group,) = [
        deployed.stack.physical_ids[logical_id]
        for logical_id, resource in deployed.stack.template["Resources"].items()
        if resource["Type"] == "AWS::Logs::LogGroup" and logical_id.startswith("Poller")
    ]
    logs = rehearsal.aws.client("logs")
    logs.create_log_stream(logGroupName=log_group, logStreamName="doctor-staged-failure")
    line = f"{n.LOG_POLL_FAILED} Symbee API call failed 3 times, last: HTTP 503"
    logs.put_log_events(
        logGroupName=log_group,
        logStreamName="doctor-staged-failure",
        logEvents=[{"timestamp": int(failed.timestamp() * 1000), "message": f'{{"level":"ERROR","message":"{line}"}}'}],
    )
    # When doctor reads that moment
    check = diagnosed(rehearsal, DEFAULT_STACK, at=at)["polls"]
    # Then the polls line fails with the poller's own words
    assert check.status == FAIL
    assert check.summary.endswith(f"failed; last failure {failed:%H:%M} UTC: {line}")


def test_an_alarm_with_actions_disabled_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    cloudwatch = rehearsal.aws.client("cloudwatch")
    alarm = f"{DEFAULT_STACK}-OldestItemAge"
    cloudwatch.disable_alarm_actions(AlarmNames=[alarm])
    try:
        result = doctor_cli(rehearsal, "--stack", DEFAULT_STACK)
    finally:
        cloudwatch.enable_alarm_actions(AlarmNames=[alarm])
    assert result.returncode == 1
    assert lines(result.stdout)["alarms"] == (
        MARK_BY_STATUS[FAIL],
        f"actions disabled (no notification is sent): {alarm}",
    )


def test_an_alarm_stuck_in_insufficient_data_past_its_warm_up_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    # Given every alarm OK but one, still in INSUFFICIENT_DATA
    cloudwatch = rehearsal.aws.client("cloudwatch")
    alarms = deployed.physical("AWS::CloudWatch::Alarm")
    before = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms(AlarmNames=alarms)["MetricAlarms"]}
    stuck = f"{DEFAULT_STACK}-PollFailed"
    for name in alarms:
        state = "INSUFFICIENT_DATA" if name == stuck else "OK"
        cloudwatch.set_alarm_state(
            AlarmName=name, StateValue=state, StateReason="staged by tests/deploy/test_doctor.py"
        )
    try:
        # When doctor reads it an hour later
        check = diagnosed(rehearsal, DEFAULT_STACK, at=datetime.now(UTC) + timedelta(hours=1))["alarm-states"]
    finally:
        for name, state in before.items():
            cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="as before the test")
    # Then only that alarm is named
    assert check.status == FAIL
    assert check.summary == f"stuck in INSUFFICIENT_DATA past their warm-up: {stuck} (since 60 minutes ago)"


def test_a_pending_email_subscription_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    sns = rehearsal.aws.client("sns")
    (topic,) = deployed.physical("AWS::SNS::Topic")
    subscription = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="new-oncall@example.com")["SubscriptionArn"]
    try:
        result = doctor_cli(rehearsal, "--stack", DEFAULT_STACK)
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
    assert result.returncode == 1
    mark, summary = lines(result.stdout)["subscriptions"]
    assert mark == MARK_BY_STATUS[FAIL]
    assert summary.endswith(": new-oncall@example.com (email)")


def test_a_message_in_the_notifiers_dead_letter_queue_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    # Given an alarm event the notifier could not handle, kept in the stack's dead-letter queue
    (queue,) = deployed.physical("AWS::SQS::Queue")
    sqs = rehearsal.aws.client("sqs")
    sqs.send_message(QueueUrl=queue, MessageBody='{"detail-type": "staged"}')
    try:
        # When doctor runs
        result = doctor_cli(rehearsal, "--stack", deployed.stack.name)
    finally:
        sqs.purge_queue(QueueUrl=queue)
    # Then it fails on that line and says how to read the event
    assert result.returncode == 1
    assert lines(result.stdout)["dead letters"][1].startswith("1 event the notifier could not deliver: ")
    assert f"aws sqs receive-message --queue-url {queue}" in result.stdout


def test_more_queues_than_the_alarms_evaluate_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    at = slot(6)
    dimensions = {n.DIM_ENVIRONMENT: deployed.environment}
    put_metric(
        rehearsal, deployed.namespace, n.METRIC_QUEUES_REPORTED, dimensions, value=620, at=at - timedelta(minutes=1)
    )
    check = diagnosed(rehearsal, DEFAULT_STACK, at=at)["capacity"]
    assert check.status == FAIL
    assert check.summary.startswith("620 queues reported, each queue alarm evaluates up to 500 (1 query of 500)")


def test_a_missing_secret_fails(rehearsal: Rehearsal, deployed: Deployed) -> None:
    secrets = rehearsal.aws.client("secretsmanager")
    secrets.delete_secret(SecretId=deployed.secret_id, ForceDeleteWithoutRecovery=True)
    try:
        result = doctor_cli(rehearsal, "--stack", DEFAULT_STACK)
    finally:
        secrets.create_secret(Name=deployed.secret_id, SecretString=API_KEY)
    assert result.returncode == 1
    assert lines(result.stdout)["secret"] == (
        MARK_BY_STATUS[FAIL],
        f"no secret {deployed.secret_id} in {rehearsal.aws.region}: the poller cannot read the API key",
    )


def test_a_stack_that_does_not_exist_fails_alone(rehearsal: Rehearsal) -> None:
    result = doctor_cli(rehearsal, "--stack", "SymbeeQueueStats-nowhere")
    assert result.returncode == 1
    assert lines(result.stdout) == {
        "stack": (MARK_BY_STATUS[FAIL], f"no stack SymbeeQueueStats-nowhere in {rehearsal.aws.region}")
    }


def test_a_stack_still_in_progress_fails(rehearsal: Rehearsal) -> None:
    # Given a stack waiting in REVIEW_IN_PROGRESS (a change set nobody executed), the one
    # unfinished state the emulator can stage
    cloudformation = rehearsal.aws.client("cloudformation")
    name = "DoctorStagedReview"
    cloudformation.create_change_set(
        StackName=name,
        ChangeSetName="never-executed",
        ChangeSetType="CREATE",
        TemplateBody='{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}',
    )
    try:
        result = doctor_cli(rehearsal, "--stack", name)
    finally:
        cloudformation.delete_stack(StackName=name)
    assert result.returncode == 1
    assert lines(result.stdout) == {
        "stack": (MARK_BY_STATUS[FAIL], "REVIEW_IN_PROGRESS: an operation is still running"),
    }


def test_the_stack_name_comes_from_cdk_json(rehearsal: Rehearsal) -> None:
    # Given the checkout's cdk.json; Then doctor names the stack it deploys
    result = doctor_cli(rehearsal, "--json")
    assert [s["stack"] for s in json.loads(result.stdout)["stacks"]] == [DEFAULT_STACK]
