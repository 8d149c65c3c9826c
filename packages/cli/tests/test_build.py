"""The artifact's zip is reproducible: same files in, same bytes out, whatever the file times."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from seawall.build import (
    artifact_path,
    build_artifact,
    build_runtime,
    code_sha256_to_hex,
    hex_to_code_sha256,
    zip_directory,
)

OWN_PYC = f"seawall_handler/__pycache__/api.{sys.implementation.cache_tag}.pyc"
ROOT = Path(__file__).resolve().parents[3]


def tree(root: Path, mtime: int, mode: int) -> Path:
    files = {
        "seawall_handler/__init__.py": "VERSION = 1\n",
        "seawall_handler/api.py": "def handler(e, c):\n    return {}\n",
        OWN_PYC: "compiled by this interpreter",
        "seawall_handler/__pycache__/api.cpython-399.pyc": "compiled by another Python",
        "seawall_handler/api.pyc": "a legacy .pyc beside its source",
        "retrylib/wait.py": "x = 1\n",
        "seawall_handler-0.1.0.dist-info/METADATA": "Name: seawall-handler\n\n# The README\n",
        "seawall_handler-0.1.0.dist-info/RECORD": "differs per install",
        "seawall_handler-0.1.0.dist-info/direct_url.json": '{"url": "file:///home/someone"}',
        "boto3/__init__.py": "the runtime provides me",
        "botocore-1.0.dist-info/METADATA": "the runtime provides me",
        "bin/some-script": "#!/bin/sh",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, mode)
        os.utime(path, (mtime, mtime))
    return root


def test_same_files_give_the_same_bytes_whatever_their_times_and_modes(tmp_path: Path) -> None:
    first = zip_directory(tree(tmp_path / "a", mtime=1_000_000_000, mode=0o600))
    second = zip_directory(tree(tmp_path / "b", mtime=1_700_000_000, mode=0o755))
    assert first == second


def test_entries_are_sorted_with_fixed_time_and_mode(tmp_path: Path) -> None:
    data = zip_directory(tree(tmp_path, mtime=1_700_000_000, mode=0o600))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_install_records_scripts_the_aws_sdk_and_other_pythons_bytecode_are_left_out(
    tmp_path: Path,
) -> None:
    data = zip_directory(tree(tmp_path, mtime=0, mode=0o644))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
    expected = {
        "retrylib/wait.py",
        "seawall_handler-0.1.0.dist-info/METADATA",
        "seawall_handler/__init__.py",
        "seawall_handler/api.py",
    }
    # This interpreter's bytecode only, and only when it is a Lambda runtime (then it is the
    # function's runtime too).
    own_runtime = build_runtime() == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert names == (expected | {OWN_PYC} if own_runtime else expected)


def test_the_zip_runs_on_its_own_bytecode_and_names_the_runtime_that_reads_it(
    tmp_path: Path,
) -> None:
    artifact = build_artifact(ROOT, tmp_path / "store")
    if artifact.runtime != f"python{sys.version_info.major}.{sys.version_info.minor}":
        return  # this Python is not a Lambda runtime: no bytecode to check (the test above)
    unpacked = tmp_path / "function"
    with zipfile.ZipFile(artifact.path) as zf:
        zf.extractall(unpacked)
        pycs = [n for n in zf.namelist() if n.endswith(".pyc")]
    assert pycs
    assert all(n.endswith(f".{sys.implementation.cache_tag}.pyc") for n in pycs)
    # Unchecked-hash bytecode is used as it is: with the sources broken, the modules still load
    # (Lambda's file system is read-only; nothing is compiled at a cold start).
    for source in unpacked.glob("seawall_handler/**/*.py"):
        source.write_text("raise SystemExit('the source was compiled, not the .pyc')\n")
    env = {"PYTHONPATH": str(unpacked), "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, "-c", "import seawall_handler.api, seawall_handler.worker"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_build_in_a_process_that_imported_the_code_gives_a_fresh_builds_bytes(
    tmp_path: Path,
) -> None:
    # The shared test stack builds its artifact inside pytest, which has imported retrylib; a user
    # rebuilds from a fresh `seawall build`. Both must give the bytes Terraform already has.
    import importlib
    import pkgutil

    import retrylib

    for module in pkgutil.walk_packages(retrylib.__path__, "retrylib."):
        importlib.import_module(module.name)
    here = build_artifact(ROOT, tmp_path / "here")
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from seawall.build import build_artifact; "
            "print(build_artifact(Path(sys.argv[1]), Path(sys.argv[2])).sha256_hex)",
            str(ROOT),
            str(tmp_path / "fresh"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert here.sha256_hex == fresh.stdout.strip()


def test_metadata_keeps_its_headers_without_the_readme(tmp_path: Path) -> None:
    data = zip_directory(tree(tmp_path, mtime=0, mode=0o644))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        metadata = zf.read("seawall_handler-0.1.0.dist-info/METADATA")
    assert metadata == b"Name: seawall-handler\n"


def test_code_sha256_forms_convert_both_ways(tmp_path: Path) -> None:
    digest = "fd4312b4d4b2bab0aaf0df165c25a318bcfe8105aa8abf57d71d6c7a7d2f7356"
    code_sha256 = hex_to_code_sha256(digest)
    assert code_sha256 == "/UMStNSyurCq8N8WXCWjGLz+gQWqir9X1x1sen0vc1Y="
    assert code_sha256_to_hex(code_sha256) == digest
    assert artifact_path(tmp_path, code_sha256) == tmp_path / f"{digest}.zip"
