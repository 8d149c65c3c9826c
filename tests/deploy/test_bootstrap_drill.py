"""`seawall bootstrap` as a user runs it, twice, against an emulator playing the account."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.emulator]


def test_bootstrap_twice_creates_then_changes_nothing(seawall) -> None:
    code, first = seawall.json("bootstrap")
    assert code == 0
    bucket = first["state_bucket"]
    assert bucket == "seawall-tfstate-123456789012-us-west-2"
    assert first["use_lockfile"] is True
    assert f"created bucket {bucket}" in first["changes"]

    code, second = seawall.json("bootstrap")
    assert code == 0
    assert second["changes"] == []
    assert second["logging_role_arn"] == first["logging_role_arn"]

    s3 = seawall.emulator.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert set(block.values()) == {True}
    account = seawall.emulator.client("apigateway").get_account()
    assert account["cloudwatchRoleArn"] == first["logging_role_arn"]
    assert seawall.emulator.client("dynamodb").list_tables()["TableNames"] == []


def test_a_second_region_gets_its_own_bucket_and_logging_setting(seawall) -> None:
    code, other = seawall.json("bootstrap", "--region", "eu-west-1")
    assert code == 0
    assert other["state_bucket"] == "seawall-tfstate-123456789012-eu-west-1"
    assert "API Gateway account logging role set" in other["changes"]
    apigateway = seawall.emulator.client("apigateway", region_name="eu-west-1")
    assert apigateway.get_account()["cloudwatchRoleArn"] == other["logging_role_arn"]
