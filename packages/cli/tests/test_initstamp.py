"""`terraform init` is skipped when the data directory is initialised for the same inputs, and runs
again when a module, the lock file, the backend settings or what init made changes.

Real terraform on a two-module tree with a `local` backend (no provider to install): what matters
is that a plan after a skipped init works, and one after a changed module sees the change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from seawall.initstamp import STAMP_FILE, init_once
from seawall.terraform import Terraform

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform on PATH")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """terraform/stack calling terraform/modules/m by relative path, as the real stack does."""
    root = tmp_path / "terraform"
    (root / "stack").mkdir(parents=True)
    (root / "modules" / "m").mkdir(parents=True)
    (root / "stack" / "main.tf").write_text(
        'terraform {\n  backend "local" {}\n}\n'
        'module "m" {\n  source = "../modules/m"\n}\n'
        'output "answer" {\n  value = module.m.answer\n}\n'
    )
    (root / "modules" / "m" / "main.tf").write_text('output "answer" {\n  value = 41\n}\n')
    return root


def terraform_for(tree: Path, tmp_path: Path) -> Terraform:
    env = {"PATH": os.environ["PATH"], "TF_CLI_CONFIG_FILE": "/dev/null"}
    return Terraform(tree / "stack", data_dir=tmp_path / "tf-data", env=env)


def planned_answer(terraform: Terraform) -> object:
    path = terraform.data_dir.parent / "answer.tfplan"  # type: ignore[union-attr]
    terraform.plan(out=path)
    return terraform.show_json(path)["planned_values"]["outputs"]["answer"]["value"]


def test_a_second_init_with_the_same_inputs_is_skipped_and_plans_still_work(
    tree: Path, tmp_path: Path
) -> None:
    backend = {"path": str(tmp_path / "state.tfstate")}
    terraform = terraform_for(tree, tmp_path)
    assert init_once(terraform, backend) is True
    assert init_once(terraform, backend) is False
    assert planned_answer(terraform) == 41
    recorded = json.loads((tmp_path / "tf-data" / STAMP_FILE).read_text())
    assert recorded["made"] == ["terraform.tfstate", "modules/modules.json"]


def test_a_changed_module_backend_or_missing_data_runs_init_again(
    tree: Path, tmp_path: Path
) -> None:
    backend = {"path": str(tmp_path / "state.tfstate")}
    terraform = terraform_for(tree, tmp_path)
    assert init_once(terraform, backend) is True

    (tree / "modules" / "m" / "main.tf").write_text('output "answer" {\n  value = 42\n}\n')
    assert init_once(terraform, backend) is True
    assert planned_answer(terraform) == 42

    other = {"path": str(tmp_path / "elsewhere.tfstate")}
    assert init_once(terraform, other) is True
    assert init_once(terraform, other) is False

    shutil.rmtree(tmp_path / "tf-data" / "modules")  # someone cleaned the working files up
    assert init_once(terraform, other) is True
    assert planned_answer(terraform) == 42


def test_files_init_does_not_read_do_not_count(tree: Path, tmp_path: Path) -> None:
    backend = {"path": str(tmp_path / "state.tfstate")}
    terraform = terraform_for(tree, tmp_path)
    assert init_once(terraform, backend) is True
    (tree / "envs").mkdir()
    (tree / "envs" / "dev.tfvars").write_text('region = "us-west-2"\n')
    (tree / "modules" / "m" / "README.md").write_text("docs\n")
    assert init_once(terraform, backend) is False


def test_an_init_that_fails_leaves_no_stamp_behind(tree: Path, tmp_path: Path) -> None:
    backend = {"path": str(tmp_path / "state.tfstate")}
    terraform = terraform_for(tree, tmp_path)
    assert init_once(terraform, backend) is True
    (tree / "stack" / "main.tf").write_text('module "m" {\n  source = "../modules/gone"\n}\n')
    with pytest.raises(Exception, match="gone"):
        init_once(terraform, backend)
    assert not (tmp_path / "tf-data" / STAMP_FILE).exists()
