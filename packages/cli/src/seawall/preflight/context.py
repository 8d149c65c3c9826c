"""What every preflight check gets: the target, the project, the plan and the stored settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seawall.preflight.planview import PlanView
from seawall.preflight.reads import AccountReads
from seawall.project import Project
from seawall.target import Target
from seawall.terraform import Terraform


@dataclass
class Context:
    target: Target
    project: Project
    plan: PlanView
    request_increases: bool = False
    terraform: Terraform | None = None  # the initialised stack, when the caller has one
    variables: dict[str, str] = field(default_factory=dict)  # what checks decided (re-plan)
    reads: AccountReads = field(default_factory=AccountReads)  # the account's answers, asked once
    # The plan was made from the stack as it is now: `terraform plan` validated it already.
    plan_validated: bool = False

    def plan_variable(self, name: str) -> Any:
        """A root variable's value as the plan was made with it."""
        return self.plan.plan.get("variables", {}).get(name, {}).get("value")


def client_error_code(error: BaseException) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(error).__name__))
