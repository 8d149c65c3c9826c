"""Locust in its own processes: one headless runner, or a master and N local workers.

Locust is started as `python -m locust` with the shipped locustfile, never imported here: gevent
monkey-patches the process that imports it. Its reports land in the report directory; the run is
bounded (the planned duration plus a grace period), and `stop` ends it the way Ctrl-C would,
so Locust still writes its reports.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import IO

from seawall.command_output import CommandFailed
from seawall.launcher import child_process_options, guarded_command
from seawall.load.shape import Steps

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STOP_TIMEOUT_S = 10  # users finish the request in flight (and its ledger line) before stopping
GRACE_S = 60  # start-up, stop and report writing on top of the planned duration


@dataclass(frozen=True)
class Plan:
    host: str
    api_key: str
    report_dir: Path
    run_prefix: str
    users: int = 10
    spawn_rate: float = 10
    duration_s: int = 60
    shape: Steps | None = None
    paced: bool = False  # --rps: each user runs one task a second
    workers: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def ledger_dir(self) -> Path:
        return self.report_dir / "ledger"

    @property
    def planned_s(self) -> int:
        return self.shape.duration_s if self.shape else self.duration_s


def locust_env(plan: Plan) -> dict[str, str]:
    env = {**os.environ, **plan.extra_env}
    env.update(
        {
            "SEAWALL_LOAD_API_KEY": plan.api_key,
            "SEAWALL_LOAD_LEDGER": str(plan.ledger_dir),
            "SEAWALL_LOAD_RUN_PREFIX": plan.run_prefix,
            "SEAWALL_LOAD_PACING": "rps" if plan.paced else "",
            "SEAWALL_LOAD_SHAPE": plan.shape.spec() if plan.shape else "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def master_argv(plan: Plan, master_port: int | None) -> list[str]:
    out = plan.report_dir
    argv = [
        sys.executable,
        "-m",
        "locust",
        *("-f", str(LOCUSTFILE)),
        "--headless",
        *("--host", plan.host),
        *("--csv", str(out / "locust")),
        *("--html", str(out / "locust.html")),
        *("--json-file", str(out / "locust")),
        *("--stop-timeout", str(STOP_TIMEOUT_S)),
        *("--loglevel", "WARNING"),
        "--only-summary",
        # Failures are judged by the SLO gate, not by Locust's exit code.
        *("--exit-code-on-error", "0"),
    ]
    if plan.shape is None:
        argv += [
            *("--users", str(plan.users)),
            *("--spawn-rate", f"{plan.spawn_rate:g}"),
            *("--run-time", f"{plan.duration_s}s"),
        ]
    if master_port is not None:
        argv += [
            "--master",
            *("--master-bind-host", "127.0.0.1"),
            *("--master-bind-port", str(master_port)),
            *("--expect-workers", str(plan.workers)),
            *("--expect-workers-max-wait", "30"),
        ]
    return argv


def worker_argv(master_port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        *("-f", str(LOCUSTFILE)),
        "--worker",
        *("--master-host", "127.0.0.1"),
        *("--master-port", str(master_port)),
        *("--loglevel", "WARNING"),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocustFailed(CommandFailed):
    """A Locust process exited non-zero by itself (not stopped by us): Locust itself failed (its
    run's failed requests are the SLO gate's business; Locust runs with --exit-code-on-error 0)."""


class LocustRun:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.master: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._argv: dict[int, list[str]] = {}  # pid -> the command it runs
        self.started_at = 0.0
        #: Set by `wait` when a Locust process failed on its own (see LocustFailed).
        self.failure: LocustFailed | None = None

    @property
    def log_path(self) -> Path:
        return self.plan.report_dir / "locust.log"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in [self.master, *self.workers] if p is not None]

    def start(self) -> LocustRun:
        plan = self.plan
        plan.report_dir.mkdir(parents=True, exist_ok=True)
        plan.ledger_dir.mkdir(parents=True, exist_ok=True)
        env = locust_env(plan)
        port = free_port() if plan.workers else None
        # Own process groups: a terminal's Ctrl-C reaches seawall only, which stops Locust in order.
        # Through the launcher: a seawall killed outright takes Locust with it instead of leaving
        # it loading the API until its run time ends.
        with self.log_path.open("ab") as log:  # the children keep their copy
            self.master = self._start(master_argv(plan, port), env, log)
            if port is not None:
                self.workers = [
                    self._start(worker_argv(port), env, log) for _ in range(plan.workers)
                ]
        self.started_at = time.monotonic()
        return self

    def _start(self, argv: list[str], env: dict[str, str], log: IO[bytes]) -> Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and argv
            guarded_command(argv), env=env, stdout=log, stderr=log, **child_process_options()
        )
        self._argv[process.pid] = argv
        return process

    def wait(self, poll: float = 1.0, on_tick=None) -> int:
        """Until Locust finishes, or the bound passes (then it is stopped). Returns its code;
        a Locust process that failed on its own is recorded in `failure`."""
        assert self.master is not None
        deadline = self.started_at + self.plan.planned_s + GRACE_S
        while self.master.poll() is None:
            if time.monotonic() > deadline:
                return self.stop()  # stopped by us: not a failure of Locust's own
            if on_tick is not None:
                on_tick(time.monotonic() - self.started_at)
            time.sleep(poll)
        # The master ended by itself; so did any other process that is gone before `stop`.
        ended = [p for p in [self.master, *self.workers] if p.poll() is not None]
        code = self.stop()
        failed = next((p for p in ended if p.returncode != 0), None)
        if failed is not None:
            self.failure = LocustFailed(
                self._argv[failed.pid],
                failed.returncode,
                self.log_path.read_bytes(),
                title="Locust failed",
                log_path=self.log_path,
            )
        return code

    def stop(self) -> int:
        """Ctrl-C's way (SIGINT: Locust writes its reports), then SIGTERM, then SIGKILL."""
        processes = [p for p in [self.master, *self.workers] if p is not None]
        for sig, wait_s in (
            (signal.SIGINT, STOP_TIMEOUT_S + 20),
            (signal.SIGTERM, 5),
            (signal.SIGKILL, 5),
        ):
            alive = [p for p in processes if p.poll() is None]
            if not alive:
                break
            for process in alive:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
            end = time.monotonic() + wait_s
            while time.monotonic() < end and any(p.poll() is None for p in alive):
                time.sleep(0.2)
        return self.master.returncode if self.master and self.master.returncode is not None else -1


@dataclass(frozen=True)
class Progress:
    users: int
    rps: float
    p99_ms: float | None
    requests: int
    failures: int


def read_progress(history_csv: Path) -> Progress | None:
    """The latest aggregated row of Locust's stats history (written every second or so)."""
    try:
        with history_csv.open(newline="") as file:
            rows = [row for row in csv.DictReader(file) if row.get("Name") == "Aggregated"]
    except FileNotFoundError:
        return None
    if not rows:
        return None
    row = rows[-1]

    def number(key: str) -> float:
        try:
            return float(row.get(key) or 0)
        except ValueError:  # "N/A" before the first answers
            return 0.0

    return Progress(
        users=int(number("User Count")),
        rps=number("Requests/s"),
        p99_ms=number("99%") or None,
        requests=int(number("Total Request Count")),
        failures=int(number("Total Failure Count")),
    )
