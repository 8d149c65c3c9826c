"""What the API function's role may do, asked of IAM itself (`iam:SimulatePrincipalPolicy`).

The expected matrix: the API function may read and write its table and send to its queue; it may
not delete the table nor read the Terraform state bucket. AWS only: the emulator does not evaluate
IAM policies, and on a first deploy the role does not exist yet (checked on the next plan).
"""

from __future__ import annotations

from seawall.preflight.context import Context, client_error_code
from seawall.preflight.report import CheckResult

NAME = "iam.simulation"
ALLOWED_ON_TABLE = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query")
DENIED_ON_TABLE = ("dynamodb:DeleteTable",)


def expected_matrix(
    table_arn: str, queue_arn: str, state_bucket: str
) -> list[tuple[str, str, bool]]:
    """(action, resource, allowed?) rows."""
    rows = [(action, table_arn, True) for action in ALLOWED_ON_TABLE]
    rows.append(("sqs:SendMessage", queue_arn, True))
    rows += [(action, table_arn, False) for action in DENIED_ON_TABLE]
    rows.append(("s3:GetObject", f"arn:aws:s3:::{state_bucket}/*", False))
    return rows


def check(context: Context) -> list[CheckResult]:
    if context.target.is_emulator:
        return [CheckResult(NAME, "pass", "skipped: IAM simulation runs against AWS only")]
    role_arn, table_arn, queue_arn = _arns(context)
    if not (role_arn and table_arn and queue_arn):
        return [
            CheckResult(
                NAME,
                "warn",
                "the API role, table or queue does not exist yet",
                "simulated on the next plan, after the first deploy",
            )
        ]
    rows = expected_matrix(table_arn, queue_arn, context.target.backend().bucket)
    iam = context.target.client("iam")
    wrong = []
    try:
        for action, resource, allowed in rows:
            result = iam.simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource]
            )["EvaluationResults"][0]
            if (result["EvalDecision"] == "allowed") != allowed:
                expected = "allowed" if allowed else "denied"
                wrong.append(
                    f"{action} on {resource}: {result['EvalDecision']}, expected {expected}"
                )
    except Exception as error:
        return [
            CheckResult(
                NAME,
                "warn",
                f"SimulatePrincipalPolicy failed: {client_error_code(error)}",
                "the deploying principal needs iam:SimulatePrincipalPolicy",
            )
        ]
    if wrong:
        return [
            CheckResult(
                NAME, "fail", "; ".join(wrong), "fix the function's policy_statements in the stack"
            )
        ]
    return [CheckResult(NAME, "pass", f"{len(rows)} expected allow/deny decisions hold")]


def _arns(context: Context) -> tuple[str | None, str | None, str | None]:
    plan = context.plan
    api_names = {
        str(permission.known("function_name") or "")
        for permission in plan.resources("aws_lambda_permission")
        if permission.after.get("principal") == "apigateway.amazonaws.com"
    }
    role = next(
        (
            function.known("role")
            for function in plan.resources("aws_lambda_function")
            if function.action not in ("add", "replace")
            and any(str(function.after.get("function_name")) in name for name in api_names if name)
        ),
        None,
    )
    table = next(
        (t.known("arn") for t in plan.resources("aws_dynamodb_table") if t.action is None), None
    )
    queue = next(
        (
            q.known("arn")
            for q in plan.resources("aws_sqs_queue")
            if q.action is None and q.after.get("redrive_policy")
        ),
        None,
    )
    return role, table, queue
