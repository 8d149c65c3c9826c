"""Handler benchmarks, side by side in one run: cold start, warm overhead, artifact size.

Run from the repository root: ``python bench/handler/run.py`` (``nox -s bench -- handler`` does,
with aws-lambda-powertools and boto3 installed). ``--quick`` checks that everything works with
fewer rounds; its numbers are not the ones to record. Prints a Markdown section for
docs/benchmarks.md.

1. Cold start: a fresh interpreter per run imports an app and answers one GET /items/{id}
   (DynamoDB stubbed below botocore's HTTP layer: botocore builds, signs and parses, no network;
   see apps.stub_http). Apps run interleaved, round by round, so a noisy machine hits all alike;
   ratios are taken within each round, then the median is reported.
2. Warm overhead: see warm.py (all apps in one process, interleaved per request).
3. Artifact size: the zip `seawall build` makes (seawall.build.build_artifact).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COLD_APPS = (
    "floor", "seawall", "seawall-zip", "seawall-zip-source", "powertools", "powertools-full"
)  # fmt: skip
ZIP_GOAL = 200 * 1024


def build_zip(store: Path) -> Path:
    """The deployed artifact: `seawall build`'s zip when the CLI is installed, else the same
    recipe by hand (pip install --target, unchecked-hash .pyc, a sorted, fixed-time zip)."""
    try:
        from seawall.build import build_artifact
    except ImportError:
        target = store / "site"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(target),
                str(ROOT / "packages/handler"),
                str(ROOT / "packages/retrylib"),
            ],
            check=True,
        )
        compileall.compile_dir(
            target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        path = store / "function.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for file in sorted(p for p in target.rglob("*") if p.is_file()):
                relative = file.relative_to(target).as_posix()
                if relative.startswith("bin/"):
                    continue
                info = zipfile.ZipInfo(relative, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, file.read_bytes())
        return path
    return build_artifact(ROOT, store).path


def cold_once(app: str, zip_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    if app.startswith("seawall-zip"):
        # As Lambda runs it: the zip's files first on the path, nothing written next to them.
        # seawall-zip: the zip as built, with the .pyc of the build Python (the function's
        # runtime); seawall-zip-source: the same files without them, compiled at every start.
        env["PYTHONPATH"] = str(zip_dir / app)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        app = "seawall"
    result = subprocess.run(
        [sys.executable, str(HERE / "cold.py"), app],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"cold start of {app} failed:\n{result.stderr}")
    return float(result.stderr.strip().splitlines()[-1])


def cold(rounds: int, zip_dir: Path) -> dict[str, list[float]]:
    for app in COLD_APPS:  # a first run writes the .pyc caches of the installed apps
        cold_once(app, zip_dir)
    times: dict[str, list[float]] = {app: [] for app in COLD_APPS}
    for i in range(rounds):
        order = COLD_APPS[i % len(COLD_APPS) :] + COLD_APPS[: i % len(COLD_APPS)]
        for app in order:
            times[app].append(cold_once(app, zip_dir))
    return times


def paired(times: dict[str, list[float]], app: str, base: str) -> float:
    return statistics.median(a / b for a, b in zip(times[app], times[base], strict=True))


def warm(requests: int) -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE / "warm.py"), str(requests)],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25, help="cold-start rounds")
    parser.add_argument("--requests", type=int, default=20_000, help="warm requests per app")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 2,000 requests")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests = 3, 2000

    with tempfile.TemporaryDirectory(prefix="seawall-bench-") as scratch:
        artifact = build_zip(Path(scratch))
        size = artifact.stat().st_size
        zip_dir = Path(scratch) / "unzipped"
        with zipfile.ZipFile(artifact) as zf:
            zf.extractall(zip_dir / "seawall-zip")
            zf.extractall(zip_dir / "seawall-zip-source")
            files = len(zf.infolist())
        for cache in (zip_dir / "seawall-zip-source").rglob("__pycache__"):
            shutil.rmtree(cache)
        times = cold(args.rounds, zip_dir)
    overhead = warm(args.requests)

    median = {app: statistics.median(values) for app, values in times.items()}
    print("## Handler: cold start, warm overhead, artifact size\n")
    print(
        f"`python bench/handler/run.py --rounds {args.rounds} --requests {args.requests}` on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}.\n"
    )
    print(
        f"### Cold start (fresh interpreter: import + first GET /items/{{id}}; {args.rounds} "
        "interleaved rounds; ratio = median of per-round ratios)\n"
    )
    print("| app | median ms | vs floor | vs Powertools app |")
    print("|---|---:|---:|---:|")
    labels = {
        "floor": 'floor: `import boto3; boto3.resource("dynamodb")` (no event)',
        "seawall": "seawall handler (installed, .pyc cached)",
        "seawall-zip": "seawall handler from the zip as deployed (.pyc of its runtime's Python)",
        "seawall-zip-source": "seawall handler from the zip without its .pyc (compiled at start)",
        "powertools": "Powertools APIGatewayRestResolver + boto3 resource (the issue's app)",
        "powertools-full": "Powertools app + CORSConfig + Logger + Metrics",
    }
    for app in COLD_APPS:
        print(
            f"| {labels[app]} | {median[app]:.1f} | {paired(times, app, 'floor'):.3f}x | "
            f"{paired(times, app, 'powertools'):.3f}x |"
        )
    print(
        "\n### Warm overhead per request (DynamoDB stubbed; overhead = request minus the bare "
        f"SDK call the app makes, paired per round; {overhead['requests']} requests each)\n"
    )
    print("| app | request p50 us | request p99 us | overhead p50 us | overhead p99 us |")
    print("|---|---:|---:|---:|---:|")
    for app in ("seawall", "powertools", "powertools-full"):
        total, extra = overhead["total"][app], overhead["overhead"][app]
        print(
            f"| {app} | {total['p50']:.0f} | {total['p99']:.0f} | {extra['p50']:.0f} | "
            f"{extra['p99']:.0f} |"
        )
    for sdk in ("sdk-client", "sdk-resource", "sdk-seawall-client"):
        total = overhead["total"][sdk]
        print(f"| bare {sdk} call | {total['p50']:.0f} | {total['p99']:.0f} | | |")
    own = overhead["own"]
    print(
        "\nseawall request minus the same call through a client configured as seawall's (its "
        f"own work): p50 {own['p50']:.0f} us, p99 {own['p99']:.0f} us"
    )
    ours = overhead["overhead"]["seawall"]
    for app in ("powertools", "powertools-full"):
        theirs = overhead["overhead"][app]
        print(
            f"\nseawall overhead / {app} overhead: p50 {ours['p50'] / theirs['p50']:.2f}x, "
            f"p99 {ours['p99'] / theirs['p99']:.2f}x (goal <= 0.5x)"
        )
    print(
        f"\n### Artifact\n\n{size} bytes ({size / 1024:.1f} KiB, {files} files), "
        f"{size / ZIP_GOAL:.2f}x the 200 KiB goal."
    )
    print(
        f"\nGoals: cold start <= 1.05x the floor: {paired(times, 'seawall', 'floor'):.3f}x "
        f"(from the zip: {paired(times, 'seawall-zip', 'floor'):.3f}x); below the Powertools "
        f"app: {paired(times, 'seawall', 'powertools'):.3f}x."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
