"""Which side saturated: CPU of the gateway, of its function workers, of the emulator and of
Locust itself, read from /proc over the run (Linux; elsewhere the summary says it cannot tell).

A Python process runs on one core at most (the GIL), so a process near 100 % is saturated even
on a machine with idle cores; a machine near all of its cores is saturated whoever uses them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SATURATED = 90.0  # percent of one core (a process) or of all cores (the machine)


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ValueError):
            continue
    return found


def _machine_ticks() -> int:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except FileNotFoundError:
        return 0
    return sum(int(f) for f in fields[:3]) + sum(int(f) for f in fields[5:8])  # busy, not idle


@dataclass
class CpuSampler:
    """CPU seconds of named process groups between `start` and `stop` (children included,
    sampled at each `sample`: function workers come and go)."""

    groups: dict[str, list[int]]  # name -> root pids; their children form `<name> children`

    def __post_init__(self) -> None:
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._owner: dict[int, str] = {}
        self._t0 = self._t1 = 0.0
        self._machine0 = self._machine1 = 0

    def _walk(self) -> None:
        for name, roots in self.groups.items():
            for root in roots:
                self._record(root, name)
                for child in _children(root):
                    self._record(child, f"{name} children")

    def _record(self, pid: int, owner: str) -> None:
        ticks = _ticks(pid)
        self._first.setdefault(pid, ticks)
        self._owner.setdefault(pid, owner)
        self._last[pid] = max(ticks, self._last.get(pid, 0))

    def start(self) -> None:
        self._t0 = os.times().elapsed
        self._machine0 = _machine_ticks()
        self._walk()

    def sample(self) -> None:
        self._walk()

    def stop(self) -> dict[str, float]:
        """Percent of one core per group, and `machine` as percent of all cores."""
        self._walk()
        self._t1 = os.times().elapsed
        self._machine1 = _machine_ticks()
        wall = max(self._t1 - self._t0, 1e-6)
        hz = os.sysconf("SC_CLK_TCK")
        usage: dict[str, float] = {}
        for pid, owner in self._owner.items():
            used = (self._last[pid] - self._first[pid]) / hz
            usage[owner] = usage.get(owner, 0.0) + 100 * used / wall
        cores = os.cpu_count() or 1
        usage["machine"] = 100 * (self._machine1 - self._machine0) / hz / wall / cores
        return {name: round(value, 1) for name, value in usage.items()}


SLOW_EMULATOR_MS = 100.0  # one DynamoDB call to moto takes a few ms when it is not overloaded
QUEUEING_MS = 100.0  # a p50 above this on loopback means requests wait somewhere


def verdict(
    cpu: dict[str, float],
    *,
    cores: int,
    single_process: tuple[str, ...],
    latency: dict[str, Any] | None = None,
) -> str:
    """One sentence: what saturated, from the CPU shares (percent of one core per group,
    `machine` in percent of all cores; `single_process` names the groups that are one Python
    process each, bounded by one core), else from where the time went (`latency`: p50s of the
    client, the gateway's stage, the integration, and an emulator probe, in ms)."""
    pool = (latency or {}).get("pool") or {}
    if pool.get("throttles"):
        return (
            f"the function's worker pool: {pool['throttles']} invocations found all "
            f"{pool.get('max_concurrency', '?')} execution environments busy and were throttled "
            "(API Gateway answers those with a 500)"
        )
    if not cpu:
        return "cannot tell (no CPU figures on this platform)"
    by_cpu = _cpu_verdict(cpu, cores=cores, single_process=single_process)
    if by_cpu is not None:
        return by_cpu
    by_latency = _latency_verdict(latency or {})
    if by_latency is not None:
        return by_latency
    return "nothing that could be seen: no process and not the machine near its CPU limit"


def _cpu_verdict(
    cpu: dict[str, float], *, cores: int, single_process: tuple[str, ...]
) -> str | None:
    groups = {k: v for k, v in cpu.items() if k != "machine"}
    busiest = max(groups, key=groups.__getitem__) if groups else None
    if cpu.get("machine", 0) >= SATURATED:
        ours = sum(groups.values()) / cores  # in percent of all cores, like `machine`
        if busiest is None or ours < cpu["machine"] / 2:
            share = f", mostly by other processes (the run's own: {ours:.0f}%)"
        else:
            share = f": most of it {busiest} ({groups[busiest]:.0f}% of a core)"
        return f"the machine's CPU ({cores} cores at {cpu['machine']:.0f}%){share}"
    for name in single_process:
        if cpu.get(name, 0) >= SATURATED:
            return f"{name} CPU ({cpu[name]:.0f}% of its one core)"
    return None


def _latency_verdict(latency: dict[str, Any]) -> str | None:
    client, stage = latency.get("client_p50_ms"), latency.get("gateway_p50_ms")
    pool = latency.get("pool") or {}
    integration, emulator = latency.get("integration_p50_ms"), latency.get("emulator_p50_ms")
    if emulator is not None and emulator >= SLOW_EMULATOR_MS:
        return f"emulator latency (one DynamoDB call took {emulator:.0f} ms at p50)"
    if client is None or stage is None or client < QUEUEING_MS:
        return None  # fast answers: nothing was waiting long enough to call it saturated
    if client - stage > client / 2:
        return (
            f"before the stage: of {client:.0f} ms at p50, requests spent {client - stage:.0f} ms "
            "in the load generator or waiting on the gateway's HTTP edge"
        )
    duration = pool.get("mean_duration_ms")
    if integration is not None and duration is not None and integration - duration > client / 2:
        return (
            f"the function's worker pool: an invocation ran {duration:.0f} ms on average but the "
            f"integration took {integration:.0f} ms at p50 (waiting for an environment)"
        )
    if integration is not None and integration > client / 2:
        emulator_part = f"; the emulator answered a call in {emulator:.0f} ms" if emulator else ""
        return (
            f"the function side (worker pool busy or its calls slow): {integration:.0f} ms of "
            f"{client:.0f} ms at p50 in the integration{emulator_part}"
        )
    return None
