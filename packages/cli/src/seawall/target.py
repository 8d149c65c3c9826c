"""Where a command deploys: one environment, in one account and region, on AWS or an emulator.

A `Target` is what every deploy command (`bootstrap`, `preflight`, `plan`, `deploy`, ...) works on:
`--env NAME` names the settings (`terraform/envs/NAME.tfvars`), `--region`, `--profile` and
`--endpoint-url` say where, `--var NAME=VALUE` adds Terraform variables. It hands out boto3 clients
and the environment of the terraform child process, so the same code path reaches AWS and the
emulator; `endpoint_url` pointing at loopback is what makes a target an emulator.
"""

from __future__ import annotations

import argparse
import functools
import ipaddress
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seawall.backend import BackendSettings, state_bucket_name, state_key
from seawall.emulator import DEFAULT_REGION, FAKE_CREDENTIALS, Connection
from seawall.errors import PrerequisiteError, SeawallError, UsageError
from seawall.project import Project

# Environment names become parts of resource names and state keys: keep them short and plain.
_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# `region = "us-west-2"` at the start of a line of a .tfvars file (a value, not an HCL expression).
_TFVARS_REGION = re.compile(r'^\s*region\s*=\s*"([a-z0-9-]+)"\s*(?:#.*)?$', re.MULTILINE)
# botocore's standard retry mode: throttling and transient errors retried with backoff, 5 attempts.
_CLIENT_RETRIES = {"mode": "standard", "max_attempts": 5}
# boto3 sessions are not thread-safe (clients are): preflight makes clients on several threads.
_SESSION_LOCK = threading.Lock()
_CREDENTIALS_HINT = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE, or "
    "pass --profile; renew them if they expired"
)


@dataclass(frozen=True)
class Target:
    env: str
    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict, hash=False)

    # -- clients ---------------------------------------------------------------------------------

    def session(self) -> Any:
        """A boto3 session for this target: the emulator's fake credentials, or the profile's (or
        the usual AWS variables') real ones."""
        return self._session

    def client(self, service: str) -> Any:
        """A boto3 client for `service`, at `endpoint_url` when one is set."""
        from botocore.config import Config  # noqa: PLC0415 - botocore is slow to import

        with _SESSION_LOCK:
            return self._session.client(
                service, endpoint_url=self.endpoint_url, config=Config(retries=_CLIENT_RETRIES)
            )

    def account_id(self) -> str:
        """The account the credentials belong to (sts:GetCallerIdentity, asked once)."""
        return self._account_id

    def backend(self) -> BackendSettings:
        """The S3 state backend of this environment: one bucket per account and region."""
        return BackendSettings(
            bucket=state_bucket_name(self.account_id(), self.region),
            key=state_key(self.env),
            region=self.region,
            path_style=self.is_emulator,
        )

    def terraform_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The whole environment of a terraform child process for this target: `base` (default:
        this process's environment) with the region, and the profile or the endpoint. For an
        emulator, real credentials are replaced by the fake ones, so nothing reaches AWS."""
        source = os.environ if base is None else base
        if self.is_emulator:
            assert self.endpoint_url is not None
            return Connection(url=self.endpoint_url, region=self.region).child_env(dict(source))
        env = dict(source)
        env.update({"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region})
        if self.profile:
            env["AWS_PROFILE"] = self.profile
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    @property
    def is_emulator(self) -> bool:
        """True when `endpoint_url` is a loopback address (the local emulator)."""
        return self.endpoint_url is not None and _is_loopback_url(self.endpoint_url)

    def describe(self) -> str:
        """One line for messages: `dev in us-west-2 (AWS)`."""
        where = f"emulator at {self.endpoint_url}" if self.is_emulator else "AWS"
        if self.endpoint_url and not self.is_emulator:
            where = f"endpoint {self.endpoint_url}"
        return f"{self.env} in {self.region} ({where})"

    # -- cached internals ------------------------------------------------------------------------
    # functools.cached_property writes into the instance __dict__ directly: allowed on a frozen
    # dataclass, and it makes one session (botocore's data loaded once) per target.

    @functools.cached_property
    def _session(self) -> Any:
        import boto3  # noqa: PLC0415 - boto3 is slow to import; only clients need it

        if self.is_emulator:  # never a profile's or the shell's real credentials
            return boto3.session.Session(
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                region_name=self.region,
            )
        from botocore.exceptions import ProfileNotFound  # noqa: PLC0415 - with boto3

        try:
            return boto3.session.Session(profile_name=self.profile, region_name=self.region)
        except ProfileNotFound:
            raise PrerequisiteError(
                f"the AWS profile {self.profile!r} is not configured",
                hint="list the profiles with: aws configure list-profiles; or leave out "
                "--profile to use the usual AWS variables",
            ) from None

    @functools.cached_property
    def _account_id(self) -> str:
        # The first call to the account: where missing or refused credentials show, and they
        # are the user's to fix (exit 2, nothing attempted), not a bug (exit 3).
        from botocore import exceptions  # noqa: PLC0415 - botocore is slow to import

        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except (
            exceptions.NoCredentialsError,
            exceptions.PartialCredentialsError,
            exceptions.CredentialRetrievalError,
            exceptions.TokenRetrievalError,
            exceptions.SSOError,
        ) as error:
            raise PrerequisiteError(
                f"no usable AWS credentials for {self.describe()}: {error}",
                hint=_CREDENTIALS_HINT,
            ) from None
        except exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise PrerequisiteError(
                f"the AWS credentials were refused ({code}) for {self.describe()}",
                hint=_CREDENTIALS_HINT,
            ) from None
        except exceptions.EndpointConnectionError as error:
            raise SeawallError(
                f"cannot reach {self.describe()}: {error}",
                hint="is the emulator running (seawall up)?"
                if self.is_emulator
                else "check the network and --region / --endpoint-url",
            ) from None


def _is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- the command line ------------------------------------------------------------------------------


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """--env --region --profile --endpoint-url --var (repeatable) --json, for a deploy command."""
    group = parser.add_argument_group("target")
    group.add_argument(
        "--env",
        required=True,
        metavar="NAME",
        help="the environment: terraform/envs/NAME.tfvars (local, dev, prod, ...)",
    )
    group.add_argument(
        "--region",
        default=None,
        help=f"AWS region (default: the tfvars' region, else {DEFAULT_REGION})",
    )
    group.add_argument("--profile", default=None, help="the AWS profile for credentials")
    group.add_argument(
        "--endpoint-url",
        default=None,
        metavar="URL",
        help="an AWS-compatible endpoint (the emulator); unset: AWS itself. For --env local "
        "without it, the emulator of the running `seawall up`",
    )
    group.add_argument(
        "--var",
        action="append",
        type=parse_variable,
        default=[],
        metavar="NAME=VALUE",
        help="a Terraform variable, passed as -var (repeatable)",
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON document on stdout; progress on stderr"
    )


def parse_variable(text: str) -> tuple[str, str]:
    """`NAME=VALUE` -> (NAME, VALUE); argparse reports the error for anything else."""
    name, equals, value = text.partition("=")
    if not equals or not _VAR_NAME.match(name):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def target_from_args(args: argparse.Namespace) -> Target:
    """The Target the command line names (checked: the environment exists, the URL is one)."""
    project = Project.locate(getattr(args, "project_dir", None))
    env = args.env
    if not _ENV_NAME.match(env):
        raise UsageError(
            f"invalid environment name {env!r}",
            hint="use 1-16 lowercase letters, digits or hyphens, starting with a letter",
        )
    var_file = project.var_file(env)
    if not var_file.is_file():
        known = sorted(path.stem for path in var_file.parent.glob("*.tfvars"))
        raise UsageError(
            f"no settings for environment {env!r} ({var_file} does not exist)",
            hint=f"use one of: {', '.join(known)}; or create {var_file.name}",
        )
    endpoint_url = args.endpoint_url or _running_emulator(project, env)
    if endpoint_url is not None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"--endpoint-url {endpoint_url!r} is not an http(s) URL",
                hint="for example --endpoint-url http://127.0.0.1:5000",
            )
    if env == "local" and endpoint_url is None:
        raise UsageError(
            "the local environment lives in the emulator, and none was given or is running",
            hint="pass --endpoint-url of an emulator, or start one with: seawall up",
        )
    region = args.region or tfvars_region(var_file) or DEFAULT_REGION
    return Target(
        env=env,
        region=region,
        profile=args.profile,
        endpoint_url=endpoint_url.rstrip("/") if endpoint_url else None,
        variables=dict(args.var),
    )


def tfvars_region(var_file: Path) -> str | None:
    """The `region = "..."` a tfvars file sets, if it sets one."""
    match = _TFVARS_REGION.search(var_file.read_text())
    return match.group(1) if match else None


def _running_emulator(project: Project, env: str) -> str | None:
    """For the local environment: the emulator a running `seawall up` keeps, if any."""
    if env != "local":
        return None
    from seawall.local_session import read_session  # noqa: PLC0415 - only the local target

    session = read_session(project)
    return str(session["emulator"]["url"]) if session else None
