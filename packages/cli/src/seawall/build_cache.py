"""Skip rebuilding the artifact when the function's sources have not changed.

The build is reproducible, so a rebuild from the same sources gives the same bytes: reusing the
stored zip changes nothing but the time (pip with build isolation takes about 8 s). The key is a
hash of every file the build reads from the function's packages (tests and caches excluded), of
the interpreter that would build it and of the build's own recipe (`seawall/build.py`: a new
seawall that builds differently must not reuse an old zip); the index maps that key to the
artifact's SHA-256.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

from seawall import build as _build
from seawall.atomic_files import atomic_write_text
from seawall.build import FUNCTION_PACKAGES, Artifact, build_artifact, stored_path

# How the zip is made: part of the key, so a changed recipe rebuilds.
BUILD_RECIPE = Path(_build.__file__)
# Not part of what pip installs from a package directory.
_IGNORED_PARTS = frozenset(
    {"tests", "__pycache__", "build", "dist", ".pytest_cache", ".ruff_cache"}
)


def sources_fingerprint(project_root: Path) -> str:
    digest = hashlib.sha256(f"{sys.version}\n{FUNCTION_PACKAGES}\n".encode())
    digest.update(hashlib.sha256(BUILD_RECIPE.read_bytes()).digest())
    for package in FUNCTION_PACKAGES:
        base = project_root / package
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base)
            if not path.is_file() or _ignored(relative):
                continue
            digest.update(f"{package}/{relative.as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cached_artifact(
    project_root: Path,
    store: Path,
    build: Callable[[Path, Path], Artifact] = build_artifact,
) -> Artifact:
    """The artifact for the current sources: from the store when they were built before."""
    index = store / "index" / sources_fingerprint(project_root)
    try:
        sha256_hex = index.read_text().strip()
        path = stored_path(store, sha256_hex)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == sha256_hex:
            return Artifact(path=path, sha256_hex=sha256_hex, size=len(data))
    except (FileNotFoundError, ValueError):
        pass
    artifact = build(project_root, store)
    atomic_write_text(index, artifact.sha256_hex)
    return artifact


def _ignored(relative: Path) -> bool:
    return any(part in _IGNORED_PARTS or part.endswith(".egg-info") for part in relative.parts)
