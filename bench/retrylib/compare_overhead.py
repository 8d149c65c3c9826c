"""Success-path overhead of retrylib at another commit and in the working tree, like for like.

``python bench/retrylib/compare_overhead.py REF [--rounds N]`` from the repository root. The
retrylib sources of ``REF`` come out of ``git archive`` into a temporary folder; each round times
both versions, one subprocess each, alternating, so that a machine busy with other work slows
them alike; each version keeps its best round. Use it when the machine is not quiet enough for
absolute numbers, to check that a change costs the success path nothing.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = "packages/retrylib/src"

TIMING = """
import sys, timeit
sys.path.insert(0, {src!r})
import retrylib
assert retrylib.__file__.startswith({src!r}), retrylib.__file__

def target(x):
    return x

policy = retrylib.RetryPolicy(stop=retrylib.stop.after_attempts(3))
decorated = retrylib.retry(policy)(target)

def best(fn):
    rounds = timeit.repeat("fn(1)", globals={{"fn": fn}}, number=200_000, repeat=5)
    return min(rounds) / 200_000 * 1e6

bare = best(target)
print(best(decorated) - bare, best(lambda x: policy.call(target, x)) - bare)
"""


def overheads(src: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", TIMING.format(src=str(src))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ref", help="the commit to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    archive = subprocess.run(
        ["git", "archive", args.ref, SOURCES], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        versions = {args.ref: Path(folder) / SOURCES, "working tree": ROOT / SOURCES}
        best = {name: (float("inf"), float("inf")) for name in versions}
        for _ in range(args.rounds):
            for name, src in versions.items():
                decorated, call = overheads(src)
                best[name] = (min(best[name][0], decorated), min(best[name][1], call))
    print(f"best of {args.rounds} alternated rounds, overhead over a bare call (us)")
    print("| version | @retry | policy.call |")
    print("|---|---:|---:|")
    for name, (decorated, call) in best.items():
        print(f"| {name} | {decorated:.3f} | {call:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
