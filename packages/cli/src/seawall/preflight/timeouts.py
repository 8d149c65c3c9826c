"""Timeouts in the right order, read from the plan.

- API: function timeout < integration timeout <= 29 s (API Gateway's maximum for a Lambda
  integration), and at least DEADLINE_HEADROOM_S between them: the function's own deadline answer
  (a 503 the client can retry) must reach the gateway before the gateway gives up with a 504.
- Jobs: a queue's visibility timeout >= 6x the timeout of the worker that consumes it (AWS's
  guidance for SQS event sources), so a message is not handed out again while it is processed.

Which function serves the API is read from the API Gateway permissions; which function and queue
an event source mapping joins are read by name or ARN when known, else from the configuration's
references (first plan: ARNs unknown); a worker not named that way is any non-API function.
"""

from __future__ import annotations

from seawall.preflight.context import Context
from seawall.preflight.planview import Planned
from seawall.preflight.report import CheckResult

INTEGRATION_MAXIMUM_S = 29.0
DEADLINE_HEADROOM_S = 1.0
VISIBILITY_FACTOR = 6


def check(context: Context) -> list[CheckResult]:
    timeouts = {
        str(function.after.get("function_name")): float(function.after.get("timeout") or 3)
        for function in context.plan.resources("aws_lambda_function")
    }
    api = _api_functions(context, timeouts)
    return [_api_order(context, api, timeouts), _visibility(context, api, timeouts)]


def _api_functions(context: Context, timeouts: dict[str, float]) -> set[str]:
    names = set()
    for permission in context.plan.resources("aws_lambda_permission"):
        if permission.after.get("principal") != "apigateway.amazonaws.com":
            continue
        target = str(permission.known("function_name") or "")
        names |= {name for name in timeouts if target == name or target.endswith(f":{name}")}
    return names


def _api_order(context: Context, api: set[str], timeouts: dict[str, float]) -> CheckResult:
    name = "timeouts.api"
    integrations = [
        integration
        for integration in context.plan.resources("aws_api_gateway_integration")
        if integration.after.get("type") in ("AWS_PROXY", "AWS")
    ]
    if not api or not integrations:
        return CheckResult(name, "pass", "no Lambda integrations in the plan")
    integration_s = min(
        float(item.after.get("timeout_milliseconds") or 29_000) / 1000 for item in integrations
    )
    problems, notes = [], []
    for function in sorted(api):
        timeout = timeouts[function]
        headroom = integration_s - timeout
        notes.append(f"{function} {timeout:g} s < integration {integration_s:g} s")
        if headroom <= 0:
            problems.append(f"{function}: timeout {timeout:g} s >= integration {integration_s:g} s")
        elif headroom < DEADLINE_HEADROOM_S:
            problems.append(f"{function}: only {headroom:g} s of deadline headroom")
    if integration_s > INTEGRATION_MAXIMUM_S:
        problems.append(f"integration timeout {integration_s:g} s > {INTEGRATION_MAXIMUM_S:g} s")
    if problems:
        status = "fail" if any("headroom" not in p for p in problems) else "warn"
        return CheckResult(
            name,
            status,
            "; ".join(problems),
            f"keep the API function's timeout at least {DEADLINE_HEADROOM_S:g} s under the "
            "integration timeout, which is at most 29 s",
        )
    return CheckResult(name, "pass", "; ".join(notes))


def _visibility(context: Context, api: set[str], timeouts: dict[str, float]) -> CheckResult:
    name = "timeouts.queue-visibility"
    mappings = [
        mapping
        for mapping in context.plan.resources("aws_lambda_event_source_mapping")
        if ":sqs:" in str(mapping.after.get("event_source_arn") or ":sqs:")
    ]
    if not mappings:
        return CheckResult(name, "pass", "no queue triggers a function")
    queues = context.plan.resources("aws_sqs_queue")
    problems, notes, unchecked = [], [], []
    for mapping in mappings:
        function = str(mapping.known("function_name") or "")
        workers = [n for n in timeouts if function == n or f":function:{n}" in function]
        workers = workers or [n for n in timeouts if n not in api]
        consumed = _queues_of(context, mapping, queues)
        if not consumed:
            unchecked.append(mapping.address)
        worker_timeout = max((timeouts[w] for w in workers), default=0.0)
        for queue in consumed:
            visibility = float(queue.after.get("visibility_timeout_seconds") or 30)
            label = str(queue.after.get("name") or queue.address)
            needed = VISIBILITY_FACTOR * worker_timeout
            notes.append(f"{label} {visibility:g} s >= {VISIBILITY_FACTOR} x {worker_timeout:g} s")
            if visibility < needed:
                problems.append(f"{label}: visibility {visibility:g} s < {needed:g} s")
    if problems:
        return CheckResult(
            name,
            "fail",
            "; ".join(problems),
            f"set the queue's visibility timeout to at least {VISIBILITY_FACTOR}x the worker's",
        )
    if unchecked:  # a queue outside the plan: nothing was compared, so it is no pass
        return CheckResult(
            name,
            "warn",
            f"the queue of {', '.join(unchecked)} is not in the plan: its visibility timeout "
            "was not checked",
            f"make sure it is at least {VISIBILITY_FACTOR}x the worker's timeout",
        )
    return CheckResult(name, "pass", "; ".join(notes))


def _queues_of(context: Context, mapping: Planned, queues: list[Planned]) -> list[Planned]:
    """The queue a mapping reads: by ARN when known, else by the configuration's reference
    (`event_source_arn = aws_sqs_queue.this.arn`), else every queue that is not a dead-letter
    queue of another (one with a redrive policy of its own, or none named as a DLQ)."""
    source = mapping.known("event_source_arn")
    if source:
        return [queue for queue in queues if queue.known("arn") == source]
    referenced = [
        queue
        for reference in context.plan.references(mapping, "event_source_arn")
        if (queue := context.plan.by_address(reference)) is not None
        and queue.type == "aws_sqs_queue"
    ]
    if referenced:
        return referenced
    return [q for q in queues if q.after.get("redrive_policy") or q.is_unknown("redrive_policy")]
