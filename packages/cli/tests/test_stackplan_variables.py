"""The -var values of a plan: what `seawall plan`, `preflight` and `deploy` all pass terraform
(one function, so a plan shows what a deploy applies), and JSON-looking --var values become
objects only for variables that are not strings."""

from __future__ import annotations

from pathlib import Path

from seawall.build import Artifact
from seawall.project import Project
from seawall.stackplan import stack_variables, string_variables
from seawall.target import Target

ROOT = Path(__file__).resolve().parents[3]


def test_a_json_document_held_in_a_string_variable_stays_a_string() -> None:
    strings = string_variables(Project(ROOT))
    assert "fault_injection" in strings  # `--var fault_injection={"mode": ...}` is a string
    assert "api_canary" not in strings  # an object: its JSON becomes an object
    assert "table" not in strings
    assert "aws_max_retries" not in strings


ARTIFACT = Artifact(Path("/artifacts/function.zip"), "00" * 32, 1234, runtime="python3.11")


def variables(env: str, region: str, root: Path = ROOT, **given: str) -> dict[str, str]:
    target = Target(env=env, region=region, variables=given)
    return stack_variables(target, Project(root), ARTIFACT, settings={})


def test_outside_the_home_region_iam_roles_get_the_region_in_their_names() -> None:
    # The repository's tfvars name no region: every environment's home is the default.
    for env in ("dev", "prod", "local"):
        assert "iam_name_suffix" not in variables(env, "us-west-2")
        moved = variables(env, "us-east-2")
        assert moved["iam_name_suffix"] == "-us-east-2"
        assert moved["region"] == "us-east-2"


def test_a_suffix_given_on_the_command_line_wins() -> None:
    assert variables("dev", "us-east-2", iam_name_suffix="-b")["iam_name_suffix"] == "-b"
    assert variables("dev", "us-west-2", iam_name_suffix="-b")["iam_name_suffix"] == "-b"


def test_the_home_region_is_the_one_the_environment_s_tfvars_names(tmp_path: Path) -> None:
    envs = tmp_path / "terraform" / "envs"
    envs.mkdir(parents=True)
    (envs / "eu.tfvars").write_text('region = "eu-west-1" # home\nname = "seawall"\n')
    assert "iam_name_suffix" not in variables("eu", "eu-west-1", tmp_path)
    assert variables("eu", "us-west-2", tmp_path)["iam_name_suffix"] == "-us-west-2"
