"""Fixtures: moto in-process for DynamoDB and SQS with the stack's table and queues, and an Api
wired to a fake clock (the doubles themselves are in handler_doubles).

Every AWS call the handler's own clients make in these tests is held to botocore's parameter
validation, which the clients skip in production (store/aws_calls.py): moto accepts much that
DynamoDB refuses (a number where the model says string, a None), so without this check a
wrongly typed parameter would pass every test here and fail only on AWS. A test that sends a
wrong parameter on purpose is marked `sends_invalid_parameters`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from handler_doubles import ORIGIN, TABLE, Env, Harness, create_table, make_harness
from moto import mock_aws

from seawall_handler.store.aws_calls import Clients


@pytest.fixture(autouse=True)
def parameters_botocore_would_accept(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Validate every request of the handler's clients against the service model before it is
    sent, and fail the test if one was refused (even when the handler turned the error into a
    500 that the test did not look at)."""
    if request.node.get_closest_marker("sends_invalid_parameters"):
        yield
        return
    refused: list[str] = []

    def validate(params: dict[str, object], model: object, **_: object) -> None:
        if model.input_shape is None:  # type: ignore[attr-defined]
            return
        try:
            validate_parameters(params, model.input_shape)  # type: ignore[attr-defined]
        except ParamValidationError as error:
            refused.append(f"{model.name}: {error}")  # type: ignore[attr-defined]
            raise

    create = Clients._create

    def create_validated(self: Clients, service: str) -> object:
        client = create(self, service)
        client.meta.events.register("before-parameter-build", validate)
        return client

    monkeypatch.setattr(Clients, "_create", create_validated)
    yield
    assert refused == [], "parameters botocore's validation refuses (DynamoDB would too)"


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
