"""How long `seawall up --once` takes, phase by phase: cold (fresh state directory) and warm
(terraform's data dir and the artifact already there), side by side in one run.

Run: python3 -m nox -s bench -- up     (or: python bench/up/run.py [--runs N])
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from seawall.local import LocalStack
from seawall.project import Project

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("emulator", "build", "init", "apply", "gateway", "smoke")


def one_run(state_dir: Path) -> dict[str, float]:
    project = Project(ROOT, state_override=state_dir)
    with LocalStack(project, tf_mirror=os.environ.get("SEAWALL_TF_MIRROR")) as stack:
        result = stack.smoke()
        if not result.passed:
            raise SystemExit(f"smoke check failed: {result.detail}")
        durations = dict(stack.phases.durations)
    durations["total"] = sum(durations[p] for p in PHASES)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="seawall-bench-up-") as scratch:
            cold.append(one_run(Path(scratch)))  # nothing cached: init links providers, pip builds
            warm.append(one_run(Path(scratch)))  # same state dir: tf data dir and artifact exist
    print(f"seawall up --once, {args.runs} runs each, median seconds")
    print(f"{'phase':<10}{'cold':>8}{'warm':>8}{'cold/warm':>11}")
    for phase in (*PHASES, "total"):
        c = statistics.median(run[phase] for run in cold)
        w = statistics.median(run[phase] for run in warm)
        print(f"{phase:<10}{c:>8.2f}{w:>8.2f}{c / w:>10.2f}x")


if __name__ == "__main__":
    main()
