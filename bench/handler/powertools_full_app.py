"""The same app with the features seawall's handler has on every request: CORS, a structured log
line and EMF metrics (Powertools' Logger, Metrics and CORSConfig)."""

import json
import os

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()
cors = CORSConfig(
    allow_origin=os.environ["SEAWALL_CORS_ALLOW_ORIGINS"],
    expose_headers=["ETag", "Location", "Idempotent-Replayed", "Retry-After", "X-Request-Id"],
    max_age=600,
)
app = APIGatewayRestResolver(cors=cors)
table = boto3.resource("dynamodb").Table(os.environ["SEAWALL_TABLE_NAME"])


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict:
    found = table.get_item(Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"}).get("Item")
    if found is None:
        raise NotFoundError(f"no item {item_id}")
    return {
        "id": found["id"],
        "name": found["name"],
        "data": json.loads(found["data"]),
        "version": int(found["version"]),
        "created_at": found["created_at"],
        "updated_at": found["updated_at"],
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    response = app.resolve(event, context)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    logger.info("request", extra={"status": response["statusCode"], "route": "/items/{id}"})
    return response
