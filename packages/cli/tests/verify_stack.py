"""An emulated seawall stack for the verify checks' unit tests: the control plane is real (every
resource the checks read is created in the moto server, as the stack's Terraform would), the
data plane is a small HTTP server standing in for API Gateway + the API function (moto cannot run
the function without Docker). It writes what the real ones write: a log line per request in the
function's log group (with a REPORT line on the cold start) and an access-log object in S3.

`Breakage` flags make the fake API misbehave the way a misconfigured stack would.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from seawall.verify.target import VerifyTarget

ACCOUNT, REGION = "123456789012", "us-west-2"
ORIGIN = "http://localhost:3000"
ROUTES = {
    "/health": ("GET",),
    "/items": ("GET", "POST"),
    "/items/{id}": ("DELETE", "GET", "PUT"),
    "/jobs": ("POST",),
    "/jobs/{id}": ("GET",),
}
CORS_GATEWAY_RESPONSES = ("THROTTLED", "QUOTA_EXCEEDED", "INTEGRATION_TIMEOUT", "DEFAULT_4XX")
# Alarms as the monitoring module makes them: (name, namespace, metric).
ALARMS = (
    ("api-errors", "AWS/Lambda", "Errors"),
    ("api-throttles", "AWS/Lambda", "Throttles"),
    ("api-duration-near-timeout", "AWS/Lambda", "Duration"),
    ("api-5xx-rate", "AWS/ApiGateway", "5XXError"),
    ("api-4xx-rate", "AWS/ApiGateway", "4XXError"),
    ("table-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents"),
    ("jobs-oldest-message", "AWS/SQS", "ApproximateAgeOfOldestMessage"),
    ("access-log-delivery", "AWS/Firehose", "DeliveryToS3.Success"),
)


@dataclass
class Breakage:
    """How the fake API misbehaves (all off: a sound stack)."""

    wrong_allow_origin: str | None = None  # the header on successful answers
    echo_any_origin: bool = False  # allow every origin
    open_route: str | None = None  # "METHOD /path" that takes no key


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("seawall_handler/__init__.py", "")
    return buffer.getvalue()


def _policy(actions: list[str], resource: str) -> str:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class EmulatedStack:
    """The stack's resources in the emulator, named `<prefix>-...`, and its fake API."""

    def __init__(self, connection: Any, prefix: str | None = None) -> None:
        self.connection = connection
        self.prefix = prefix or f"sw{uuid.uuid4().hex[:8]}"
        self.breakage = Breakage()
        self.outputs: dict[str, Any] = {"region": REGION, "environment": "local"}
        self.api_key = uuid.uuid4().hex
        self.code = _zip()  # both functions' artifact
        self._server: ThreadingHTTPServer | None = None

    def client(self, service: str) -> Any:
        return self.connection.client(service)

    # -- control plane -----------------------------------------------------------------------

    def create(self) -> EmulatedStack:
        p, out = self.prefix, self.outputs
        kms = self.client("kms").create_key()["KeyMetadata"]["Arn"]
        dynamodb = self.client("dynamodb")
        out["table_name"] = f"{p}-data"
        dynamodb.create_table(
            TableName=out["table_name"],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms},
        )
        dynamodb.update_continuous_backups(
            TableName=out["table_name"],
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        sqs = self.client("sqs")
        attributes = {"KmsMasterKeyId": kms, "VisibilityTimeout": "360"}
        out["dead_letter_queue_url"] = sqs.create_queue(
            QueueName=f"{p}-jobs-dlq", Attributes=attributes
        )["QueueUrl"]
        out["jobs_queue_url"] = sqs.create_queue(QueueName=f"{p}-jobs", Attributes=attributes)[
            "QueueUrl"
        ]
        self._bucket(kms)
        self._functions()
        self._monitoring(kms)
        self._rest_api()
        firehose = self.client("firehose")
        out["access_log_stream_name"] = f"amazon-apigateway-{p}-access-logs"
        firehose.create_delivery_stream(
            DeliveryStreamName=out["access_log_stream_name"],
            ExtendedS3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/{p}-firehose",
                "BucketARN": f"arn:aws:s3:::{out['log_bucket_name']}",
                "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
            },
        )
        return self

    def _bucket(self, kms: str) -> None:
        s3 = self.client("s3")
        bucket = self.outputs["log_bucket_name"] = f"{self.prefix}-logs-{ACCOUNT}-{REGION}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": kms,
                        }
                    }
                ]
            },
        )
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "expire-logs",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Expiration": {"Days": 90},
                    }
                ]
            },
        )

    def _functions(self) -> None:
        iam, lambda_, logs = self.client("iam"), self.client("lambda"), self.client("logs")
        assume = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.outputs['table_name']}"
        for function, timeout in (("api", 10), ("worker", 60)):
            name = self.outputs[f"{function}_function_name"] = f"{self.prefix}-{function}"
            role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=assume)
            iam.put_role_policy(
                RoleName=f"{name}-role",
                PolicyName=f"{name}-least-privilege",
                PolicyDocument=_policy(["dynamodb:GetItem", "dynamodb:PutItem"], table_arn),
            )
            logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
            logs.put_retention_policy(logGroupName=f"/aws/lambda/{name}", retentionInDays=7)
            lambda_.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler=f"seawall_handler.{function}.handler",
                Code={"ZipFile": self.code},
                Timeout=timeout,
                MemorySize=256,
                Publish=True,
                Environment={
                    "Variables": {
                        "SEAWALL_ENVIRONMENT": "local",
                        "SEAWALL_TABLE_NAME": self.outputs["table_name"],
                        "SEAWALL_JOBS_QUEUE_URL": self.outputs["jobs_queue_url"],
                        "SEAWALL_CORS_ALLOW_ORIGINS": ORIGIN,
                        "SEAWALL_LOG_LEVEL": "INFO",
                        "SEAWALL_FAULT_INJECTION": "",
                    }
                },
            )
            lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        lambda_.create_event_source_mapping(
            EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.prefix}-jobs",
            FunctionName=self.outputs["worker_function_name"],
            BatchSize=10,
            Enabled=False,
        )

    def _monitoring(self, kms: str) -> None:
        sns, cloudwatch = self.client("sns"), self.client("cloudwatch")
        topic = self.outputs["alarm_topic_arn"] = sns.create_topic(
            Name=f"{self.prefix}-alarms", Attributes={"KmsMasterKeyId": kms}
        )["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
        for name, namespace, metric in ALARMS:
            cloudwatch.put_metric_alarm(
                AlarmName=f"{self.prefix}-{name}",
                Namespace=namespace,
                MetricName=metric,
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                AlarmActions=[topic],
            )
        self.outputs["alarm_names"] = [f"{self.prefix}-{n}" for n, _, _ in ALARMS]

    def _rest_api(self) -> None:
        apigateway = self.client("apigateway")
        api_id = self.outputs["api_id"] = apigateway.create_rest_api(name=self.prefix)["id"]
        root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
        ids = {"": root}
        function_arn = (
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.outputs['api_function_name']}:live"
        )
        for path, methods in ROUTES.items():
            parent, part = path.rsplit("/", 1)
            ids[path] = apigateway.create_resource(
                restApiId=api_id, parentId=ids[parent], pathPart=part
            )["id"]
            for method in (*methods, "OPTIONS"):
                apigateway.put_method(
                    restApiId=api_id,
                    resourceId=ids[path],
                    httpMethod=method,
                    authorizationType="NONE",
                    apiKeyRequired=path != "/health" and method != "OPTIONS",
                )
                apigateway.put_integration(
                    restApiId=api_id,
                    resourceId=ids[path],
                    httpMethod=method,
                    type="MOCK" if method == "OPTIONS" else "AWS_PROXY",
                    integrationHttpMethod="POST",
                    uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                    f"{function_arn}/invocations",
                    timeoutInMillis=29_000,
                )
        for response_type in CORS_GATEWAY_RESPONSES:
            apigateway.put_gateway_response(
                restApiId=api_id,
                responseType=response_type,
                responseParameters={
                    "gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGIN}'"
                },
            )
        apigateway.create_deployment(restApiId=api_id, stageName="v1")
        self.outputs["api_stage"] = "v1"
        plan = apigateway.create_usage_plan(
            name=f"{self.prefix}-plan",
            apiStages=[{"apiId": api_id, "stage": "v1"}],
            throttle={"rateLimit": 50, "burstLimit": 100},
            quota={"limit": 100_000, "period": "DAY"},
        )
        key = apigateway.create_api_key(name=self.prefix, value=self.api_key, enabled=True)
        apigateway.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

    # -- data plane --------------------------------------------------------------------------

    def serve(self) -> EmulatedStack:
        logs = self.client("logs")
        group = f"/aws/lambda/{self.outputs['api_function_name']}"
        logs.create_log_stream(logGroupName=group, logStreamName="fake")
        # The cold start of the deploy's smoke request, as Lambda reports it.
        report = "REPORT RequestId: smoke\tDuration: 3.1 ms\tInit Duration: 212.40 ms"
        logs.put_log_events(
            logGroupName=group,
            logStreamName="fake",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": report}],
        )
        handler = _handler(self, logs, self.client("firehose"), group)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def target(self) -> VerifyTarget:
        return VerifyTarget(
            name="emulated",
            api_url=self.api_url,
            api_key=self.api_key,
            outputs=dict(self.outputs),
            make_client=self.client,
        )


def _route(path: str) -> str | None:
    for template in ROUTES:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    return None


def _handler(stack: EmulatedStack, logs: Any, firehose: Any, group: str) -> type:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # quiet
            return

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            request_id, gateway_id = str(uuid.uuid4()), uuid.uuid4().hex
            status, headers, payload = self._dispatch(method, body)
            headers.update({"X-Request-Id": request_id, "x-amzn-RequestId": gateway_id})
            self._record(method, status, request_id, gateway_id)
            raw = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(raw))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _dispatch(self, method: str, body: Any) -> tuple[int, dict[str, str], Any]:
            breakage = stack.breakage
            path = self.path.split("?")[0].removeprefix("/v1")
            origin = self.headers.get("Origin")
            allowed = origin == ORIGIN or (breakage.echo_any_origin and origin is not None)
            gateway_cors = {"Access-Control-Allow-Origin": ORIGIN}
            template = _route(path)
            if template is None:
                return 403, gateway_cors, {"message": "Missing Authentication Token"}
            if method == "OPTIONS":
                cors = {"Access-Control-Allow-Methods": ",".join((*ROUTES[template], "OPTIONS"))}
                return 200, {**gateway_cors, **cors}, {}
            if method not in ROUTES[template]:
                return 403, gateway_cors, {"message": "Missing Authentication Token"}
            keyed = template == "/health" or f"{method} {template}" == breakage.open_route
            if not keyed and self.headers.get("x-api-key") != stack.api_key:
                return 403, gateway_cors, {"message": "Forbidden"}
            cors = {"Access-Control-Allow-Origin": origin} if allowed and origin else {}
            if method in ("POST", "PUT") and not body:
                return 400, cors, {"title": "Validation failed"}
            if template.endswith("{id}"):
                return 404, cors, {"title": "Not found"}
            if breakage.wrong_allow_origin:
                cors = {"Access-Control-Allow-Origin": breakage.wrong_allow_origin}
            return 200, cors, {"items": []} if template == "/items" else {"status": "ok"}

        def _record(self, method: str, status: int, request_id: str, gateway_id: str) -> None:
            with lock:
                line = {"level": "INFO", "request_id": request_id, "status": status}
                events = [{"timestamp": int(time.time() * 1000), "message": json.dumps(line)}]
                logs.put_log_events(logGroupName=group, logStreamName="fake", logEvents=events)
            access = json.dumps({"requestId": gateway_id, "httpMethod": method, "status": status})
            # Through the stream, as the stage's access logs go: it writes the S3 object.
            firehose.put_record(
                DeliveryStreamName=stack.outputs["access_log_stream_name"],
                Record={"Data": access.encode() + b"\n"},
            )

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def do_OPTIONS(self) -> None:
            self._answer("OPTIONS")

    return Handler
