"""`seawall loadtest`: Locust against the stack, gated on an SLO, with a no-loss audit.

Nothing here imports Locust (it runs in its own processes, see `seawall.load.runner`): the
`load` extra is needed only when a load test actually starts, and `seawall --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import time
import uuid
from pathlib import Path

from seawall.commands._common import progress, project
from seawall.errors import PrerequisiteError, SeawallError, UsageError
from seawall.load.guard import refuse_unconfirmed_prod
from seawall.load.latency import pool_figures
from seawall.load.loadrun import Target, audit_only, run_load_test
from seawall.load.runner import Plan
from seawall.load.shape import Steps, parse_shape
from seawall.load.slo import DEFAULTS, Slo, parse_slo
from seawall.local_stack import LocalStack, read_session, session_connection, stack_terraform
from seawall.project import Project
from seawall.target import target_from_args as deploy_target
from seawall.verify.target import deployed_target


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "loadtest",
        help="load-test the stack with Locust; exit code = the SLO gate (needs seawall[load])",
        description="Run Locust headless with seawall's scenario mix against the running local "
        "stack (or --env / --api-url), gate on an SLO, audit that nothing acknowledged was "
        "lost, write reports, and delete what the run created.",
    )
    parser.add_argument(
        "--env",
        default="local",
        help="local (default: the running `seawall up`), or a deployed environment, whose live "
        "release names the API URL and key",
    )
    parser.add_argument("--region", default=None, help="a deployed environment's AWS region")
    parser.add_argument("--profile", default=None, help="the AWS profile to read its release")
    parser.add_argument("--api-url", help="the stage URL (default: the environment's)")
    parser.add_argument(
        "--api-key", default=os.environ.get("SEAWALL_API_KEY"), help="default: $SEAWALL_API_KEY"
    )
    parser.add_argument("--users", type=int, default=10, help="concurrent users (default 10)")
    parser.add_argument("--spawn-rate", type=float, default=None, help="users started a second")
    parser.add_argument("--duration", default="60s", help="e.g. 30s, 5m (default 60s)")
    parser.add_argument(
        "--rps", type=int, default=None, help="a target rate (tasks/s): one task a second per user"
    )
    parser.add_argument(
        "--shape",
        default=None,
        help="step:L1,L2,...:HOLD: levels of users (of rates with --rps), e.g. step:10,50,100:60s",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="N Locust worker processes under a local master"
    )
    parser.add_argument(
        "--slo", default="", help="p99=800ms,errors=0.5%%,lost=0 (default: per environment)"
    )
    parser.add_argument("--report", type=os.fspath, default=None, help="report directory")
    parser.add_argument("--keep-data", action="store_true", help="keep the items it created")
    parser.add_argument(
        "--i-know-this-is-prod",
        action="store_true",
        help="required to load-test prod, and any --api-url that is not loopback",
    )
    parser.add_argument(
        "--audit-only",
        metavar="LEDGER_DIR",
        help="no load: audit the ledgers in LEDGER_DIR (copied from Locust workers on other "
        "machines) against the API, then clean up; needs --run-prefix",
    )
    parser.add_argument(
        "--run-prefix", help="the SEAWALL_LOAD_RUN_PREFIX the workers ran with (--audit-only)"
    )
    parser.add_argument(
        "--up",
        action="store_true",
        help="with no local stack running, start one for the run (stopped afterwards)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    refuse_unconfirmed_prod(args.env, args.api_url, confirmed=args.i_know_this_is_prod)
    slo = parse_slo(args.slo, DEFAULTS.get(args.env, DEFAULTS["dev"]))
    shape = parse_shape(args.shape) if args.shape else None
    duration = _seconds(args.duration)
    if args.workers < 0 or args.users < 1 or (args.rps is not None and args.rps < 1):
        raise UsageError("--users and --rps are >= 1, --workers >= 0")
    if args.audit_only and not args.run_prefix:
        raise UsageError("--audit-only needs --run-prefix (the workers' SEAWALL_LOAD_RUN_PREFIX)")
    if not args.audit_only and importlib.util.find_spec("locust") is None:
        raise PrerequisiteError(
            "Locust is not installed", hint="pip install 'seawall[load]' (the load extra)"
        )
    current = project(args)
    if args.up and args.env == "local" and not args.api_url and read_session(current) is None:
        with LocalStack(
            current, tf_mirror=args.tf_mirror, on_phase=lambda name: progress(f"{name}...")
        ):
            return _run(args, current, slo, shape, duration)
    return _run(args, current, slo, shape, duration)


def _run(
    args: argparse.Namespace, current: Project, slo: Slo, shape: Steps | None, duration: int
) -> int:
    target = _target(args, current)
    if args.audit_only:
        return audit_only(
            target,
            Path(args.audit_only),
            args.run_prefix,
            keep_data=args.keep_data,
            say=progress,
        )
    users = args.rps if args.rps is not None else args.users
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = (
        Path(args.report) if args.report else current.environment_dir(args.env) / "loadtest" / stamp
    )
    plan = Plan(
        host=target.api_url,
        api_key=target.api_key,
        report_dir=report,
        run_prefix=f"seawall-load {stamp}-{uuid.uuid4().hex[:6]} ",
        users=users,
        spawn_rate=args.spawn_rate or max(1.0, math.ceil(users / 5)),
        duration_s=duration,
        shape=shape,
        paced=args.rps is not None,
        workers=args.workers,
    )
    return run_load_test(target, plan, slo, keep_data=args.keep_data, say=progress)


def _seconds(text: str) -> int:
    number, unit = (text[:-1], text[-1]) if text[-1:] in ("s", "m") else (text, "s")
    if not number.isdigit() or int(number) < 1:
        raise UsageError(f"--duration {text!r}: write it as 30s or 5m")
    return int(number) * (60 if unit == "m" else 1)


def _target(args: argparse.Namespace, current: Project) -> Target:
    if args.api_url:
        if not args.api_key:
            raise UsageError("--api-url needs --api-key (or $SEAWALL_API_KEY)")
        return Target(args.env, args.api_url.rstrip("/"), args.api_key)
    if args.env != "local":
        # The live release of a deployed environment names its API URL and key (AWS credentials
        # of the environment's account: --profile, or the usual AWS variables).
        deployed = deployed_target(
            deploy_target(
                argparse.Namespace(
                    project_dir=args.project_dir,
                    env=args.env,
                    region=args.region,
                    profile=args.profile,
                    endpoint_url=None,
                    var=[],
                )
            )
        )
        return Target(args.env, deployed.api_url, args.api_key or deployed.api_key)
    session = read_session(current)
    if session is None:
        raise SeawallError("no local stack is running", hint="start one with: seawall up")
    connection = session_connection(session)
    outputs = stack_terraform(current, connection, args.tf_mirror).outputs()
    dynamodb = connection.client("dynamodb")
    table = str(outputs["table_name"])
    return Target(
        "local",
        session["gateway"]["url"],
        args.api_key or str(outputs["api_key"]),
        local_processes={
            "gateway": [int(session["gateway"]["pid"])],
            "emulator": [int(session["emulator"]["pid"])],
        },
        access_log=current.environment_dir("local") / "logs" / "access.log",
        emulator_probe=lambda: dynamodb.describe_table(TableName=table),
        pool_metrics=lambda start, end: pool_figures(
            connection.client("cloudwatch"), str(outputs["api_function_name"]), start, end
        ),
    )
