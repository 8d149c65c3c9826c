"""The Lambda artifact: one zip with the handler and its runtime dependencies, reproducibly.

pip resolves and installs the handler and retrylib (and whatever else the handler declares) into a
scratch directory; the zip is then written with sorted entries, a fixed timestamp and fixed modes,
so the same sources give the same bytes and Terraform sees no change. boto3 and botocore are left
out: the Lambda runtime provides them, and bundling them would pin a stale SDK and triple the size.

The zip carries `.pyc` files (unchecked-hash: never re-validated against the sources) compiled by
the interpreter that builds it, and the function's runtime follows that interpreter
(`Artifact.runtime`, passed to Terraform as `function_runtime`): bytecode only helps when the
function's own Python minor version wrote it, so a zip never carries `.pyc` of another version.
An interpreter that is not a Lambda runtime builds a zip without `.pyc`, for the default runtime.

Artifacts live in a content-addressed store (`<store>/<sha256 hex>.zip`): the local runtime finds
the code the emulator says is deployed (`CodeSha256`) by its hash, never by "the latest build".
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from seawall.atomic_files import atomic_write_bytes
from seawall.command_output import CommandFailed, cmd_output_b
from seawall.errors import SeawallError

# The packages that make up the function, relative to the project root.
FUNCTION_PACKAGES = ("packages/handler", "packages/retrylib")
# Provided by the Lambda Python runtime; never shipped in the zip.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six"}
)
# Install metadata that names this machine or this install, not the code.
_INSTALL_RECORDS = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
# The Python runtimes Lambda offers that the function supports, and the one used when the build
# interpreter is none of them (terraform/modules/function's default).
LAMBDA_RUNTIMES = ("python3.11", "python3.12", "python3.13")
DEFAULT_RUNTIME = "python3.12"
_FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can express
_FILE_MODE = 0o100644


class BuildError(SeawallError):
    """The artifact could not be built."""


def build_runtime() -> str:
    """The Lambda runtime whose Python is the one running this build (bytecode included), or
    the default runtime when this Python is not a Lambda runtime (the zip then has no bytecode)."""
    own = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return own if own in LAMBDA_RUNTIMES else DEFAULT_RUNTIME


def _ships_bytecode() -> bool:
    return build_runtime() == f"python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Artifact:
    path: Path
    sha256_hex: str
    size: int
    # The runtime the zip is built for: its .pyc (if any) are that Python's.
    runtime: str = field(default_factory=build_runtime)

    @property
    def sha256_base64(self) -> str:
        """The form Lambda reports as CodeSha256 and Terraform's source_code_hash expects."""
        return hex_to_code_sha256(self.sha256_hex)


def hex_to_code_sha256(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def code_sha256_to_hex(code_sha256: str) -> str:
    return base64.b64decode(code_sha256).hex()


def stored_path(store: Path, sha256_hex: str) -> Path:
    """Where the artifact whose sha256 is `sha256_hex` lives in the content-addressed `store`."""
    return store / f"{sha256_hex}.zip"


def artifact_path(store: Path, code_sha256: str) -> Path:
    """Where the artifact whose Lambda CodeSha256 is `code_sha256` lives in `store`."""
    return stored_path(store, code_sha256_to_hex(code_sha256))


def build_artifact(project_root: Path, store: Path) -> Artifact:
    """Build the function zip from the project's packages into the content-addressed `store`."""
    with tempfile.TemporaryDirectory(prefix="seawall-build-") as scratch:
        target = Path(scratch) / "site"
        _pip_install(project_root, target)
        if _ships_bytecode():
            _compile(target)
        data = zip_directory(target)
    digest = hashlib.sha256(data).hexdigest()
    path = stored_path(store, digest)
    if not path.exists():
        atomic_write_bytes(path, data)
    return Artifact(path=path, sha256_hex=digest, size=len(data))


def _compile(root: Path) -> None:
    """Unchecked-hash `.pyc` for every module, by this interpreter: the same bytes on every build
    (no timestamps), and Lambda's read-only file system never has to recompile a module.

    Compiled in a child interpreter, not in this process: marshal flags an object as shared by
    its reference count, so bytecode written by a process that already imported some of the same
    names (a test run, a long-lived CLI) differs from a fresh build's. A fixed hash seed keeps
    the order of set constants out of it as well."""
    command = [
        sys.executable, "-m", "compileall", "-q",
        "-d", ".",  # tracebacks name the path inside the zip, not the scratch directory
        "--invalidation-mode", "unchecked-hash",
        str(root),
    ]  # fmt: skip
    try:
        cmd_output_b(*command, env={**os.environ, "PYTHONHASHSEED": "0"})
    except CommandFailed as error:
        raise BuildError(
            f"the function's sources do not compile: {error}", hint="fix the error named above"
        ) from error


def zip_directory(root: Path) -> bytes:
    """A reproducible zip of the files under `root` (sorted, fixed time and mode), with the
    `.pyc` of this interpreter only."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(_shipped_files(root), key=lambda p: p.relative_to(root).as_posix()):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_FIXED_TIMESTAMP)
            info.external_attr = _FILE_MODE << 16
            info.create_system = 3  # unix, so the mode bits mean what they say everywhere
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _shipped_bytes(path), compresslevel=9)
    return buffer.getvalue()


def _shipped_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "METADATA" and path.parent.name.endswith(".dist-info"):
        # The headers (name, version, requirements) only: the long description after the first
        # blank line is the package README, which nothing in a function reads (a third of it).
        return data.split(b"\n\n", 1)[0] + b"\n"
    return data


def _shipped_files(root: Path) -> list[Path]:
    files = []
    # e.g. `.cpython-311.pyc`: the only bytecode this interpreter writes and the runtime reads.
    own_bytecode = f".{sys.implementation.cache_tag}.pyc" if _ships_bytecode() else None
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if not path.is_file():
            continue
        is_bytecode = path.suffix in (".pyc", ".pyo") or "__pycache__" in parts
        is_own = own_bytecode is not None and parts[-2:-1] == ("__pycache__",)
        if is_bytecode and not (is_own and path.name.endswith(own_bytecode or "")):
            continue
        if parts[0] == "bin":  # console scripts: meaningless inside a function
            continue
        if parts[0].split("-")[0].removesuffix(".py") in RUNTIME_PROVIDED:
            continue
        if parts[0].endswith(".dist-info") and parts[-1] in _INSTALL_RECORDS:
            continue
        files.append(path)
    return files


def _pip_install(project_root: Path, target: Path) -> None:
    sources = [project_root / package for package in FUNCTION_PACKAGES]
    missing = [str(source) for source in sources if not (source / "pyproject.toml").is_file()]
    if missing:
        raise BuildError(
            f"cannot build the function: no package at {', '.join(missing)}",
            hint="run seawall from a seawall checkout (or pass --project-dir)",
        )
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--no-warn-script-location", "--target", str(target),
        *map(str, sources),
    ]  # fmt: skip
    try:
        cmd_output_b(*command)
    except CommandFailed as error:
        raise BuildError(
            f"pip could not install the function's packages: {error}",
            hint="check packages/handler/pyproject.toml's dependencies",
        ) from error
