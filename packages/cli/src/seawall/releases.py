"""Releases: every successful deploy, recorded immutably and numbered, in the state bucket.

Layout, beside the environment's Terraform state (`seawall/<env>/terraform.tfstate`):

    seawall/<env>/releases/<N>/terraform.tar.gz  the Terraform tree (stack, modules, envs) applied
    seawall/<env>/releases/<N>/artifact.zip      the function artifact applied
    seawall/<env>/releases/<N>/release.json      number, time, tfvars, -var values, artifact
                                                 sha256, outputs: written last, it is the commit
    seawall/<env>/live.json                      {"number": N, "since": ...}: what serves now

A release is everything needed to apply it again, whatever the checkout looks like by then: that
is what `seawall rollback` does. `release.json` is written with `If-None-Match: *`, so a number
is never reused and a recorded release never changes; a release without it is an incomplete
upload and is ignored.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seawall.errors import SeawallError, UsageError

TREE = "terraform.tar.gz"
ARTIFACT = "artifact.zip"
RECORD = "release.json"
# Not part of a release's tree: Terraform's working files and the modules' own test suites.
_EXCLUDED_PARTS = frozenset({".terraform", "tests", "__pycache__"})
_EXCLUDED_SUFFIXES = (".tfstate", ".tfplan", ".backup", ".lock.hcl")


class ReleaseError(SeawallError):
    """The release store could not be read or written."""


@dataclass(frozen=True)
class Release:
    number: int
    created_at: float
    environment: str
    region: str
    artifact_sha256: str  # hex, of artifact.zip
    tfvars: str  # the environment's tfvars file, as applied
    variables: dict[str, str] = field(default_factory=dict)  # the -var values, as applied
    outputs: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # what made it: "deploy", "rollback to 3"

    def summary(self, live: int | None) -> dict[str, Any]:
        """What `seawall status` shows (no outputs: they hold the API key)."""
        return {
            "number": self.number,
            "live": self.number == live,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created_at)),
            "artifact_sha256": self.artifact_sha256,
            "variables": {k: v for k, v in self.variables.items() if "zip" not in k},
            "note": self.note,
        }


@dataclass(frozen=True)
class UnpackedRelease:
    """A release on disk, ready to plan: its own stack, tfvars and artifact."""

    release: Release
    stack_dir: Path
    var_file: Path
    artifact: Path


def pack_tree(terraform_dir: Path) -> bytes:
    """The Terraform tree (`terraform/`) as a gzipped tarball, without working files."""

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        if _EXCLUDED_PARTS.intersection(parts) or info.name.endswith(_EXCLUDED_SUFFIXES):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(terraform_dir, arcname="terraform", filter=keep)
    return buffer.getvalue()


class ReleaseStore:
    """The releases of one environment, in the state bucket (an S3 client given by the caller)."""

    def __init__(self, s3: Any, bucket: str, environment: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.environment = environment
        self.prefix = f"seawall/{environment}/releases/"

    # -- reading ---------------------------------------------------------------------------

    def list(self) -> list[Release]:
        """Every complete release, oldest first."""
        return [self.get(number) for number in self.numbers()]

    def numbers(self) -> list[int]:
        """The numbers of the complete releases, in order."""
        numbers = set()
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for entry in page.get("Contents", []):
                number, _, name = entry["Key"][len(self.prefix) :].partition("/")
                if name == RECORD and number.isdigit():
                    numbers.add(int(number))
        return sorted(numbers)

    def get(self, number: int) -> Release:
        try:
            raw = self._read(f"{self.prefix}{number}/{RECORD}")
        except self._s3.exceptions.NoSuchKey:
            raise UsageError(
                f"{self.environment} has no release {number}",
                hint=f"`seawall status --env {self.environment}` lists the releases",
            ) from None
        return Release(**json.loads(raw))

    def live(self) -> int | None:
        try:
            return int(json.loads(self._read(self._live_key))["number"])
        except self._s3.exceptions.NoSuchKey:
            return None

    def last_good(self) -> Release | None:
        """The live release (what a failed deploy goes back to), or None before the first."""
        number = self.live()
        return None if number is None else self.get(number)

    def unpack(self, number: int, into: Path) -> UnpackedRelease:
        release = self.get(number)
        into.mkdir(parents=True, exist_ok=True)
        tree = self._read(f"{self.prefix}{number}/{TREE}")
        with tarfile.open(fileobj=io.BytesIO(tree), mode="r:gz") as tar:
            tar.extractall(into, filter="data")
        artifact = into / ARTIFACT
        artifact.write_bytes(self._read(f"{self.prefix}{number}/{ARTIFACT}"))
        if hashlib.sha256(artifact.read_bytes()).hexdigest() != release.artifact_sha256:
            raise ReleaseError(f"release {number}'s artifact does not match its recorded sha256")
        var_file = into / f"release-{number}.tfvars"
        var_file.write_text(release.tfvars)
        return UnpackedRelease(release, into / "terraform" / "stack", var_file, artifact)

    # -- writing ---------------------------------------------------------------------------

    def record(
        self,
        *,
        tree: bytes,
        artifact: Path,
        tfvars: str,
        variables: dict[str, str],
        outputs: dict[str, Any],
        region: str,
        note: str = "deploy",
        clock: Any = time.time,
    ) -> Release:
        """Store a new release under the next number; the number is never reused."""
        for _ in range(5):  # another deploy may take the number between listing and writing
            number = self._next_number()
            release = Release(
                number=number,
                created_at=clock(),
                environment=self.environment,
                region=region,
                artifact_sha256=hashlib.sha256(artifact.read_bytes()).hexdigest(),
                tfvars=tfvars,
                variables=dict(variables),
                outputs=outputs,
                note=note,
            )
            base = f"{self.prefix}{number}/"
            self._s3.put_object(Bucket=self.bucket, Key=base + TREE, Body=tree)
            self._s3.put_object(Bucket=self.bucket, Key=base + ARTIFACT, Body=artifact.read_bytes())
            try:
                self._s3.put_object(
                    Bucket=self.bucket,
                    Key=base + RECORD,
                    Body=json.dumps(asdict(release), indent=2).encode(),
                    IfNoneMatch="*",
                )
            except self._s3.exceptions.ClientError as error:
                if error.response["Error"]["Code"] in ("PreconditionFailed", "412"):
                    continue
                raise
            return release
        raise ReleaseError(f"could not claim a release number for {self.environment}")

    def set_live(self, number: int, *, clock: Any = time.time) -> None:
        body = json.dumps({"number": number, "since": clock()}).encode()
        self._s3.put_object(Bucket=self.bucket, Key=self._live_key, Body=body)

    def clear_live(self) -> None:
        """After a destroy nothing is live; the releases stay, to deploy again from."""
        self._s3.delete_object(Bucket=self.bucket, Key=self._live_key)

    # -- helpers ---------------------------------------------------------------------------

    @property
    def _live_key(self) -> str:
        return f"seawall/{self.environment}/live.json"

    def _next_number(self) -> int:
        numbers = self.numbers()
        return numbers[-1] + 1 if numbers else 1

    def _read(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
