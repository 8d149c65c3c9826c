"""`seawall deploy` against bare Terraform, on the emulator, side by side.

1. a fresh stack with bare terraform (init, plan -out, apply of that plan), each step timed;
2. a fresh stack with `seawall deploy --auto-approve` (build, init, plan, preflight, apply,
   smoke through a local gateway, release recorded), in a second emulator;
   both get the function's artifact built before their clock starts (the bare run cannot build
   it; seawall finds it in its build cache, as after `seawall build` or any earlier deploy), and
   the deploy's own phase timings (its `seawall: phases:` line) are printed;
3. `seawall deploy` again with nothing changed (the no-op deploy);
4. the rollback drill: a release whose function answers 500 fails its smoke and release 1 is
   applied again (what `seawall deploy` does after a failed smoke), against one bare apply;
5. `seawall --help`, the CLI's import time.

Run: python3 -m nox -s bench -- deploy     (or: python bench/deploy/run.py [--runs N])
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from seawall.bootstrap import bootstrap
from seawall.build_cache import cached_artifact
from seawall.emulator import Emulator
from seawall.project import STATE_DIR_ENV, Project
from seawall.stackplan import init_backend, make_plan, stack_variables
from seawall.target import Target

ROOT = Path(__file__).resolve().parents[2]
FAILING = '{"mode": "status_code", "status_code": 500, "functions": ["api"]}'


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def bare_terraform(state_dir: Path) -> dict[str, float]:
    """init, plan -out and apply of the plan, with terraform itself (seawall only sets it up)."""
    mirror = os.environ.get("SEAWALL_TF_MIRROR")
    with Emulator(log_path=state_dir / "bare-moto.log") as emulator:
        target = Target(env="local", region=emulator.region, endpoint_url=emulator.endpoint)
        project = Project(ROOT, state_override=state_dir / "bare")
        bootstrap(target)
        artifact = cached_artifact(project.root, project.artifact_store)
        times = {}
        terraform = None

        def init() -> None:
            nonlocal terraform
            terraform = init_backend(target, project, tf_mirror=mirror)

        times["init"] = timed(init)
        assert terraform is not None
        variables = stack_variables(target, project, artifact, settings={})
        plan = None

        def make() -> None:
            nonlocal plan
            plan = make_plan(terraform, target, project, variables)

        times["plan"] = timed(make)
        assert plan is not None
        times["apply"] = timed(
            lambda: subprocess.run(
                [terraform.binary, "apply", "-input=false", "-auto-approve", str(plan.path)],
                cwd=project.stack_dir,
                env=terraform._env,
                check=True,
                capture_output=True,
            )
        )
        times["total"] = times["init"] + times["plan"] + times["apply"]
        return times


def seawall_runs(state_dir: Path, phases: dict[str, str]) -> dict[str, float]:
    env = {**os.environ, STATE_DIR_ENV: str(state_dir / "seawall")}
    cached_artifact(ROOT, Project(ROOT, state_override=state_dir / "seawall").artifact_store)
    with Emulator(log_path=state_dir / "seawall-moto.log") as emulator:
        bootstrap(Target(env="local", region=emulator.region, endpoint_url=emulator.endpoint))
        base = [sys.executable, "-m", "seawall", "--project-dir", str(ROOT)]
        target = ["--env", "local", "--endpoint-url", emulator.endpoint, "--auto-approve"]

        def deploy(*extra: str, expect: int = 0, name: str) -> float:
            started = time.perf_counter()
            done = subprocess.run(
                [*base, "deploy", *target, *extra],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - started
            if done.returncode != expect:
                raise SystemExit(f"seawall deploy exited {done.returncode}:\n{done.stderr[-3000:]}")
            lines = done.stderr.splitlines()
            phases[name] = next((line for line in lines if "seawall: phases:" in line), "")
            return elapsed

        return {
            "deploy": deploy(name="deploy"),
            "no-op deploy": deploy(name="no-op deploy"),
            "rollback drill": deploy(
                "--var", f"fault_injection={FAILING}", expect=1, name="rollback drill"
            ),
        }


def help_time(runs: int = 10) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "seawall", "--help"], check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    bare: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    phases: dict[str, str] = {}  # of the last run
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="seawall-bench-deploy-") as scratch:
            bare.append(bare_terraform(Path(scratch)))
            ours.append(seawall_runs(Path(scratch), phases))

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    apply_s, bare_total = median(bare, "apply"), median(bare, "total")
    deploy_s = median(ours, "deploy")
    print(f"seawall deploy vs bare terraform on the emulator, {args.runs} run(s), median seconds")
    for step in ("init", "plan", "apply", "total"):
        print(f"  bare terraform {step:<16}{median(bare, step):>8.1f}")
    for step in ("deploy", "no-op deploy", "rollback drill"):
        print(f"  seawall {step:<23}{median(ours, step):>8.1f}")
    print(
        f"  seawall deploy / bare init+plan+apply   {deploy_s / bare_total:>6.2f}x  (goal <= 1.10x)"
    )
    print(f"  seawall deploy / bare apply alone       {deploy_s / apply_s:>6.2f}x")
    noop = median(ours, "no-op deploy")
    print(f"  no-op deploy                            {noop:>6.1f}s  (goal <= 10 s)")
    rollback = median(ours, "rollback drill")
    print(f"  rollback drill / one bare apply         {rollback / apply_s:>6.2f}x  (goal <= 1.5x)")
    print(
        f"  seawall --help                          {help_time() * 1000:>6.0f} ms (goal <= 300 ms)"
    )
    for name, line in phases.items():
        print(f"  {name}: {line.removeprefix('seawall: ')}")


if __name__ == "__main__":
    main()
