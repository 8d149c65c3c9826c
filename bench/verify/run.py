"""How long `seawall verify` takes on the local stack: the non-destructive checks, then with the
drills, side by side on one stack; wall time against the sum of the checks' own times (what
running them side by side buys), and the slowest checks.

Run: python3 -m nox -s bench -- verify     (or: python bench/verify/run.py [--runs N])
Goals (issue 11): verify <= 30 s, verify --drills <= 3 min.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from seawall.local_stack import LocalStack
from seawall.project import Project
from seawall.verify.catalog import load_catalog
from seawall.verify.session import select, verify
from seawall.verify.target import stack_target

ROOT = Path(__file__).resolve().parents[2]


def one_run(stack: LocalStack, *, drills: bool) -> dict:
    catalog = load_catalog(ROOT)
    started = time.monotonic()
    document = verify(catalog, select(catalog, drills=drills), stack_target(stack))
    wall = time.monotonic() - started
    checks = [c for s in document["scenarios"] for c in s["checks"]]
    return {
        "wall": wall,
        "sum": sum(c["duration_s"] for c in checks),
        "counts": document["summary"],
        "slowest": sorted(((c["duration_s"], c["id"], c["status"]) for c in checks), reverse=True)[
            :5
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seawall-bench-verify-") as scratch:
        project = Project(ROOT, state_override=Path(scratch))
        with LocalStack(project, tf_mirror=os.environ.get("SEAWALL_TF_MIRROR")) as stack:
            runs = {
                label: [one_run(stack, drills=drills) for _ in range(args.runs)]
                for label, drills in (("verify", False), ("verify --drills", True))
            }
    print("| run | wall (s) | sum of checks (s) | sum/wall | results | slowest checks (s) |")
    print("|---|---|---|---|---|---|")
    for label, results in runs.items():
        wall = statistics.median(r["wall"] for r in results)
        total = statistics.median(r["sum"] for r in results)
        last = results[-1]
        counts = ", ".join(f"{n} {s}" for s, n in last["counts"].items() if n)
        slowest = ", ".join(f"{i} {d:.1f} ({st})" for d, i, st in last["slowest"])
        print(
            f"| `seawall {label}` | {wall:.1f} | {total:.1f} | {total / wall:.1f}x "
            f"| {counts} | {slowest} |"
        )


if __name__ == "__main__":
    main()
