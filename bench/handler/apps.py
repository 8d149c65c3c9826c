"""What the benchmark children share: the event, the context, the canned DynamoDB answer and the
stubs. Pure Python, no botocore import at module level, so importing it costs nothing measurable.
"""

from __future__ import annotations

import json
import os
from typing import ClassVar

ITEM_ID = "6f1c2a9e-1b7d-4c3a-9d2e-0a1b2c3d4e5f"
TABLE = "seawall-bench-data"
ORIGIN = "http://localhost:3000"

# The function's environment (credentials from variables, as in Lambda: no IMDS lookup).
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "seawall-bench-api",
    "SEAWALL_ENVIRONMENT": "local",
    "SEAWALL_TABLE_NAME": TABLE,
    "SEAWALL_CORS_ALLOW_ORIGINS": ORIGIN,
    "SEAWALL_LOG_LEVEL": "INFO",
    "POWERTOOLS_SERVICE_NAME": "seawall-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "seawall",
}

GET_ITEM_RESPONSE = json.dumps(
    {
        "Item": {
            "pk": {"S": f"ITEM#{ITEM_ID}"},
            "sk": {"S": "ITEM"},
            "gsi1pk": {"S": "ITEMS"},
            "gsi1sk": {"S": f"2024-01-01T00:00:00.000Z#{ITEM_ID}"},
            "id": {"S": ITEM_ID},
            "name": {"S": "benchmark item"},
            "data": {"S": '{"colour":"blue","size":3,"ok":true}'},
            "version": {"N": "1"},
            "created_at": {"S": "2024-01-01T00:00:00.000Z"},
            "updated_at": {"S": "2024-01-01T00:00:00.000Z"},
        }
    }
).encode()


def event() -> dict:
    """GET /items/{id}: an API Gateway REST proxy event (v1)."""
    headers = {
        "Host": "abc.execute-api.us-east-1.amazonaws.com",
        "Origin": ORIGIN,
        "Accept": "application/json",
        "User-Agent": "bench",
    }
    path = f"/items/{ITEM_ID}"
    return {
        "resource": "/items/{id}",
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"id": ITEM_ID},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/items/{id}",
            "httpMethod": "GET",
            "path": f"/bench{path}",
            "stage": "bench",
            "requestId": "apigw-bench",
            "accountId": "123456789012",
            "identity": {"sourceIp": "127.0.0.1", "apiKeyId": "bench-key"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


class Context:
    """The attributes of a Lambda context that the apps read."""

    function_name = "seawall-bench-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:seawall-bench-api"
    aws_request_id = "bench-request"
    log_group_name = "/aws/lambda/seawall-bench-api"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def set_environment() -> None:
    os.environ.update(ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def stub_http() -> None:
    """Answer every AWS request in-process with the canned GetItem response: botocore still
    builds, signs and parses, only the network is gone. Call once botocore is imported."""
    import botocore.httpsession
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield GET_ITEM_RESPONSE

    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "bench"}

    def send(self, request):
        return AWSResponse(request.url, 200, headers, Raw())

    botocore.httpsession.URLLib3Session.send = send


def stub_sdk() -> None:
    """Answer every AWS API call below botocore's request building: parameters are validated
    and serialized, then the canned, parsed answer comes back without signing, HTTP or parsing
    (botocore's after-call handlers, such as boto3's DynamoDB type deserializer, still run).
    For the warm overhead: everything around the network and the wire format."""
    import botocore.client

    class Http:
        status_code = 200
        headers: ClassVar[dict] = {}

    def make_request(self, operation_model, request_dict, request_context):
        return Http(), json.loads(GET_ITEM_RESPONSE)

    botocore.client.BaseClient._make_request = make_request


def load(name: str):
    """Import the app `name` and return its handler (None for the bare boto3 floor)."""
    if name == "floor":
        import boto3

        boto3.resource("dynamodb")
        return None
    if name == "seawall":
        from seawall_handler.api import handler

        return handler
    if name == "powertools":
        from powertools_app import handler

        return handler
    if name == "sdk-client":  # the bare SDK call seawall's handler makes
        import botocore.session

        client = botocore.session.get_session().create_client("dynamodb")
        key = {"pk": {"S": f"ITEM#{ITEM_ID}"}, "sk": {"S": "ITEM"}}
        return lambda event, context: client.get_item(TableName=TABLE, Key=key)
    if name == "sdk-seawall-client":  # the same call through a client configured as seawall's
        from seawall_handler.store.aws_calls import API_TIMEOUTS, Clients

        client = Clients(API_TIMEOUTS).client("dynamodb")
        key = {"pk": {"S": f"ITEM#{ITEM_ID}"}, "sk": {"S": "ITEM"}}
        return lambda event, context: client.get_item(TableName=TABLE, Key=key)
    if name == "sdk-resource":  # the bare SDK call the Powertools apps make
        import boto3

        table = boto3.resource("dynamodb").Table(TABLE)
        key = {"pk": f"ITEM#{ITEM_ID}", "sk": "ITEM"}
        return lambda event, context: table.get_item(Key=key)
    if name == "powertools-full":
        from powertools_full_app import handler

        return handler
    raise SystemExit(f"unknown app {name}")
