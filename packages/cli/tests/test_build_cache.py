"""The artifact is rebuilt exactly when the function's sources change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from seawall import build_cache
from seawall.build import Artifact
from seawall.build_cache import cached_artifact


def project(root: Path) -> Path:
    for package, module in (("handler", "seawall_handler"), ("retrylib", "retrylib")):
        base = root / "packages" / package
        (base / "src" / module).mkdir(parents=True)
        (base / "pyproject.toml").write_text(f'[project]\nname = "{package}"\n')
        (base / "src" / module / "__init__.py").write_text("VERSION = 1\n")
        (base / "tests").mkdir()
        (base / "tests" / "test_x.py").write_text("def test(): pass\n")
    return root


class CountingBuild:
    """Stands in for pip + zip (slow); the zip's content is the sources it saw."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, root: Path, store: Path) -> Artifact:
        self.calls += 1
        data = b"".join(p.read_bytes() for p in sorted(root.rglob("src/**/*.py")))
        digest = hashlib.sha256(data).hexdigest()
        store.mkdir(parents=True, exist_ok=True)
        (store / f"{digest}.zip").write_bytes(data)
        return Artifact(store / f"{digest}.zip", digest, len(data))


def test_unchanged_sources_reuse_the_stored_artifact(tmp_path: Path) -> None:
    root, build = project(tmp_path / "p"), CountingBuild()
    first = cached_artifact(root, tmp_path / "store", build)
    second = cached_artifact(root, tmp_path / "store", build)
    assert build.calls == 1
    assert second == first


def test_a_changed_source_file_rebuilds(tmp_path: Path) -> None:
    root, build = project(tmp_path / "p"), CountingBuild()
    first = cached_artifact(root, tmp_path / "store", build)
    (root / "packages/retrylib/src/retrylib/__init__.py").write_text("VERSION = 2\n")
    second = cached_artifact(root, tmp_path / "store", build)
    assert build.calls == 2
    assert second.sha256_hex != first.sha256_hex


def test_tests_and_caches_do_not_count_as_sources(tmp_path: Path) -> None:
    root, build = project(tmp_path / "p"), CountingBuild()
    cached_artifact(root, tmp_path / "store", build)
    (root / "packages/handler/tests/test_x.py").write_text("def test(): assert True\n")
    cache = root / "packages/handler/src/seawall_handler/__pycache__"
    cache.mkdir()
    (cache / "x.pyc").write_bytes(b"\0")
    cached_artifact(root, tmp_path / "store", build)
    assert build.calls == 1


def test_a_damaged_stored_artifact_is_rebuilt(tmp_path: Path) -> None:
    root, build = project(tmp_path / "p"), CountingBuild()
    first = cached_artifact(root, tmp_path / "store", build)
    first.path.write_bytes(b"truncated")
    second = cached_artifact(root, tmp_path / "store", build)
    assert build.calls == 2
    assert second.path.read_bytes() != b"truncated"


def test_a_changed_build_recipe_rebuilds(tmp_path: Path, monkeypatch) -> None:
    # A seawall upgrade that zips differently (e.g. now with .pyc) must not reuse an old zip.
    recipe = tmp_path / "build.py"
    recipe.write_text("# how seawall zips, version 1\n")
    monkeypatch.setattr(build_cache, "BUILD_RECIPE", recipe)
    root, build = project(tmp_path / "p"), CountingBuild()
    cached_artifact(root, tmp_path / "store", build)
    recipe.write_text("# how seawall zips, version 2\n")
    cached_artifact(root, tmp_path / "store", build)
    assert build.calls == 2
