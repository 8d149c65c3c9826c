"""A plan in ten seconds: what is added, changed, replaced and destroyed, by resource type.

Replacements and destroys of stateful resources (tables, buckets, keys, queues, log groups) are
what a reviewer must not miss: they lose data. They are listed one by one, in red on a terminal,
with a warning; everything else is counted by type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Resources whose replacement or destruction loses data (or makes encrypted data unreadable).
STATEFUL_TYPES = frozenset(
    {
        "aws_dynamodb_table",
        "aws_dynamodb_table_replica",
        "aws_s3_bucket",
        "aws_kms_key",
        "aws_sqs_queue",
        "aws_cloudwatch_log_group",
    }
)
ACTIONS = ("add", "change", "replace", "destroy")
_RED, _BOLD, _RESET = "\033[31m", "\033[1m", "\033[0m"


def action_of(actions: list[str]) -> str | None:
    """Terraform's change.actions as one word; None for no-op and data reads."""
    match sorted(actions):
        case ["create"]:
            return "add"
        case ["update"]:
            return "change"
        case ["create", "delete"]:
            return "replace"
        case ["delete"]:
            return "destroy"
    return None


@dataclass
class PlanSummary:
    by_action: dict[str, Counter[str]] = field(
        default_factory=lambda: {action: Counter() for action in ACTIONS}
    )
    # (address, action) of stateful resources replaced or destroyed
    data_loss: list[tuple[str, str]] = field(default_factory=list)
    # root outputs whose value changes: terraform's -detailed-exitcode counts them as changes
    outputs: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return any(self.by_action[action] for action in ACTIONS) or bool(self.outputs)

    def totals(self) -> dict[str, int]:
        return {action: sum(self.by_action[action].values()) for action in ACTIONS}

    def as_json(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "by_type": {
                action: dict(sorted(counts.items())) for action, counts in self.by_action.items()
            },
            "stateful_replaced_or_destroyed": [
                {"address": address, "action": action} for address, action in self.data_loss
            ],
            "outputs_changed": list(self.outputs),
        }


def summarize(plan: dict[str, Any]) -> PlanSummary:
    """The summary of a `terraform show -json` plan document."""
    summary = PlanSummary()
    for change in plan.get("resource_changes", []):
        if change.get("mode") == "data":
            continue
        action = action_of(list(change.get("change", {}).get("actions", [])))
        if action is None:
            continue
        summary.by_action[action][change["type"]] += 1
        if action in ("replace", "destroy") and change["type"] in STATEFUL_TYPES:
            summary.data_loss.append((change["address"], action))
    for name, change in sorted(plan.get("output_changes", {}).items()):
        if list(change.get("actions", [])) != ["no-op"]:
            summary.outputs.append(name)
    return summary


def render(summary: PlanSummary, *, color: bool = False) -> str:
    """The human summary: one line of totals, a line per action with its types, the warnings."""
    totals = summary.totals()
    if not summary.changes:
        return "plan: no changes; the infrastructure matches the configuration"
    counted = [f"{totals[action]} to {action}" for action in ACTIONS if totals[action]]
    if summary.outputs:
        counted.append(f"{len(summary.outputs)} output(s) to change")
    lines = ["plan: " + ", ".join(counted)]
    for action in ACTIONS:
        counts = summary.by_action[action]
        if counts:
            types = ", ".join(
                f"{kind} x{n}" if n > 1 else kind for kind, n in sorted(counts.items())
            )
            lines.append(f"  {action:<8} {types}")
    if summary.outputs:
        lines.append(f"  {'outputs':<8} {', '.join(summary.outputs)}")
    if summary.data_loss:
        red, bold, reset = (_RED, _BOLD, _RESET) if color else ("", "", "")
        lines.append(
            f"{red}{bold}WARNING: {len(summary.data_loss)} stateful resource(s) would be "
            f"replaced or destroyed; their data is lost:{reset}"
        )
        lines += [f"{red}  {action:<8} {address}{reset}" for address, action in summary.data_loss]
    return "\n".join(lines)
