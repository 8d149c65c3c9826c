"""`seawall up --once`, cold against warm, side by side in one run.

Cold: `seawall up --once --fresh --verbose` in a fresh state directory (empty emulator, full
terraform apply, then a snapshot of the emulator). Warm: `seawall up --once` again in the same
state directory with nothing changed, which restores that snapshot instead of applying. Both are
the command a user runs, timed from its start to a served stack (the summary, printed after the
smoke check) and to its exit (torn down), with the phases from its summary; the cold run's
summary also names the apply's critical chain (the provider's fixed waits that bound it).

Run: python3 -m nox -s bench -- up     (or: python bench/up/run.py [--runs N])
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("emulator", "build", "init", "apply", "snapshot", "restore", "gateway", "smoke")
_PHASE = re.compile(r"(\w+) ([\d.]+)s")


def one_run(state_dir: Path, *extra: str) -> tuple[dict[str, float], str]:
    """One `seawall up --once`: seconds to a served stack (its summary printed, after the smoke
    check) and to exit (torn down), its phases, and its chain line (if any)."""
    env = {**os.environ, "SEAWALL_STATE_DIR": str(state_dir)}
    command = [sys.executable, "-m", "seawall", "--project-dir", str(ROOT), "up", "--once", *extra]
    began = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    with ThreadPoolExecutor(1) as pool:  # stderr drained meanwhile (--verbose writes a lot)
        errors = pool.submit(process.stderr.read)  # type: ignore[union-attr]
        served, output = 0.0, []
        for line in process.stdout:  # type: ignore[union-attr]
            output.append(line)
            if line.startswith("  try"):
                served = time.perf_counter() - began
        returncode = process.wait()
        wall = time.perf_counter() - began
        if returncode != 0:
            raise SystemExit(f"seawall up failed ({returncode}):\n{errors.result()[-3000:]}")
    lines = {line.split()[0]: line for line in output if line.startswith("  ")}
    durations = {name: float(value) for name, value in _PHASE.findall(lines["phases"])}
    durations["served"] = served
    durations["wall"] = wall
    chain = lines.get("chain", "").strip().removeprefix("chain").strip()
    return durations, chain


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    chains: list[str] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="seawall-bench-up-") as scratch:
            durations, chain = one_run(Path(scratch), "--fresh", "--verbose")
            cold.append(durations)
            chains.append(chain)
            warm.append(one_run(Path(scratch))[0])  # same inputs: restores the snapshot
    print(f"seawall up --once, {args.runs} runs each, median seconds")
    print(f"{'phase':<10}{'cold':>8}{'warm':>8}{'cold/warm':>11}")
    for phase in (*PHASES, "served", "wall"):
        c = statistics.median(run.get(phase, 0.0) for run in cold)
        w = statistics.median(run.get(phase, 0.0) for run in warm)
        ratio = f"{c / w:>10.2f}x" if c and w else f"{'':>11}"
        print(f"{phase:<10}{c:>8.2f}{w:>8.2f}{ratio}")
    print("\ncold apply's critical chain, per run:")
    for chain in chains:
        print(f"  {chain}")


if __name__ == "__main__":
    main()
