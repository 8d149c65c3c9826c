"""Preflight's reads of the account are asked once, may start before the plan exists, and fail
the way they did when each check asked for itself; validate is not run twice after a plan."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from process_probes import gone
from test_preflight import by_name, context, lambda_client, stubbed

from seawall.preflight import account_reads, quotas, run_preflight, static, tree_reads
from seawall.preflight.reads import AccountReads
from seawall.project import Project
from seawall.target import Target

ROOT = Path(__file__).resolve().parents[3]


def test_a_read_started_early_is_the_one_the_check_gets() -> None:
    asked: list[str] = []
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        asked.append("slow")
        return "answer"

    reads = AccountReads().start({"k": slow})
    release.set()
    assert reads.get("k", lambda: "asked again") == "answer"
    assert reads.get("k", lambda: "asked again") == "answer"
    assert asked == ["slow"]
    reads.close()


def test_a_failed_read_fails_every_check_that_needs_it_and_is_not_retried() -> None:
    calls = []

    def refused() -> None:
        calls.append(1)
        raise PermissionError("AccessDenied")

    reads = AccountReads()
    for _ in range(2):
        with pytest.raises(PermissionError, match="AccessDenied"):
            reads.get("k", refused)
    assert len(calls) == 1


class DefaultQuotasOnly:
    """Service Quotas with no applied value, only AWS's defaults (answers by quota code, so reads
    on several threads get the same answers as one after the other, unlike a Stubber's queue)."""

    def get_service_quota(self, **kwargs: str) -> dict:
        raise LookupError("NoSuchResourceException")

    def get_aws_default_service_quota(self, *, ServiceCode: str, QuotaCode: str) -> dict:
        return {"Quota": {"ServiceCode": ServiceCode, "QuotaCode": QuotaCode, "Value": 2500.0}}


def test_quota_checks_answered_from_early_reads_match_the_checks_asking_themselves() -> None:
    """The same stubbed account, read ahead on threads or by each check in turn: same report."""

    def account() -> dict[str, Any]:
        dynamodb, stub = stubbed("dynamodb")
        stub.add_response(
            "describe_limits",
            {
                "AccountMaxReadCapacityUnits": 80000,
                "AccountMaxWriteCapacityUnits": 80000,
                "TableMaxReadCapacityUnits": 40000,
                "TableMaxWriteCapacityUnits": 40000,
            },
        )
        stub.add_response("list_tables", {"TableNames": ["first", "second"]})
        stub.activate()
        return {
            "lambda": lambda_client(total=1000, unreserved=150),
            "dynamodb": dynamodb,
            "service-quotas": DefaultQuotasOnly(),
        }

    plan = {"resource_changes": []}
    inline = by_name(quotas.check(context(plan, account())))
    ahead = context(plan, account())
    ahead.reads.start(quotas.account_reads(ahead.target))
    early = by_name(quotas.check(ahead))
    ahead.reads.close()
    assert early == inline
    assert early["quota.dynamodb-tables"].detail == (
        "2 DynamoDB tables + 0 planned = 2 of 2500 (Service Quotas default)"
    )
    assert early["quota.lambda-concurrency"].status == "pass"


def test_after_a_plan_validate_is_not_run_again_but_fmt_is(tmp_path: Path) -> None:
    class NoValidate:
        def validate(self) -> None:
            raise AssertionError("validate ran again")

    checked = context({}, terraform=NoValidate(), plan_validated=True)
    checked.project = Project(ROOT)
    result = static._validate(checked)
    assert (result.status, result.detail) == (
        "pass",
        "terraform fmt -check and validate (done by the plan): clean",
    )

    unformatted = tmp_path / "terraform"
    unformatted.mkdir()
    (unformatted / "main.tf").write_text('locals {\na="x"\n}\n')
    elsewhere = context({}, terraform=NoValidate(), plan_validated=True)
    elsewhere.project = Project(tmp_path)
    assert static._validate(elsewhere).status == "fail"


def test_terraform_plan_fails_on_what_only_validate_would_otherwise_see(tmp_path: Path) -> None:
    """What the validate skip relies on: `terraform plan` validates the whole configuration first,
    a resource it would never plan (count = 0) included."""
    from seawall.terraform import Terraform, TerraformError

    (tmp_path / "main.tf").write_text(
        'locals {\n  m = { a = 1 }\n}\nresource "terraform_data" "x" {\n'
        "  count = 0\n  input = local.m.missing\n}\n"
    )
    env = {"PATH": __import__("os").environ["PATH"], "TF_CLI_CONFIG_FILE": "/dev/null"}
    terraform = Terraform(tmp_path, data_dir=tmp_path / "data", env=env)
    terraform.init()
    with pytest.raises(TerraformError, match="Unsupported attribute"):
        terraform.plan()


def test_run_preflight_answers_from_the_reads_it_is_given() -> None:
    dynamodb, stub = stubbed("dynamodb")  # no response queued: any call from the check fails
    stub.activate()
    target = context({}, {"dynamodb": dynamodb}).target
    reads = AccountReads()
    limits = {
        "AccountMaxReadCapacityUnits": 1,
        "AccountMaxWriteCapacityUnits": 1,
        "TableMaxReadCapacityUnits": 1,
        "TableMaxWriteCapacityUnits": 1,
    }
    reads.get(quotas.DYNAMODB_LIMITS, lambda: limits)
    report = run_preflight(target, Project(ROOT), {}, reads=reads, static_checks=False)
    capacity = next(c for c in report.checks if c.name == "quota.dynamodb-capacity")
    assert capacity.status == "pass"
    assert "per account 1 / 1" in capacity.detail


def test_every_account_read_has_a_key_of_its_own() -> None:
    keys = set(account_reads(Target(env="dev", region="us-west-2")))
    assert {quotas.LAMBDA_SETTINGS, quotas.DYNAMODB_LIMITS, "iam.account-summary"} <= keys
    assert len([key for key in keys if key.startswith("usage:")]) == len(quotas.COUNT_QUOTAS)


def test_closing_the_reads_kills_a_checkov_still_scanning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C during the plan reaches only the main thread, whose `finally` closes the reads; a
    # checkov left scanning on a read's thread (its own session: no Ctrl-C) held the exit.
    pid_file = tmp_path / "checkov.pid"
    fake = tmp_path / "checkov"  # says who it is, then scans "forever" (60 s)
    fake.write_text(
        f"#!/bin/sh\necho $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file}\nexec sleep 60\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    reads = AccountReads()
    reads.start(tree_reads(Project(tmp_path), reads))
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    checkov_pid = int(pid_file.read_text())
    try:
        reads.close()
        result = reads.get(static.CHECKOV_READ, lambda: None)
        assert result.status == "warn"
        assert "was stopped" in result.detail
        assert gone(checkov_pid, within_s=10), "checkov outlived the closed reads"
    finally:
        if not gone(checkov_pid, within_s=0):
            os.kill(checkov_pid, signal.SIGKILL)
