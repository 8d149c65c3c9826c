"""The Terraform adapter: real terraform, a provider-free module, exit codes kept intact."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from seawall.errors import PrerequisiteError
from seawall.terraform import (
    MINIMUM_VERSION,
    PLAN_CHANGES,
    PLAN_NO_CHANGES,
    Terraform,
    TerraformError,
)

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform on PATH")

MODULE = """
variable "greeting" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "this" {
  input = var.greeting
}

output "greeting" {
  value = terraform_data.this.output
}

output "tags" {
  value = var.tags
}
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    directory = tmp_path / "module"
    directory.mkdir()
    (directory / "main.tf").write_text(MODULE)
    return directory


def make(module: Path, tmp_path: Path, lines: list[str] | None = None) -> Terraform:
    return Terraform(
        module,
        data_dir=tmp_path / "data",
        log_path=tmp_path / "terraform.log",
        on_line=lines.append if lines is not None else None,
    )


def test_plan_reports_changes_then_none_after_apply(module: Path, tmp_path: Path) -> None:
    terraform = make(module, tmp_path)
    terraform.init()
    variables = {"greeting": "hello"}
    assert terraform.plan(variables=variables).returncode == PLAN_CHANGES
    terraform.apply(variables=variables)
    assert terraform.plan(variables=variables).returncode == PLAN_NO_CHANGES
    assert terraform.plan(variables={"greeting": "bye"}).returncode == PLAN_CHANGES


def test_outputs_and_map_variables_round_trip(module: Path, tmp_path: Path) -> None:
    terraform = make(module, tmp_path)
    terraform.init()
    terraform.apply(variables={"greeting": "hi", "tags": {"team": "seawall"}})  # type: ignore[dict-item]
    assert terraform.outputs() == {"greeting": "hi", "tags": {"team": "seawall"}}


def test_var_files_are_passed(module: Path, tmp_path: Path) -> None:
    var_file = tmp_path / "env.tfvars"
    var_file.write_text('greeting = "from a file"\n')
    terraform = make(module, tmp_path)
    terraform.init()
    terraform.apply(var_files=[var_file])
    assert terraform.outputs()["greeting"] == "from a file"


def test_data_dir_keeps_the_module_directory_clean(module: Path, tmp_path: Path) -> None:
    terraform = make(module, tmp_path)
    terraform.init()
    assert not (module / ".terraform").exists()
    assert (tmp_path / "data").is_dir()


def test_failure_shows_command_exit_code_and_terraform_output(module: Path, tmp_path: Path) -> None:
    (module / "broken.tf").write_text(
        'resource "terraform_data" "broken" {\n  input = var.nope\n}\n'
    )
    terraform = make(module, tmp_path)
    terraform.init()
    with pytest.raises(TerraformError) as caught:
        terraform.plan(variables={"greeting": "x"})
    message = str(caught.value)
    assert "terraform plan" in message
    assert "` exited 1:\n" in message
    assert "Reference to undeclared input variable" in message
    assert caught.value.run.returncode == 1


def test_output_is_streamed_and_logged(module: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    terraform = make(module, tmp_path, lines)
    terraform.init()
    terraform.apply(variables={"greeting": "x"})
    assert any("Apply complete!" in line for line in lines)
    log = (tmp_path / "terraform.log").read_text()
    assert "$ " in log
    assert "Apply complete!" in log


def test_missing_terraform_says_how_to_install_it(module: Path) -> None:
    with pytest.raises(PrerequisiteError, match="terraform not found on PATH") as caught:
        Terraform(module, binary="terraform-that-does-not-exist")
    assert "install Terraform >= {}.{}".format(*MINIMUM_VERSION) in str(caught.value)


REPO = Path(__file__).resolve().parents[3]


def test_one_terraform_version_contract_the_modules_own() -> None:
    """The CLI checks the version every module and the stack require, and the README names it."""
    constraints = {
        path.relative_to(REPO).as_posix(): re.search(
            r'required_version\s*=\s*"([^"]+)"', path.read_text()
        )
        for path in sorted((REPO / "terraform").glob("**/versions.tf"))
        if ".terraform" not in path.parts
    }
    assert len(constraints) >= 7  # six modules and the stack
    wanted = ">= {}.{}".format(*MINIMUM_VERSION)
    assert {name: m and m.group(1) for name, m in constraints.items()} == dict.fromkeys(
        constraints, wanted
    )
    readme = (REPO / "README.md").read_text()
    assert re.findall(r"Terraform (>= \d+\.\d+) on your PATH", readme) == [wanted]
    # Scripts only check that terraform is there; no second number to drift.
    for script in (".ci/run", "noxfile.py"):
        assert not re.search(r"Terraform >= \d", (REPO / script).read_text()), script


def test_variables_reach_terraform_verbatim_without_a_file(
    module: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variables go through an in-memory file: nothing is written where a killed run would leave
    it behind, template sequences and quotes arrive as given, and they win over var files."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    var_file = tmp_path / "env.tfvars"
    var_file.write_text('greeting = "from a file"\n')
    seen_while_running: list[Path] = []
    terraform = Terraform(
        module,
        data_dir=tmp_path / "data",
        on_line=lambda line: seen_while_running.extend(scratch.iterdir()),
    )
    terraform.init()
    odd = 'say "${hi}" and %{ if x } 100% \\ done\n'
    tags = {"a b": "${x}", "n": "1"}
    terraform.apply(var_files=[var_file], variables={"greeting": odd, "tags": tags})  # type: ignore[dict-item]
    assert terraform.outputs() == {"greeting": odd, "tags": tags}
    assert seen_while_running == []
