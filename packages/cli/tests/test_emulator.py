"""The emulator is a real moto server on loopback that is always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from seawall.emulator import FAKE_CREDENTIALS, Emulator, EmulatorError

pytestmark = pytest.mark.emulator


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): look at its state.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_answers_aws_calls_on_loopback_and_stops() -> None:
    with Emulator() as emulator:
        assert emulator.endpoint.startswith("http://127.0.0.1:")
        sts = emulator.client("sts")
        assert sts.get_caller_identity()["Account"] == "123456789012"
        pid = emulator.pid
    assert pid is not None
    assert not process_exists(pid)


def test_stops_when_the_block_raises() -> None:
    emulator = Emulator()

    def failing_test() -> None:
        with emulator:
            raise RuntimeError("a failing test")

    emulator.start()
    pid = emulator.pid
    with pytest.raises(RuntimeError):
        failing_test()
    assert pid is not None
    assert not process_exists(pid)


def test_child_dies_with_a_killed_parent(tmp_path) -> None:
    """Even a SIGKILLed `seawall up` leaves no emulator behind (Linux parent-death signal)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux-only")
    script = textwrap.dedent(
        """
        import sys, time
        from seawall.emulator import Emulator
        emulator = Emulator().start()
        print(emulator.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert process_exists(child_pid)
    parent.kill()
    parent.wait()
    for _ in range(100):
        if not process_exists(child_pid):
            break
        time.sleep(0.05)
    assert not process_exists(child_pid)


def test_refuses_a_non_loopback_address() -> None:
    with pytest.raises(EmulatorError, match="refusing"):
        Emulator(host="0.0.0.0")


def test_port_already_taken_is_a_clear_error() -> None:
    with Emulator() as first:
        port = int(first.endpoint.rsplit(":", 1)[1])
        with pytest.raises(EmulatorError, match="already in use"):
            Emulator(port=port, startup_timeout=10).start()


def test_child_environment_has_fake_credentials_and_no_real_ones() -> None:
    with Emulator() as emulator:
        env = emulator.child_env(
            {"AWS_PROFILE": "prod-admin", "AWS_SESSION_TOKEN": "x", "HOME": "/h"}
        )
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert env["HOME"] == "/h"
    assert env["AWS_ACCESS_KEY_ID"] == FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_this_process_environment_is_left_alone() -> None:
    before = dict(os.environ)
    with Emulator() as emulator:
        emulator.client("s3").list_buckets()
    assert dict(os.environ) == before


def test_session_fixture_serves_aws_calls(aws_emulator) -> None:
    # Shared by the whole run: the probe gets a name no other test uses, and leaves nothing behind.
    assert aws_emulator.running
    dynamodb = aws_emulator.client("dynamodb")
    name = f"probe-{os.getpid()}-{time.monotonic_ns()}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        assert name in dynamodb.list_tables()["TableNames"]
        stored = dynamodb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]
        assert stored == {"pk": {"S": "a"}, "v": {"N": "1"}}
    finally:
        dynamodb.delete_table(TableName=name)
    assert name not in dynamodb.list_tables()["TableNames"]
