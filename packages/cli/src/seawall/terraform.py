"""The one place that runs terraform.

python-terraform builds the argument vectors (flags, `-var` maps written to temporary var files).
We run the process ourselves because python-terraform 0.10.1 can only pass this process's whole
environment (we must add the emulator's endpoint and fake credentials for terraform alone), cannot
stream output while a long apply runs, and its `destroy()` passes `-force`, which Terraform >= 0.15
rejects.

Errors are `seawall.command_output.CommandFailed`s like every other child's: the command, the exit
code and the tail of terraform's own output. `plan()` keeps Terraform's
`-detailed-exitcode` meaning intact: 0 no changes, 2 changes present, and 1 is an error.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged
from python_terraform import Terraform as _ArgvBuilder

from seawall.command_output import CommandFailed, cmd_output
from seawall.errors import PrerequisiteError
from seawall.launcher import child_process_options, guarded_command, stop_process
from seawall.tfevents import ApplyEvent, ApplyProgress, Diagnostic, parse_event, retry_reason

# The modules' own `required_version` (terraform/*/versions.tf: validations that refer to other
# variables need 1.9); the README states it; packages/cli/tests/test_terraform.py keeps them equal.
MINIMUM_VERSION = (1, 9)
PLAN_NO_CHANGES = 0
PLAN_CHANGES = 2
# How long terraform gets to save its state after an interrupt before it is killed.
INTERRUPT_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class TerraformRun:
    argv: tuple[str, ...]
    returncode: int | None  # None: it never ended (killed at its time bound)
    output: str

    @property
    def command(self) -> str:
        return " ".join(self.argv)


class TerraformError(CommandFailed):
    """terraform exited with an error: a CommandFailed (the command, its exit code, the tail of
    its output) that also carries the whole run."""

    def __init__(
        self, run: TerraformRun, *, hint: str | None = None, outcome: str | None = None
    ) -> None:
        super().__init__(run.argv, run.returncode, run.output, hint=hint, outcome=outcome)
        self.run = run


class TerraformApplyError(TerraformError):
    """An apply failed: Terraform's error diagnostics, and why a retry may help (or None)."""

    def __init__(self, run: TerraformRun, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.retry_reason = retry_reason(diagnostics)
        if diagnostics:  # the JSON lines are for machines: show Terraform's own words instead
            text = "\n".join(item.text() for item in diagnostics)
            run = TerraformRun(argv=run.argv, returncode=run.returncode, output=text)
        super().__init__(run)


def find_terraform(binary: str | None = None) -> str:
    """The terraform binary to use, checked to be at least MINIMUM_VERSION."""
    path = shutil.which(binary or "terraform")
    if path is None:
        raise PrerequisiteError(
            "terraform not found on PATH",
            hint="install Terraform >= {}.{} (https://developer.hashicorp.com/terraform/install)".format(
                *MINIMUM_VERSION
            ),
        )
    _check_version(path)
    return path


# `terraform version` answers in well under a second; a wrapper on PATH (tfenv, tfswitch) may
# first download the binary. Past this bound it is stuck, and seawall says so instead of hanging.
VERSION_TIMEOUT_S = 120.0
# `output` (one read of the state) and `show -json` (a plan file and the provider schemas) take
# seconds; past this bound terraform is stuck (a state backend that never answers), not slow.
CAPTURE_TIMEOUT_S = 600.0


@functools.cache  # one `terraform version` per binary and process, not one per root module
def _check_version(path: str) -> str:
    _, raw, _ = cmd_output(
        path,
        "version",
        "-json",
        check=False,
        # `version` is the command that asks checkpoint-api.hashicorp.com for news: not ours.
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        timeout=VERSION_TIMEOUT_S,
        hint=f"run `{path} version` by hand: does it answer?",
    )
    try:
        version = json.loads(raw)["terraform_version"]
    except (ValueError, KeyError):
        version = ""
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if len(numbers) < 2 or numbers < MINIMUM_VERSION:
        raise PrerequisiteError(
            f"terraform at {path} is version {version or 'unknown'}",
            hint="install Terraform >= {}.{}".format(*MINIMUM_VERSION),
        )
    return version


class Terraform:
    """terraform for one root module, with its own data dir and environment."""

    def __init__(
        self,
        module_dir: Path,
        *,
        data_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        binary: str | None = None,
        log_path: Path | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.module_dir = module_dir
        self.data_dir = data_dir
        self.binary = find_terraform(binary)
        self.log_path = log_path
        self.on_line = on_line
        self._env = dict(os.environ if env is None else env)
        # No prompts, and no version check against checkpoint-api.hashicorp.com: a deploy tool's
        # runs should reach only the targets it was given.
        self._env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._env["TF_DATA_DIR"] = str(data_dir)

    @property
    def env(self) -> Mapping[str, str]:
        """The environment every run of this terraform gets."""
        return self._env

    @property
    def version(self) -> str:
        """This terraform's version (`1.11.4`), checked once per binary and process."""
        return _check_version(self.binary)

    # -- commands ----------------------------------------------------------------------------

    def init(
        self, *, backend: bool = True, backend_config: Mapping[str, str] | None = None
    ) -> TerraformRun:
        options: dict[str, object] = {"backend": backend, "upgrade": False}
        if backend and backend_config:
            options["backend_config"] = dict(backend_config)
            options["reconfigure"] = IsFlagged
        return self._run("init", **options)

    def validate(self) -> TerraformRun:
        return self._run("validate")

    def plan(
        self,
        *,
        var_files: Iterable[Path] = (),
        variables: Mapping[str, str] | None = None,
        out: Path | None = None,
        destroy: bool = False,
    ) -> TerraformRun:
        """Plan with -detailed-exitcode: returncode 0 = no changes, 2 = changes; 1 raises."""
        options = self._var_options(var_files, variables)
        options["detailed_exitcode"] = IsFlagged
        if out is not None:
            options["out"] = str(out)
        if destroy:
            options["destroy"] = IsFlagged
        return self._run("plan", accept=(PLAN_NO_CHANGES, PLAN_CHANGES), **options)

    def apply(
        self,
        *,
        plan_file: Path | None = None,
        var_files: Iterable[Path] = (),
        variables: Mapping[str, str] | None = None,
    ) -> TerraformRun:
        if plan_file is not None:  # a saved plan carries its own variables
            return self._run("apply", str(plan_file), auto_approve=IsFlagged)
        options = self._var_options(var_files, variables)
        return self._run("apply", auto_approve=IsFlagged, **options)

    def apply_plan(
        self, plan_file: Path, *, on_event: Callable[[ApplyEvent], None] | None = None
    ) -> TerraformRun:
        """Apply a saved plan with `-json`, each UI message passed to `on_event` as it arrives.

        A failure raises TerraformApplyError with Terraform's own diagnostics (not the JSON) and
        whether trying again may help (`retry_reason`).
        """
        progress = ApplyProgress(clock=time.monotonic)

        def on_line(line: str) -> None:
            event = parse_event(line)
            if event is None:
                return
            progress.update(event)
            if on_event is not None:
                on_event(event)

        try:
            return self._run(
                "apply", str(plan_file), auto_approve=IsFlagged, json=IsFlagged, on_line=on_line
            )
        except TerraformError as error:
            raise TerraformApplyError(error.run, progress.errors()) from None

    def destroy(
        self, *, var_files: Iterable[Path] = (), variables: Mapping[str, str] | None = None
    ) -> TerraformRun:
        options = self._var_options(var_files, variables)
        return self._run("destroy", auto_approve=IsFlagged, **options)

    def outputs(self) -> dict[str, object]:
        """`terraform output -json`, as {name: value} (sensitive values included)."""
        run = self._run("output", json=IsFlagged, stdout_only=True)
        return {name: entry["value"] for name, entry in json.loads(run.output or "{}").items()}

    def show_json(self, plan_file: Path | None = None) -> dict[str, Any]:
        """`terraform show -json`: the saved plan's JSON, or the state's without a plan file."""
        args = (str(plan_file),) if plan_file is not None else ()
        run = self._run("show", *args, json=IsFlagged, stdout_only=True)
        return json.loads(run.output or "{}")

    def state_rm(self, address: str) -> TerraformRun:
        """Forget `address` without destroying it (`terraform state rm`)."""
        # python-terraform puts options right after the command word: "state rm" as one command
        # keeps them after the subcommand, where terraform reads them.
        return self._run("state rm", address)

    def test(self) -> TerraformRun:
        """`terraform test` (tests/*.tftest.hcl next to the module)."""
        return self._run("test")

    def fmt_check(self, *, recursive: bool = True) -> TerraformRun:
        return self._run("fmt", check=IsFlagged, recursive=recursive or None, diff=IsFlagged)

    # -- the process -------------------------------------------------------------------------

    @staticmethod
    def _var_options(
        var_files: Iterable[Path], variables: Mapping[str, str] | None
    ) -> dict[str, object]:
        options: dict[str, object] = {}
        files = [str(path) for path in var_files]
        if files:
            options["var_file"] = files
        if variables:
            # One -var-file in memory (see _in_memory_var_file): values stay out of the process
            # list, and out of the file system.
            options["var"] = dict(variables)
        return options

    def _run(
        self,
        command: str,
        *args: str,
        accept: tuple[int, ...] = (0,),
        stdout_only: bool = False,
        on_line: Callable[[str], None] | None = None,
        **options: object,
    ) -> TerraformRun:
        builder = _ArgvBuilder(working_dir=str(self.module_dir), terraform_bin_path=self.binary)
        option_values = {"no_color": IsFlagged, "input": False, **options}
        if command in ("output", "fmt", "validate", "test", "state rm", "show"):
            option_values.pop("input")
        var_fd = _in_memory_var_file(option_values)
        try:
            argv = tuple(builder.generate_cmd_string(command, *args, **option_values))
            fds = () if var_fd is None else (var_fd,)
            run = self._capture(argv, fds) if stdout_only else self._execute(argv, on_line, fds)
        finally:
            builder.temp_var_files.clean_up()
            if var_fd is not None:
                os.close(var_fd)
        if run.returncode not in accept:
            raise TerraformError(run)
        return run

    def _capture(self, argv: tuple[str, ...], fds: tuple[int, ...] = ()) -> TerraformRun:
        """Run a quick command whose stdout is data (JSON): warnings on stderr must not mix in."""
        try:
            returncode, stdout, stderr = cmd_output(
                *argv,
                check=False,
                cwd=self.module_dir,
                env=self._env,
                pass_fds=fds,
                timeout=CAPTURE_TIMEOUT_S,
            )
        except CommandFailed as error:  # it did not finish in time, or could not start
            output = (bytes(error.stdout) + bytes(error.stderr)).decode("utf-8", "replace")
            run = TerraformRun(argv=argv, returncode=None, output=output)
            raise TerraformError(run, outcome=error.outcome) from None
        output = stdout if returncode == 0 else stdout + stderr
        return TerraformRun(argv=argv, returncode=returncode, output=output)

    def _execute(
        self,
        argv: tuple[str, ...],
        on_line: Callable[[str], None] | None = None,
        fds: tuple[int, ...] = (),
    ) -> TerraformRun:
        on_line = on_line or self.on_line
        lines: list[str] = []
        log = self.log_path.open("a", encoding="utf-8", buffering=1) if self.log_path else None
        try:
            if log:
                log.write(f"$ {' '.join(argv)}\n")
            process = subprocess.Popen(  # noqa: S603 - terraform, with arguments we built
                guarded_command(argv),
                cwd=self.module_dir,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                pass_fds=fds,
                **child_process_options(),
            )
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    lines.append(line)
                    if log:
                        log.write(line)
                    if on_line:
                        on_line(line.rstrip("\n"))
                returncode = process.wait()
            except KeyboardInterrupt:
                # As Ctrl-C would: SIGINT first, so terraform saves state and releases locks.
                stop_process(process, grace_seconds=INTERRUPT_GRACE_SECONDS, signum=signal.SIGINT)
                raise
        finally:
            if log:
                log.close()
        return TerraformRun(argv=argv, returncode=returncode, output="".join(lines))


def _in_memory_var_file(options: dict[str, object]) -> int | None:
    """Move `options["var"]` into an anonymous in-memory file (Linux's memfd) that terraform reads
    as `-var-file=/dev/fd/N`; return its descriptor, for the caller to pass on and close.

    python-terraform would write the variables to a temporary file and remove it afterwards,
    which a run killed outright (SIGKILL) never does: the file, with the stack's settings, stayed
    in the temporary directory. Where memfd is missing, python-terraform's file is the fallback.
    """
    variables = options.get("var")
    if not isinstance(variables, dict) or not hasattr(os, "memfd_create"):
        return None
    fd = os.memfd_create("seawall-tfvars", 0)  # no MFD_CLOEXEC: terraform inherits it
    text = "".join(f"{name} = {_hcl(value)}\n" for name, value in variables.items())
    os.write(fd, text.encode("utf-8"))
    del options["var"]
    files = options.get("var_file") or []
    options["var_file"] = [*files, f"/dev/fd/{fd}"]  # last: it wins, as the -var it replaces
    return fd


def _hcl(value: object) -> str:
    """`value` as an HCL literal (no template sequences: `${` and `%{` are escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_hcl(str(k))} = {_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_hcl(item) for item in value) + "]"
    return json.dumps(str(value)).replace("${", "$${").replace("%{", "%%{")
