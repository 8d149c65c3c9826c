"""What `seawall verify` checks: a stack's public API URL and key, its outputs, and AWS clients.

The same for the running `seawall up` (clients bound to its emulator) and for a deployed
environment (clients with the user's credentials): checks only see this object.
"""

from __future__ import annotations

import argparse
import base64
import threading
from collections.abc import Callable
from typing import Any

from seawall.errors import SeawallError


class VerifyTarget:
    """`api_url` (no trailing slash), `api_key`, `outputs` (the stack's), `client(service)`."""

    def __init__(
        self,
        *,
        name: str,
        api_url: str,
        api_key: str,
        outputs: dict[str, Any],
        make_client: Callable[[str], Any],
        release_code_sha256: str | None = None,
    ) -> None:
        self.name = name
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.outputs = outputs
        # The CodeSha256 the release says is deployed (None: no release recorded).
        self.release_code_sha256 = release_code_sha256
        self._make_client = make_client
        self._clients: dict[str, Any] = {}
        # boto3 clients are thread-safe once made; making them (from one session) is not.
        self._lock = threading.Lock()

    @property
    def environment(self) -> str:
        return str(self.outputs.get("environment", self.name))

    @property
    def is_local(self) -> bool:
        return self.environment == "local"

    def output(self, name: str) -> Any:
        try:
            return self.outputs[name]
        except KeyError:
            raise SeawallError(f"the stack has no output {name!r}") from None

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make_client(service)
            return self._clients[service]


def local_target(project: Any, tf_mirror: str | None) -> VerifyTarget:
    """The stack the running `seawall up` serves (its session file names emulator and gateway)."""
    from seawall.local_stack import read_session, session_connection, stack_terraform  # noqa: PLC0415

    session = read_session(project)
    if session is None:
        raise SeawallError(
            "no local stack is running",
            hint="start one with `seawall up` (or name a deployed one with --env ENV)",
        )
    connection = session_connection(session)
    outputs = stack_terraform(project, connection, tf_mirror).outputs()
    return VerifyTarget(
        name="local",
        api_url=session["gateway"]["url"],
        api_key=str(outputs["api_key"]),
        outputs=outputs,
        make_client=connection.client,
        release_code_sha256=session.get("artifact", {}).get("function_zip_sha256"),
    )


def stack_target(stack: Any) -> VerifyTarget:
    """A `seawall.local_stack.LocalStack` this process runs (the end-to-end tests)."""
    return VerifyTarget(
        name="local",
        api_url=stack.api_url,
        api_key=stack.api_key,
        outputs=dict(stack.outputs),
        make_client=stack.emulator.connection.client,
        release_code_sha256=stack.artifact.sha256_base64 if stack.artifact else None,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--env and where it is (--region, --profile, --endpoint-url), all optional: without --env,
    the running `seawall up`."""
    group = parser.add_argument_group("target (default: the running `seawall up`)")
    group.add_argument("--env", default=None, metavar="NAME", help="a deployed environment")
    group.add_argument("--region", default=None, help="its AWS region (default: its tfvars')")
    group.add_argument("--profile", default=None, help="the AWS profile for credentials")
    group.add_argument(
        "--endpoint-url", default=None, metavar="URL", help="an AWS-compatible endpoint"
    )


def target_from_args(args: Any, project: Any) -> VerifyTarget:
    """`--env E`: that environment's live release; otherwise (or `--env local`) `seawall up`'s."""
    if not getattr(args, "env", None) or (args.env == "local" and not args.endpoint_url):
        return local_target(project, getattr(args, "tf_mirror", None))
    from seawall.target import target_from_args as deploy_target  # noqa: PLC0415

    args.var = getattr(args, "var", [])
    return deployed_target(deploy_target(args))


def deployed_target(target: Any) -> VerifyTarget:
    """A deployed environment (a `seawall.target.Target`), as its live release describes it."""
    from seawall.releases import ReleaseStore  # noqa: PLC0415

    store = ReleaseStore(target.client("s3"), target.backend().bucket, target.env)
    number = store.live()
    if number is None:
        raise SeawallError(
            f"{target.env} has no live release to verify",
            hint=f"deploy it first: seawall deploy --env {target.env}",
        )
    release = store.get(number)
    return VerifyTarget(
        name=f"{target.env} (release {number})",
        api_url=str(release.outputs["api_url"]),
        api_key=str(release.outputs["api_key"]),
        outputs=dict(release.outputs),
        make_client=target.client,
        # Lambda's CodeSha256 is the base64 of the artifact's SHA-256; the release keeps hex.
        release_code_sha256=base64.b64encode(bytes.fromhex(release.artifact_sha256)).decode(),
    )
