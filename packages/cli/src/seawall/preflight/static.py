"""Static checks of the Terraform code: `terraform fmt -check` and `validate`, and checkov.

`validate` runs on the stack preflight plans (initialised by the caller, or without a backend in a
scratch directory), unless the caller's plan of that stack succeeded: `terraform plan` runs the
same validation first (a count = 0 resource with a bad reference fails both), so a second run
would only cost 2-3 s; `seawall validate` covers every module too and runs in CI. checkov is
optional (it pins its own boto3): without it the check warns "not installed" instead of failing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from seawall.command_output import CommandFailed, cmd_output_b
from seawall.preflight.context import Context
from seawall.preflight.report import CheckResult
from seawall.terraform import Terraform, TerraformError
from seawall.tfconfig import terraform_env

CHECKOV_TIMEOUT_S = 600


CHECKOV_READ = "static.checkov"
FMT_READ = "static.fmt"


def check(context: Context) -> list[CheckResult]:
    # checkov reads the tree, not the plan: seawall.planflow starts it while terraform plans.
    checkov = context.reads.get(CHECKOV_READ, lambda: _checkov(context))
    return [_validate(context), checkov]


def _validate(context: Context) -> CheckResult:
    name = "static.terraform-validate"
    project = context.project
    validated = "validate"
    try:
        if context.plan_validated:
            validated = "validate (done by the plan)"
        elif context.terraform is not None:
            context.terraform.validate()
        else:
            with tempfile.TemporaryDirectory(prefix="seawall-preflight-") as scratch:
                env = {**os.environ, **terraform_env(None, project.cli_config_path)}
                terraform = Terraform(project.stack_dir, data_dir=Path(scratch), env=env)
                terraform.init(backend=False)
                terraform.validate()
        context.reads.get(FMT_READ, lambda: fmt_check(project.root))
    except TerraformError as error:
        first = str(error).splitlines()[0]
        return CheckResult(name, "fail", first, "run `seawall validate` and fix what it reports")
    return CheckResult(name, "pass", f"terraform fmt -check and {validated}: clean")


def fmt_check(project_root: Path) -> None:
    """`terraform fmt -check` of the whole tree; raises TerraformError with the diff."""
    Terraform(project_root / "terraform", env=dict(os.environ)).fmt_check()


def _checkov(context: Context) -> CheckResult:
    return checkov_result(context.project.root)


def checkov_result(project_root: Path, *, stop: threading.Event | None = None) -> CheckResult:
    """checkov's verdict on the tree; `stop` set while it scans kills it (a warn result)."""
    name = "static.checkov"
    binary = shutil.which("checkov")
    if binary is None:
        return CheckResult(
            name, "warn", "checkov is not installed", "pip install checkov, or: nox -s checkov"
        )
    argv = (binary, "-d", str(project_root / "terraform"), "-o", "json", "--quiet")
    try:
        # Tied: checkov runs in a session of its own, so it must be tied to our life explicitly
        # or a killed preflight leaves it scanning for up to 10 minutes.
        returncode, stdout, stderr = cmd_output_b(
            *argv, check=False, timeout=CHECKOV_TIMEOUT_S, tied=True, stop=stop
        )
    except CommandFailed as error:  # it could not start, or did not finish in time
        return CheckResult(name, "warn", f"checkov gave no result: {error.one_line()}")
    try:
        reports = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        reports = None
    # checkov exits 0 (clean) or 1 (findings); anything else, or no report, is checkov failing
    # to run: never a pass, or a crash would read as "0 failed".
    if returncode not in (0, 1) or reports is None:
        outcome = f"exited {returncode} without a report" if returncode in (0, 1) else None
        failure = CommandFailed(argv, returncode, stdout, stderr, outcome=outcome)
        return CheckResult(
            name,
            "warn",
            f"checkov gave no result: {failure.one_line()}",
            "run: nox -s checkov",
        )
    reports = reports if isinstance(reports, list) else [reports]
    failed = sum(int(r.get("summary", {}).get("failed", 0)) for r in reports)
    passed = sum(int(r.get("summary", {}).get("passed", 0)) for r in reports)
    if failed:
        return CheckResult(
            name, "fail", f"{failed} checkov findings ({passed} passed)", "run: nox -s checkov"
        )
    return CheckResult(name, "pass", f"checkov: {passed} passed, 0 failed")
