"""The artifact's zip is reproducible: same files in, same bytes out, whatever the file times."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from seawall.build import artifact_path, code_sha256_to_hex, hex_to_code_sha256, zip_directory


def tree(root: Path, mtime: int, mode: int) -> Path:
    files = {
        "seawall_handler/__init__.py": "VERSION = 1\n",
        "seawall_handler/api.py": "def handler(e, c):\n    return {}\n",
        "seawall_handler/__pycache__/api.cpython-311.pyc": "compiled",
        "retrylib/wait.py": "x = 1\n",
        "seawall_handler-0.1.0.dist-info/METADATA": "Name: seawall-handler\n",
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


def test_caches_install_records_scripts_and_the_aws_sdk_are_left_out(tmp_path: Path) -> None:
    data = zip_directory(tree(tmp_path, mtime=0, mode=0o644))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
    assert names == {
        "retrylib/wait.py",
        "seawall_handler-0.1.0.dist-info/METADATA",
        "seawall_handler/__init__.py",
        "seawall_handler/api.py",
    }


def test_code_sha256_forms_convert_both_ways(tmp_path: Path) -> None:
    digest = "fd4312b4d4b2bab0aaf0df165c25a318bcfe8105aa8abf57d71d6c7a7d2f7356"
    code_sha256 = hex_to_code_sha256(digest)
    assert code_sha256 == "/UMStNSyurCq8N8WXCWjGLz+gQWqir9X1x1sen0vc1Y="
    assert code_sha256_to_hex(code_sha256) == digest
    assert artifact_path(tmp_path, code_sha256) == tmp_path / f"{digest}.zip"
