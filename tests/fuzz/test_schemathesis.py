"""schemathesis against the handler's OpenAPI document, over HTTP on the shared local stack.

Every check is on (no 5xx, no undocumented status code, no response that breaks its schema, auth
that cannot be skipped, ...), with a fixed seed and bounds: $SEAWALL_FUZZ_EXAMPLES examples per
operation (10) and $SEAWALL_FUZZ_MAX_TIME_S (60 s); `nox -s fuzz` runs more. schemathesis.toml
names the documented answers (412, 422, 428, the opaque cursor's 400) it treats as expected."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from seawall.load.table import TableSnapshot

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("SEAWALL_FUZZ_EXAMPLES", "10")
MAX_TIME_S = os.environ.get("SEAWALL_FUZZ_MAX_TIME_S", "60")


def test_the_api_answers_as_its_openapi_document_says(local_stack: Any, tmp_path: Path) -> None:
    document = resources.files("seawall_handler").joinpath("openapi.json")
    command = [
        *(sys.executable, "-m", "schemathesis.cli"),
        *("--config-file", str(CONFIG)),
        "run",
        str(document),
        *("--url", local_stack.api_url),
        *("--max-examples", EXAMPLES),
        *("--max-time", MAX_TIME_S),
        *("--report", "junit", "--report-dir", str(tmp_path)),
        "--no-color",
    ]
    env = {**os.environ, "SEAWALL_FUZZ_API_KEY": local_stack.api_key}
    # The shared stack gets its table back: thousands of generated items would slow every later
    # test (the emulator answers a query in time proportional to the whole table).
    table = TableSnapshot(
        local_stack.emulator.connection.client("dynamodb"), local_stack.outputs["table_name"]
    )
    try:
        run = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=int(MAX_TIME_S) + 120,  # schemathesis stops itself at MAX_TIME_S
            check=False,
            cwd=tmp_path,
        )
    finally:
        table.restore()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Tested: 8" in run.stdout  # every operation of the document was exercised
