"""Checks over the stores, read through the AWS APIs: encryption at rest (and with which key),
point-in-time recovery, backups and replicas, deletion protection, capacity, the log bucket."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from seawall.verify.model import Check, CheckSkipped, Outcome, expect


def _table(target: Any) -> dict[str, Any]:
    return target.client("dynamodb").describe_table(TableName=target.output("table_name"))["Table"]


def stack_prefix(target: Any) -> str:
    """The name prefix every resource of the stack shares (`seawall-local`), from its functions."""
    names = [target.output("api_function_name"), target.output("worker_function_name")]
    prefix = names[0]
    while not names[1].startswith(prefix):
        prefix = prefix[:-1]
    return prefix.rstrip("-_")


def check_encryption_table(target: Any) -> Outcome:
    sse = _table(target).get("SSEDescription") or {}
    evidence = {"table": target.output("table_name"), "SSEDescription": sse}
    expect(
        sse.get("Status") == "ENABLED" and sse.get("SSEType") == "KMS",
        "the table is not encrypted with a KMS key",
        evidence,
    )
    key = sse.get("KMSMasterKeyArn", "the AWS managed key alias/aws/dynamodb")
    return Outcome(f"KMS, key {key}", evidence)


def check_encryption_bucket(target: Any) -> Outcome:
    bucket = target.output("log_bucket_name")
    try:
        config = target.client("s3").get_bucket_encryption(Bucket=bucket)
        rules = config["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as error:
        rules, evidence = [], {"bucket": bucket, "error": str(error)}
    else:
        evidence = {"bucket": bucket, "rules": rules}
    defaults = [r.get("ApplyServerSideEncryptionByDefault", {}) for r in rules]
    kms = [d for d in defaults if d.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse")]
    expect(bool(kms), "the log bucket has no default KMS encryption", evidence)
    return Outcome(
        f"{kms[0]['SSEAlgorithm']}, key {kms[0].get('KMSMasterKeyID', 'aws/s3')}", evidence
    )


def check_encryption_queues(target: Any) -> Outcome:
    sqs = target.client("sqs")
    evidence, plain = {}, []
    for output in ("jobs_queue_url", "dead_letter_queue_url"):
        url = target.output(output)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        key = attributes.get("KmsMasterKeyId")
        managed = attributes.get("SqsManagedSseEnabled") == "true"
        evidence[url] = f"KMS key {key}" if key else ("SQS-managed SSE" if managed else "none")
        if not key and not managed:
            plain.append(url.rsplit("/", 1)[-1])
    expect(not plain, f"queues without encryption at rest: {', '.join(plain)}", evidence)
    return Outcome("both queues encrypted", evidence)


def log_groups(target: Any) -> list[dict[str, Any]]:
    paginator = target.client("logs").get_paginator("describe_log_groups")
    prefix = stack_prefix(target)
    return [
        group
        for page in paginator.paginate()
        for group in page["logGroups"]
        if prefix in group["logGroupName"]
    ]


def check_encryption_log_groups(target: Any) -> Outcome:
    """CloudWatch Logs encrypts every log group, with its own key unless one names a customer key.
    What can go wrong is the failure mode "KMS key unavailable": a group whose key is disabled
    or gone takes no more log lines. And the functions' groups must be the stack's own (with its
    retention and key), not ones Lambda creates on first use."""
    groups = {group["logGroupName"]: group for group in log_groups(target)}
    functions = [
        f"/aws/lambda/{target.output(name)}"
        for name in ("api_function_name", "worker_function_name")
    ]
    evidence: dict[str, Any] = {
        name: groups[name].get("kmsKeyId", "CloudWatch Logs' own key")
        if name in groups
        else "missing"
        for name in sorted({*groups, *functions})
    }
    missing = [name for name in functions if name not in groups]
    expect(not missing, f"the functions' log groups are missing: {', '.join(missing)}", evidence)
    kms = target.client("kms")
    unusable = []
    for name, group in groups.items():
        if key := group.get("kmsKeyId"):
            state = _key_state(kms, key)
            if state != "Enabled":
                unusable.append(f"{name} (key {state})")
    expect(
        not unusable,
        f"log groups whose key cannot encrypt (no log line is kept): {', '.join(unusable)}",
        evidence,
    )
    return Outcome(f"{len(groups)} log groups encrypted with usable keys", evidence)


def _key_state(kms: Any, key: str) -> str:
    try:
        return str(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])
    except ClientError as error:
        return error.response.get("Error", {}).get("Code", "unreadable")


def check_encryption_topic(target: Any) -> Outcome:
    arn = target.output("alarm_topic_arn")
    attributes = target.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    key = attributes.get("KmsMasterKeyId")
    evidence = {"topic": arn, "KmsMasterKeyId": key}
    expect(bool(key), "the alarm topic is not encrypted (no KmsMasterKeyId)", evidence)
    return Outcome(f"KMS key {key}", evidence)


def check_pitr_enabled(target: Any) -> Outcome:
    dynamodb = target.client("dynamodb")
    backups = dynamodb.describe_continuous_backups(TableName=target.output("table_name"))
    pitr = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    evidence = {"PointInTimeRecoveryDescription": pitr}
    expect(
        pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
        "point-in-time recovery is off",
        evidence,
    )
    return Outcome("point-in-time recovery on", evidence)


def check_backups_replicas(target: Any) -> Outcome:
    table = _table(target)
    replicas = [r.get("RegionName") for r in table.get("Replicas", [])]
    backups = (
        target.client("dynamodb")
        .list_backups(TableName=table["TableName"])
        .get("BackupSummaries", [])
    )
    evidence = {"replica regions": replicas, "on-demand backups": len(backups)}
    if target.environment == "prod" and not replicas and not backups:
        return Outcome("prod has neither replicas nor backups (PITR only)", evidence, status="warn")
    return Outcome(
        f"{len(replicas)} replica region(s), {len(backups)} backup(s), as configured", evidence
    )


def check_deletion_protection(target: Any) -> Outcome:
    table = _table(target)
    evidence = {"DeletionProtectionEnabled": table.get("DeletionProtectionEnabled", False)}
    if target.environment != "prod":
        raise CheckSkipped(f"required in prod only (this is {target.environment})")
    expect(bool(table.get("DeletionProtectionEnabled")), "the prod table can be deleted", evidence)
    return Outcome("deletion protection on", evidence)


def check_table_capacity_mode(target: Any) -> Outcome:
    table = _table(target)
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    evidence: dict[str, Any] = {"BillingMode": mode}
    if mode == "PAY_PER_REQUEST":
        return Outcome("on-demand capacity", evidence)
    scaling = target.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="dynamodb", ResourceIds=[f"table/{table['TableName']}"]
    )["ScalableTargets"]
    evidence["scalable dimensions"] = [t["ScalableDimension"] for t in scaling]
    expect(bool(scaling), "provisioned capacity without auto scaling", evidence)
    return Outcome("provisioned capacity with auto scaling", evidence)


def check_bucket_name_scoped(target: Any) -> Outcome:
    bucket = target.output("log_bucket_name")
    account = target.client("sts").get_caller_identity()["Account"]
    scope = f"-{account}-{target.output('region')}"
    evidence = {"bucket": bucket, "expected to contain": scope}
    expect(
        scope in bucket, f"the bucket name is not scoped to account and region ({scope})", evidence
    )
    return Outcome(f"{bucket}", evidence)


def check_log_bucket_lifecycle(target: Any) -> Outcome:
    bucket = target.output("log_bucket_name")
    try:
        rules = target.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError:
        rules = []
    expiring = [r.get("ID") for r in rules if r.get("Status") == "Enabled" and r.get("Expiration")]
    evidence = {"bucket": bucket, "expiring rules": expiring}
    expect(bool(expiring), "the log bucket keeps access logs forever (no expiring rule)", evidence)
    return Outcome(f"access logs expire ({', '.join(map(str, expiring))})", evidence)


CHECKS = (
    Check("encryption-table", "the table is encrypted with KMS", check_encryption_table),
    Check("encryption-bucket", "the log bucket is encrypted with KMS", check_encryption_bucket),
    Check("encryption-queues", "the queues are encrypted", check_encryption_queues),
    Check("encryption-log-groups", "the log groups are encrypted", check_encryption_log_groups),
    Check("encryption-topic", "the alarm topic is encrypted", check_encryption_topic),
    Check("pitr-enabled", "point-in-time recovery is on", check_pitr_enabled),
    Check("backups-replicas", "backups and replicas as configured", check_backups_replicas),
    Check("deletion-protection", "deletion protection in prod", check_deletion_protection),
    Check("table-capacity-mode", "on-demand or auto-scaled capacity", check_table_capacity_mode),
    Check(
        "bucket-name-scoped", "the bucket name carries account and region", check_bucket_name_scoped
    ),
    Check("log-bucket-lifecycle", "access logs expire", check_log_bucket_lifecycle),
)
