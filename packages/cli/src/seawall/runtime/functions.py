"""A Lambda function as the emulator describes it, and its code on disk.

The code is the artifact whose SHA-256 matches the `CodeSha256` the emulator reports: if the store
does not hold it, the runtime refuses to guess rather than run something else.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.build import artifact_path
from seawall.errors import SeawallError


class FunctionCodeMissing(SeawallError):
    """The deployed code is not in the artifact store."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]
    code_sha256: str
    reserved_concurrency: int | None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def load_function(lambda_client: Any, function_arn: str) -> FunctionSpec:
    """The configuration of `function_arn` (a plain or alias-qualified ARN) from Lambda."""
    response = lambda_client.get_function(FunctionName=function_arn)
    config = response["Configuration"]
    reserved = (response.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    return FunctionSpec(
        name=config["FunctionName"],
        arn=config["FunctionArn"],
        version=config.get("Version", "$LATEST"),
        handler=config["Handler"],
        runtime=config.get("Runtime", ""),
        timeout_s=int(config.get("Timeout", 3)),
        memory_mb=int(config.get("MemorySize", 128)),
        environment=dict((config.get("Environment") or {}).get("Variables") or {}),
        code_sha256=config["CodeSha256"],
        reserved_concurrency=int(reserved) if reserved is not None else None,
    )


def code_directory(spec: FunctionSpec, artifact_store: Path, unpack_root: Path) -> Path:
    """The function's code, unpacked once per CodeSha256 (atomically: no half-written tree)."""
    archive = artifact_path(artifact_store, spec.code_sha256)
    if not archive.is_file():
        raise FunctionCodeMissing(
            f"the code of {spec.name} (CodeSha256 {spec.code_sha256}) is not in {artifact_store}",
            hint="deploy with seawall (seawall up), which builds the artifact into that store",
        )
    target = unpack_root / archive.stem
    if target.is_dir():
        return target
    unpack_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{archive.stem}.", dir=unpack_root))
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(scratch)
        os.replace(scratch, target)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
        if not target.is_dir():  # another process may have won the race, which is fine
            raise
    return target
