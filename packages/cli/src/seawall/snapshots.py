"""Snapshots of the local emulator after a successful apply, and the key that says when one fits.

A snapshot is everything the emulator held once `terraform apply` had succeeded (the Terraform
state in its S3 backend included), with the stack's outputs. Its key is a hash of every input
that decides what the apply creates: the Terraform tree (modules, stack, environments), the
variables (artifact path and hash included), and the tools (Terraform, the provider versions
`terraform init` selected, moto, Python). `seawall up` restores a snapshot whose key matches
instead of applying; any change to an input gives another key, hence a real apply.

Layout: `<state dir>/<environment>/snapshots/<key>.pickle` (the emulator's state, 0600: it holds
the API key) and `<key>.json` (key inputs, outputs, port, time); the newest KEEP are kept.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from seawall.atomic_files import atomic_write_bytes, atomic_write_text
from seawall.emulator_server import FORMAT

KEEP = 4
# Written by terraform, not inputs of the configuration (the lock file is read for its versions).
_NOT_INPUTS = {".terraform", ".terraform.lock.hcl", "tf_resources.json"}
_PROVIDER_VERSION = re.compile(r'provider\s+"([^"]+)"\s*\{\s*version\s*=\s*"([^"]+)"')


@dataclass(frozen=True)
class Snapshot:
    path: Path  # the pickled emulator state
    key: str
    outputs: dict[str, Any]
    port: int
    tools: dict[str, str]


def snapshot_key(
    terraform_root: Path,
    stack_dir: Path,
    var_files: list[Path],
    variables: Mapping[str, str],
    terraform_version: str,
) -> tuple[str, dict[str, Any]]:
    """The key of an apply with these inputs, and the inputs themselves (for the metadata)."""
    inputs: dict[str, Any] = {
        "terraform_tree": _tree_digest(terraform_root),
        "var_files": {str(path): _file_digest(path) for path in var_files},
        "variables": dict(sorted(variables.items())),
        "tools": tool_versions(stack_dir, terraform_version),
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return digest, inputs


def tool_versions(stack_dir: Path, terraform_version: str) -> dict[str, str]:
    """What must be the same for a snapshot to load and to mean the same: the emulator (moto),
    the Python that pickled it, the snapshot format, Terraform and its providers."""
    return {
        "moto": metadata.version("moto"),
        "python": ".".join(platform.python_version_tuple()[:2]),
        "snapshot_format": str(FORMAT),
        "terraform": terraform_version,
        **{f"provider {name}": version for name, version in _locked_providers(stack_dir)},
    }


def _locked_providers(stack_dir: Path) -> list[tuple[str, str]]:
    try:
        text = (stack_dir / ".terraform.lock.hcl").read_text()
    except FileNotFoundError:
        return []  # not initialized yet: the first apply's snapshot records them
    return sorted(_PROVIDER_VERSION.findall(text))


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not _NOT_INPUTS.intersection(relative.parts):
            if path.suffix == ".tfstate" or ".tfstate." in path.name:
                continue
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class SnapshotStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find(self, key: str) -> Snapshot | None:
        """The snapshot with this key, if there is one and it is complete."""
        return self._load(self.directory / f"{key}.json")

    def newest(self, *, compatible_with: Mapping[str, str] | None = None) -> Snapshot | None:
        """The newest snapshot; with `compatible_with`, the newest one this emulator can load
        (same moto, Python and format: pickles of other versions are not trusted to load)."""
        fields = ("moto", "python", "snapshot_format")
        for snapshot in self._all():
            if compatible_with is None or all(
                snapshot.tools.get(name) == compatible_with.get(name) for name in fields
            ):
                return snapshot
        return None

    def save(
        self,
        key: str,
        inputs: Mapping[str, Any],
        state: bytes,
        *,
        outputs: Mapping[str, Any],
        port: int,
    ) -> Snapshot:
        """Store a snapshot (state first, metadata last: a crash in between leaves no entry)."""
        path = self.directory / f"{key}.pickle"
        atomic_write_bytes(path, state, mode=0o600)
        entry = {
            "key": key,
            "created_at": time.time(),
            "port": port,
            "inputs": dict(inputs),
            "outputs": dict(outputs),
        }
        atomic_write_text(self.directory / f"{key}.json", json.dumps(entry, indent=2), mode=0o600)
        self._prune()
        return Snapshot(path=path, key=key, outputs=dict(outputs), port=port, tools=inputs["tools"])

    # -- internals -------------------------------------------------------------------------

    def _all(self) -> list[Snapshot]:
        """Every complete snapshot, newest first."""
        entries = [self._load(path) for path in self.directory.glob("*.json")]
        found = [entry for entry in entries if entry is not None]
        return sorted(found, key=lambda s: s.path.stat().st_mtime, reverse=True)

    def _load(self, metadata_path: Path) -> Snapshot | None:
        try:
            entry = json.loads(metadata_path.read_text())
            snapshot = Snapshot(
                path=metadata_path.with_suffix(".pickle"),
                key=entry["key"],
                outputs=entry["outputs"],
                port=int(entry["port"]),
                tools=entry["inputs"]["tools"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, or damaged: treated as no snapshot
        return snapshot if snapshot.path.is_file() else None

    def _prune(self) -> None:
        for old in self._all()[KEEP:]:
            old.path.unlink(missing_ok=True)
            old.path.with_suffix(".json").unlink(missing_ok=True)
