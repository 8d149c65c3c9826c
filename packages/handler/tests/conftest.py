"""Fixtures: moto in-process for DynamoDB and SQS with the stack's table and queues, and an Api
wired to a fake clock (the doubles themselves are in handler_doubles)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import botocore.session
import pytest
from handler_doubles import ORIGIN, TABLE, Env, Harness, create_table, make_harness
from moto import mock_aws


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """moto (in-process) with the stack's table and queues, and the function's environment."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SEAWALL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        session = botocore.session.get_session()
        dynamodb = session.create_client("dynamodb", region_name="us-east-1")
        sqs = session.create_client("sqs", region_name="us-east-1")
        create_table(dynamodb)
        dlq_url = sqs.create_queue(QueueName="seawall-test-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 3}
        queue_url = sqs.create_queue(
            QueueName="seawall-test-jobs",
            Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "0"},
        )["QueueUrl"]
        values = {
            "SEAWALL_ENVIRONMENT": "local",
            "SEAWALL_TABLE_NAME": TABLE,
            "SEAWALL_JOBS_QUEUE_URL": queue_url,
            "SEAWALL_CORS_ALLOW_ORIGINS": f"{ORIGIN},https://*.example.com",
            "SEAWALL_LOG_LEVEL": "INFO",
            "AWS_LAMBDA_FUNCTION_NAME": "seawall-test-api",
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        yield Env(values, dynamodb, sqs, queue_url, dlq_url)


@pytest.fixture
def call(aws: Env) -> Harness:
    return make_harness(aws)
