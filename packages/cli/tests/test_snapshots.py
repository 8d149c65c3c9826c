"""Snapshot keys and the store: any input that changes what an apply creates changes the key;
a damaged or incomplete snapshot is no snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.snapshots import KEEP, SnapshotStore, snapshot_key

LOCK_FILE = """
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = "~> 5.100"
}
"""


def tree(root: Path) -> None:
    """A small Terraform tree: a stack, a module, an environment's tfvars, a lock file."""
    if (root / "terraform").exists():
        return
    stack = root / "terraform" / "stack"
    module = root / "terraform" / "modules" / "table"
    envs = root / "terraform" / "envs"
    for directory in (stack, module, envs):
        directory.mkdir(parents=True)
    (stack / "main.tf").write_text('module "table" { source = "../modules/table" }\n')
    (module / "main.tf").write_text('resource "terraform_data" "this" {}\n')
    (envs / "local.tfvars").write_text('log_level = "DEBUG"\n')
    (stack / ".terraform.lock.hcl").write_text(LOCK_FILE)


def key(root: Path, variables: dict[str, str] | None = None, terraform: str = "1.11.4") -> str:
    tree(root)
    digest, _ = snapshot_key(
        root / "terraform",
        root / "terraform" / "stack",
        [root / "terraform" / "envs" / "local.tfvars"],
        variables if variables is not None else {"function_zip_sha256": "abc"},
        terraform,
    )
    return digest


def test_the_key_is_stable_for_the_same_inputs(tmp_path: Path) -> None:
    assert key(tmp_path) == key(tmp_path)


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "terraform/modules/table/main.tf").write_text("# changed\n"),
        lambda root: (root / "terraform/envs/local.tfvars").write_text('log_level = "INFO"\n'),
        lambda root: (root / "terraform/stack/new.tf").write_text("locals {}\n"),
        lambda root: (root / "terraform/stack/.terraform.lock.hcl").write_text(
            LOCK_FILE.replace("5.100.0", "5.101.0")
        ),
    ],
    ids=["module", "tfvars", "new file", "provider version"],
)
def test_a_changed_file_changes_the_key(tmp_path: Path, change) -> None:
    before = key(tmp_path)
    change(tmp_path)
    assert key(tmp_path) != before


def test_terraforms_own_working_files_do_not_change_the_key(tmp_path: Path) -> None:
    before = key(tmp_path)
    data = tmp_path / "terraform" / "stack" / ".terraform"
    data.mkdir()
    (data / "terraform.tfstate").write_text("{}")
    (tmp_path / "terraform" / "stack" / "errored.tfstate").write_text("{}")
    assert key(tmp_path) == before


def test_a_changed_terraform_version_changes_the_key(tmp_path: Path) -> None:
    assert key(tmp_path, terraform="1.11.4") != key(tmp_path, terraform="1.12.0")


@given(
    name=st.sampled_from(["function_zip_path", "function_zip_sha256", "log_level"]),
    first=st.text(max_size=20),
    second=st.text(max_size=20),
)
def test_any_changed_variable_changes_the_key(
    tmp_path_factory: pytest.TempPathFactory, name: str, first: str, second: str
) -> None:
    root = tmp_path_factory.mktemp("tree")
    same = key(root, {name: first}) == key(root, {name: second})
    assert same == (first == second)


def save(store: SnapshotStore, name: str, *, moto: str = "5.2.5", port: int = 41000):
    tools = {"moto": moto, "python": "3.11", "snapshot_format": "1"}
    return store.save(
        name, {"tools": tools}, b"state of " + name.encode(), outputs={"k": name}, port=port
    )


def test_store_finds_by_key_and_keeps_outputs_and_port(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    save(store, "a", port=41234)
    found = store.find("a")
    assert found is not None
    assert (found.outputs, found.port) == ({"k": "a"}, 41234)
    assert found.path.read_bytes() == b"state of a"
    assert oct(found.path.stat().st_mode & 0o777) == "0o600"  # it holds the API key
    assert store.find("b") is None


def test_newest_compatible_skips_snapshots_of_another_moto(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    save(store, "old", moto="5.2.5")
    save(store, "other-moto", moto="5.3.0")
    os.utime(tmp_path / "old.pickle", (1, 1))  # older than the other
    assert store.newest().key == "other-moto"
    compatible = store.newest(
        compatible_with={"moto": "5.2.5", "python": "3.11", "snapshot_format": "1"}
    )
    assert compatible is not None
    assert compatible.key == "old"


def test_incomplete_or_damaged_snapshots_are_no_snapshots(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    save(store, "no-state")
    (tmp_path / "no-state.pickle").unlink()  # a crash between the two writes, or a cleanup
    save(store, "damaged")
    (tmp_path / "damaged.json").write_text("{not json")
    assert store.find("no-state") is None
    assert store.find("damaged") is None
    assert store.newest() is None


def test_only_the_newest_are_kept(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    for number in range(KEEP + 2):
        save(store, f"s{number}")
        os.utime(tmp_path / f"s{number}.pickle", (number + 1, number + 1))
    save(store, "last")
    kept = sorted(path.stem for path in tmp_path.glob("*.pickle"))
    assert len(kept) == KEEP
    assert "last" in kept
    assert "s0" not in kept
