"""The whole stack on this machine: emulator, artifact, terraform apply, local gateway.

`LocalStack` is what `seawall up` runs and what the end-to-end tests run: the same path. It always
tears down what it started, in reverse order, whatever happened in between.

Phases: emulator, build, then either `restore` (a snapshot taken after an apply with exactly these
inputs is loaded into the fresh emulator: no terraform run at all) or `init` and `apply` (from an
empty emulator, or, when only the inputs changed, on top of the newest snapshot this emulator can
load, so that terraform changes only what changed), then `snapshot` after an apply, gateway, smoke.
One state directory runs one stack at a time (`seawall.state_lock`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from seawall.apply_timeline import ApplyTimeline, state_dependencies
from seawall.atomic_files import atomic_write_text
from seawall.background import start_time
from seawall.bootstrap import bootstrap
from seawall.build import Artifact
from seawall.build_cache import cached_artifact
from seawall.emulator import Connection, Emulator, EmulatorError
from seawall.local_session import ENVIRONMENT, read_session  # noqa: F401 - read here too
from seawall.project import Project
from seawall.runtime.gateway_process import GatewayProcess
from seawall.smoke import SmokeResult, run_smoke_check
from seawall.snapshots import Snapshot, SnapshotStore, snapshot_key
from seawall.stackplan import make_plan
from seawall.stackrun import apply_plan_with_retries
from seawall.state_lock import StateLock
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
        variables: Mapping[str, str] | None = None,
        fresh: bool = False,
    ) -> None:
        self.project = project
        self.phases = Phases(on_phase)
        self._tf_mirror = tf_mirror
        self._gateway_port = gateway_port
        self._on_terraform_line = on_terraform_line
        self._extra_variables = dict(variables or {})
        self._fresh = fresh
        self._logs = project.logs_dir(ENVIRONMENT)
        self._lock = StateLock(project.environment_dir(ENVIRONMENT) / "up.lock")
        self.snapshots = SnapshotStore(project.environment_dir(ENVIRONMENT) / "snapshots")
        self.emulator = Emulator(log_path=self._logs / "emulator.log")
        self.gateway: GatewayProcess | None = None
        self.artifact: Artifact | None = None
        self.outputs: dict[str, Any] = {}
        # How the stack came up, for the summary: restored from / applied on top of a snapshot.
        self.restored: Snapshot | None = None
        self.applied_on: Snapshot | None = None
        self.notes: list[str] = []
        # Each resource's start and end in the last apply (`seawall up --verbose` names the chain).
        self.timeline: ApplyTimeline | None = None
        self._dependencies: dict[str, list[str]] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def up(self) -> LocalStack:
        self._lock.acquire()
        newest = None if self._fresh else self.snapshots.newest()
        # A snapshot's URLs (SQS queue URLs) name the port it was taken on: take it again if free.
        self.emulator.preferred_port = newest.port if newest else None
        with self.phases.phase("emulator"):
            self.emulator.start()
        with self.phases.phase("build"):
            self.artifact = cached_artifact(self.project.root, self.project.artifact_store)
        terraform = self.terraform()
        key, inputs = self._snapshot_key(terraform)
        exact = None if self._fresh else self.snapshots.find(key)
        if exact is not None:
            with self.phases.phase("restore"):
                self.emulator.restore(exact.path)
                self._ensure_initialized(terraform)
                self.outputs = dict(exact.outputs)
            self.restored = exact
        else:
            self._apply(terraform, compatible_with=inputs["tools"])
        with self.phases.phase("gateway"):
            self._start_gateway("gateway.log")
            self._write_session()
        return self

    def restart_gateway(self, log_name: str) -> None:
        """A new gateway (logging to `log_name`) in place of the running one: fresh execution
        environments, and what the gateway reads only at its start read again (a function's
        reserved concurrency, routes). Its URL may change unless `up` was given a port."""
        assert self.gateway is not None, "the gateway is not running"
        self.gateway.stop()
        self._start_gateway(log_name)
        self._write_session()  # `seawall outputs` answers with the new gateway's URL

    def _start_gateway(self, log_name: str) -> None:
        self.gateway = GatewayProcess(
            self.emulator.connection,
            api_id=str(self.outputs["api_id"]),
            stage=str(self.outputs["api_stage"]),
            artifact_store=self.project.artifact_store,
            work_dir=self.project.environment_dir(ENVIRONMENT),
            log_path=self._logs / log_name,
            port=self._gateway_port,
        ).start()

    def _apply(self, terraform: Terraform, *, compatible_with: Mapping[str, str]) -> None:
        base = None if self._fresh else self.snapshots.newest(compatible_with=compatible_with)
        if base is not None:
            with self.phases.phase("restore"):
                self.emulator.restore(base.path)
            self.applied_on = base
        with self.phases.phase("init"):
            # The same bootstrap as an AWS account's: state bucket, S3 native locks, logging role.
            backend = bootstrap(self.target()).backend
            terraform.init(backend_config=backend.init_config())
        with self.phases.phase("apply"):
            self.timeline = ApplyTimeline()
            # The path `seawall deploy` takes: a saved plan, applied with -json (retried when the
            # emulator answers like a throttled AWS), each event's message fed to the timeline.
            target = self.target()
            plan = make_plan(terraform, target, self.project, self.variables())
            apply_plan_with_retries(
                terraform,
                target,
                self.project,
                plan,
                on_event=lambda event: self._terraform_line(event.message),
            )
            self.outputs = terraform.outputs()
            self.timeline.finish()
            self._dependencies = self._state_dependencies()
        with self.phases.phase("snapshot"):
            # Keyed again: the first init may only now have chosen the provider versions.
            key, inputs = self._snapshot_key(terraform)
            try:
                state = self.emulator.snapshot()
            except EmulatorError as error:  # costs the next run time, not this one its stack
                self.notes.append(f"no snapshot taken: {error}")
                return
            port = int(self.emulator.endpoint.rsplit(":", 1)[1])
            self.snapshots.save(key, inputs, state, outputs=self.outputs, port=port)

    def critical_chain(self) -> str | None:
        """The last apply's critical chain, for `seawall up --verbose` (None: nothing applied)."""
        if self.timeline is None:
            return None
        return self.timeline.describe(self._dependencies)

    def _state_dependencies(self) -> dict[str, list[str]]:
        """What each resource depends on, as the state in the emulator's backend records it."""
        backend = self.target().backend()
        try:
            body = self.emulator.client("s3").get_object(Bucket=backend.bucket, Key=backend.key)
            return state_dependencies(json.loads(body["Body"].read()))
        except (ClientError, BotoCoreError, ValueError, KeyError) as error:
            self.notes.append(f"the apply's chain is unknown: the state did not read ({error})")
            return {}

    def _snapshot_key(self, terraform: Terraform) -> tuple[str, dict[str, Any]]:
        return snapshot_key(
            self.project.root / "terraform",
            self.project.stack_dir,
            [self.project.var_file(ENVIRONMENT)],
            self.variables(),
            terraform.version,
        )

    def _ensure_initialized(self, terraform: Terraform) -> None:
        """`terraform init` unless this state directory's data dir already is (a restore needs
        it only for the commands that follow: `seawall outputs`, plans)."""
        data_dir = self.project.data_dir(ENVIRONMENT)
        if (data_dir / "terraform.tfstate").is_file() and (data_dir / "providers").is_dir():
            return
        terraform.init(backend_config=self.target().backend().init_config())

    def smoke(self) -> SmokeResult:
        with self.phases.phase("smoke"):
            return run_smoke_check(self.api_url, self.api_key)

    def down(self) -> None:
        if self._lock.held:  # a run refused by the lock must not remove the holder's session
            with contextlib.suppress(FileNotFoundError):
                self.project.session_file(ENVIRONMENT).unlink()
        if self.gateway is not None:
            self.gateway.stop()
        self.emulator.stop()
        self._lock.release()

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
        """The stack's variables besides the environment's tfvars: the artifact (its resolved
        path: state directories that share an artifact store through a link share snapshots
        too), then the caller's own."""
        assert self.artifact is not None
        return {
            "function_zip_path": str(self.artifact.path.resolve()),
            "function_zip_sha256": self.artifact.sha256_base64,
            "function_runtime": self.artifact.runtime,
            **self._extra_variables,
        }

    def target(self) -> Target:
        connection = self.emulator.connection
        return Target(env=ENVIRONMENT, region=connection.region, endpoint_url=connection.url)

    def terraform(self) -> Terraform:
        return stack_terraform(
            self.project, self.emulator.connection, self._tf_mirror, self._terraform_line
        )

    def _terraform_line(self, line: str) -> None:
        if self.timeline is not None:
            self.timeline.on_line(line)
        if self._on_terraform_line is not None:
            self._on_terraform_line(line)

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
            # The API and stage it serves: `seawall deploy` to this emulator smokes through it.
            "gateway": {
                "url": self.gateway.url,
                "pid": self.gateway.pid,
                "api_id": str(self.outputs["api_id"]),
                "stage": str(self.outputs["api_stage"]),
            },
            "artifact": self.variables(),
            # What `seawall down` stops, this process first (see seawall.background).
            "processes": [
                {"role": role, "pid": pid, "start": start_time(pid) if pid else None}
                for role, pid in (
                    ("up", os.getpid()),
                    ("emulator", self.emulator.pid),
                    ("gateway", self.gateway.pid),
                )
            ],
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
