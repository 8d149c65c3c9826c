"""Preflight's checks on small plan documents shaped like `terraform show -json` output.

AWS-only paths (Lambda's account settings, Service Quotas increase requests, IAM simulation) use
botocore's Stubber with responses in the shape AWS documents: the emulator does not implement them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st
from process_probes import gone

from seawall.preflight import alarms, iam_policies, iam_simulation, quotas, static, timeouts
from seawall.preflight.context import Context
from seawall.preflight.log_bucket import alternative_suffix
from seawall.preflight.planview import PlanView
from seawall.preflight.report import CheckResult, PreflightReport, render_table
from seawall.project import Project
from seawall.target import Target

ACCOUNT = "123456789012"


def resource(
    address: str,
    after: dict[str, Any],
    *,
    actions: tuple[str, ...] = ("create",),
    before: dict[str, Any] | None = None,
    unknown: dict[str, Any] | None = None,
    mode: str = "managed",
) -> dict[str, Any]:
    parts = address.split(".")
    module = ".".join(parts[:2]) if parts[0] == "module" else ""
    local = parts[2:] if module else parts
    if local[0] == "data":
        local = local[1:]
    return {
        "address": address,
        "module_address": module,
        "mode": mode,
        "type": local[0],
        "name": local[1],
        "change": {
            "actions": list(actions),
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
        },
    }


class FakeTarget(Target):
    """A target whose clients are stubbed (AWS-only calls) and whose account is fixed."""

    def __init__(self, clients: dict[str, Any], env: str = "prod") -> None:
        super().__init__(env=env, region="us-west-2")
        object.__setattr__(self, "_clients", clients)

    def client(self, service: str) -> Any:
        return self._clients[service]  # type: ignore[attr-defined]

    def account_id(self) -> str:
        return ACCOUNT


def context(plan: dict[str, Any], clients: dict[str, Any] | None = None, **kw: Any) -> Context:
    return Context(
        target=FakeTarget(clients or {}),
        project=Project(Path("/nonexistent")),
        plan=PlanView(plan),
        **kw,
    )


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(
        service, region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


# -- IAM policy sizes and least privilege ------------------------------------------------------


def policy_document_source(statements: list[dict], unknown_resources: int = 0) -> dict:
    """A deferred aws_iam_policy_document read, with some resources unknown until apply."""
    after = {"statement": statements, "json": None}
    marks = [{"resources": [True] * unknown_resources}] + [{} for _ in statements[1:]]
    return resource(
        "module.fn.data.aws_iam_policy_document.this",
        after,
        actions=("read",),
        unknown={"json": True, "statement": marks},
        mode="data",
    )


def function_plan(statements: list[dict], unknown_resources: int = 0) -> dict:
    """The function module's role and inline policy, as a first plan shows them."""
    return {
        "resource_changes": [
            resource(
                "module.fn.aws_iam_role.this",
                {"name": "fn-role", "assume_role_policy": json.dumps({"Statement": []})},
            ),
            resource(
                "module.fn.aws_iam_role_policy.this",
                {"name": "least-privilege"},
                unknown={"policy": True, "role": True},
            ),
            policy_document_source(statements, unknown_resources),
        ],
        "configuration": {
            "root_module": {
                "module_calls": {
                    "fn": {
                        "module": {
                            "resources": [
                                {
                                    "address": "aws_iam_role_policy.this",
                                    "expressions": {
                                        "policy": {
                                            "references": [
                                                "data.aws_iam_policy_document.this.json",
                                                "data.aws_iam_policy_document.this",
                                            ]
                                        },
                                        "role": {
                                            "references": [
                                                "aws_iam_role.this.id",
                                                "aws_iam_role.this",
                                            ]
                                        },
                                    },
                                }
                            ]
                        }
                    }
                }
            }
        },
    }


def iam_summary_client(roles: int = 10, quota: int = 1000) -> Any:
    client, stub = stubbed("iam")
    stub.add_response("get_account_summary", {"SummaryMap": {"Roles": roles, "RolesQuota": quota}})
    stub.activate()
    return client


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def test_a_first_plan_policy_is_rebuilt_from_its_document_and_estimated() -> None:
    statements = [
        {
            "sid": "ReadWrite",
            "effect": "Allow",
            "actions": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "resources": [None, None],
        }
    ]
    results = by_name(
        iam_policies.check(context(function_plan(statements, 2), {"iam": iam_summary_client()}))
    )
    size = results["iam.inline-policy-size"]
    assert size.status == "pass"
    assert "module.fn.aws_iam_role.this" in size.detail
    assert "2 unknown" in size.detail
    assert results["iam.least-privilege"].status == "pass"
    assert results["iam.role-count"].detail == "10 roles + 1 planned = 11 of 1000"


def trust_plan(accounts: list[str]) -> dict:
    """A role whose trust policy is not known before apply, rebuilt from its document: a service
    principal, and a condition naming the accounts that may use it."""
    statement = {
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
        "condition": [
            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": accounts}
        ],
    }
    return {
        "resource_changes": [
            resource("aws_iam_role.this", {"name": "r"}, unknown={"assume_role_policy": True}),
            resource(
                "data.aws_iam_policy_document.assume",
                {"statement": [statement], "json": None},
                actions=("read",),
                unknown={"json": True},
                mode="data",
            ),
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role.this",
                        "expressions": {
                            "assume_role_policy": {
                                "references": [
                                    "data.aws_iam_policy_document.assume.json",
                                    "data.aws_iam_policy_document.assume",
                                ]
                            }
                        },
                    }
                ]
            }
        },
    }


def test_a_rebuilt_trust_policy_counts_its_principals_and_conditions() -> None:
    # 200 account ids in the condition: over the 2,048 characters of a trust policy by
    # themselves, with every action and resource of the statement short.
    accounts = [f"{n:012d}" for n in range(200)]
    results = by_name(
        iam_policies.check(context(trust_plan(accounts), {"iam": iam_summary_client()}))
    )
    assert results["iam.trust-policy-size"].status == "fail"
    small = by_name(
        iam_policies.check(context(trust_plan([ACCOUNT]), {"iam": iam_summary_client()}))
    )
    assert small["iam.trust-policy-size"].status == "pass"


def test_known_statements_alone_over_10240_characters_fail() -> None:
    arns = [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/extra-table-{n:04d}" for n in range(200)]
    statements = [
        {"sid": "Mine", "effect": "Allow", "actions": ["dynamodb:GetItem"], "resources": [None]},
        {"sid": "Extra", "effect": "Allow", "actions": ["dynamodb:GetItem"], "resources": arns},
    ]
    results = by_name(
        iam_policies.check(context(function_plan(statements, 1), {"iam": iam_summary_client()}))
    )
    size = results["iam.inline-policy-size"]
    assert size.status == "fail"
    assert "> 10240" in size.detail
    assert size.hint


def test_sizes_count_no_whitespace() -> None:
    pretty = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}, indent=4)
    assert (
        iam_policies.minified(pretty) == '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}'
    )


def test_wildcards_are_not_least_privilege() -> None:
    statements = [
        {"sid": "A", "effect": "Allow", "actions": ["dynamodb:*"], "resources": ["arn:x"]},
        {"sid": "B", "effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"]},
        {"sid": "C", "effect": "Allow", "actions": ["xray:PutTraceSegments"], "resources": ["*"]},
    ]
    result = by_name(
        iam_policies.check(context(function_plan(statements), {"iam": iam_summary_client()}))
    )["iam.least-privilege"]
    assert result.status == "fail"
    assert "wildcard action dynamodb:*" in result.detail
    assert "s3:GetObject on every resource" in result.detail
    assert "xray" not in result.detail  # X-Ray's write actions take no resource: "*" is right


def test_too_many_roles_fail() -> None:
    results = by_name(
        iam_policies.check(
            context(function_plan([]), {"iam": iam_summary_client(roles=1000, quota=1000)})
        )
    )
    assert results["iam.role-count"].status == "fail"


# -- timeouts ----------------------------------------------------------------------------------


def timeout_plan(api_timeout: int, integration_ms: int, visibility: int, worker: int) -> dict:
    return {
        "resource_changes": [
            resource(
                "module.api.aws_lambda_function.this",
                {"function_name": "s-api", "timeout": api_timeout},
            ),
            resource(
                "module.w.aws_lambda_function.this",
                {"function_name": "s-worker", "timeout": worker},
            ),
            resource(
                "module.r.aws_lambda_permission.this",
                {"function_name": "s-api", "principal": "apigateway.amazonaws.com"},
            ),
            resource(
                "module.r.aws_api_gateway_integration.this",
                {"type": "AWS_PROXY", "timeout_milliseconds": integration_ms},
            ),
            resource(
                "module.j.aws_sqs_queue.this",
                {"name": "jobs", "visibility_timeout_seconds": visibility, "redrive_policy": "{}"},
            ),
            resource(
                "module.j.aws_sqs_queue.dlq", {"name": "jobs-dlq", "visibility_timeout_seconds": 30}
            ),
            resource(
                "module.j.aws_lambda_event_source_mapping.this",
                {"function_name": None},
                unknown={"function_name": True, "event_source_arn": True},
            ),
        ]
    }


def test_timeouts_in_order_pass() -> None:
    results = by_name(timeouts.check(context(timeout_plan(10, 29_000, 360, 60))))
    assert results["timeouts.api"].status == "pass"
    assert results["timeouts.queue-visibility"].status == "pass"
    assert "jobs 360 s >= 6 x 60 s" in results["timeouts.queue-visibility"].detail


def test_function_timeout_not_under_the_integration_fails() -> None:
    results = by_name(timeouts.check(context(timeout_plan(29, 29_000, 360, 60))))
    assert results["timeouts.api"].status == "fail"


def test_too_little_deadline_headroom_warns() -> None:
    results = by_name(timeouts.check(context(timeout_plan(28, 28_500, 360, 60))))
    assert results["timeouts.api"].status == "warn"
    assert "headroom" in results["timeouts.api"].detail


def test_visibility_under_six_times_the_worker_fails() -> None:
    results = by_name(timeouts.check(context(timeout_plan(10, 29_000, 300, 60))))
    assert results["timeouts.queue-visibility"].status == "fail"
    assert "jobs: visibility 300 s < 360 s" in results["timeouts.queue-visibility"].detail


def test_a_mapping_whose_queue_is_not_in_the_plan_is_no_pass() -> None:
    plan = timeout_plan(10, 29_000, 360, 60)
    foreign = "arn:aws:sqs:us-west-2:123456789012:someone-elses-queue"
    plan["resource_changes"][-1] = resource(
        "module.j.aws_lambda_event_source_mapping.this",
        {"function_name": "s-worker", "event_source_arn": foreign},
    )
    (_, visibility) = timeouts.check(context(plan))
    assert visibility.status == "warn"
    assert "module.j.aws_lambda_event_source_mapping.this is not in the plan" in visibility.detail


# -- quotas (AWS-only calls, stubbed with recorded-shape responses) ----------------------------


def concurrency_plan(reserved: int) -> dict:
    return {
        "resource_changes": [
            resource(
                "module.api.aws_lambda_function.this",
                {"function_name": "s-api", "reserved_concurrent_executions": reserved},
            )
        ]
    }


def lambda_client(total: int, unreserved: int) -> Any:
    client, stub = stubbed("lambda")
    stub.add_response(
        "get_account_settings",
        {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": total,
                "UnreservedConcurrentExecutions": unreserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        },
    )
    stub.activate()
    return client


def test_reserving_below_the_unreserved_minimum_fails_with_a_hint() -> None:
    clients = {"lambda": lambda_client(total=1000, unreserved=150)}
    result = quotas._lambda_concurrency(context(concurrency_plan(100), clients))
    assert result.status == "fail"
    assert "-> 50 unreserved" in result.detail
    assert "--request-increases" in result.hint


def test_request_increases_files_a_service_quotas_request() -> None:
    service_quotas, stub = stubbed("service-quotas")
    stub.add_response(
        "request_service_quota_increase",
        {
            "RequestedQuota": {
                "Id": "d1ab2c3e4f",
                "ServiceCode": "lambda",
                "QuotaCode": "L-B99A9384",
                "DesiredValue": 1050.0,
                "Status": "PENDING",
            }
        },
        {"ServiceCode": "lambda", "QuotaCode": "L-B99A9384", "DesiredValue": 1050.0},
    )
    stub.activate()
    clients = {"lambda": lambda_client(1000, 150), "service-quotas": service_quotas}
    result = quotas._lambda_concurrency(
        context(concurrency_plan(100), clients, request_increases=True)
    )
    assert result.status == "fail"  # nothing is applied until the increase is granted
    assert "request d1ab2c3e4f, PENDING" in result.hint
    stub.assert_no_pending_responses()


def test_service_quotas_applied_value_is_preferred_to_the_default() -> None:
    service_quotas, stub = stubbed("service-quotas")
    stub.add_response(
        "get_service_quota",
        {"Quota": {"ServiceCode": "dynamodb", "QuotaCode": "L-F98FE922", "Value": 3000.0}},
    )
    stub.activate()
    value = quotas.quota_value(
        context({}, {"service-quotas": service_quotas}), quotas.COUNT_QUOTAS[0]
    )
    assert value == (3000, "Service Quotas")


# -- IAM simulation (AWS only) -----------------------------------------------------------------


def test_simulation_reports_a_decision_that_differs_from_the_matrix() -> None:
    plan = {
        "resource_changes": [
            resource(
                "module.api.aws_lambda_function.this",
                {"function_name": "s-api", "role": "arn:aws:iam::1:role/api"},
                actions=("no-op",),
            ),
            resource(
                "module.r.aws_lambda_permission.this",
                {"function_name": "s-api", "principal": "apigateway.amazonaws.com"},
                actions=("no-op",),
            ),
            resource(
                "module.t.aws_dynamodb_table.this",
                {"arn": "arn:aws:dynamodb:us-west-2:1:table/t"},
                actions=("no-op",),
            ),
            resource(
                "module.j.aws_sqs_queue.this",
                {"arn": "arn:aws:sqs:us-west-2:1:jobs", "redrive_policy": "{}"},
                actions=("no-op",),
            ),
        ]
    }
    iam, stub = stubbed("iam")
    rows = iam_simulation.expected_matrix("t", "q", "b")
    for index, (action, _resource, allowed) in enumerate(rows):
        # The last row (s3:GetObject on the state bucket) comes back allowed: a leak.
        decision = "allowed" if allowed or index == len(rows) - 1 else "implicitDeny"
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [{"EvalActionName": action, "EvalDecision": decision}]},
        )
    stub.activate()
    (result,) = iam_simulation.check(context(plan, {"iam": iam}))
    assert result.status == "fail"
    assert "s3:GetObject on arn:aws:s3:::seawall-tfstate-" in result.detail


# -- the report --------------------------------------------------------------------------------


def test_the_table_shows_hints_only_for_warnings_and_failures() -> None:
    report = PreflightReport(
        checks=[
            CheckResult("a.ok", "pass", "fine", "unused hint"),
            CheckResult("b.bad", "fail", "broken", "fix it"),
        ]
    )
    table = render_table(report)
    assert "unused hint" not in table
    assert "-> fix it" in table
    assert table.endswith("preflight FAILED: 1 passed, 0 warnings, 1 failed")
    assert report.as_json()["failed"] is True


@given(st.from_regex(r"[0-9]{12}", fullmatch=True), st.integers(min_value=1, max_value=10_000))
def test_alternative_suffixes_fit_the_bucket_name_rules(account: str, counter: int) -> None:
    suffix = alternative_suffix(account, counter)
    assert re.fullmatch(r"[a-z0-9]{8}", suffix)
    assert suffix == alternative_suffix(account, counter)  # deterministic


# -- alarm subscribers and checkov -------------------------------------------------------------


def alarm_plan(subscribers: int) -> dict:
    changes = [resource("module.monitoring.aws_sns_topic.this", {"name": "alarms"})]
    changes += [
        resource(
            f'module.monitoring.aws_sns_topic_subscription.email["{n}@example.com"]',
            {"protocol": "email"},
        )
        for n in range(subscribers)
    ]
    return {"resource_changes": changes}


def test_prod_alarms_that_notify_nobody_warn_with_how_to_subscribe() -> None:
    (result,) = alarms.check(context(alarm_plan(0)))
    assert result.status == "warn"
    assert "alarm_email_addresses" in result.hint
    (subscribed,) = alarms.check(context(alarm_plan(2)))
    assert subscribed.status == "pass"


def test_subscriptions_that_cannot_be_listed_are_not_called_none() -> None:
    # An existing topic whose subscriptions (made outside Terraform, say a pager) the deploying
    # principal may not list: SNS's refusal, stubbed in its recorded shape.
    sns, stub = stubbed("sns")
    arn = f"arn:aws:sns:us-west-2:{ACCOUNT}:alarms"
    stub.add_client_error(
        "list_subscriptions_by_topic",
        service_error_code="AuthorizationError",
        service_message="not authorized to perform: SNS:ListSubscriptionsByTopic",
        http_status_code=403,
    )
    stub.activate()
    topic = resource(
        "module.monitoring.aws_sns_topic.this", {"name": "alarms", "arn": arn}, actions=("no-op",)
    )
    (result,) = alarms.check(context({"resource_changes": [topic]}, {"sns": sns}))
    assert result.status == "warn"
    assert "could not be listed (AuthorizationError)" in result.detail
    assert "notify nobody" not in result.detail


def test_alarms_without_subscribers_outside_prod_pass() -> None:
    dev = Context(
        target=FakeTarget({}, env="dev"),
        project=Project(Path("/nonexistent")),
        plan=PlanView(alarm_plan(0)),
    )
    (result,) = alarms.check(dev)
    assert result.status == "pass"


def test_checkov_is_optional(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no checkov on it
    result = static._checkov(context({}))
    assert (result.status, result.detail) == ("warn", "checkov is not installed")


def test_checkov_findings_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "checkov"  # prints a report in checkov's -o json shape
    fake.write_text(
        "#!/bin/sh\necho '"
        + json.dumps([{"check_type": "terraform", "summary": {"passed": 40, "failed": 2}}])
        + "'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = static._checkov(context({}))
    assert result.status == "fail"
    assert result.detail == "2 checkov findings (40 passed)"


def test_checkov_that_fails_to_run_is_no_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "checkov"  # crashes as a broken install does: no report, exit 2
    crash = "ModuleNotFoundError: No module named bc_jsonpath_ng"
    fake.write_text(f"#!/bin/sh\necho '{crash}' >&2\nexit 2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = static._checkov(context({}))
    assert result.status == "warn"
    # The one shape of a child's failure (seawall.command_output), on one line.
    terraform_dir = context({}).project.root / "terraform"
    assert result.detail == (
        f"checkov gave no result: `{fake} -d {terraform_dir} -o json --quiet` exited 2: {crash}"
    )


# A preflight killed while checkov scans: a parent that runs the checkov check and is SIGKILLed.
CHECKOV_PARENT = """
import sys
from pathlib import Path
from types import SimpleNamespace
from seawall.preflight import static
static._checkov(SimpleNamespace(project=SimpleNamespace(root=Path(sys.argv[1]))))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_checkov_dies_with_a_killed_preflight(tmp_path: Path) -> None:
    pid_file = tmp_path / "checkov.pid"
    fake = tmp_path / "checkov"  # says who it is, then scans "forever" (60 s)
    fake.write_text(
        f"#!/bin/sh\necho $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file}\nexec sleep 60\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    parent = subprocess.Popen([sys.executable, "-c", CHECKOV_PARENT, str(tmp_path)], env=env)
    checkov_pid = None
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.05)
        checkov_pid = int(pid_file.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert gone(checkov_pid, within_s=10), "checkov outlived the preflight that started it"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if checkov_pid is not None and not gone(checkov_pid, within_s=0):
            os.kill(checkov_pid, signal.SIGKILL)
