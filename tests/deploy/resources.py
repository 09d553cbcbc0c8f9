"""How the rehearsal compares a deployed stack with its template, one CloudFormation type at a time.

`HELD` says, for each type the emulator can hold, how to read a deployed resource back through the
emulator's own service APIs (never through CloudFormation's bookkeeping), in the template's
property names and shapes. Every property the template sets is then compared with what was read,
except the few a type lists in `ignored`, each with the reason. `NOT_HELD` lists the types the
emulator cannot create, each with the test file whose template assertions cover it instead.

A type in neither table fails the rehearsal with "add it to the table", and a property a reader
does not report fails with "teach the reader", so nothing new passes unchecked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError


class ResourceMissing(LookupError):
    """The emulator does not hold the resource (never created, or deleted)."""


class RehearsalGap(AssertionError):
    """The rehearsal cannot check something yet; the message says what to add."""


@dataclass(frozen=True)
class Aws:
    """Clients for the emulator, and the pseudo parameters CloudFormation resolved there."""

    session: boto3.Session
    endpoint_url: str  # every client goes here, whatever this process's environment says
    account: str
    region: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)

    def pseudo_parameters(self, stack_name: str, stack_id: str) -> dict[str, str]:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": stack_name,
            "AWS::StackId": stack_id,
        }


def _missing_on(*codes: str) -> Callable[[ClientError], bool]:
    return lambda error: error.response.get("Error", {}).get("Code") in codes


def _call(predicate: Callable[[ClientError], bool], function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call an API; the "not found" errors it can give become ResourceMissing."""
    try:
        return function(**kwargs)
    except ClientError as error:
        if predicate(error):
            raise ResourceMissing(str(error)) from error
        raise


def _tags(pairs: list[dict[str, str]], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {pair[key]: pair[value] for pair in pairs}


def _present(**values: Any) -> dict[str, Any]:
    """Only the values the API reported (None means "not reported", not "empty")."""
    return {name: value for name, value in values.items() if value is not None}


def _same_names(reported: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The API's fields that CloudFormation spells and shapes the same, where reported."""
    return _present(**{name: reported.get(name) for name in names})


# --- readers: one per type, in the template's property names --------------------------------------


def _kms_key_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    metadata = _call(_missing_on("NotFoundException"), aws.client("kms").describe_key, KeyId=physical_id)["KeyMetadata"]
    if metadata["KeyState"] == "PendingDeletion":
        raise ResourceMissing(f"KMS key {physical_id} is pending deletion")
    return {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}


def _kms_key(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    kms = aws.client("kms")
    _kms_key_attributes(aws, physical_id)
    metadata = kms.describe_key(KeyId=physical_id)["KeyMetadata"]
    return _present(
        **_same_names(metadata, "Description", "Enabled", "KeySpec", "KeyUsage", "MultiRegion"),
        EnableKeyRotation=kms.get_key_rotation_status(KeyId=physical_id)["KeyRotationEnabled"],
        KeyPolicy=kms.get_key_policy(KeyId=physical_id, PolicyName="default")["Policy"],
        Tags=_tags(kms.list_resource_tags(KeyId=physical_id)["Tags"], "TagKey", "TagValue"),
    )


def _sns_topic_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    attributes = _call(_missing_on("NotFound"), aws.client("sns").get_topic_attributes, TopicArn=physical_id)
    arn = attributes["Attributes"]["TopicArn"]
    return {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[1]}


def _sns_topic(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    sns = aws.client("sns")
    attributes = _call(_missing_on("NotFound"), sns.get_topic_attributes, TopicArn=physical_id)["Attributes"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=physical_id)["Subscriptions"]
    return _present(
        TopicName=attributes["TopicArn"].rsplit(":", 1)[1],
        **_same_names(attributes, "DisplayName", "KmsMasterKeyId"),
        FifoTopic=attributes["FifoTopic"] == "true" if "FifoTopic" in attributes else None,
        ContentBasedDeduplication=(
            attributes["ContentBasedDeduplication"] == "true" if "ContentBasedDeduplication" in attributes else None
        ),
        Subscription=[{"Endpoint": s["Endpoint"], "Protocol": s["Protocol"]} for s in subscriptions],
    )


def _log_group_description(aws: Aws, physical_id: str) -> dict[str, Any]:
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=physical_id)["logGroups"]
    for group in groups:
        if group["logGroupName"] == physical_id:
            return dict(group)
    raise ResourceMissing(f"log group {physical_id}")


def _log_group_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    # moto's CloudFormation gives GetAtt Arn without the ":*" that AWS's adds; the rehearsal compares
    # what the emulator resolved, so it takes the same form.
    return {"Arn": _log_group_description(aws, physical_id)["logGroupArn"]}


def _log_group(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    group = _log_group_description(aws, physical_id)
    tags = aws.client("logs").list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"]
    return _present(
        LogGroupName=group["logGroupName"],
        RetentionInDays=group.get("retentionInDays"),
        KmsKeyId=group.get("kmsKeyId"),
        LogGroupClass=group.get("logGroupClass"),
        Tags=tags,
    )


def _role_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    role = _call(_missing_on("NoSuchEntity"), aws.client("iam").get_role, RoleName=physical_id)["Role"]
    return {"Arn": role["Arn"], "RoleId": role["RoleId"]}


def _role(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    iam = aws.client("iam")
    role = _call(_missing_on("NoSuchEntity"), iam.get_role, RoleName=physical_id)["Role"]
    attached = iam.list_attached_role_policies(RoleName=physical_id)["AttachedPolicies"]
    return _present(
        **_same_names(role, "RoleName", "Path", "Description", "MaxSessionDuration", "AssumeRolePolicyDocument"),
        ManagedPolicyArns=[policy["PolicyArn"] for policy in attached],
        PermissionsBoundary=role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        Tags=_tags(iam.list_role_tags(RoleName=physical_id)["Tags"]),
    )


def _inline_policy(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    # An AWS::IAM::Policy is an inline policy of each role it names; IAM knows it by its name only.
    iam = aws.client("iam")
    name = wanted["PolicyName"]
    roles, documents = [], []
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                roles.append(role["RoleName"])
                documents.append(iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"])
    if not roles:
        raise ResourceMissing(f"no role has the inline policy {name}")
    if any(document != documents[0] for document in documents):
        raise AssertionError(f"the roles {roles} hold different documents under the policy name {name}")
    return {"PolicyName": name, "PolicyDocument": documents[0], "Roles": roles}


def _managed_policy(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    iam = aws.client("iam")
    policy = _call(_missing_on("NoSuchEntity"), iam.get_policy, PolicyArn=physical_id)["Policy"]
    version = iam.get_policy_version(PolicyArn=physical_id, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    entities = iam.list_entities_for_policy(PolicyArn=physical_id)
    return _present(
        ManagedPolicyName=policy["PolicyName"],
        Path=policy.get("Path"),
        Description=policy.get("Description"),
        PolicyDocument=version["Document"],
        Roles=[role["RoleName"] for role in entities.get("PolicyRoles", [])],
        Users=[user["UserName"] for user in entities.get("PolicyUsers", [])],
        Groups=[group["GroupName"] for group in entities.get("PolicyGroups", [])],
    )


def _function_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    function = _call(
        _missing_on("ResourceNotFoundException"), aws.client("lambda").get_function, FunctionName=physical_id
    )
    return {"Arn": function["Configuration"]["FunctionArn"]}


def sha256_b64(data: bytes) -> str:
    """A SHA-256 the way Lambda's CodeSha256 writes it."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _object_with_sha(aws: Aws, code_sha256: str) -> dict[str, str] | None:
    """The S3 object (bucket and key) whose bytes have this CodeSha256: where the code came from."""
    s3 = aws.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for item in page.get("Contents", []):
                if not item["Key"].endswith(".zip"):
                    continue
                body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
                if sha256_b64(body) == code_sha256:
                    return {"S3Bucket": bucket["Name"], "S3Key": item["Key"]}
    return None


_FUNCTION_SAME_NAMES = (
    "FunctionName",
    "Description",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Role",
    "DeadLetterConfig",
    "TracingConfig",
    "EphemeralStorage",
)


def _function(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    function = _call(
        _missing_on("ResourceNotFoundException"), aws.client("lambda").get_function, FunctionName=physical_id
    )
    config = function["Configuration"]
    return _present(
        **_same_names(config, *_FUNCTION_SAME_NAMES),
        Environment={"Variables": config.get("Environment", {}).get("Variables", {})},
        Layers=[layer["Arn"] for layer in config.get("Layers", [])],
        ReservedConcurrentExecutions=function.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
        # The bytes Lambda holds, found by their hash among the emulator's S3 objects.
        Code=_object_with_sha(aws, config["CodeSha256"]),
    )


def _permission(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    # moto gives a permission no physical id: find it among its function's policy statements.
    policy = _call(
        _missing_on("ResourceNotFoundException"), aws.client("lambda").get_policy, FunctionName=wanted["FunctionName"]
    )
    statements = [
        _present(
            Action=statement["Action"],
            FunctionName=statement["Resource"],
            Principal=next(iter(statement["Principal"].values())),
            SourceArn=statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn"),
            SourceAccount=statement.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceAccount"),
        )
        for statement in json.loads(policy["Policy"])["Statement"]
    ]
    for statement in statements:
        if all(statement.get(name) == value for name, value in wanted.items()):
            return statement
    if not statements:
        raise ResourceMissing(f"no permission on {wanted['FunctionName']}")
    return statements[0]  # the comparison then shows what differs


def _rule_description(aws: Aws, physical_id: str) -> dict[str, Any]:
    return dict(_call(_missing_on("ResourceNotFoundException"), aws.client("events").describe_rule, Name=physical_id))


def _rule_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    return {"Arn": _rule_description(aws, physical_id)["Arn"]}


def _rule(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    events = aws.client("events")
    rule = _rule_description(aws, physical_id)
    targets = events.list_targets_by_rule(Rule=physical_id)["Targets"]
    return _present(
        **_same_names(
            rule, "Name", "Description", "ScheduleExpression", "EventPattern", "State", "EventBusName", "RoleArn"
        ),
        Targets=targets,
        Tags=_tags(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]),
    )


def _alarm_description(aws: Aws, physical_id: str) -> dict[str, Any]:
    alarms = aws.client("cloudwatch").describe_alarms(AlarmNames=[physical_id])["MetricAlarms"]
    if not alarms:
        raise ResourceMissing(f"alarm {physical_id}")
    return dict(alarms[0])


def _alarm_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    return {"Arn": _alarm_description(aws, physical_id)["AlarmArn"]}


_ALARM_PROPERTIES = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)


def _alarm(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    alarm = _alarm_description(aws, physical_id)
    tags = aws.client("cloudwatch").list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    # Empty lists are how the API says "not set" (Dimensions of a query alarm, Metrics of the others).
    reported = {name: value for name, value in _same_names(alarm, *_ALARM_PROPERTIES).items() if value != []}
    return {**reported, "Tags": _tags(tags)}


def _dashboard(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    dashboard = _call(
        _missing_on("ResourceNotFound", "ResourceNotFoundException"),
        aws.client("cloudwatch").get_dashboard,
        DashboardName=physical_id,
    )
    return {"DashboardName": dashboard["DashboardName"], "DashboardBody": dashboard["DashboardBody"]}


def _queue_attributes_raw(aws: Aws, physical_id: str) -> dict[str, str]:
    return dict(
        _call(
            _missing_on("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
            aws.client("sqs").get_queue_attributes,
            QueueUrl=physical_id,
            AttributeNames=["All"],
        )["Attributes"]
    )


def _queue_attributes(aws: Aws, physical_id: str) -> dict[str, Any]:
    arn = _queue_attributes_raw(aws, physical_id)["QueueArn"]
    return {"Arn": arn, "QueueName": arn.rsplit(":", 1)[1], "QueueUrl": physical_id}


_QUEUE_NUMBERS = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsDataKeyReusePeriodSeconds",
)
_QUEUE_FLAGS = ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled")


def _queue(aws: Aws, physical_id: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    raw = _queue_attributes_raw(aws, physical_id)
    tags = aws.client("sqs").list_queue_tags(QueueUrl=physical_id).get("Tags", {})
    return _present(
        QueueName=raw["QueueArn"].rsplit(":", 1)[1],
        KmsMasterKeyId=raw.get("KmsMasterKeyId"),
        RedrivePolicy=raw.get("RedrivePolicy"),
        **{name: int(raw[name]) for name in _QUEUE_NUMBERS if name in raw},
        **{name: raw[name] == "true" for name in _QUEUE_FLAGS if name in raw},
        Tags=tags,
    )


# --- the tables ------------------------------------------------------------------------------------

Reader = Callable[[Aws, str, Mapping[str, Any]], dict[str, Any]]
AttributeReader = Callable[[Aws, str], dict[str, Any]]


@dataclass(frozen=True)
class Held:
    """A type the emulator holds: how to read one back, and what it cannot report (with why)."""

    read: Reader
    attributes: AttributeReader | None = None  # for Fn::GetAtt; None: the type has none we use
    ignored: Mapping[str, str] = field(default_factory=dict)


MOTO_DROPS_TAGS = "moto's CloudFormation does not pass this type's Tags on; tests/infra assert the stack's tags"

HELD: Mapping[str, Held] = {
    "AWS::KMS::Key": Held(_kms_key, _kms_key_attributes),
    "AWS::SNS::Topic": Held(_sns_topic, _sns_topic_attributes, {"Tags": MOTO_DROPS_TAGS}),
    "AWS::Logs::LogGroup": Held(_log_group, _log_group_attributes),
    "AWS::IAM::Role": Held(_role, _role_attributes),
    "AWS::IAM::Policy": Held(_inline_policy),
    "AWS::IAM::ManagedPolicy": Held(_managed_policy),
    "AWS::Lambda::Function": Held(
        _function,
        _function_attributes,
        {
            "Architectures": "moto reports x86_64 whatever the template says; tests/infra/test_poller.py asserts arm64",
            "LoggingConfig": "moto does not keep it; tests/infra/test_poller.py asserts the function's own log group",
            "Tags": MOTO_DROPS_TAGS,
        },
    ),
    "AWS::Lambda::Permission": Held(_permission),
    "AWS::Events::Rule": Held(_rule, _rule_attributes),
    "AWS::CloudWatch::Alarm": Held(
        _alarm,
        _alarm_attributes,
        {"WarmUpConfiguration": "moto's DescribeAlarms does not report it; tests/infra/test_alarms.py asserts it"},
    ),
    "AWS::CloudWatch::Dashboard": Held(_dashboard, ignored={"Tags": MOTO_DROPS_TAGS}),
    "AWS::SQS::Queue": Held(_queue, _queue_attributes),
}


@dataclass(frozen=True)
class NotHeld:
    """A type the emulator cannot create; its template assertions live in `asserted_in`."""

    reason: str
    asserted_in: str | None  # a test file that names the type, or None when there is nothing to check


NOT_HELD: Mapping[str, NotHeld] = {
    "AWS::SNS::TopicPolicy": NotHeld(
        "moto's CloudFormation has no model for it (its SNS serves SetTopicAttributes only)",
        "tests/infra/test_notifications.py",
    ),
    "AWS::SNS::Subscription": NotHeld(
        "moto's CloudFormation has no model for it; email subscriptions wait for a person's confirmation anyway",
        "tests/infra/test_notifications.py",
    ),
    "AWS::Lambda::EventInvokeConfig": NotHeld(
        "moto's CloudFormation has no model for it", "tests/infra/test_poller.py"
    ),
    "AWS::SQS::QueuePolicy": NotHeld(
        "moto's CloudFormation has no model for it (the notifier's dead-letter queue's TLS-only and EventBridge "
        "statements)",
        "tests/infra/test_notifier.py",
    ),
    "AWS::CloudWatch::AlarmMuteRule": NotHeld(
        "moto has no alarm mute rules (neither its CloudFormation nor its CloudWatch)", "tests/infra/test_mute_rules.py"
    ),
    "AWS::Chatbot::SlackChannelConfiguration": NotHeld(
        "moto has no Amazon Q Developer (chatbot) service; a real one needs the workspace authorized first",
        "tests/infra/test_notifier_chat.py",
    ),
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration": NotHeld(
        "moto has no Amazon Q Developer (chatbot) service; a real one needs the team authorized first",
        "tests/infra/test_notifier_chat.py",
    ),
    "AWS::CDK::Metadata": NotHeld("the CDK CLI's version report; nothing of the product's", None),
}


# --- resolving the template's intrinsic functions against the deployed stack -----------------------


@dataclass(frozen=True)
class Resolver:
    """Turns template values into deployed ones: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
    Fn::FindInMap."""

    physical_ids: Mapping[str, str]
    attributes: Mapping[str, Mapping[str, Any]]
    pseudo: Mapping[str, str]
    mappings: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise RehearsalGap(f"Ref {name}: not a resource of the stack or a pseudo parameter the rehearsal knows")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise RehearsalGap(
                f"Fn::GetAtt {logical_id}.{attribute}: teach the attribute reader of its type "
                "(tests/deploy/resources.py)"
            ) from None

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self(items))
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Select":
                index, items = self(argument)
                return items[int(index)]
            if key == "Fn::FindInMap":
                mapping, top, second = (str(part) for part in self(argument))
                try:
                    return self.mappings[mapping][top][second]
                except KeyError:
                    raise RehearsalGap(
                        f"Fn::FindInMap {mapping}.{top}.{second}: not in the template's Mappings"
                    ) from None
            if key.startswith("Fn::"):
                raise RehearsalGap(f"{key}: teach the rehearsal's resolver (tests/deploy/resources.py) this function")
        return {name: self(item) for name, item in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {name: self(item) for name, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)


def resolver_for(
    aws: Aws, template: Mapping[str, Any], physical_ids: Mapping[str, str], stack_name: str, stack_id: str
) -> Resolver:
    """A resolver for one deployed stack: the attributes of its held resources read from the emulator."""
    attributes = {}
    for logical_id, resource in template["Resources"].items():
        held = HELD.get(resource["Type"])
        if held is not None and held.attributes is not None and logical_id in physical_ids:
            attributes[logical_id] = held.attributes(aws, physical_ids[logical_id])
    return Resolver(physical_ids, attributes, aws.pseudo_parameters(stack_name, stack_id), template.get("Mappings", {}))


def held_resources(template: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(logical id, type, resource) of each resource of a type the emulator holds."""
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in HELD:
            if "Condition" in resource:
                raise RehearsalGap(f"{logical_id} has a Condition: teach the rehearsal to evaluate it")
            found.append((logical_id, resource["Type"], resource))
    return found


@dataclass(frozen=True)
class ReadBack:
    logical_id: str
    resource_type: str
    wanted: dict[str, Any]  # the template's properties, resolved against the deployed stack
    deployed: dict[str, Any]  # what the service's own API reports, in the template's names


def read_back(
    aws: Aws, template: Mapping[str, Any], physical_ids: Mapping[str, str], resolve: Resolver
) -> list[ReadBack]:
    """Every held resource of a deployed stack, read back through its service's own API."""
    found = []
    for logical_id, resource_type, resource in held_resources(template):
        wanted = resolve(resource.get("Properties", {}))
        deployed = HELD[resource_type].read(aws, physical_ids[logical_id], wanted)
        found.append(ReadBack(logical_id, resource_type, wanted, deployed))
    return found


# --- comparing -------------------------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """Values as CloudFormation means them: JSON text compared as JSON, tag lists as mappings."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return canonical(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and set(item) == {"Key", "Value"} for item in value):
            return {item["Key"]: item["Value"] for item in value}
        return [canonical(item) for item in value]
    if isinstance(value, dict):
        return {name: canonical(item) for name, item in value.items()}
    return value


@dataclass(frozen=True)
class Difference:
    logical_id: str
    resource_type: str
    property: str
    template: Any
    deployed: Any

    def __str__(self) -> str:
        template = json.dumps(self.template, default=str)[:600]
        deployed = json.dumps(self.deployed, default=str)[:600]
        return f"{self.logical_id} ({self.resource_type}) {self.property}: template {template} != deployed {deployed}"


def compare(
    logical_id: str, resource_type: str, template_properties: Mapping[str, Any], deployed: Mapping[str, Any]
) -> list[Difference]:
    """Every property the template sets must be deployed with that value, unless its type ignores it."""
    held = HELD[resource_type]
    differences = []
    for name, value in template_properties.items():
        if name in held.ignored:
            continue
        if name not in deployed:
            raise RehearsalGap(
                f"{logical_id} ({resource_type}) sets {name}, which the reader does not report: teach the reader "
                "in tests/deploy/resources.py, or add the property to the type's `ignored` with the reason"
            )
        if canonical(value) != canonical(deployed[name]):
            differences.append(Difference(logical_id, resource_type, name, value, deployed[name]))
    return differences


def uncaught_mutations(
    logical_id: str, resource_type: str, template_properties: Mapping[str, Any], deployed: Mapping[str, Any]
) -> list[str]:
    """The compared properties whose change to a value nobody deployed `compare` would not report
    exactly (none, unless a reader or the canonical form hides a difference)."""
    uncaught = []
    for name in set(template_properties) - set(HELD[resource_type].ignored):
        mutant = {**template_properties, name: "not-what-was-deployed"}
        if [d.property for d in compare(logical_id, resource_type, mutant, deployed)] != [name]:
            uncaught.append(name)
    return sorted(uncaught)


def check_known(resource_types: set[str]) -> None:
    """Every type of the template is in one of the two tables."""
    unknown = sorted(resource_types - set(HELD) - set(NOT_HELD))
    if unknown:
        raise RehearsalGap(
            f"the rehearsal does not know {', '.join(unknown)}: add it to the table in tests/deploy/resources.py "
            "(HELD with a reader of the emulator's API, or NOT_HELD naming the test that asserts its template)"
        )
