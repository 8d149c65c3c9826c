"""When each resource of an apply started and finished, and the chain that bounded the apply.

Fed terraform's own output lines as they stream (`<address>: Creating...`, `<address>: Creation
complete after 55s [id=...]`), each stamped with the clock on arrival, so that no second run
and no `-json` output is needed. The critical chain is found backwards from the resource that
finished last, through the dependencies the Terraform state records for each resource
(`state_dependencies`): a resource's predecessor on the chain is the dependency that finished
last. (Timing alone cannot tell: terraform runs at most 10 operations at once, so a resource
often starts when an unrelated one frees a slot.) For the stack, that chain is the floor of a
cold apply: the AWS provider's fixed waits (S3 lifecycle, SQS attributes) sit on it, and nothing
run in parallel can shorten it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TOLERANCE_S = 1.0
_START = re.compile(r"^(?P<address>.+?): (?:Creating|Modifying|Destroying|Reading)\.\.\.")
_END = re.compile(r"^(?P<address>.+?): (?:Creation|Modifications|Destruction|Read) complete after")


@dataclass(frozen=True)
class Step:
    address: str
    start_s: float  # seconds since the timeline began
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


class ApplyTimeline:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._began = clock()
        self._ended: float | None = None
        self._starts: dict[str, float] = {}
        self.steps: dict[str, Step] = {}

    def on_line(self, line: str) -> None:
        now = self._clock() - self._began
        if match := _END.match(line):
            address = match["address"]
            self.steps[address] = Step(address, self._starts.get(address, now), now)
        elif match := _START.match(line):
            self._starts.setdefault(match["address"], now)

    def finish(self) -> None:
        self._ended = self._clock() - self._began

    @property
    def total_s(self) -> float:
        return self._ended if self._ended is not None else self._clock() - self._began

    def chain(self, dependencies: Mapping[str, Iterable[str]]) -> list[Step]:
        """The critical chain, first step first (empty when nothing was applied).

        `dependencies`: each resource instance's address -> the resources it depends on, as the
        state records them (resource addresses, without instance keys)."""
        if not self.steps:
            return []
        current = max(self.steps.values(), key=lambda step: step.end_s)
        chain = [current]
        while True:
            before = [
                step
                for dependency in dependencies.get(current.address, ())
                for step in self._instances_of(dependency)
                if step.end_s <= current.start_s + TOLERANCE_S and step not in chain
            ]
            if not before:
                break
            current = max(before, key=lambda step: step.end_s)
            chain.append(current)
        return chain[::-1]

    def _instances_of(self, resource: str) -> list[Step]:
        return [
            step
            for address, step in self.steps.items()
            if address == resource or address.startswith(resource + "[")
        ]

    def describe(self, dependencies: Mapping[str, Iterable[str]]) -> str:
        """One line for `seawall up --verbose`: the chain, and the apply's time around it."""
        chain = self.chain(dependencies)
        if not chain:
            return f"no resource changed; apply {self.total_s:.1f}s"
        steps = " -> ".join(f"{step.address} {step.seconds:.1f}s" for step in chain)
        span = chain[-1].end_s - chain[0].start_s
        before, after = chain[0].start_s, self.total_s - chain[-1].end_s
        return (
            f"{steps}; apply {self.total_s:.1f}s = {before:.1f}s before it (terraform start, "
            f"plan) + chain {span:.1f}s + {after:.1f}s after (outputs)"
        )


def state_dependencies(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each resource instance's address -> its recorded dependencies, from a Terraform state
    (the JSON of `terraform state pull`, version 4)."""
    found: dict[str, list[str]] = {}
    for resource in state.get("resources", []):
        module = f"{resource['module']}." if resource.get("module") else ""
        data = "data." if resource.get("mode") == "data" else ""
        base = f"{module}{data}{resource['type']}.{resource['name']}"
        for instance in resource.get("instances", []):
            key = instance.get("index_key")
            index = "" if key is None else f"[{json.dumps(key)}]"
            found[base + index] = list(instance.get("dependencies", []))
    return found
