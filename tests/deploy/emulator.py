"""The rehearsal's local AWS: `moto_server` plus two shims for gaps in moto's CloudFormation.

Run as a script (`python tests/deploy/emulator.py -H 127.0.0.1 -p PORT`, the same flags as
`moto_server`). The shims are registered in this process before the server starts, because moto
builds its table of CloudFormation resource types once, from the classes that exist at that time.

- `AWS::CloudWatch::Alarm`: moto serves PutMetricAlarm but has no CloudFormation model for
  alarms, so a stack's alarms would be skipped with a warning while the stack still reports
  CREATE_COMPLETE. The shim creates each alarm through moto's own PutMetricAlarm backend, with
  the template's properties (they have the API's names), and deletes it with the stack.
- `AWS::KMS::Key` tags: CloudFormation gives `Tags` as `Key`/`Value`, moto's KMS backend wants
  `TagKey`/`TagValue` and fails the whole stack. The shim renames them (and serialises
  `KeyPolicy`, which CloudFormation gives as an object and the API as a string).

- SNS email subscriptions: moto confirms every subscription at once; SNS keeps an email
  subscription pending until someone clicks its confirmation link, and lists it with
  `SubscriptionArn` `PendingConfirmation`. The shim lists moto's unconfirmed email subscriptions
  that way (it has no way to confirm one, as in an account where nobody clicked).

Nothing else is changed: every other resource type is moto's own, and what moto cannot hold stays
with the template assertions (see `tests/deploy/resources.py`). When a moto upgrade brings either
feature, drop its shim here (`register_shims` checks that moto then uses the alarm shim).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.cloudformation import parsing
from moto.cloudwatch.models import (
    Alarm,
    CloudWatchBackend,
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.core.common_models import CloudFormationModel
from moto.kms.models import Key
from moto.sns.models import Subscription


def _metric_data_queries(metrics: list[dict[str, Any]]) -> list[MetricDataQuery]:
    """The template's `Metrics` as moto's query objects (as moto's PutMetricAlarm handler builds them)."""
    queries = []
    for metric in metrics:
        stat = metric.get("MetricStat")
        metric_stat = None
        if stat is not None:
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=stat["Metric"]["MetricName"],
                    namespace=stat["Metric"].get("Namespace"),
                    dimensions=[Dimension(d["Name"], d["Value"]) for d in stat["Metric"].get("Dimensions", [])],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=metric["Id"],
                label=metric.get("Label"),
                period=metric.get("Period"),
                return_data=metric.get("ReturnData"),
                expression=metric.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


class CloudFormationAlarm(CloudFormationModel):
    """`AWS::CloudWatch::Alarm` in a stack: a handle on the alarm moto's CloudWatch holds."""

    # moto files every model under the service named by its module's second part ("moto.<service>").
    __module__ = "moto.cloudwatch.deploy_rehearsal_shim"

    def __init__(self, alarm: Alarm, account_id: str) -> None:
        self.alarm = alarm
        self.account_id = account_id

    @property
    def physical_resource_id(self) -> str:
        return self.alarm.name  # Ref of an alarm is its name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationAlarm:
        properties = cloudformation_json["Properties"]
        backend: CloudWatchBackend = cloudwatch_backends[account_id][region_name]
        metrics = properties.get("Metrics")
        alarm = backend.put_metric_alarm(
            name=resource_name,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=properties.get("Period"),
            threshold=properties.get("Threshold"),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            metric_data_queries=_metric_data_queries(metrics) if metrics else None,
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            extended_statistic=properties.get("ExtendedStatistic"),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            unit=properties.get("Unit"),
            actions_enabled=properties.get("ActionsEnabled", True),
            treat_missing_data=properties.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=properties.get("ThresholdMetricId"),
            tags=properties.get("Tags"),
        )
        return cls(alarm, account_id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: CloudFormationAlarm,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CloudFormationAlarm:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])

    def is_created(self) -> bool:
        return True


_create_key = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_key_with_tags(
    cls: type[Key],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Key:
    properties = dict(cloudformation_json["Properties"])
    properties["Tags"] = [
        {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in properties.get("Tags", [])
    ]
    if not isinstance(properties.get("KeyPolicy", ""), str):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    return _create_key(
        cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs
    )


EMAIL_PROTOCOLS = ("email", "email-json")


def _listed_subscription_arn(subscription: Subscription) -> str:
    """What ListSubscriptions(ByTopic) shows as the subscription's ARN (moto's serializer reads
    `subscription_arn` before its own `arn`)."""
    if subscription.protocol in EMAIL_PROTOCOLS and not subscription.confirmed:
        return "PendingConfirmation"
    return str(subscription.arn)


def register_shims() -> None:
    """Add the shims to moto (idempotent; before the first stack is parsed)."""
    Subscription.subscription_arn = property(_listed_subscription_arn)  # type: ignore[attr-defined]
    Key.create_from_cloudformation_json = classmethod(_create_key_with_tags)  # type: ignore[method-assign,assignment]
    # moto caches its resource-type table; a class defined after the first lookup would be missed.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    assert parsing.get_model_map()["AWS::CloudWatch::Alarm"] is CloudFormationAlarm


if __name__ == "__main__":
    from moto.server import main

    register_shims()
    main(sys.argv[1:])
