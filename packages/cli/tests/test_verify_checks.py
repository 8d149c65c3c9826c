"""Each check of `seawall verify` against an emulated stack (tests/verify_stack.py: the resources
in a real moto server, a fake API in front): a sound stack passes every check, and each way of
breaking it makes exactly the check that watches it fail."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from verify_stack import EmulatedStack

from seawall.verify.model import FAILING
from seawall.verify.registry import ALL
from seawall.verify.runner import run_checks

CHECKS = [c for c in ALL if not c.drill]
# Nothing to check on this target, with a reason: the emulator serves no GetAccountSettings,
# the emulated stack is not prod, and it records no release.
NOT_APPLICABLE = {"concurrency-headroom", "deletion-protection", "code-sha-matches-release"}


@pytest.fixture
def stack(aws_emulator) -> Iterator[EmulatedStack]:
    emulated = EmulatedStack(aws_emulator.connection).create().serve()
    yield emulated
    emulated.stop()


def statuses(stack: EmulatedStack) -> dict[str, str]:
    return {r.check_id: r.status for r in run_checks(CHECKS, stack.target())}


def failing(stack: EmulatedStack) -> set[str]:
    return {check for check, status in statuses(stack).items() if status in FAILING}


def test_a_sound_stack_passes_every_check(stack: EmulatedStack) -> None:
    found = statuses(stack)
    assert {c for c, s in found.items() if s == "skip"} == NOT_APPLICABLE
    assert {c for c, s in found.items() if s not in ("pass", "skip")} == set()


def _table_unencrypted(stack: EmulatedStack) -> None:
    # The emulator keeps a table's encryption on update: the table is made again without it.
    dynamodb, table = stack.client("dynamodb"), stack.outputs["table_name"]
    dynamodb.delete_table(TableName=table)
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


def _bucket_unencrypted(stack: EmulatedStack) -> None:
    stack.client("s3").delete_bucket_encryption(Bucket=stack.outputs["log_bucket_name"])


def _queue_unencrypted(stack: EmulatedStack) -> None:
    stack.client("sqs").set_queue_attributes(
        QueueUrl=stack.outputs["dead_letter_queue_url"],
        Attributes={"KmsMasterKeyId": "", "SqsManagedSseEnabled": "false"},
    )


def _topic_unencrypted(stack: EmulatedStack) -> None:
    stack.client("sns").set_topic_attributes(
        TopicArn=stack.outputs["alarm_topic_arn"], AttributeName="KmsMasterKeyId", AttributeValue=""
    )


def _pitr_off(stack: EmulatedStack) -> None:
    stack.client("dynamodb").update_continuous_backups(
        TableName=stack.outputs["table_name"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )


def _duration_alarm_missing(stack: EmulatedStack) -> None:
    stack.client("cloudwatch").delete_alarms(
        AlarmNames=[f"{stack.prefix}-api-duration-near-timeout"]
    )


def _retention_missing(stack: EmulatedStack) -> None:
    stack.client("logs").delete_retention_policy(
        logGroupName=f"/aws/lambda/{stack.outputs['worker_function_name']}"
    )


def _log_group_key_disabled(stack: EmulatedStack) -> None:
    # The worker's log group, as the stack makes it (retention included), but encrypted with a
    # customer key that has since been disabled: "KMS key unavailable".
    kms, logs = stack.client("kms"), stack.client("logs")
    key = kms.create_key()["KeyMetadata"]
    group = f"/aws/lambda/{stack.outputs['worker_function_name']}"
    logs.delete_log_group(logGroupName=group)
    logs.create_log_group(logGroupName=group, kmsKeyId=key["Arn"])
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    kms.disable_key(KeyId=key["KeyId"])


def _function_log_group_missing(stack: EmulatedStack) -> None:
    stack.client("logs").delete_log_group(
        logGroupName=f"/aws/lambda/{stack.outputs['worker_function_name']}"
    )


def _lifecycle_missing(stack: EmulatedStack) -> None:
    stack.client("s3").delete_bucket_lifecycle(Bucket=stack.outputs["log_bucket_name"])


def _wrong_cors_header(stack: EmulatedStack) -> None:
    stack.breakage.wrong_allow_origin = "http://localhost:3001"


def _foreign_origin_allowed(stack: EmulatedStack) -> None:
    stack.breakage.echo_any_origin = True


def _a_route_without_key(stack: EmulatedStack) -> None:
    stack.breakage.open_route = "GET /jobs/{id}"


def _wildcard_policy(stack: EmulatedStack) -> None:
    role = f"{stack.outputs['worker_function_name']}-role"
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
    }
    stack.client("iam").put_role_policy(
        RoleName=role, PolicyName="extra", PolicyDocument=json.dumps(document)
    )


def _live_version(stack: EmulatedStack, function: str, **changes: object) -> None:
    """Deploy a new version of `function` with `changes` behind the live alias."""
    lambda_ = stack.client("lambda")
    name = stack.outputs[f"{function}_function_name"]
    lambda_.update_function_configuration(FunctionName=name, **changes)
    version = lambda_.publish_version(FunctionName=name)["Version"]
    lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion=version)


def _api_timeout_past_the_integration(stack: EmulatedStack) -> None:
    _live_version(stack, "api", Timeout=30)


def _fault_left_on(stack: EmulatedStack) -> None:
    variables = stack.client("lambda").get_function_configuration(
        FunctionName=stack.outputs["api_function_name"]
    )["Environment"]["Variables"]
    _live_version(
        stack,
        "api",
        Environment={"Variables": {**variables, "SEAWALL_FAULT_INJECTION": '{"mode":"exception"}'}},
    )


BREAKAGES: dict[str, tuple[Callable[[EmulatedStack], None], str]] = {
    "table encryption off": (_table_unencrypted, "encryption-table"),
    "bucket encryption off": (_bucket_unencrypted, "encryption-bucket"),
    "a queue unencrypted": (_queue_unencrypted, "encryption-queues"),
    "topic unencrypted": (_topic_unencrypted, "encryption-topic"),
    "PITR off": (_pitr_off, "pitr-enabled"),
    "the cold-start alarm missing": (_duration_alarm_missing, "alarms-wired"),
    "a log group kept forever": (_retention_missing, "log-retention"),
    "a log group's key disabled": (_log_group_key_disabled, "encryption-log-groups"),
    "a function's log group missing": (_function_log_group_missing, "encryption-log-groups"),
    "access logs kept forever": (_lifecycle_missing, "log-bucket-lifecycle"),
    "a wrong CORS header": (_wrong_cors_header, "cors-allowed-origin"),
    "every origin allowed": (_foreign_origin_allowed, "cors-foreign-origin"),
    "a route without a key": (_a_route_without_key, "api-keys-required"),
    "a wildcard IAM policy": (_wildcard_policy, "iam-least-privilege"),
    "API timeout past the integration's": (_api_timeout_past_the_integration, "timeout-ordering"),
    "a fault left on": (_fault_left_on, "function-contract"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_stack_fails_exactly_the_check_that_watches_it(
    stack: EmulatedStack, breakage: str
) -> None:
    break_it, check = BREAKAGES[breakage]
    break_it(stack)
    assert failing(stack) == {check}


def test_an_alarm_topic_without_subscribers_is_a_warning_not_a_failure(
    stack: EmulatedStack,
) -> None:
    sns = stack.client("sns")
    for subscription in sns.list_subscriptions_by_topic(TopicArn=stack.outputs["alarm_topic_arn"])[
        "Subscriptions"
    ]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    found = statuses(stack)
    assert found["alarms-wired"] == "warn"
    assert failing(stack) == set()


def test_access_logs_the_emulator_refuses_to_read_are_a_warning(stack: EmulatedStack) -> None:
    # The stack's TLS-only Deny: the emulator applies it to its plain-HTTP endpoint, so the
    # object that arrives cannot be read there (on AWS, reached over TLS, it can).
    bucket = stack.outputs["log_bucket_name"]
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    stack.client("s3").put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    results = {r.check_id: r for r in run_checks(CHECKS, stack.target())}
    assert results["access-log-in-s3"].status == "warn", results["access-log-in-s3"].summary
    assert results["access-log-in-s3"].evidence["S3 key"]
    assert {c for c, r in results.items() if r.status in FAILING} == set()
