"""retrylib is a package of its own: `pip install packages/retrylib` alone, in a clean virtual
environment, gives a working `retrylib` and installs nothing else. The siblings depend on it by a
version range (`seawall-retrylib>=0.1,<0.2`), and the range admits the version it has."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every child here is bounded: pip on a slow or stuck index fails the test instead of hanging CI.
# Creating the venv and installing one pure-Python package takes seconds on a 2-core machine.
VENV_TIMEOUT_S = 120
PIP_TIMEOUT_S = 300
RUN_TIMEOUT_S = 60


def test_retrylib_installs_alone_and_works_with_no_other_dependency(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # In a child rather than with `venv.EnvBuilder`: its ensurepip step is a subprocess too, and
    # only a child of our own can be given a deadline.
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=VENV_TIMEOUT_S)
    python = str(env_dir / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(ROOT / "packages" / "retrylib")],
        check=True,
        timeout=PIP_TIMEOUT_S,
    )  # fmt: skip
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
        timeout=RUN_TIMEOUT_S,
    ).stdout
    installed = {p["name"].lower() for p in json.loads(listed)} - {"pip", "setuptools"}
    assert installed == {"seawall-retrylib"}
    # A retried call and an AWS error classified by duck typing, with botocore absent.
    script = textwrap.dedent(
        """
        import importlib.util, retrylib
        assert importlib.util.find_spec("botocore") is None
        calls = []
        def flaky():
            calls.append(1)
            if len(calls) < 3:
                raise ConnectionError("reset")
            return "ok"
        policy = retrylib.RetryPolicy(stop=retrylib.stop.after_attempts(3), sleep=lambda s: None)
        assert retrylib.retry(policy)(flaky)() == "ok" and len(calls) == 3
        class Throttled(Exception):
            response = {"Error": {"Code": "ThrottlingException"}}
        assert retrylib.classification.is_throttling(Throttled())
        print(retrylib.__version__)
        """
    )
    done = subprocess.run(
        [python, "-c", script], capture_output=True, text=True, check=False, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == version("retrylib")


def version(package: str) -> str:
    source = ROOT / "packages" / package / "src" / package / "__init__.py"
    found = re.search(r'^__version__ = "([^"]+)"', source.read_text(), re.M)
    assert found is not None
    return found.group(1)


def test_the_siblings_depend_on_retrylib_by_a_range_that_admits_its_version() -> None:
    major, minor, _ = (int(part) for part in version("retrylib").split("."))
    for sibling in ("handler", "cli"):
        pyproject = (ROOT / "packages" / sibling / "pyproject.toml").read_text()
        assert re.findall(r'"seawall-retrylib([^"]*)"', pyproject) == [
            f">={major}.{minor},<{major}.{minor + 1}"
        ], sibling
