"""IAM from the plan: policy sizes as IAM counts them, the role count, and least privilege.

IAM counts a policy's characters without whitespace: inline policies of one role together at most
10,240, a managed policy 6,144, a trust policy 2,048 (the defaults; the trust policy quota can be
raised to 4,096). A policy whose ARNs are not known before the first apply is rebuilt from its
`aws_iam_policy_document` in the plan: the known part is a lower bound (a failure when it alone is
too large), and each unknown value is estimated at UNKNOWN_VALUE_LENGTH characters (a warning).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seawall.preflight.context import Context, client_error_code
from seawall.preflight.planview import Planned, PlanView
from seawall.preflight.report import CheckResult
from seawall.target import Target

INLINE_LIMIT = 10_240
MANAGED_LIMIT = 6_144
TRUST_LIMIT = 2_048
# A table or queue ARN in a long region, with a long name: what an unknown value is counted as.
UNKNOWN_VALUE_LENGTH = 80
# Actions that read or write data: never on "*".
DATA_ACTION_PREFIXES = (
    "dynamodb:Get", "dynamodb:Put", "dynamodb:Update", "dynamodb:Delete", "dynamodb:Batch",
    "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQL",
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt",
    "secretsmanager:GetSecretValue", "ssm:GetParameter", "sns:Publish", "lambda:InvokeFunction",
)  # fmt: skip


@dataclass(frozen=True)
class Document:
    owner: str  # the resource address it belongs to
    text: str  # minified JSON; unknown values as ""
    unknowns: int  # values not known before apply

    @property
    def known_size(self) -> int:
        return len(self.text)

    @property
    def estimated_size(self) -> int:
        return self.known_size + self.unknowns * UNKNOWN_VALUE_LENGTH

    @property
    def statements(self) -> list[dict[str, Any]]:
        statements = json.loads(self.text).get("Statement", [])
        return statements if isinstance(statements, list) else [statements]


def minified(text: str) -> str:
    """The policy as IAM counts it: the JSON without insignificant whitespace."""
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


def document(plan: PlanView, item: Planned, attribute: str) -> Document | None:
    """The policy in `item.attribute`: its text if known, else rebuilt from the policy document
    data source it refers to; None if neither is possible."""
    text = item.known(attribute)
    if isinstance(text, str) and text:
        return Document(item.address, minified(text), 0)
    for reference in plan.references(item, attribute):
        source = plan.by_address(reference.removesuffix(".json"))
        if source is not None and source.type == "aws_iam_policy_document":
            return _rebuilt(source)
    return None


def _rebuilt(source: Planned) -> Document:
    """aws_iam_policy_document's JSON from its planned statements (as the provider renders it:
    one-element lists become strings), counting the values not known yet."""
    unknowns = 0
    statements = []
    unknown_statements = source.after_unknown.get("statement") or []
    for index, statement in enumerate(source.after.get("statement") or []):
        marks = unknown_statements[index] if index < len(unknown_statements) else {}
        rendered: dict[str, Any] = {}
        if statement.get("sid"):
            rendered["Sid"] = statement["sid"]
        rendered["Effect"] = statement.get("effect") or "Allow"
        for key, name in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            values, missing = _values(statement.get(key), (marks or {}).get(key))
            unknowns += missing
            if values:
                rendered[name] = values[0] if len(values) == 1 else sorted(values)
        # Principals and conditions count too (a trust policy is mostly these): type ->
        # identifiers, test -> {variable: values}.
        for key, name, outer, inner, values_key in (
            ("principals", "Principal", "type", None, "identifiers"),
            ("not_principals", "NotPrincipal", "type", None, "identifiers"),
            ("condition", "Condition", "test", "variable", "values"),
        ):
            blocks, missing = _blocks(
                statement.get(key), (marks or {}).get(key), outer, inner, values_key
            )
            unknowns += missing
            if blocks:
                rendered[name] = blocks
        statements.append(rendered)
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    return Document(source.address, text, unknowns)


def _blocks(
    blocks: Any, unknown: Any, outer: str, inner: str | None, values_key: str
) -> tuple[dict[str, Any], int]:
    """Nested blocks as the provider renders them: {outer: values} ({outer: {inner: values}} for
    conditions), one value as a string; and how many values are not known yet."""
    if unknown is True:
        return {}, 1
    collected: dict[tuple[str, str], list[str]] = defaultdict(list)  # blocks alike merge
    unknowns = 0
    for index, block in enumerate(blocks or []):
        marks = unknown[index] if isinstance(unknown, list) and index < len(unknown) else {}
        values, missing = _values(block.get(values_key), (marks or {}).get(values_key))
        unknowns += missing
        where = (str(block.get(outer) or ""), str(block.get(inner) or "") if inner else "")
        collected[where] += values
    rendered: dict[str, Any] = {}
    for (key, sub), values in collected.items():
        if not values:
            continue
        value: Any = values[0] if len(values) == 1 else sorted(values)
        if inner is None:
            rendered[key] = value
        else:
            rendered.setdefault(key, {})[sub] = value
    return rendered, unknowns


def _values(values: Any, unknown: Any) -> tuple[list[str], int]:
    if unknown is True:
        return [], 1
    known = [value for value in values or [] if isinstance(value, str)]
    missing = sum(1 for value in values or [] if value is None)
    if isinstance(unknown, list):
        missing = max(missing, sum(1 for mark in unknown if mark is True))
    return known, missing


# -- the checks --------------------------------------------------------------------------------


def check(context: Context) -> list[CheckResult]:
    plan = context.plan
    inline: dict[str, list[Document]] = defaultdict(list)
    unreadable: list[str] = []
    for policy in plan.resources("aws_iam_role_policy"):
        found = document(plan, policy, "policy")
        if found is None:
            unreadable.append(policy.address)
        else:
            inline[_role_of(plan, policy)].append(found)
    managed = _documents(plan, "aws_iam_policy", "policy", unreadable)
    trust = _documents(plan, "aws_iam_role", "assume_role_policy", unreadable)
    results = [
        _inline_sizes(inline),
        _sizes("iam.managed-policy-size", "managed policy", managed, MANAGED_LIMIT),
        _sizes("iam.trust-policy-size", "trust policy", trust, TRUST_LIMIT),
        _role_count(context),
        _least_privilege([doc for docs in inline.values() for doc in docs] + managed),
    ]
    if unreadable:
        results.append(
            CheckResult(
                "iam.policies-readable",
                "warn",
                f"{len(unreadable)} policies cannot be read from the plan: "
                + ", ".join(unreadable[:3]),
                "they are checked on the next plan, once their values are known",
            )
        )
    return results


def _documents(plan: PlanView, kind: str, attribute: str, unreadable: list[str]) -> list[Document]:
    documents = []
    for item in plan.resources(kind):
        found = document(plan, item, attribute)
        if found is None:
            unreadable.append(item.address)
        else:
            documents.append(found)
    return documents


def _role_of(plan: PlanView, policy: Planned) -> str:
    """The role an inline policy belongs to: by name when known, else by reference."""
    name = policy.known("role")
    if name:
        for role in plan.resources("aws_iam_role"):
            if role.known("name") == name:
                return role.address
        return f"role {name}"
    for reference in plan.references(policy, "role"):
        role = plan.by_address(reference)
        if role is not None and role.type == "aws_iam_role":
            return role.address
    return policy.address


def _size_text(doc: Document) -> str:
    if doc.unknowns:
        return f"at least {doc.known_size}, about {doc.estimated_size} ({doc.unknowns} unknown)"
    return str(doc.known_size)


def _inline_sizes(inline: dict[str, list[Document]]) -> CheckResult:
    name = "iam.inline-policy-size"
    if not inline:
        return CheckResult(name, "pass", "no inline role policies in the plan")
    totals = {
        role: Document(role, "".join(doc.text for doc in docs), sum(doc.unknowns for doc in docs))
        for role, docs in inline.items()
    }
    return _sizes(name, "inline policies of role", list(totals.values()), INLINE_LIMIT)


def _sizes(name: str, what: str, documents: list[Document], limit: int) -> CheckResult:
    if not documents:
        return CheckResult(name, "pass", f"no {what} in the plan")
    over = [doc for doc in documents if doc.known_size > limit]
    maybe = [doc for doc in documents if doc.known_size <= limit < doc.estimated_size]
    largest = max(documents, key=lambda doc: doc.estimated_size)
    hint = "split the statements across roles or managed policies, or merge statements"
    if over:
        detail = "; ".join(f"{doc.owner}: {_size_text(doc)} > {limit}" for doc in over)
        return CheckResult(name, "fail", f"{what} over IAM's {limit} characters: {detail}", hint)
    if maybe:
        detail = "; ".join(f"{doc.owner}: {_size_text(doc)}" for doc in maybe)
        return CheckResult(name, "warn", f"{what} may exceed {limit}: {detail}", hint)
    return CheckResult(
        name, "pass", f"largest {what}: {largest.owner} {_size_text(largest)} of {limit}"
    )


ACCOUNT_SUMMARY = "iam.account-summary"


def account_summary(target: Target) -> Callable[[], Any]:
    """IAM's account summary (the role count and quota): read early (seawall.preflight.reads)."""
    return lambda: target.client("iam").get_account_summary()


def _role_count(context: Context) -> CheckResult:
    name = "iam.role-count"
    added = len(context.plan.added("aws_iam_role"))
    try:
        summary = context.reads.get(ACCOUNT_SUMMARY, account_summary(context.target))["SummaryMap"]
    except Exception as error:
        return CheckResult(
            name, "warn", f"IAM GetAccountSummary failed: {client_error_code(error)}"
        )
    roles, quota = int(summary["Roles"]), int(summary["RolesQuota"])
    detail = f"{roles} roles + {added} planned = {roles + added} of {quota}"
    if roles + added > quota:
        return CheckResult(
            name, "fail", detail, "delete unused roles, or raise the IAM roles quota (L-FE177D64)"
        )
    return CheckResult(name, "pass", detail)


def _least_privilege(documents: list[Document]) -> CheckResult:
    name = "iam.least-privilege"
    problems = []
    for doc in documents:
        for statement in doc.statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = _as_list(statement.get("Action"))
            resources = _as_list(statement.get("Resource"))
            wild = [action for action in actions if "*" in action]
            if wild or "NotAction" in statement:
                problems.append(f"{doc.owner}: wildcard action {', '.join(wild) or 'NotAction'}")
            data = [action for action in actions if action.startswith(DATA_ACTION_PREFIXES)]
            if "*" in resources and data:
                problems.append(f"{doc.owner}: {', '.join(data)} on every resource (*)")
    if problems:
        return CheckResult(
            name,
            "fail",
            "; ".join(problems[:4])
            + (f" (+{len(problems) - 4} more)" if len(problems) > 4 else ""),
            "list the actions the code calls, on the ARNs it uses",
        )
    return CheckResult(
        name, "pass", f"{len(documents)} policies: explicit actions, data actions on named ARNs"
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
