"""Quotas: what the account allows, what it uses now, and what the plan adds.

Sources, in order: the service's own describe call where it is the authority (Lambda
`GetAccountSettings`, DynamoDB `DescribeLimits`), Service Quotas' applied value, Service Quotas'
default, and last the documented default (said so in the detail). `--request-increases` files a
Service Quotas increase request for every adjustable quota the plan would exceed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seawall.preflight.context import Context, client_error_code
from seawall.preflight.report import CheckResult
from seawall.target import Target

# AWS keeps at least this much of the account's concurrency unreserved.
MINIMUM_UNRESERVED = 100
LAMBDA_CONCURRENCY = ("lambda", "L-B99A9384")


@dataclass(frozen=True)
class CountQuota:
    name: str  # the check's name
    what: str  # "DynamoDB tables"
    resource_type: str  # what the plan adds
    default: int  # the documented default
    code: tuple[str, str] | None  # (ServiceCode, QuotaCode) when Service Quotas has it
    usage: Callable[[Target], int]
    # where `default` comes from, said in the detail when nothing in the account reports it
    source: str = "documented default"


def _count_pages(client: Any, operation: str, key: str, **kwargs: Any) -> int:
    return sum(
        len(page.get(key, [])) for page in client.get_paginator(operation).paginate(**kwargs)
    )


def _tables(target: Target) -> int:
    return _count_pages(target.client("dynamodb"), "list_tables", "TableNames")


def _rest_apis(target: Target) -> int:
    return _count_pages(target.client("apigateway"), "get_rest_apis", "items")


def _alarms(target: Target) -> int:
    cloudwatch = target.client("cloudwatch")
    return _count_pages(cloudwatch, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])


def _log_groups(target: Target) -> int:
    return _count_pages(target.client("logs"), "describe_log_groups", "logGroups")


def _buckets(target: Target) -> int:
    return len(target.client("s3").list_buckets().get("Buckets", []))


COUNT_QUOTAS = (
    CountQuota(
        "quota.dynamodb-tables", "DynamoDB tables", "aws_dynamodb_table", 2500,
        ("dynamodb", "L-F98FE922"), _tables,
    ),
    # Regional REST APIs per region: 600, fixed (API Gateway's documented quotas).
    CountQuota(
        "quota.rest-apis", "REST APIs", "aws_api_gateway_rest_api", 600, None, _rest_apis,
        "documented, fixed",
    ),
    # No Service Quotas code is read for these two: a conservative bound, not the account's value.
    CountQuota(
        "quota.alarms", "CloudWatch metric alarms", "aws_cloudwatch_metric_alarm", 5000, None,
        _alarms, "assumed bound, not read from the account",
    ),
    CountQuota(
        "quota.log-groups", "CloudWatch log groups", "aws_cloudwatch_log_group", 1_000_000, None,
        _log_groups, "assumed bound, not read from the account",
    ),
    CountQuota(
        "quota.buckets", "S3 general purpose buckets", "aws_s3_bucket", 10_000,
        ("s3", "L-DC2B2D3D"), _buckets,
    ),
)  # fmt: skip


def check(context: Context) -> list[CheckResult]:
    results = [_lambda_concurrency(context), _dynamodb_capacity(context)]
    results += [_count(context, quota) for quota in COUNT_QUOTAS]
    return results


# -- what is read from the account (seawall.preflight.reads) -----------------------------------

LAMBDA_SETTINGS = "lambda.account-settings"
DYNAMODB_LIMITS = "dynamodb.limits"


def account_reads(target: Target) -> dict[str, Callable[[], Any]]:
    """The reads of the checks below that do not depend on the plan, by key: asked while
    terraform plans (seawall.planflow), answered from `context.reads` when a check runs."""
    reads: dict[str, Callable[[], Any]] = {
        LAMBDA_SETTINGS: lambda: target.client("lambda").get_account_settings(),
        DYNAMODB_LIMITS: lambda: target.client("dynamodb").describe_limits(),
    }
    for quota in COUNT_QUOTAS:
        reads[_usage_key(quota)] = functools.partial(quota.usage, target)
        if quota.code is not None:
            reads[_quota_key(quota)] = functools.partial(_service_quota, target, quota)
    return reads


def _usage_key(quota: CountQuota) -> str:
    return f"usage:{quota.name}"


def _quota_key(quota: CountQuota) -> str:
    return f"quota-value:{quota.name}"


# -- Lambda concurrency ------------------------------------------------------------------------


def reserved_delta(context: Context) -> int:
    """Concurrency the plan takes out of the unreserved pool: reserved concurrency it adds or
    raises, plus provisioned concurrency of functions without a reservation of their own."""
    delta = 0
    reserved_by_name: dict[str, int] = {}
    for function in context.plan.resources("aws_lambda_function"):
        after = _reserved(function.after.get("reserved_concurrent_executions"))
        before = _reserved(function.before.get("reserved_concurrent_executions"))
        delta += after - before
        reserved_by_name[str(function.after.get("function_name", ""))] = after
    for config in context.plan.resources("aws_lambda_provisioned_concurrency_config"):
        if reserved_by_name.get(str(config.after.get("function_name", "")), 0) > 0:
            continue  # provisioned inside the function's own reservation
        after = int(config.after.get("provisioned_concurrent_executions") or 0)
        before = int(config.before.get("provisioned_concurrent_executions") or 0)
        delta += after - before
    return delta


def _reserved(value: Any) -> int:
    # The provider reports "no reservation" as -1.
    return int(value) if value is not None and int(value) > 0 else 0


def _lambda_concurrency(context: Context) -> CheckResult:
    name = "quota.lambda-concurrency"
    delta = reserved_delta(context)
    try:
        settings = context.reads.get(
            LAMBDA_SETTINGS, lambda: context.target.client("lambda").get_account_settings()
        )
        limits = settings["AccountLimit"]
    except Exception as error:
        return CheckResult(
            name,
            "warn",
            f"Lambda GetAccountSettings not answered ({client_error_code(error)}); "
            f"the plan reserves {delta:+d}",
            "on AWS this is checked; an emulator may not implement the call",
        )
    total = int(limits["ConcurrentExecutions"])
    unreserved = int(limits["UnreservedConcurrentExecutions"])
    left = unreserved - delta
    detail = (
        f"account limit {total}, unreserved {unreserved}; the plan reserves {delta:+d} "
        f"-> {left} unreserved (AWS keeps at least {MINIMUM_UNRESERVED})"
    )
    if left >= MINIMUM_UNRESERVED:
        return CheckResult(name, "pass", detail)
    needed = total + (MINIMUM_UNRESERVED - left)
    hint = (
        f"lower reserved/provisioned concurrency in terraform/envs/{context.target.env}.tfvars, "
        f"or raise the quota to {needed}: seawall preflight --env {context.target.env} "
        "--request-increases"
    )
    if context.request_increases:
        hint = _request_increase(context, LAMBDA_CONCURRENCY, needed)
    return CheckResult(name, "fail", detail, hint)


# -- DynamoDB capacity -------------------------------------------------------------------------


def _dynamodb_capacity(context: Context) -> CheckResult:
    name = "quota.dynamodb-capacity"
    read = write = 0
    for table in context.plan.resources("aws_dynamodb_table"):
        if table.after.get("billing_mode") == "PROVISIONED":
            read += int(table.after.get("read_capacity") or 0)
            write += int(table.after.get("write_capacity") or 0)
    try:
        limits = context.reads.get(
            DYNAMODB_LIMITS, lambda: context.target.client("dynamodb").describe_limits()
        )
    except Exception as error:
        return CheckResult(
            name, "warn", f"DynamoDB DescribeLimits not answered ({client_error_code(error)})"
        )
    table_read, table_write = (
        limits["TableMaxReadCapacityUnits"],
        limits["TableMaxWriteCapacityUnits"],
    )
    detail = (
        f"the plan provisions {read} RCU / {write} WCU in total; per table at most "
        f"{table_read} / {table_write}, per account {limits['AccountMaxReadCapacityUnits']} / "
        f"{limits['AccountMaxWriteCapacityUnits']}"
    )
    if (
        read > limits["AccountMaxReadCapacityUnits"]
        or write > limits["AccountMaxWriteCapacityUnits"]
    ):
        return CheckResult(
            name, "fail", detail, "lower the table's capacity, or use PAY_PER_REQUEST billing"
        )
    return CheckResult(name, "pass", detail)


# -- resource counts ---------------------------------------------------------------------------


def _count(context: Context, quota: CountQuota) -> CheckResult:
    adds = len(context.plan.added(quota.resource_type))
    try:
        used = context.reads.get(_usage_key(quota), lambda: quota.usage(context.target))
    except Exception as error:
        return CheckResult(
            quota.name, "warn", f"could not count {quota.what} ({client_error_code(error)})"
        )
    limit, source = quota_value(context, quota)
    detail = f"{used} {quota.what} + {adds} planned = {used + adds} of {limit} ({source})"
    if used + adds <= limit:
        return CheckResult(quota.name, "pass", detail)
    if quota.code is None:
        return CheckResult(
            quota.name, "fail", detail, f"delete unused {quota.what} first: this quota is fixed"
        )
    hint = f"delete unused {quota.what}, or: seawall preflight --request-increases"
    if context.request_increases:
        hint = _request_increase(context, quota.code, used + adds)
    return CheckResult(quota.name, "fail", detail, hint)


def quota_value(context: Context, quota: CountQuota) -> tuple[int, str]:
    """The quota's value and where it came from."""
    if quota.code is None:
        return quota.default, quota.source
    return context.reads.get(_quota_key(quota), lambda: _service_quota(context.target, quota))


def _service_quota(target: Target, quota: CountQuota) -> tuple[int, str]:
    assert quota.code is not None
    service_code, quota_code = quota.code
    client = target.client("service-quotas")
    for operation, source in (
        (client.get_service_quota, "Service Quotas"),
        (client.get_aws_default_service_quota, "Service Quotas default"),
    ):
        try:
            value = operation(ServiceCode=service_code, QuotaCode=quota_code)["Quota"]["Value"]
            return int(value), source
        except Exception:  # noqa: S112 - try the next source
            continue
    return quota.default, f"{quota.source}; Service Quotas did not answer"


def _request_increase(context: Context, code: tuple[str, str], desired: int) -> str:
    service_code, quota_code = code
    client = context.target.client("service-quotas")
    try:
        response = client.request_service_quota_increase(
            ServiceCode=service_code, QuotaCode=quota_code, DesiredValue=float(desired)
        )
    except Exception as error:
        return (
            f"the increase request to {desired} ({service_code} {quota_code}) failed: "
            f"{client_error_code(error)}; file it in the Service Quotas console"
        )
    change = response["RequestedQuota"]
    return (
        f"increase to {desired} requested ({service_code} {quota_code}, request "
        f"{change['Id']}, {change['Status']}); re-run preflight once it is approved"
    )
