"""Preflight and plan drills: a real `seawall` process, an emulator the test starts as the account.

Plan-only: nothing here applies the stack (each drill is a plan and its checks, ~15 s).
"""

from __future__ import annotations

import json

import boto3
import pytest

from seawall.preflight.log_bucket import alternative_suffix

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]

ACCOUNT = "123456789012"  # the emulator's default account: "ours"
OTHER_ACCOUNT = "210987654321"
LOG_BUCKET = f"seawall-local-logs-{ACCOUNT}-us-west-2"  # the stack's name for envs/local


@pytest.fixture(scope="module", autouse=True)
def bootstrapped(seawall) -> None:
    done = seawall.run("bootstrap")
    assert done.returncode == 0, done.stderr


def checks(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def assert_summary_of_a_first_plan(summary: dict, stderr: str) -> None:
    """The ten-second summary of a real plan of the whole stack into an empty account."""
    added = summary["by_type"]["add"]
    assert added["aws_dynamodb_table"] == 1
    assert added["aws_lambda_function"] == 2
    assert summary["totals"]["destroy"] == summary["totals"]["replace"] == 0
    assert summary["stateful_replaced_or_destroyed"] == []
    assert f"plan: {summary['totals']['add']} to add" in stderr
    assert "aws_lambda_function x2" in stderr


def other_accounts_s3(emulator):
    """S3 as another account of the same emulator (moto keeps one bucket namespace for all)."""
    sts = emulator.client("sts")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/elsewhere", RoleSessionName="drill"
    )["Credentials"]
    return boto3.client(
        "s3",
        endpoint_url=emulator.endpoint,
        region_name="us-west-2",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_a_log_bucket_name_taken_elsewhere_gets_a_recorded_alternative(seawall) -> None:
    s3 = other_accounts_s3(seawall.emulator)
    s3.create_bucket(
        Bucket=LOG_BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    try:
        code, first = seawall.json("preflight")
        assert code == 0, first
        suffix = alternative_suffix(ACCOUNT, 1)
        alternative = f"{LOG_BUCKET}-{suffix}"
        chosen = checks(first)["names.log-bucket"]
        assert chosen["status"] == "warn"
        assert f"chose {alternative}" in chosen["detail"]
        assert first["variables"] == {"log_bucket_suffix": suffix}
        stored = seawall.emulator.client("s3").get_object(
            Bucket=f"seawall-tfstate-{ACCOUNT}-us-west-2", Key="seawall/local/settings.json"
        )
        settings = json.loads(stored["Body"].read())
        assert settings == {"log_bucket_suffix": suffix, "log_bucket_name": alternative}

        # The next run, of any command that plans, reuses the recorded name without choosing.
        done = seawall.run("plan", "--json")
        assert done.returncode == 2, done.stderr  # changes, as -detailed-exitcode
        planned = json.loads(done.stdout)
        reused = checks(planned["preflight"])["names.log-bucket"]
        assert reused == {**reused, "status": "pass", "detail": f"{alternative}: free"}
        assert planned["preflight"]["variables"] == {}
        assert_summary_of_a_first_plan(planned["summary"], done.stderr)
    finally:
        s3.delete_bucket(Bucket=LOG_BUCKET)


def test_a_concurrency_quota_below_the_plan_fails_preflight_and_applies_nothing(
    seawall, account_settings_proxy
) -> None:
    # The account may run 150 executions at once, all unreserved; the plan reserves 100 for the
    # API function, which would leave 50: below the 100 AWS keeps unreserved. moto cannot play
    # such an account (it has no GetAccountSettings, and Service Quotas only for VPC), so a
    # loopback proxy in front of it answers that one call (tests/deploy/conftest.py).
    reserve = '--var=api_function={"reserved_concurrency": 100, "provisioned_concurrency": 0}'
    with account_settings_proxy(total=150, unreserved=150) as proxy:
        done = seawall.through(proxy.url).run("preflight", "--json", reserve)
        assert proxy.answered >= 1
    assert done.returncode == 2, done.stderr
    concurrency = checks(json.loads(done.stdout))["quota.lambda-concurrency"]
    assert concurrency["status"] == "fail"
    assert "the plan reserves +100 -> 50 unreserved" in concurrency["detail"]
    assert "--request-increases" in concurrency["hint"]
    assert "FAIL  quota.lambda-concurrency" not in done.stderr  # --json: the report is on stdout
    assert seawall.emulator.client("lambda").list_functions()["Functions"] == []


def test_an_inline_policy_over_10240_characters_fails_preflight(seawall) -> None:
    arns = [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/partner-{n:04d}" for n in range(200)]
    extra = {"PartnerTables": {"actions": ["dynamodb:GetItem"], "resources": arns}}
    done = seawall.run(
        "preflight", f"--var=api_function_extra_policy_statements={json.dumps(extra)}"
    )
    assert done.returncode == 2, done.stderr
    assert "FAIL  iam.inline-policy-size" in done.stderr
    assert "module.api_function.aws_iam_role.this: at least" in done.stderr
    assert "> 10240" in done.stderr


def test_a_held_state_lock_stops_the_plan_and_none_is_left_behind(seawall) -> None:
    """S3 native locking on the emulator, end to end: the plans above released their lock file,
    and a lock another run holds (`<state key>.tflock`, as Terraform writes it) stops a plan."""
    s3 = seawall.emulator.client("s3")
    bucket = f"seawall-tfstate-{ACCOUNT}-us-west-2"
    key = "seawall/local/terraform.tfstate.tflock"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="seawall/local/").get("Contents", [])
    assert [item["Key"] for item in listed if item["Key"].endswith(".tflock")] == []
    lock = {
        "ID": "5a1e5a1e-0000-4000-8000-000000000001",
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "someone@elsewhere",
        "Version": "1.11.4",
        "Created": "2026-01-01T00:00:00Z",
        "Path": f"{bucket}/seawall/local/terraform.tfstate",
    }
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(lock).encode())
    try:
        done = seawall.run("plan")
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
    assert done.returncode == 1, done.stderr
    assert "Error acquiring the state lock" in done.stderr
    assert "someone@elsewhere" in done.stderr
