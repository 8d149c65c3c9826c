"""A deploy target: command-line parsing, names derived from the account, and what terraform sees.

Account and clients come from a real emulator (the `aws_emulator` fixture: moto's server, whose
default account is 123456789012).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from seawall.cli import main
from seawall.errors import PrerequisiteError, UsageError
from seawall.target import Target, add_target_arguments, parse_variable, target_from_args

MOTO_ACCOUNT = "123456789012"


def checkout(root: Path, envs: dict[str, str]) -> Path:
    (root / "terraform" / "stack").mkdir(parents=True)
    (root / "packages" / "handler").mkdir(parents=True)
    (root / "terraform" / "envs").mkdir(parents=True)
    for name, text in envs.items():
        (root / "terraform" / "envs" / f"{name}.tfvars").write_text(text)
    return root


def parse(root: Path, *argv: str) -> Target:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project-dir", type=Path, default=root)
    add_target_arguments(parser)
    return target_from_args(parser.parse_args(list(argv)))


def test_region_comes_from_the_flag_then_the_tfvars_then_the_default(tmp_path: Path) -> None:
    root = checkout(tmp_path, {"dev": 'region = "eu-west-1" # Ireland\n', "prod": "x = 1\n"})
    assert parse(root, "--env", "dev").region == "eu-west-1"
    assert parse(root, "--env", "dev", "--region", "us-east-2").region == "us-east-2"
    assert parse(root, "--env", "prod").region == "us-west-2"


def test_variables_profile_and_endpoint_are_kept(tmp_path: Path) -> None:
    root = checkout(tmp_path, {"dev": ""})
    target = parse(
        root,
        "--env=dev",
        "--var",
        "log_level=INFO",
        "--var",
        "note=a=b",
        "--profile",
        "ops",
        "--endpoint-url",
        "http://127.0.0.1:5000/",
    )
    assert target.variables == {"log_level": "INFO", "note": "a=b"}
    assert target.profile == "ops"
    assert target.endpoint_url == "http://127.0.0.1:5000"
    assert target.is_emulator


def test_an_unknown_environment_names_the_known_ones(tmp_path: Path) -> None:
    root = checkout(tmp_path, {"dev": "", "prod": ""})
    with pytest.raises(UsageError) as raised:
        parse(root, "--env", "staging")
    assert "dev, prod" in str(raised.value)
    with pytest.raises(UsageError, match="invalid environment name"):
        parse(root, "--env", "../dev")


def test_the_local_environment_needs_an_emulator(tmp_path: Path) -> None:
    root = checkout(tmp_path, {"local": ""})
    with pytest.raises(UsageError, match="seawall up"):
        parse(root, "--env", "local")


def test_a_bad_var_or_endpoint_is_a_usage_error(tmp_path: Path) -> None:
    root = checkout(tmp_path, {"dev": ""})
    with pytest.raises(SystemExit):
        parse(root, "--env", "dev", "--var", "novalue")
    with pytest.raises(UsageError, match="not an http"):
        parse(root, "--env", "dev", "--endpoint-url", "127.0.0.1:5000")


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True), st.text(max_size=30))
def test_var_parsing_splits_at_the_first_equals_sign(name: str, value: str) -> None:
    assert parse_variable(f"{name}={value}") == (name, value)


@pytest.mark.parametrize(
    ("url", "emulator"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://localhost:4566", True),
        ("http://[::1]:4566", True),
        ("https://s3.example.com", False),
        (None, False),
    ],
)
def test_only_loopback_endpoints_are_emulators(url: str | None, emulator: bool) -> None:
    assert Target(env="dev", region="us-west-2", endpoint_url=url).is_emulator is emulator


def test_terraform_env_for_an_emulator_carries_no_real_credentials() -> None:
    target = Target(env="local", region="us-west-2", endpoint_url="http://127.0.0.1:9")
    shell = {"AWS_PROFILE": "prod-admin", "AWS_SESSION_TOKEN": "real", "PATH": "/bin"}
    env = target.terraform_env(shell)
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert env["AWS_REGION"] == "us-west-2"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert env["PATH"] == "/bin"


def test_terraform_env_for_aws_uses_the_profile_and_region() -> None:
    env = Target(env="dev", region="eu-west-1", profile="ops").terraform_env({"PATH": "/bin"})
    assert env == {
        "PATH": "/bin",
        "AWS_PROFILE": "ops",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def test_backend_is_named_from_the_account_and_region(aws_emulator) -> None:
    target = Target(env="dev", region="us-west-2", endpoint_url=aws_emulator.endpoint)
    assert target.account_id() == MOTO_ACCOUNT
    backend = target.backend()
    assert backend.bucket == f"seawall-tfstate-{MOTO_ACCOUNT}-us-west-2"
    assert backend.key == "seawall/dev/terraform.tfstate"
    config = backend.init_config()
    assert config["use_lockfile"] == "true"
    assert config["use_path_style"] == "true"  # the emulator serves every bucket on one host
    assert "dynamodb_table" not in config


def test_clients_reach_the_endpoint_with_the_target_region(aws_emulator) -> None:
    target = Target(env="dev", region="eu-central-1", endpoint_url=aws_emulator.endpoint)
    s3 = target.client("s3")
    s3.create_bucket(
        Bucket="target-client-probe",
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )
    try:
        location = s3.get_bucket_location(Bucket="target-client-probe")["LocationConstraint"]
        assert location == "eu-central-1"
    finally:
        s3.delete_bucket(Bucket="target-client-probe")


def test_the_emulator_honours_the_conditional_write_s3_locking_uses(aws_emulator) -> None:
    """Terraform's use_lockfile writes `<key>.tflock` with If-None-Match: *; a second writer must
    get 412. This is why no DynamoDB lock table exists, not even for the emulator."""
    target = Target(env="dev", region="us-west-2", endpoint_url=aws_emulator.endpoint)
    s3 = target.client("s3")
    s3.create_bucket(
        Bucket="lockfile-probe", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    s3.put_object(Bucket="lockfile-probe", Key="state.tflock", Body=b"{}", IfNoneMatch="*")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="lockfile-probe", Key="state.tflock", Body=b"{}", IfNoneMatch="*")
    assert raised.value.response["Error"]["Code"] == "PreconditionFailed"


# -- credentials the user must fix: exit 2 with what to do, not "unexpected error (a bug)" -------


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere botocore looks, and no instance metadata lookup (a non-loopback
    address): the signing of the first call fails before anything is sent."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.mark.usefixtures("no_aws_credentials")
def test_missing_credentials_or_profile_are_a_usage_error_saying_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = checkout(tmp_path / "repo", {"dev": ""})
    code = main(["--project-dir", str(root), "bootstrap", "--env", "dev"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "no usable AWS credentials for dev in us-west-2 (AWS)" in err
    assert "AWS_ACCESS_KEY_ID" in err
    assert "a bug" not in err
    code = main(["--project-dir", str(root), "bootstrap", "--env", "dev", "--profile", "nosuch"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "the AWS profile 'nosuch' is not configured" in err


@pytest.mark.usefixtures("no_aws_credentials")
def test_plan_and_preflight_say_so_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = checkout(tmp_path / "repo", {"dev": ""})  # no handler to build: a build would fail
    for command in ("preflight", "plan"):
        code = main(["--project-dir", str(root), command, "--env", "dev"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "no usable AWS credentials" in err
        assert "build..." not in err


def test_refused_credentials_are_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto accepts any credentials, so STS's refusal is stubbed, in its recorded shape.
    sts = boto3.client(
        "sts", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(sts)
    stub.add_client_error(
        "get_caller_identity",
        service_error_code="ExpiredToken",
        service_message="The security token included in the request is expired",
        http_status_code=403,
    )
    stub.activate()
    monkeypatch.setattr(Target, "client", lambda self, service: sts)
    with pytest.raises(PrerequisiteError, match=r"refused \(ExpiredToken\)") as raised:
        Target(env="dev", region="us-west-2").account_id()
    assert raised.value.exit_code == 2
