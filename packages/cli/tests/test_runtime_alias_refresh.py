"""The local runtime notices an alias moving to another version (a deploy, a rollback, a fault
switched on by `seawall fault`), on the emulator, which keeps an alias's RevisionId when it
moves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verify_stack import EmulatedStack

from seawall.runtime.local_runtime import FunctionTarget
from seawall.runtime.pool import Variant


@dataclass(frozen=True)
class Spec:
    """Stands in for the FunctionSpec the runtime would load: which version it is."""

    arn: str
    reserved_concurrency: int | None = None


def load(arn: str, weight: float) -> Variant:
    return Variant(Spec(arn), Path(), weight)  # type: ignore[arg-type]


def test_an_alias_moved_to_another_version_is_picked_up(aws_emulator) -> None:
    stack = EmulatedStack(aws_emulator.connection).create()
    lambda_ = stack.client("lambda")
    name = stack.outputs["api_function_name"]
    alias_arn = lambda_.get_alias(FunctionName=name, Name="live")["AliasArn"]
    target = FunctionTarget(lambda_, alias_arn)
    assert [v.spec.arn.rsplit(":", 1)[-1] for v in target.variants(load)] == ["1"]
    assert target.changed_variants(load) is None

    lambda_.update_function_configuration(FunctionName=name, Timeout=9)
    version = lambda_.publish_version(FunctionName=name)["Version"]
    lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion=version)

    changed = target.changed_variants(load)
    assert changed is not None
    assert [v.spec.arn.rsplit(":", 1)[-1] for v in changed] == [version]
    assert target.changed_variants(load) is None

    # Back to 1, the new version deleted and published again: the emulator hands out its number
    # again, for a different configuration.
    lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lambda_.delete_function(FunctionName=name, Qualifier=version)
    lambda_.update_function_configuration(FunctionName=name, Timeout=8)
    again = lambda_.publish_version(FunctionName=name)["Version"]
    lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion=again)
    assert target.changed_variants(load) is not None
