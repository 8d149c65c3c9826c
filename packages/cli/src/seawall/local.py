"""The whole stack on this machine: emulator, artifact, terraform apply, local gateway.

`LocalStack` is what `seawall up` runs and what the end-to-end tests run: the same path. It always
tears down what it started, in reverse order, whatever happened in between.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from seawall.bootstrap import bootstrap
from seawall.build import Artifact
from seawall.build_cache import cached_artifact
from seawall.emulator import Connection, Emulator
from seawall.fsutil import atomic_write_text
from seawall.local_session import ENVIRONMENT, read_session  # noqa: F401 - read here too
from seawall.project import Project
from seawall.runtime.process import GatewayProcess
from seawall.smoke import SmokeResult, run_smoke_check
from seawall.target import Target
from seawall.terraform import Terraform
from seawall.tfconfig import terraform_env
from seawall.timing import Phases


class LocalStack:
    def __init__(
        self,
        project: Project,
        *,
        tf_mirror: str | None = None,
        gateway_port: int = 0,
        on_phase: Callable[[str], None] | None = None,
        on_terraform_line: Callable[[str], None] | None = None,
    ) -> None:
        self.project = project
        self.phases = Phases(on_phase)
        self._tf_mirror = tf_mirror
        self._gateway_port = gateway_port
        self._on_terraform_line = on_terraform_line
        self._logs = project.logs_dir(ENVIRONMENT)
        self.emulator = Emulator(log_path=self._logs / "emulator.log")
        self.gateway: GatewayProcess | None = None
        self.artifact: Artifact | None = None
        self.outputs: dict[str, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def up(self) -> LocalStack:
        with self.phases.phase("emulator"):
            self.emulator.start()
        with self.phases.phase("build"):
            self.artifact = cached_artifact(self.project.root, self.project.artifact_store)
        terraform = self.terraform()
        with self.phases.phase("init"):
            # The same bootstrap as an AWS account's: state bucket, S3 native locks, logging role.
            backend = bootstrap(self.target()).backend
            terraform.init(backend_config=backend.init_config())
        with self.phases.phase("apply"):
            terraform.apply(
                var_files=[self.project.var_file(ENVIRONMENT)], variables=self.variables()
            )
            self.outputs = terraform.outputs()
        with self.phases.phase("gateway"):
            self.gateway = GatewayProcess(
                self.emulator.connection,
                api_id=str(self.outputs["api_id"]),
                stage=str(self.outputs["api_stage"]),
                artifact_store=self.project.artifact_store,
                work_dir=self.project.environment_dir(ENVIRONMENT),
                log_path=self._logs / "gateway.log",
                port=self._gateway_port,
            ).start()
            self._write_session()
        return self

    def smoke(self) -> SmokeResult:
        with self.phases.phase("smoke"):
            return run_smoke_check(self.api_url, self.api_key)

    def down(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.project.session_file(ENVIRONMENT).unlink()
        if self.gateway is not None:
            self.gateway.stop()
        self.emulator.stop()

    def __enter__(self) -> LocalStack:
        try:
            return self.up()
        except BaseException:
            self.down()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    # -- what callers use ------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        assert self.gateway is not None, "the gateway is not running"
        return self.gateway.url

    @property
    def api_key(self) -> str:
        return str(self.outputs["api_key"])

    def variables(self) -> dict[str, str]:
        assert self.artifact is not None
        return {
            "function_zip_path": str(self.artifact.path),
            "function_zip_sha256": self.artifact.sha256_base64,
            "function_runtime": self.artifact.runtime,
        }

    def target(self) -> Target:
        connection = self.emulator.connection
        return Target(env=ENVIRONMENT, region=connection.region, endpoint_url=connection.url)

    def terraform(self) -> Terraform:
        return stack_terraform(
            self.project, self.emulator.connection, self._tf_mirror, self._on_terraform_line
        )

    def _write_session(self) -> None:
        assert self.gateway is not None
        session = {
            "pid": os.getpid(),
            "started_at": time.time(),
            "emulator": {
                "url": self.emulator.endpoint,
                "region": self.emulator.region,
                "pid": self.emulator.pid,
            },
            "gateway": {"url": self.gateway.url, "pid": self.gateway.pid},
            "artifact": self.variables(),
        }
        # 0600: the session names the API key's stack; keep it to the user.
        atomic_write_text(
            self.project.session_file(ENVIRONMENT), json.dumps(session, indent=2), mode=0o600
        )


def stack_terraform(
    project: Project,
    connection: Connection,
    tf_mirror: str | None,
    on_line: Callable[[str], None] | None = None,
) -> Terraform:
    """terraform for the root stack, bound to the emulator at `connection`."""
    env = connection.child_env()
    env.update(terraform_env(tf_mirror, project.cli_config_path))
    return Terraform(
        project.stack_dir,
        data_dir=project.data_dir(ENVIRONMENT),
        env=env,
        log_path=project.logs_dir(ENVIRONMENT) / "terraform.log",
        on_line=on_line,
    )


def session_connection(session: dict[str, Any]) -> Connection:
    return Connection(url=session["emulator"]["url"], region=session["emulator"]["region"])
