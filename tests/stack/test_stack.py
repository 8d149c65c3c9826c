"""The root stack on the emulator, as the run's shared stack holds it, checked with boto3.

Each test reads back what a user (or an auditor) would look at in the console: encryption, recovery,
public access, lifecycle, access logs, throttling, CORS on errors, alarms, dead letters. (That a
re-plan finds no drift is checked in tests/e2e on the same stack.)
"""

from __future__ import annotations

import json

import pytest

from seawall.build import build_runtime
from seawall.emulator import Emulator
from seawall.local_stack import LocalStack

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]

CONTRACT_VARIABLES = {
    "SEAWALL_ENVIRONMENT",
    "SEAWALL_TABLE_NAME",
    "SEAWALL_JOBS_QUEUE_URL",
    "SEAWALL_CORS_ALLOW_ORIGINS",
    "SEAWALL_LOG_LEVEL",
    "SEAWALL_FAULT_INJECTION",
    "SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD",
}


@pytest.fixture
def outputs(local_stack: LocalStack) -> dict:
    return local_stack.outputs


@pytest.fixture
def aws_emulator(local_stack: LocalStack) -> Emulator:
    return local_stack.emulator


@pytest.fixture
def apigateway(aws_emulator: Emulator):
    return aws_emulator.client("apigateway")


def test_outputs_cover_the_contract(outputs) -> None:
    expected = {
        "region", "environment", "api_id", "api_stage", "api_url", "api_key", "table_name",
        "api_function_name", "worker_function_name", "jobs_queue_url", "dead_letter_queue_url",
        "log_bucket_name", "alarm_names",
    }  # fmt: skip
    assert expected <= outputs.keys()
    assert outputs["environment"] == "local"
    assert outputs["region"] == "us-west-2"
    assert outputs["api_url"].endswith(f"/{outputs['api_stage']}")


def test_table_is_encrypted_recoverable_and_expiring(aws_emulator, outputs) -> None:
    dynamodb = aws_emulator.client("dynamodb")
    table = dynamodb.describe_table(TableName=outputs["table_name"])["Table"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "pk": "HASH",
        "sk": "RANGE",
    }
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "gsi1"
    assert index["Projection"]["ProjectionType"] == "ALL"
    backups = dynamodb.describe_continuous_backups(TableName=outputs["table_name"])
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName=outputs["table_name"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_log_bucket_is_private_encrypted_and_tls_only(aws_emulator, outputs) -> None:
    s3 = aws_emulator.client("s3")
    bucket = outputs["log_bucket_name"]
    assert bucket == "seawall-local-logs-123456789012-us-west-2"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    writer = statements["AllowLogDelivery"]
    assert writer["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:role/seawall-local-access-logs-firehose"
    }
    assert not any("*" in action for action in writer["Action"])


def test_log_bucket_lifecycle(aws_emulator, outputs) -> None:
    s3 = aws_emulator.client("s3")
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=outputs["log_bucket_name"])["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert rule["Expiration"]["Days"] == 365
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_stage_logs_to_firehose_and_throttles(apigateway, aws_emulator, outputs) -> None:
    stage = apigateway.get_stage(restApiId=outputs["api_id"], stageName=outputs["api_stage"])
    destination = stage["accessLogSettings"]["destinationArn"]
    stream_name = destination.rsplit("/", 1)[1]
    assert stream_name.startswith("amazon-apigateway-")
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"

    firehose = aws_emulator.client("firehose")
    stream = firehose.describe_delivery_stream(DeliveryStreamName=stream_name)
    [target] = stream["DeliveryStreamDescription"]["Destinations"]
    s3_target = target["ExtendedS3DestinationDescription"]
    assert s3_target["BucketARN"] == f"arn:aws:s3:::{outputs['log_bucket_name']}"

    settings = stage["methodSettings"]["*/*"]
    assert settings["metricsEnabled"] is True
    assert settings["loggingLevel"] == "ERROR"
    assert settings["dataTraceEnabled"] is False
    assert settings["throttlingRateLimit"] == 100.0
    assert settings["throttlingBurstLimit"] == 200


def test_routes_keys_and_proxy_integrations(apigateway, outputs) -> None:
    resources = apigateway.get_resources(restApiId=outputs["api_id"], embed=["methods"])["items"]
    methods = {
        (resource["path"], verb): method
        for resource in resources
        for verb, method in (resource.get("resourceMethods") or {}).items()
    }
    routes = {key for key in methods if key[1] != "OPTIONS"}
    assert routes == {
        ("/health", "GET"),
        ("/items", "GET"),
        ("/items", "POST"),
        ("/items/{id}", "GET"),
        ("/items/{id}", "PUT"),
        ("/items/{id}", "DELETE"),
        ("/jobs", "POST"),
        ("/jobs/{id}", "GET"),
    }
    for (path, verb), method in methods.items():
        integration = method["methodIntegration"]
        if verb == "OPTIONS":
            assert integration["type"] == "MOCK", path
            assert method["apiKeyRequired"] is False, path
        else:
            assert integration["type"] == "AWS_PROXY", (path, verb)
            assert integration["timeoutInMillis"] == 29000
            assert integration["uri"].endswith(f":{outputs['api_function_name']}:live/invocations")
            assert method["apiKeyRequired"] is (path != "/health"), (path, verb)
    assert {path for path, verb in methods if verb == "OPTIONS"} == {path for path, _ in routes}


def test_gateway_errors_carry_cors_headers(apigateway, outputs) -> None:
    responses = apigateway.get_gateway_responses(restApiId=outputs["api_id"])["items"]
    by_type = {response["responseType"]: response for response in responses}
    kinds = ("DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "INVALID_API_KEY", "INTEGRATION_TIMEOUT")
    # envs/local.tfvars allows several origins, so the gateway's own errors echo the request's
    # Origin (a gateway response cannot check it: rest-api/cors.tf says why), vary on it, and
    # never add credentials to an echoed Origin.
    for kind in kinds:
        headers = by_type[kind]["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == (
            "method.request.header.Origin"
        ), kind
        assert headers["gatewayresponse.header.Vary"] == "'Origin'", kind
        assert "gatewayresponse.header.Access-Control-Allow-Credentials" not in headers, kind


def test_usage_plan_throttles_and_caps_the_key(apigateway, outputs) -> None:
    plans = [
        plan
        for plan in apigateway.get_usage_plans()["items"]
        if {"apiId": outputs["api_id"], "stage": outputs["api_stage"]} in plan["apiStages"]
    ]
    assert len(plans) == 1
    plan = plans[0]
    assert plan["throttle"] == {"burstLimit": 200, "rateLimit": 100.0}
    assert plan["quota"]["limit"] == 100000
    assert plan["quota"]["period"] == "DAY"
    keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [key["value"] for key in keys] == [outputs["api_key"]]


def test_functions_follow_the_contract(aws_emulator, outputs) -> None:
    lambda_ = aws_emulator.client("lambda")
    logs = aws_emulator.client("logs")
    handlers = {
        outputs["api_function_name"]: "seawall_handler.api.handler",
        outputs["worker_function_name"]: "seawall_handler.worker.handler",
    }
    for name, handler in handlers.items():
        config = lambda_.get_function_configuration(FunctionName=name)
        # The runtime follows the Python that built the zip (seawall.build.build_runtime).
        assert config["Runtime"] == build_runtime()
        assert config["Handler"] == handler
        variables = config["Environment"]["Variables"]
        assert set(variables) == CONTRACT_VARIABLES
        assert variables["SEAWALL_TABLE_NAME"] == outputs["table_name"]
        alias = lambda_.get_alias(FunctionName=name, Name="live")
        assert alias["FunctionVersion"] != "$LATEST"
        [group] = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        assert group["retentionInDays"] == 7


def test_jobs_queue_redrives_to_the_dead_letter_queue(aws_emulator, outputs) -> None:
    sqs = aws_emulator.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=outputs["jobs_queue_url"], AttributeNames=["All"]
    )["Attributes"]
    dead_letter_arn = sqs.get_queue_attributes(
        QueueUrl=outputs["dead_letter_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dead_letter_arn
    assert int(redrive["maxReceiveCount"]) == 5
    assert attributes["SqsManagedSseEnabled"] == "true"
    # Six times the worker's 60 s timeout: a slow attempt never makes its message visible again.
    assert attributes["VisibilityTimeout"] == "360"

    mappings = aws_emulator.client("lambda").list_event_source_mappings(
        EventSourceArn=attributes["QueueArn"]
    )["EventSourceMappings"]
    assert len(mappings) == 1
    assert mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mappings[0]["FunctionArn"].split(":")[6] == outputs["worker_function_name"]


def test_an_alarm_for_each_failure_mode(aws_emulator, outputs) -> None:
    cloudwatch = aws_emulator.client("cloudwatch")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix="seawall-local-")
    alarms = {alarm["AlarmName"]: alarm for page in pages for alarm in page["MetricAlarms"]}
    assert sorted(alarms) == sorted(outputs["alarm_names"])
    metrics = {(alarm.get("Namespace"), alarm.get("MetricName")) for alarm in alarms.values()}
    for expected in [
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
        ("AWS/Lambda", "ConcurrentExecutions"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "4XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/ApiGateway", "IntegrationLatency"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/Firehose", "DeliveryToS3.Success"),
        ("seawall/seawall-local", "api-logged-errors"),
    ]:
        assert expected in metrics, expected
    assert "seawall-local-table-system-errors" in alarms
    topics = {action for alarm in alarms.values() for action in alarm["AlarmActions"]}
    assert topics == {outputs["alarm_topic_arn"]}
