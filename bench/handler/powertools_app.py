"""The issue's reference: a minimal Powertools APIGatewayRestResolver app with a boto3 DynamoDB
resource, serving the same GET /items/{id} as seawall's handler."""

import json
import os

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

app = APIGatewayRestResolver()
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


def handler(event, context):
    return app.resolve(event, context)
