"""Deploy drills: a real `seawall` process deploying to an emulator the test starts, as the account.

One module, one stack, ordered steps (each full apply of the stack costs about a minute, so the
drills share them): the first deploy goes through a proxy that throttles the first SQS writes,
with the provider's own attempts per call set to two (`--var aws_max_retries=2`; its default is
25, which would absorb the throttling), so seawall plans and applies again; a release whose
function answers 500 is rolled back; a good release 2 is rolled back with `rollback --to 1`; a
canary whose new version raises errors sends the traffic back; Ctrl-C during an apply leaves no
state lock; a region move serves the same items in a second region; destroy leaves nothing but
the deletion-protected table.

The second region's stack is deployed in the background from the end of the first drill on: a
cold apply is mostly the provider's fixed waits (see docs/benchmarks.md), so it costs the drills
in between little, and the region move then only waits for what is left of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from intercepting_proxy import Answer, InterceptingProxy
from process_probes import OutputLines

from seawall.backend import state_bucket_name, state_key
from seawall.bootstrap import bootstrap
from seawall.emulator import Connection, Emulator
from seawall.project import STATE_DIR_ENV, Project
from seawall.runtime.alarms import TIME_SCALE_ENV
from seawall.runtime.gateway_process import GatewayProcess
from seawall.smoke import http_json
from seawall.stackplan import target_terraform
from seawall.target import Target

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]

# SQS writes throttled: the provider creates the jobs queue and its dead-letter queue at once, with
# two attempts per call (aws_max_retries=2), so four throttles fail at least one of them for good.
THROTTLED_CALLS = 4
REGION = "us-west-2"
OTHER_REGION = "us-east-2"
# terraform's S3 native lock (use_lockfile): an object named after the state, beside it.
LOCK_KEY = f"{state_key('local')}.tflock"
RAISING = '{"mode": "exception", "functions": ["api"]}'
FAILING = '{"mode": "status_code", "status_code": 500, "functions": ["api"]}'


# -- a proxy that throttles ------------------------------------------------------------------


def _throttled(content_type: str) -> tuple[int, dict[str, str], bytes]:
    if "x-amz-json" in content_type:
        code = "ThrottlingException"
        body = {"__type": code, "message": "Rate exceeded"}
        return (
            400,
            {"x-amzn-ErrorType": code, "Content-Type": content_type},
            json.dumps(body).encode(),
        )
    code = "TooManyRequestsException"
    body = {"message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}
    return (
        429,
        {"x-amzn-ErrorType": code, "Content-Type": "application/json"},
        json.dumps(body).encode(),
    )


class ThrottlingProxy(InterceptingProxy):
    """A loopback HTTP proxy in front of the emulator that throttles a service's first N calls.

    Terraform's AWS provider reaches it through AWS_ENDPOINT_URL like any endpoint. The first
    `throttle` calls signed for `service` that change something (POST/PUT/DELETE) are answered as
    AWS answers a caller over its rate: `ThrottlingException` in the JSON protocols' shape (SQS,
    DynamoDB...), 429 `TooManyRequestsException` in the REST protocols' (Lambda, API Gateway).
    Everything else, and every call after those, goes to the emulator unchanged.
    """

    def __init__(self, upstream: str, throttle: int, service: str = "sqs") -> None:
        self._scope = f"/{service}/aws4_request"
        self._left = throttle
        self._lock = threading.Lock()
        self.throttled: list[str] = []
        super().__init__(upstream, self._throttle)

    def _throttle(self, method: str, path: str, headers: Mapping[str, str]) -> Answer | None:
        if method not in ("POST", "PUT", "DELETE") or self._scope not in headers.get(
            "Authorization", ""
        ):
            return None
        with self._lock:
            if self._left <= 0:
                return None
            self._left -= 1
        operation = headers.get("X-Amz-Target", "").rpartition(".")[2]
        self.throttled.append(f"{method} {path} {operation}".strip())
        return _throttled(headers.get("Content-Type", ""))


# -- the drills -------------------------------------------------------------------------------


class Drill:
    def __init__(self, root: Path, state_dir: Path, endpoint: str, tf_mirror: str | None) -> None:
        self.root = root
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.background: list[Background] = []
        self.region_move: RegionMove | None = None  # started by the first drill
        self.env = {
            **os.environ,
            STATE_DIR_ENV: str(state_dir),
            "CHECKPOINT_DISABLE": "1",
        }
        if tf_mirror:
            self.env["SEAWALL_TF_MIRROR"] = tf_mirror

    def argv(self, *args: str, region: str = REGION) -> list[str]:
        return [
            sys.executable, "-m", "seawall", "--project-dir", str(self.root), *args,
            "--env", "local", "--endpoint-url", self.endpoint, "--region", region,
        ]  # fmt: skip

    def seawall(
        self, *args: str, region: str = REGION, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args, region=region),
            env={**self.env, **env},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=900,
            check=False,
        )

    def status(self, region: str = REGION) -> dict:
        result = self.seawall("status", "--json", region=region)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def start(self, *args: str, region: str = REGION) -> Background:
        """`seawall ARGS` in the background (stopped by the module's teardown if still running)."""
        background = Background(self.argv(*args, region=region), self.env, self.state_dir)
        self.background.append(background)
        return background


class Background:
    """A `seawall` process left running while other drills go on; `wait()` for its result."""

    def __init__(self, argv: list[str], env: dict[str, str], scratch: Path) -> None:
        self._output = (scratch / f"background-{len(os.listdir(scratch))}.log").open("w+")
        self.process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT
        )

    def wait(self, timeout: float = 900) -> tuple[int, str]:
        """(exit code, output)."""
        code = self.process.wait(timeout=timeout)
        self._output.seek(0)
        return code, self._output.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # as Ctrl-C: terraform releases its lock
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._output.close()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto.log") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def proxy(emulator: Emulator) -> Iterator[ThrottlingProxy]:
    proxy = ThrottlingProxy(emulator.endpoint, throttle=THROTTLED_CALLS, service="sqs").start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def drill(
    project_root: Path, tf_mirror: str | None, proxy: ThrottlingProxy, tmp_path_factory
) -> Iterator[Drill]:
    drill = Drill(project_root, tmp_path_factory.mktemp("state"), proxy.url, tf_mirror)
    for region in (REGION, OTHER_REGION):  # the state bucket of each region
        bootstrap(Target(env="local", region=region, endpoint_url=proxy.url))
    yield drill
    for background in drill.background:
        background.stop()


class Api:
    """The deployed API, served by a local gateway started for the check (as `seawall` does)."""

    def __init__(self, drill: Drill, emulator: Emulator, region: str = REGION) -> None:
        connection = Connection(url=emulator.endpoint, region=region)
        apis = connection.client("apigateway").get_rest_apis()["items"]
        api = next(api for api in apis if api["name"].startswith("seawall-local"))
        keys = connection.client("apigateway").get_api_keys(includeValues=True)["items"]
        self.key = next(key["value"] for key in keys if key["name"].startswith("seawall-local"))
        self._gateway = GatewayProcess(
            connection,
            api_id=api["id"],
            stage="v1",
            artifact_store=drill.state_dir / "artifacts",
            work_dir=drill.state_dir / f"check-{region}",
            log_path=drill.state_dir / f"check-{region}" / "gateway.log",
        )

    def __enter__(self) -> Api:
        self._gateway.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._gateway.stop()

    def get(self, path: str) -> tuple[int, object]:
        status, _, body = http_json(
            "GET", f"{self._gateway.url}{path}", headers={"x-api-key": self.key}
        )
        return status, body

    def create(self, name: str) -> str:
        status, _, body = http_json(
            "POST",
            f"{self._gateway.url}/items",
            body={"name": name, "data": {"moved": True}},
            headers={"x-api-key": self.key},
        )
        assert status == 201, body
        return body["id"]


def function_log_level(emulator: Emulator) -> str:
    config = emulator.client("lambda").get_function_configuration(
        FunctionName="seawall-local-api", Qualifier="live"
    )
    return config["Environment"]["Variables"]["SEAWALL_LOG_LEVEL"]


def test_a_throttled_first_deploy_retries_and_records_release_1(drill, proxy, emulator) -> None:
    result = drill.seawall("deploy", "--auto-approve", "--json", "--var", "aws_max_retries=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(proxy.throttled) == THROTTLED_CALLS
    assert "ThrottlingException" in result.stderr
    assert "planning and applying again" in result.stderr
    assert json.loads(result.stdout)["release"] == 1
    status = drill.status()
    assert status["live"] == 1
    assert [release["number"] for release in status["releases"]] == [1]
    # The throttles are spent: the region move's deploy can start (see the module's docstring).
    drill.region_move = start_the_region_move(drill, emulator)


def test_a_release_that_fails_its_smoke_is_rolled_back(drill, emulator) -> None:
    result = drill.seawall("deploy", "--auto-approve", "--var", f"fault_injection={FAILING}")
    assert result.returncode == 1, result.stderr[-3000:]
    # No `seawall up` serves this emulator: the checks go through a gateway of the deploy's own.
    assert "through a local gateway started for the check" in result.stderr
    assert "smoke check failed: GET /health answered 500" in result.stderr
    assert "rolled back: release 1 is live again" in result.stderr
    assert drill.status()["live"] == 1
    with Api(drill, emulator) as api:
        assert api.get("/health")[0] == 200


def test_rollback_to_1_after_a_good_release_2(drill, emulator) -> None:
    deployed = drill.seawall("deploy", "--auto-approve", "--var", "log_level=INFO")
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    assert drill.status()["live"] == 2
    assert function_log_level(emulator) == "INFO"
    rolled = drill.seawall("rollback", "--to", "1", "--auto-approve")
    assert rolled.returncode == 0, rolled.stderr[-3000:]
    status = drill.status()
    assert status["live"] == 1
    assert [release["number"] for release in status["releases"]] == [1, 2]
    assert function_log_level(emulator) == "DEBUG"  # release 1's settings (envs/local.tfvars)


def test_a_canary_whose_new_version_errors_sends_traffic_back(drill) -> None:
    result = drill.seawall(
        "deploy",
        "--auto-approve",
        "--canary",
        "50:2",
        "--var",
        f"fault_injection={RAISING}",
        # The local runtime evaluates the stack's alarms with 60-second periods lasting a second
        # (and the canary polls them 60 times as often).
        **{TIME_SCALE_ENV: "60"},
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "canary failed: alarm seawall-local-api-errors" in result.stderr
    assert "all traffic is back on version" in result.stderr
    assert "rolled back: release 1 is live again" in result.stderr
    status = drill.status()
    assert status["live"] == 1
    assert [release["number"] for release in status["releases"]] == [1, 2]


def test_without_a_terminal_a_deploy_needs_auto_approve(drill) -> None:
    result = drill.seawall("deploy")
    assert result.returncode == 2
    assert "--auto-approve" in result.stderr


def state_bucket(emulator: Emulator, region: str = REGION) -> str:
    account = emulator.client("sts").get_caller_identity()["Account"]
    return state_bucket_name(account, region)


def wait_for_object(emulator: Emulator, bucket: str, key: str, within_s: float) -> bool:
    """True as soon as `key` exists in `bucket`; False once `within_s` has passed without it."""
    s3 = emulator.client("s3")
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0):
            return True
        time.sleep(0.05)
    return False


def test_ctrl_c_during_apply_stops_terraform_and_leaves_no_lock(drill, emulator) -> None:
    bucket = state_bucket(emulator)
    process = subprocess.Popen(
        drill.argv("deploy", "--auto-approve", "--var", "log_level=WARNING"),
        env=drill.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stderr = OutputLines(process, process.stderr)
        stderr.until(lambda line: line.startswith("seawall: apply..."), timeout_s=600)
        # terraform holds the state lock (S3 native locking: an object beside the state) from the
        # start of its apply: Ctrl-C then, not after a guessed pause.
        assert wait_for_object(emulator, bucket, LOCK_KEY, within_s=120), stderr.seen[-20:]
        process.send_signal(signal.SIGINT)
        rest = stderr.rest(timeout_s=120)
        assert process.wait(timeout=60) == 130, rest[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
    s3 = emulator.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "seawall/local/terraform.tfstate" in keys
    assert not [key for key in keys if key.endswith(".tflock")]
    assert drill.status()["live"] == 1  # an interrupted deploy records nothing


def planned_role_names(drill: Drill, plan_file: str, region: str) -> set[str]:
    """The IAM role names a saved plan would create (`terraform show -json` of it)."""
    target = Target(env="local", region=region, endpoint_url=drill.endpoint)
    project = Project(drill.root, state_override=drill.state_dir)
    terraform = target_terraform(target, project, tf_mirror=drill.env.get("SEAWALL_TF_MIRROR"))
    document = terraform.show_json(Path(plan_file))
    return {
        change["change"]["after"]["name"]
        for change in document["resource_changes"]
        if change["type"] == "aws_iam_role" and "create" in change["change"]["actions"]
    }


def role_names(emulator: Emulator) -> set[str]:
    return {role["RoleName"] for role in emulator.client("iam").list_roles()["Roles"]}


@dataclass
class RegionMove:
    planned_roles: set[str]
    roles_before: set[str]
    deploy: Background


def start_the_region_move(drill: Drill, emulator: Emulator) -> RegionMove:
    """Plan the second region, then start its deploy in the background.

    What `seawall plan` shows for the new region is what `seawall deploy` then creates: the IAM
    roles carry the region in their names (IAM is account-wide; the first region's stay)."""
    planned = drill.seawall("plan", "--json", region=OTHER_REGION)
    assert planned.returncode == 2, planned.stderr[-3000:]  # changes
    plan_file = json.loads(planned.stdout)["plan_file"]
    planned_roles = planned_role_names(drill, plan_file, OTHER_REGION)
    assert planned_roles, "the plan creates no IAM role"
    assert all(name.endswith(f"-{OTHER_REGION}") for name in planned_roles), planned_roles
    roles_before = role_names(emulator)
    deploy = drill.start("deploy", "--auto-approve", region=OTHER_REGION)
    return RegionMove(planned_roles, roles_before, deploy)


def test_a_region_move_serves_the_same_items_in_the_new_region(drill, emulator) -> None:
    with Api(drill, emulator) as api:
        created = sorted(api.create(f"moved-{n}") for n in range(3))
    emulator.client("dynamodb").create_backup(TableName="seawall-local-data", BackupName="drill")
    move = drill.region_move
    assert move is not None, "the first drill plans the second region and starts its deploy"
    code, output = move.deploy.wait()
    assert code == 0, output[-3000:]
    assert "release 1 is live" in output
    assert role_names(emulator) - move.roles_before == move.planned_roles
    started = time.monotonic()
    restored = drill.seawall("restore-data", "--from-region", REGION, "--json", region=OTHER_REGION)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert json.loads(restored.stdout)["items"] >= len(created)
    with Api(drill, emulator, OTHER_REGION) as api:
        for item in created:
            status, body = api.get(f"/items/{item}")
            assert status == 200, body
            assert body["name"].startswith("moved-")  # type: ignore[index]
    phases = next(line for line in output.splitlines() if line.startswith("seawall: phases:"))
    after = time.monotonic() - started
    print(f"region move: the deploy ({phases}), then data and checks {after:.0f}s")
    assert drill.status(region=OTHER_REGION)["live"] == 1  # its own releases


def test_destroy_leaves_nothing_but_protected_tables(drill, emulator) -> None:
    dynamodb = emulator.client("dynamodb")
    dynamodb.update_table(TableName="seawall-local-data", DeletionProtectionEnabled=True)
    result = drill.seawall("destroy", "--auto-approve")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "kept table seawall-local-data (deletion protection)" in result.stdout
    assert "--no-deletion-protection-enabled" in result.stdout
    assert emulator.client("lambda").list_functions()["Functions"] == []
    assert emulator.client("apigateway").get_rest_apis()["items"] == []
    assert emulator.client("sqs").list_queues().get("QueueUrls", []) == []
    assert dynamodb.list_tables()["TableNames"] == ["seawall-local-data"]
    assert drill.status()["live"] is None
