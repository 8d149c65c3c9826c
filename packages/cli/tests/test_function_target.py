"""The runtime notices, with one cheap check, what changes in the emulator between invocations:
an alias moved or given routing weights, a function's configuration updated."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from seawall.runtime.functions import load_function
from seawall.runtime.local_runtime import FunctionTarget
from seawall.runtime.pool import Variant

pytestmark = pytest.mark.emulator


def _load(lambda_client: Any) -> Any:
    def load(arn: str, weight: float) -> Variant:
        return Variant(load_function(lambda_client, arn), Path("."), weight)

    return load


@pytest.fixture
def function(aws_emulator: Any) -> tuple[Any, str]:
    iam, lambda_client = aws_emulator.client("iam"), aws_emulator.client("lambda")
    name = f"target-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 1\n")
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
        Environment={"Variables": {"MODE": "one"}},
        Publish=True,
    )
    lambda_client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"MODE": "two"}}
    )
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return lambda_client, name


def test_an_alias_moved_or_weighted_is_noticed(function: tuple[Any, str]) -> None:
    lambda_client, name = function
    arn = lambda_client.get_alias(FunctionName=name, Name="live")["AliasArn"]
    target = FunctionTarget(lambda_client, arn)
    first = target.variants(_load(lambda_client))
    assert [(v.spec.version, v.weight) for v in first] == [("1", 1.0)]
    assert target.changed_variants(_load(lambda_client)) is None

    lambda_client.update_alias(
        FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}}
    )
    weighted = target.changed_variants(_load(lambda_client))
    assert weighted is not None
    assert [(v.spec.version, v.weight) for v in weighted] == [("1", 0.75), ("2", 0.25)]
    assert [v.spec.environment["MODE"] for v in weighted] == ["one", "two"]

    lambda_client.update_alias(
        FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={}
    )
    moved = target.changed_variants(_load(lambda_client))
    assert moved is not None
    assert [(v.spec.version, v.weight) for v in moved] == [("2", 1.0)]


def test_an_unqualified_functions_configuration_update_is_noticed(
    function: tuple[Any, str],
) -> None:
    lambda_client, name = function
    target = FunctionTarget(lambda_client, name)
    assert target.variants(_load(lambda_client))[0].spec.environment["MODE"] == "two"
    lambda_client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"MODE": "faulty"}}
    )
    changed = target.changed_variants(_load(lambda_client))
    assert changed is not None
    assert changed[0].spec.environment["MODE"] == "faulty"


def test_reserved_concurrency_is_noticed(function: tuple[Any, str]) -> None:
    lambda_client, name = function
    target = FunctionTarget(lambda_client, name)
    target.variants(_load(lambda_client))
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    changed = target.changed_variants(_load(lambda_client))
    assert changed is not None
    assert changed[0].spec.reserved_concurrency == 0


def test_a_version_that_fails_to_load_is_tried_again_at_the_next_check(
    function: tuple[Any, str],
) -> None:
    lambda_client, name = function
    arn = lambda_client.get_alias(FunctionName=name, Name="live")["AliasArn"]
    target = FunctionTarget(lambda_client, arn)
    target.variants(_load(lambda_client))
    lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    missing = {"2"}

    def load(arn: str, weight: float) -> Variant:
        if arn.rsplit(":", 1)[1] in missing:
            raise FileNotFoundError("the code of version 2 is not in the store yet")
        return _load(lambda_client)(arn, weight)

    with pytest.raises(FileNotFoundError):
        target.changed_variants(load)
    missing.clear()  # e.g. the artifact was built meanwhile
    retried = target.changed_variants(load)
    assert retried is not None
    assert [v.spec.version for v in retried] == ["2"]
