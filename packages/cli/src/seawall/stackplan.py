"""The stack's plan for a target: the building blocks `seawall plan` and `seawall deploy` share.

    terraform = init_backend(target, project, tf_mirror=...)      # the target's S3 backend
    variables = stack_variables(target, project, artifact)         # tfvars < settings.json < --var
    plan = make_plan(terraform, target, project, variables)        # -out file, -detailed-exitcode
    plan.document                                                  # `terraform show -json` of it

Terraform gets one data directory per environment and region, so a region move or a second
emulator never reuses another backend's cached state.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.build import Artifact
from seawall.emulator import DEFAULT_REGION
from seawall.envsettings import read_settings
from seawall.errors import UsageError
from seawall.initstamp import init_once
from seawall.project import Project
from seawall.target import Target, tfvars_region
from seawall.terraform import PLAN_CHANGES, Terraform
from seawall.tfconfig import terraform_env

# settings.json entries that are stack variables (written by preflight, reused by every deploy).
SETTINGS_VARIABLES = ("log_bucket_suffix",)


def data_dir(project: Project, target: Target) -> Path:
    return project.environment_dir(target.env) / f"tf-data-{target.region}"


def target_terraform(
    target: Target,
    project: Project,
    *,
    tf_mirror: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Terraform:
    """terraform for the root stack, with the target's credentials, region and endpoint."""
    env = target.terraform_env()
    env.update(terraform_env(tf_mirror, project.cli_config_path))
    project.logs_dir(target.env).mkdir(parents=True, exist_ok=True)
    return Terraform(
        project.stack_dir,
        data_dir=data_dir(project, target),
        env=env,
        log_path=project.logs_dir(target.env) / "terraform.log",
        on_line=on_line,
    )


def init_backend(
    target: Target,
    project: Project,
    *,
    tf_mirror: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Terraform:
    """`terraform init` against the target's state bucket (which `seawall bootstrap` creates),
    skipped when the data directory is initialised for the same inputs (seawall.initstamp)."""
    backend = target.backend()
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=backend.bucket)
    except s3.exceptions.ClientError:
        raise UsageError(
            f"the state bucket {backend.bucket} does not exist (or is not ours)",
            hint=f"create it once per account and region: seawall bootstrap --env {target.env}",
        ) from None
    terraform = target_terraform(target, project, tf_mirror=tf_mirror, on_line=on_line)
    init_once(terraform, backend.init_config())
    return terraform


def stack_variables(
    target: Target,
    project: Project,
    artifact: Artifact,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The -var values of a plan: region and artifact, the IAM name suffix away from home, the
    environment's stored settings (`settings.json`, read from the state bucket when not given),
    then the command line's --var. `seawall plan`, `preflight` and `deploy` all take them from
    here, so a plan shows exactly what a deploy would apply."""
    if settings is None:
        settings = read_settings(target)
    variables = {
        "region": target.region,
        "function_zip_path": str(artifact.path),
        "function_zip_sha256": artifact.sha256_base64,
        "function_runtime": artifact.runtime,
    }
    variables.update(region_variables(target, project))
    if target.is_emulator:
        variables["s3_use_path_style"] = "true"  # the emulator serves every bucket on one host
    for name in SETTINGS_VARIABLES:
        if settings.get(name):
            variables[name] = str(settings[name])
    variables.update(target.variables)
    return variables


def region_variables(target: Target, project: Project) -> dict[str, str]:
    """Outside the environment's home region (its tfvars' region), the stack's IAM roles carry the
    region in their names: IAM is account-wide, and the home region's roles still exist."""
    home = tfvars_region(project.var_file(target.env)) or DEFAULT_REGION
    return {} if target.region == home else {"iam_name_suffix": f"-{target.region}"}


@dataclass(frozen=True)
class Plan:
    path: Path  # the saved plan: `terraform apply <path>` applies exactly this
    changes: bool  # -detailed-exitcode said 2
    variables: dict[str, str]  # the -var values it was made with (for the release record)
    show: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        """`terraform show -json <path>`, read on first use (it starts the provider again: about
        2 s that a deploy with nothing to change never spends). Read it before another plan is
        saved to `path`."""
        return self.show()


def plan_path(project: Project, target: Target) -> Path:
    return project.environment_dir(target.env) / f"{target.region}.tfplan"


def make_plan(
    terraform: Terraform,
    target: Target,
    project: Project,
    variables: Mapping[str, str],
    *,
    out: Path | None = None,
    destroy: bool = False,
) -> Plan:
    """`terraform plan -out` with the environment's tfvars and `variables`, and its JSON."""
    path = out or plan_path(project, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    run = terraform.plan(
        var_files=[project.var_file(target.env)],
        variables={
            name: value if name in string_variables(project) else _tfvars_value(value)
            for name, value in variables.items()
        },
        out=path,
        destroy=destroy,
    )
    return Plan(
        path=path,
        changes=run.returncode == PLAN_CHANGES,
        variables=dict(variables),
        show=lambda: terraform.show_json(path),
    )


def string_variables(project: Project) -> frozenset[str]:
    """The stack's variables of type string: their --var values stay strings even when they look
    like JSON (`fault_injection` holds a JSON document as a string)."""
    text = (project.stack_dir / "variables.tf").read_text()
    return frozenset(_STRING_VARIABLE.findall(text))


_STRING_VARIABLE = re.compile(
    r'^variable "(\w+)" \{(?:(?!^\}).)*?^\s+type\s*=\s*string\s*$', re.MULTILINE | re.DOTALL
)


def _tfvars_value(text: str) -> Any:
    """A --var value as the JSON var file carries it: `{...}` and `[...]` that parse as JSON
    become objects and lists (what `-var 'x={...}'` gives a map or object variable), the rest
    stays a string, which Terraform converts to numbers and bools itself."""
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


# The state format whose `outputs` are what `terraform output -json` prints (Terraform >= 0.12).
_STATE_VERSION = 4


def applied_outputs(terraform: Terraform, target: Target) -> dict[str, Any]:
    """The stack's outputs right after an apply: read from the state object the apply just wrote
    to the target's backend (one S3 GET), else from `terraform output -json` (which starts
    Terraform and its backend: 0.5-1 s). `outputs` of a version-4 state is exactly what
    `terraform output -json` prints, sensitive values included."""
    backend = target.backend()
    try:
        body = target.client("s3").get_object(Bucket=backend.bucket, Key=backend.key)["Body"]
        state = json.loads(body.read())
        if state.get("version") == _STATE_VERSION and isinstance(state.get("outputs"), dict):
            return {name: entry["value"] for name, entry in state["outputs"].items()}
    except Exception:  # noqa: S110 - any doubt: ask terraform itself, below
        pass
    return terraform.outputs()
