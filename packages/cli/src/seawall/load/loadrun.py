"""One load test from start to verdict: reachability, Locust, the audit, the cleanup, the
summary. The command module (`seawall.commands.loadtest`) only turns arguments into a `Target`
and a `Plan`."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seawall.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, SeawallError
from seawall.load.api import ApiClient, ApiError
from seawall.load.audit import AuditResult, audit, clean_up
from seawall.load.latency import AccessLogWindow, Probe
from seawall.load.ledger import read_ledger
from seawall.load.report import build_summary, render
from seawall.load.runner import LocustRun, Plan, read_progress
from seawall.load.saturation import CpuSampler, verdict
from seawall.load.slo import Slo, judge
from seawall.load.stats import read_stats


@dataclass(frozen=True)
class Target:
    environment: str
    api_url: str
    api_key: str
    # Local processes whose CPU tells which side saturated: name -> pids (children included).
    local_processes: dict[str, list[int]] = field(default_factory=dict)
    # The local gateway's access log, and one cheap call to the emulator (None: not local).
    access_log: Path | None = None
    emulator_probe: Callable[[], object] | None = None
    # The function's AWS/Lambda metrics between two times (local: published to the emulator).
    pool_metrics: Callable[[float, float], dict[str, object]] | None = None


def check_reachable(client: ApiClient) -> None:
    """Before any user is spawned: the API answers, and it accepts the key."""
    status, body = client.call("GET", "/health")
    if status == 0:
        raise SeawallError(
            f"cannot reach {client.api_url}: {body}",
            hint="is the stack running? (`seawall up`, or check --env / --api-url)",
        )
    status, body = client.call("GET", "/items?limit=1")
    if status in (401, 403):
        raise SeawallError(
            f"{client.api_url} refused the API key ({status})", hint="check --api-key"
        )
    if status != 200:
        raise SeawallError(f"GET {client.api_url}/items answered {status}: {body!r}")


def run_load_test(
    target: Target,
    plan: Plan,
    slo: Slo,
    *,
    keep_data: bool,
    say: Callable[[str], None],
) -> int:
    client = ApiClient(target.api_url, target.api_key)
    check_reachable(ApiClient(target.api_url, target.api_key, attempts=2))  # refuse quickly
    sampler = CpuSampler(dict(target.local_processes))
    window = AccessLogWindow(target.access_log) if target.access_log else None
    probe = Probe(target.emulator_probe) if target.emulator_probe else None
    run = LocustRun(plan)
    interrupted = False
    say(
        f"Locust ({f'a master and {plan.workers} workers' if plan.workers else 'one process'}) "
        f"against {target.api_url} "
        f"for {plan.planned_s} s; reports in {plan.report_dir}"
    )
    started = time.monotonic()
    started_at = time.time()
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a CI's stop: the same clean stop
    try:
        run.start()
        sampler.groups["locust"] = run.pids
        sampler.start()
        if window is not None:
            window.start()
        if probe is not None:
            probe.start()
        run.wait(on_tick=_progress_printer(plan, sampler))
    except KeyboardInterrupt:
        interrupted = True
        say("interrupted: stopping Locust, then auditing what was acknowledged")
        run.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
        _end_progress_line()
    duration = time.monotonic() - started
    cpu = sampler.stop()
    emulator_ms = probe.stop() if probe is not None else None

    stats = read_stats(plan.report_dir / "locust.json", plan.report_dir / "locust_failures.csv")
    ledger = read_ledger(plan.ledger_dir)
    result: AuditResult | None = None
    audit_error = None
    try:
        say(f"auditing {ledger.acknowledged} acknowledged writes")
        result = audit(ledger, client, plan.run_prefix)
    except ApiError as error:
        audit_error = str(error)
    gate = judge(
        slo,
        requests=stats.total.requests,
        unexpected=stats.total.failures,
        p99_ms=stats.total.percentiles_ms["p99"],
        lost=result.lost + result.not_deleted if result else 0,
        duplicated=result.duplicated if result else 0,
    )
    summary = build_summary(
        target=target.api_url,
        run_prefix=plan.run_prefix,
        environment=target.environment,
        stats=stats,
        ledger=ledger,
        audit=result,
        audit_error=audit_error,
        slo=slo,
        verdict=gate,
        saturation=_saturation(
            target,
            cpu=cpu,
            client_p50_ms=stats.total.percentiles_ms["p50"],
            stage=window.read() if window is not None else {},
            emulator_ms=emulator_ms,
            started_at=started_at,
        ),
        duration_s=duration,
        interrupted=interrupted,
        workers=plan.workers,
    )
    (plan.report_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(render(summary))
    if result is not None and not keep_data:
        left = clean_up(client, result.run_item_ids)
        say(f"deleted the {len(result.run_item_ids) - left} items this run created")
    if interrupted:
        return EXIT_INTERRUPTED
    if run.failure is not None:  # after the report and the audit: they still tell what happened
        raise run.failure
    return EXIT_OK if gate.passed and result is not None else EXIT_FAILURE


def audit_only(
    target: Target,
    ledger_dir: Path,
    run_prefix: str,
    *,
    keep_data: bool,
    say: Callable[[str], None],
) -> int:
    """The audit alone, over ledgers gathered from Locust workers on several machines."""
    if not any(ledger_dir.glob("ledger-*.jsonl")):
        raise SeawallError(f"no ledger-*.jsonl files in {ledger_dir}")
    client = ApiClient(target.api_url, target.api_key)
    check_reachable(ApiClient(target.api_url, target.api_key, attempts=2))
    ledger = read_ledger(ledger_dir)
    say(f"auditing {ledger.acknowledged} acknowledged writes")
    try:
        result = audit(ledger, client, run_prefix)
    except ApiError as error:
        raise SeawallError(f"the audit could not read the API: {error}") from None
    print(json.dumps({"audit": result.summary()}, indent=2))
    if not keep_data:
        left = clean_up(client, result.run_item_ids)
        say(f"deleted the {len(result.run_item_ids) - left} items the run created")
    return EXIT_OK if result.passed else EXIT_FAILURE


def _saturation(
    target: Target,
    *,
    cpu: dict[str, float],
    client_p50_ms: float | None,
    stage: dict[str, dict[str, float | None]],
    emulator_ms: dict[str, float | None] | None,
    started_at: float,
) -> dict[str, object]:
    """What each side used and how long it took, and the verdict on which one saturated."""
    pool = _pool_figures(target, started_at)
    latency = {
        "client_p50_ms": client_p50_ms,
        "gateway_p50_ms": stage.get("gateway_ms", {}).get("p50"),
        "integration_p50_ms": stage.get("integration_ms", {}).get("p50"),
        "emulator_p50_ms": (emulator_ms or {}).get("p50"),
        "pool": pool,
    }
    single = tuple(name for name in ("gateway", "emulator") if name in cpu)
    return {
        "cpu_percent": cpu,
        **stage,
        **({"emulator_probe_ms": emulator_ms} if emulator_ms else {}),
        **({"function_pool": pool} if pool else {}),
        "verdict": verdict(cpu, cores=_cores(), single_process=single, latency=latency),
    }


def _pool_figures(target: Target, started_at: float) -> dict[str, object] | None:
    if target.pool_metrics is None:
        return None
    time.sleep(2)  # the runtime delivers its metrics to the emulator once a second
    try:
        return target.pool_metrics(started_at, time.time())
    except Exception as error:  # the summary says so; the run's verdict stands
        return {"error": str(error)}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _cores() -> int:
    return os.cpu_count() or 1


def _progress_printer(plan: Plan, sampler: CpuSampler) -> Callable[[float], None]:
    history = plan.report_dir / "locust_stats_history.csv"
    tty = sys.stderr.isatty()
    last_plain = [0.0]

    def tick(elapsed: float) -> None:
        sampler.sample()
        progress = read_progress(history)
        if progress is None:
            return
        p99 = f"{progress.p99_ms:.0f}ms" if progress.p99_ms else "-"
        line = (
            f"  {elapsed:5.0f}s/{plan.planned_s}s  users {progress.users}  "
            f"rps {progress.rps:.1f}  p99 {p99}  requests {progress.requests}  "
            f"failures {progress.failures}"
        )
        if tty:
            print(f"\r{line}\x1b[K", end="", file=sys.stderr, flush=True)
        elif elapsed - last_plain[0] >= 10:
            last_plain[0] = elapsed
            print(line, file=sys.stderr, flush=True)

    return tick


def _end_progress_line() -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)


__all__ = ["Target", "audit_only", "check_reachable", "run_load_test"]
