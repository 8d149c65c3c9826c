"""Bootstrap on the emulator: the state bucket's settings, the account logging role, idempotence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from seawall.backend import BackendSettings, ensure_state_bucket
from seawall.bootstrap import LOGGING_ROLE_NAME, bootstrap, ensure_logging_role, logging_policy
from seawall.emulator import Emulator
from seawall.target import Target


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator of its own: each test resets it, which the session's shared one must not be."""
    log = Path(tmp_path_factory.mktemp("bootstrap")) / "moto.log"
    with Emulator(log_path=log) as emulator:
        yield emulator


@pytest.fixture
def target(account: Emulator) -> Target:
    account.reset()  # a fresh account: bootstrap's first run must create everything
    return Target(env="dev", region="us-west-2", endpoint_url=account.endpoint)


def test_bootstrap_creates_a_versioned_encrypted_private_bucket(target: Target) -> None:
    result = bootstrap(target)
    s3 = target.client("s3")
    bucket = result.backend.bucket
    assert bucket == "seawall-tfstate-123456789012-us-west-2"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert len(block) == 4
    # S3 native locking: no DynamoDB lock table is created any more.
    assert target.client("dynamodb").list_tables()["TableNames"] == []


def test_bootstrap_sets_the_account_logging_role_once(target: Target) -> None:
    result = bootstrap(target)
    account = target.client("apigateway").get_account()
    assert account["cloudwatchRoleArn"] == result.logging_role_arn
    assert result.logging_role_arn.endswith(f":role/{LOGGING_ROLE_NAME}")
    iam = target.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=LOGGING_ROLE_NAME)["PolicyNames"]
    assert policy_name.endswith("us-west-2")


def test_a_second_bootstrap_changes_nothing(target: Target) -> None:
    first = bootstrap(target)
    assert any("created bucket" in change for change in first.changes)
    second = bootstrap(target)
    assert second.changes == []
    assert second.as_json()["state_bucket"] == first.backend.bucket


def test_bootstrap_repairs_a_bucket_whose_settings_were_loosened(target: Target) -> None:
    bucket = bootstrap(target).backend.bucket
    s3 = target.client("s3")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    again = bootstrap(target)
    assert set(again.changes) == {"public access blocked", "versioning enabled"}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_the_tls_only_policy_refuses_plain_http(target: Target) -> None:
    """On AWS the state bucket gets a policy denying requests without TLS. The emulator enforces
    bucket policies and speaks only HTTP, which is why bootstrap leaves the policy out there; set
    on a bucket of its own here, it shows the policy does what it says."""
    settings = BackendSettings(bucket="tls-only-probe", key="k", region="us-west-2")
    s3 = target.client("s3")
    changes = ensure_state_bucket(s3, settings, tls_only=True)
    assert "TLS-only bucket policy set" in changes
    (statement,) = json.loads(s3.get_bucket_policy(Bucket="tls-only-probe")["Policy"])["Statement"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="tls-only-probe", Key="state", Body=b"{}")
    assert refused.value.response["Error"]["Code"] in ("AccessDenied", "403")
    assert ensure_state_bucket(s3, settings, tls_only=True) == []  # idempotent with the policy


def test_a_new_role_not_yet_usable_by_api_gateway_is_retried() -> None:
    """AWS only (the emulator accepts the role at once): right after CreateRole, UpdateAccount
    answers BadRequestException until IAM has propagated the role. Stubbed with AWS's shapes."""

    def client(service: str):
        made = boto3.client(
            service, region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x"
        )
        return made, Stubber(made)

    iam, iam_stub = client("iam")
    apigateway, apigateway_stub = client("apigateway")
    arn = f"arn:aws:iam::123456789012:role/{LOGGING_ROLE_NAME}"
    role = {
        "Path": "/",
        "RoleName": LOGGING_ROLE_NAME,
        "RoleId": "AROAEXAMPLEEXAMPLE1",
        "Arn": arn,
        "CreateDate": "2026-01-01T00:00:00Z",
    }
    iam_stub.add_response("get_role", {"Role": role})
    iam_stub.add_response(
        "get_role_policy",
        {
            "RoleName": LOGGING_ROLE_NAME,
            "PolicyName": "write-execution-logs-us-west-2",
            "PolicyDocument": json.dumps(logging_policy("us-west-2", "123456789012")),
        },
    )
    apigateway_stub.add_response("get_account", {})
    apigateway_stub.add_client_error(
        "update_account",
        service_error_code="BadRequestException",
        service_message="The role ARN does not have required permissions set to API Gateway",
        http_status_code=400,
    )
    apigateway_stub.add_response("update_account", {"cloudwatchRoleArn": arn})
    slept: list[float] = []
    with iam_stub, apigateway_stub:
        got, changes = ensure_logging_role(iam, apigateway, "us-west-2", sleep=slept.append)
    assert got == arn
    assert changes == ["API Gateway account logging role set"]
    assert len(slept) == 1  # one wait, then the second attempt succeeded
