"""Checks over the deployed functions: timeout ordering, IAM, concurrency, the function
contract (docs/function-contract.md), and the deployed code against the release."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from botocore.exceptions import ClientError

from seawall.verify.checks_api import routes
from seawall.verify.model import Check, CheckSkipped, Outcome, expect

ALIAS = "live"
FUNCTIONS = {"api": "api_function_name", "worker": "worker_function_name"}
HANDLERS = {"api": "seawall_handler.api.handler", "worker": "seawall_handler.worker.handler"}
CONTRACT_VARIABLES = (
    "SEAWALL_ENVIRONMENT",
    "SEAWALL_TABLE_NAME",
    "SEAWALL_JOBS_QUEUE_URL",
    "SEAWALL_CORS_ALLOW_ORIGINS",
    "SEAWALL_LOG_LEVEL",
)
API_GATEWAY_MAX_TIMEOUT_MS = 29_000
# docs/function-contract.md: the handler answers 503 when less than 2 s remain.
API_MIN_TIMEOUT_S = 3
# AWS: the queue's visibility timeout must be at least the function's timeout.
UNRESERVED_MINIMUM = 100  # Lambda keeps 100 concurrent executions unreserved


def live_configuration(target: Any, function: str) -> dict[str, Any]:
    """The configuration the `live` alias serves ($LATEST when there is no alias)."""
    client = target.client("lambda")
    name = target.output(FUNCTIONS[function])
    try:
        return client.get_function_configuration(FunctionName=name, Qualifier=ALIAS)
    except client.exceptions.ResourceNotFoundException:
        return client.get_function_configuration(FunctionName=name)


def check_timeout_ordering(target: Any) -> Outcome:
    api_timeout_s = live_configuration(target, "api")["Timeout"]
    worker_timeout_s = live_configuration(target, "worker")["Timeout"]
    apigateway = target.client("apigateway")
    integration_ms = {}
    for path, verbs, _ in routes(target):
        for verb in verbs:
            integration = apigateway.get_integration(
                restApiId=target.output("api_id"),
                resourceId=_resource_id(target, path),
                httpMethod=verb,
            )
            integration_ms[f"{verb} {path}"] = int(
                integration.get("timeoutInMillis") or API_GATEWAY_MAX_TIMEOUT_MS
            )
    visibility_s = int(
        target.client("sqs").get_queue_attributes(
            QueueUrl=target.output("jobs_queue_url"), AttributeNames=["VisibilityTimeout"]
        )["Attributes"]["VisibilityTimeout"]
    )
    shortest_ms = min(integration_ms.values(), default=API_GATEWAY_MAX_TIMEOUT_MS)
    evidence = {
        "api function timeout s": api_timeout_s,
        "shortest integration timeout ms": shortest_ms,
        "worker function timeout s": worker_timeout_s,
        "jobs queue visibility timeout s": visibility_s,
    }
    expect(
        api_timeout_s >= API_MIN_TIMEOUT_S,
        f"the API function's timeout ({api_timeout_s} s) leaves no room for one DynamoDB attempt",
        evidence,
    )
    expect(
        api_timeout_s * 1000 < shortest_ms,
        f"the API function's timeout ({api_timeout_s} s) is not below "
        f"the integration timeout ({shortest_ms} ms)",
        evidence,
    )
    expect(
        worker_timeout_s <= visibility_s,
        f"the worker's timeout ({worker_timeout_s} s) exceeds "
        f"the queue's visibility timeout ({visibility_s} s)",
        evidence,
    )
    return Outcome(
        f"api {api_timeout_s} s < integration {shortest_ms / 1000:g} s; "
        f"worker {worker_timeout_s} s <= visibility {visibility_s} s",
        evidence,
    )


def _resource_id(target: Any, path: str) -> str:
    paginator = target.client("apigateway").get_paginator("get_resources")
    for page in paginator.paginate(restApiId=target.output("api_id")):
        for resource in page["items"]:
            if resource["path"] == path:
                return resource["id"]
    raise LookupError(path)


def _role_policies(iam: Any, role: str) -> dict[str, Any]:
    policies = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        policies[name] = document
    return policies


def check_iam_least_privilege(target: Any) -> Outcome:
    iam = target.client("iam")
    evidence: dict[str, Any] = {}
    wrong = []
    for function in FUNCTIONS:
        role = live_configuration(target, function)["Role"].rsplit("/", 1)[-1]
        policies = _role_policies(iam, role)
        attached = [
            p["PolicyName"]
            for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        ]
        size = sum(len(json.dumps(doc, separators=(",", ":"))) for doc in policies.values())
        statements = [s for doc in policies.values() for s in _as_list(doc.get("Statement"))]
        actions = [
            a for s in statements if s.get("Effect") == "Allow" for a in _as_list(s.get("Action"))
        ]
        resources = [
            r for s in statements if s.get("Effect") == "Allow" for r in _as_list(s.get("Resource"))
        ]
        evidence[function] = {
            "role": role,
            "inline bytes": size,
            "actions": sorted(set(actions)),
            "managed": attached,
        }
        if size > 10_240:
            wrong.append(f"{function}: inline policies of {size} bytes (limit 10240)")
        if any("*" in a for a in actions):
            wrong.append(f"{function}: wildcard actions")
        if "*" in resources:
            wrong.append(f"{function}: `*` resources")
        if not actions:
            wrong.append(f"{function}: no inline policy (its calls would be refused)")
    expect(not wrong, "; ".join(wrong), evidence)
    return Outcome("least-privilege inline policies, no wildcards", evidence)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def check_concurrency_headroom(target: Any) -> Outcome:
    client = target.client("lambda")
    try:
        limits = client.get_account_settings()["AccountLimit"]
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise CheckSkipped("this endpoint does not serve GetAccountSettings") from None
        raise
    total, unreserved = (
        limits.get("ConcurrentExecutions"),
        limits.get("UnreservedConcurrentExecutions"),
    )
    reserved = {}
    for function, output in FUNCTIONS.items():
        reserved[function] = client.get_function_concurrency(
            FunctionName=target.output(output)
        ).get("ReservedConcurrentExecutions")
    evidence = {"account limit": total, "unreserved": unreserved, "reserved by the stack": reserved}
    expect(
        unreserved is None or unreserved >= UNRESERVED_MINIMUM,
        f"only {unreserved} unreserved concurrent executions left",
        evidence,
    )
    return Outcome(f"account limit {total}, {unreserved} unreserved", evidence)


def check_function_contract(target: Any) -> Outcome:
    evidence: dict[str, Any] = {}
    wrong = []
    for function in FUNCTIONS:
        config = live_configuration(target, function)
        variables = config.get("Environment", {}).get("Variables", {})
        evidence[function] = {
            "handler": config.get("Handler"),
            "runtime": config.get("Runtime"),
            "variables": sorted(variables),
        }
        if config.get("Handler") != HANDLERS[function]:
            wrong.append(f"{function}: handler {config.get('Handler')}")
        missing = [v for v in CONTRACT_VARIABLES if v not in variables]
        if missing:
            wrong.append(f"{function}: missing {', '.join(missing)}")
        if variables.get("SEAWALL_TABLE_NAME", target.output("table_name")) != target.output(
            "table_name"
        ):
            wrong.append(f"{function}: SEAWALL_TABLE_NAME is not the stack's table")
        if variables.get("SEAWALL_FAULT_INJECTION"):
            evidence[function]["fault"] = variables["SEAWALL_FAULT_INJECTION"]
            wrong.append(
                f"{function}: a fault is switched on (`seawall fault clear --function {function}`)"
            )
    expect(not wrong, "; ".join(wrong), evidence)
    return Outcome("both functions follow docs/function-contract.md, no fault on", evidence)


def check_code_sha_matches_release(target: Any) -> Outcome:
    expected = getattr(target, "release_code_sha256", None)
    if not expected:
        raise CheckSkipped("no release recorded for this target (the deploy command records one)")
    deployed = {f: live_configuration(target, f)["CodeSha256"] for f in FUNCTIONS}
    evidence = {"release": expected, "deployed": deployed}
    stale = [f for f, sha in deployed.items() if sha != expected]
    expect(not stale, f"deployed code differs from the release: {', '.join(stale)}", evidence)
    return Outcome(f"both functions run {expected}", evidence)


# AWS's own limits (the Lambda and SQS quotas that no quota increase lifts).
MAX_FUNCTION_TIMEOUT_S = 900
MEMORY_MB = (128, 10_240)
MAX_SQS_BATCH = 10_000


def check_service_limits(target: Any) -> Outcome:
    evidence: dict[str, Any] = {}
    wrong = []
    client = target.client("lambda")
    for function in FUNCTIONS:
        config = live_configuration(target, function)
        timeout_s, memory_mb = config["Timeout"], config["MemorySize"]
        evidence[function] = {"timeout s": timeout_s, "memory MB": memory_mb}
        if timeout_s > MAX_FUNCTION_TIMEOUT_S:
            wrong.append(f"{function}: timeout {timeout_s} s > {MAX_FUNCTION_TIMEOUT_S} s")
        if not MEMORY_MB[0] <= memory_mb <= MEMORY_MB[1]:
            wrong.append(f"{function}: memory {memory_mb} MB outside {MEMORY_MB}")
    # By queue: a mapping may name the function, a version or the alias.
    queue_arn = target.client("sqs").get_queue_attributes(
        QueueUrl=target.output("jobs_queue_url"), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    mappings = client.list_event_source_mappings(EventSourceArn=queue_arn).get(
        "EventSourceMappings", []
    )
    evidence["queue batch sizes"] = [m.get("BatchSize") for m in mappings]
    wrong += [
        f"batch size {m['BatchSize']} > {MAX_SQS_BATCH}"
        for m in mappings
        if m.get("BatchSize", 0) > MAX_SQS_BATCH
    ]
    expect(bool(mappings), "the worker has no queue event source mapping", evidence)
    expect(not wrong, "; ".join(wrong), evidence)
    return Outcome("deployed values within Lambda's and SQS's limits", evidence)


CHECKS = (
    Check("service-limits", "deployed values within AWS's limits", check_service_limits),
    Check(
        "timeout-ordering",
        "function timeouts below integration and visibility timeouts",
        check_timeout_ordering,
        timeout_s=60,
    ),
    Check(
        "iam-least-privilege",
        "least-privilege roles within IAM's size limit",
        check_iam_least_privilege,
    ),
    Check(
        "concurrency-headroom",
        "concurrency left under the account quota",
        check_concurrency_headroom,
    ),
    Check(
        "function-contract",
        "the functions follow the contract, no fault on",
        check_function_contract,
    ),
    Check(
        "code-sha-matches-release",
        "the deployed code is the release",
        check_code_sha_matches_release,
    ),
)
