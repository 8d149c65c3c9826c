"""Reading a `terraform show -json` plan: what will exist after apply, and what is not known yet.

Values only known after apply (ARNs of resources not created yet) are missing from the plan;
`after_unknown` marks them. Checks that need such a value either rebuild it (policies, from their
`aws_iam_policy_document`) or say that it will be checked on the next plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seawall.plansummary import action_of


@dataclass(frozen=True)
class Planned:
    address: str
    module: str  # "module.api_function" or "" for the root module
    type: str
    name: str
    data: bool  # a data source (deferred to apply when its inputs are unknown)
    action: str | None  # add / change / replace / destroy / None (no-op or read)
    before: dict[str, Any]
    after: dict[str, Any]
    after_unknown: dict[str, Any]

    def known(self, attribute: str) -> Any:
        """The attribute's planned value, or None when it is unknown until apply."""
        if self.after_unknown.get(attribute) is True:
            return None
        return self.after.get(attribute)

    def is_unknown(self, attribute: str) -> bool:
        return self.after_unknown.get(attribute) is True


class PlanView:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self._all = [_planned(change) for change in plan.get("resource_changes", [])]

    def resources(self, kind: str, *, data: bool = False) -> list[Planned]:
        """What of `kind` will exist after apply (destroyed ones left out)."""
        return [
            item
            for item in self._all
            if item.type == kind and item.data == data and item.action != "destroy"
        ]

    def added(self, kind: str) -> list[Planned]:
        return [item for item in self.resources(kind) if item.action in ("add", "replace")]

    def by_address(self, address: str) -> Planned | None:
        return next((item for item in self._all if item.address == address), None)

    def references(self, item: Planned, attribute: str) -> list[str]:
        """Absolute addresses the configuration of `item.attribute` refers to (the plan JSON's
        `configuration` section), e.g. `module.api_function.data.aws_iam_policy_document.this`."""
        config = _module_config(self.plan.get("configuration", {}).get("root_module", {}), item)
        if config is None:
            return []
        local = item.address.removeprefix(f"{item.module}.") if item.module else item.address
        local = local.split("[")[0]
        for resource in config.get("resources", []):
            if resource.get("address") == local:
                refs = resource.get("expressions", {}).get(attribute, {}).get("references", [])
                prefix = f"{item.module}." if item.module else ""
                return [f"{prefix}{ref}" for ref in refs]
        return []


def _module_config(root: dict[str, Any], item: Planned) -> dict[str, Any] | None:
    config = root
    if item.module:
        for part in _module_names(item.module):
            config = config.get("module_calls", {}).get(part, {}).get("module")
            if config is None:
                return None
    return config


def _module_names(module_address: str) -> Iterator[str]:
    # "module.a.module.b[0]" -> "a", "b"
    parts = module_address.split(".")
    for index in range(0, len(parts) - 1, 2):
        if parts[index] == "module":
            yield parts[index + 1].split("[")[0]


def _planned(change: dict[str, Any]) -> Planned:
    body = change.get("change", {})
    actions = list(body.get("actions", []))
    return Planned(
        address=change["address"],
        module=change.get("module_address", ""),
        type=change["type"],
        name=change.get("name", ""),
        data=change.get("mode") == "data",
        action=action_of(actions),
        before=body.get("before") or {},
        after=body.get("after") or {},
        after_unknown=body.get("after_unknown") or {},
    )
