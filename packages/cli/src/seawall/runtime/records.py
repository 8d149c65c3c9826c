"""What the gateway knows once a request is finished, handed to whoever wants it.

The gateway is constructed with a list of `on_request_done` callbacks; each receives one
`RequestRecord` per request the stage answered (routed or not, success or gateway error). Access-log
delivery and the AWS/ApiGateway metrics are such callbacks, so the gateway itself knows nothing of
logs or CloudWatch. Requests the HTTP edge refuses before they reach the stage (a malformed request
line, a bad Content-Length) never become records: API Gateway does not log or count those either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRecord:
    request_id: str  # $context.requestId, the x-amzn-RequestId header
    extended_request_id: str  # $context.extendedRequestId, the x-amz-apigw-id header
    api_id: str
    stage: str
    http_method: str
    path: str  # the path under the stage, as the client sent it
    resource_path: str | None  # the matched resource ("/items/{id}"); None when no route matched
    protocol: str  # "HTTP/1.1"
    status: int
    request_time_epoch_ms: int  # when the request arrived at the stage
    latency_ms: float  # the whole request at the stage
    integration_latency_ms: float | None  # the integration's part; None when none ran
    integration_status: int | None  # the status the integration produced, before mapping
    api_key: str | None  # the x-api-key value, when the method required one and it was valid
    api_key_id: str | None
    usage_plan_id: str | None
    source_ip: str
    user_agent: str | None
    request_bytes: int
    response_bytes: int
    error_message: str | None  # $context.error.message of a gateway error, else None
    error_response_type: str | None  # $context.error.responseType (THROTTLED, ...), else None


RequestCallback = Callable[[RequestRecord], None]


def json_access_log(write: Callable[[str], None]) -> RequestCallback:
    """A callback writing one JSON line per request with `write` (the runtime's access.log)."""

    def on_request_done(record: RequestRecord) -> None:
        line = {
            "requestId": record.request_id,
            "ip": record.source_ip,
            "httpMethod": record.http_method,
            "path": record.path,
            "resourcePath": record.resource_path,
            "status": record.status,
            "responseLength": record.response_bytes,
            "latencyMs": record.latency_ms,
            "integrationLatencyMs": record.integration_latency_ms,
            "apiKeyId": record.api_key_id,
            "errorResponseType": record.error_response_type,
        }
        write(json.dumps(line))

    return on_request_done
