"""Snapshots of the emulator: what one emulator held, a fresh one serves after a restore.

Real moto servers on loopback (seawall.emulator_server); the resources are the kinds the stack
creates and whose models hold what plain pickle refuses (KMS keys, Lambda's weak indexes and
defaultdicts, S3 keys' buffers and locks).
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from seawall.emulator import Emulator, EmulatorError
from seawall.emulator_server import PREFIX, TOKEN_HEADER

pytestmark = pytest.mark.emulator


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def populate(emulator: Emulator) -> dict[str, str]:
    """A little of everything the stack has; returns what to look for afterwards."""
    s3 = emulator.client("s3")
    s3.create_bucket(
        Bucket="state", CreateBucketConfiguration={"LocationConstraint": emulator.region}
    )
    s3.put_object(Bucket="state", Key="stack.tfstate", Body=b'{"serial": 7}')
    dynamodb = emulator.client("dynamodb")
    dynamodb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="items", Item={"pk": {"S": "one"}, "n": {"N": "1"}})
    queue_url = emulator.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    emulator.client("sqs").send_message(QueueUrl=queue_url, MessageBody="queued before")
    kms = emulator.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    ciphertext = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    role = emulator.client("iam").create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=json.dumps(
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
        ),
    )["Role"]["Arn"]
    lambda_ = emulator.client("lambda")
    lambda_.create_function(
        FunctionName="api",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": function_zip()},
        Environment={"Variables": {"TABLE": "items"}},
    )
    version = lambda_.publish_version(FunctionName="api")["Version"]
    lambda_.create_alias(FunctionName="api", Name="live", FunctionVersion=version)
    return {"queue_url": queue_url, "key_id": key_id, "ciphertext": ciphertext.hex()}


def test_a_restored_emulator_serves_what_the_snapshot_held(tmp_path: Path) -> None:
    with Emulator() as original:
        marks = populate(original)
        state = original.snapshot()
    snapshot = tmp_path / "state.pickle"
    snapshot.write_bytes(state)

    with Emulator() as restored:
        restored.restore(snapshot)
        body = restored.client("s3").get_object(Bucket="state", Key="stack.tfstate")["Body"]
        assert body.read() == b'{"serial": 7}'
        item = restored.client("dynamodb").get_item(TableName="items", Key={"pk": {"S": "one"}})
        assert item["Item"]["n"] == {"N": "1"}
        sqs = restored.client("sqs")
        messages = sqs.receive_message(QueueUrl=marks["queue_url"])["Messages"]
        assert [message["Body"] for message in messages] == ["queued before"]
        plaintext = restored.client("kms").decrypt(
            CiphertextBlob=bytes.fromhex(marks["ciphertext"])
        )["Plaintext"]
        assert plaintext == b"secret"  # the key material itself came back
        lambda_ = restored.client("lambda")
        config = lambda_.get_function_configuration(FunctionName="api")
        assert config["Environment"]["Variables"] == {"TABLE": "items"}
        alias = lambda_.get_alias(FunctionName="api", Name="live")
        assert alias["FunctionVersion"] == "1"
        # The restored backends still take changes (locks and indexes were rebuilt).
        restored.client("s3").put_object(Bucket="state", Key="more", Body=b"x")
        lambda_.update_function_configuration(
            FunctionName="api", Environment={"Variables": {"TABLE": "other"}}
        )
        assert lambda_.publish_version(FunctionName="api")["Version"] == "2"


def test_snapshot_endpoints_answer_only_the_parents_token(tmp_path: Path) -> None:
    with Emulator() as emulator:
        for headers in ({}, {TOKEN_HEADER: "guess"}):
            request = urllib.request.Request(
                f"{emulator.endpoint}{PREFIX}snapshot", data=b"", method="POST", headers=headers
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 403


def test_a_damaged_snapshot_is_refused_and_the_emulator_keeps_serving(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.pickle"
    damaged.write_bytes(b"not a pickle")
    with Emulator() as emulator:
        with pytest.raises(EmulatorError, match="could not be loaded"):
            emulator.restore(damaged)
        assert emulator.client("sqs").list_queues().get("QueueUrls", []) == []


def test_a_preferred_port_is_taken_when_free_and_skipped_when_not() -> None:
    with Emulator() as first:
        taken = int(first.endpoint.rsplit(":", 1)[1])
        with Emulator(preferred_port=taken) as second:
            assert second.endpoint != first.endpoint
    with Emulator(preferred_port=taken) as third:
        assert third.endpoint == first.endpoint
