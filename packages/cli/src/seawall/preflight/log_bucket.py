"""The log bucket's name: free, ours, or taken by another account (S3 names are global).

When another account holds the planned name, a deterministic alternative is chosen: a suffix
derived from the account id and a counter (the first candidate that is free or ours), recorded in
the environment's settings.json so that every later deploy, from any machine, reuses it, and
returned as the `log_bucket_suffix` variable for the caller to re-plan with.
"""

from __future__ import annotations

import hashlib

from seawall.envsettings import update_settings
from seawall.preflight.context import Context, client_error_code
from seawall.preflight.planview import Planned
from seawall.preflight.report import CheckResult

NAME = "names.log-bucket"
SUFFIX_VARIABLE = "log_bucket_suffix"
MAX_CANDIDATES = 20


def alternative_suffix(account_id: str, counter: int) -> str:
    """8 lowercase hex characters (the stack's name_suffix allows 1-8 of [a-z0-9])."""
    return hashlib.sha256(f"{account_id}:{counter}".encode()).hexdigest()[:8]


def bucket_owner(context: Context, name: str) -> str:
    """ "free", "ours" or "taken". HeadBucket says whether the name exists at all (404: free;
    200 or 403: someone has it); ListBuckets says whether that someone is this account."""
    s3 = context.target.client("s3")
    try:
        s3.head_bucket(Bucket=name)
    except s3.exceptions.ClientError as error:
        if client_error_code(error) in ("404", "NoSuchBucket", "NotFound"):
            return "free"
        # 403: someone else's; 301/400: it lives in another region (and may still be ours).
        if client_error_code(error) not in ("403", "AccessDenied", "Forbidden", "301", "400"):
            raise
    ours = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    return "ours" if name in ours else "taken"


def check(context: Context) -> list[CheckResult]:
    buckets = [
        bucket
        for bucket in context.plan.resources("aws_s3_bucket")
        if bucket.module.startswith("module.log_bucket")
    ]
    return [_check_bucket(context, bucket) for bucket in buckets]


def _check_bucket(context: Context, bucket: Planned) -> CheckResult:
    name = bucket.known("bucket")
    if name is None:
        return CheckResult(NAME, "warn", "the log bucket's name is not known before apply")
    if bucket.action not in ("add", "replace"):
        return CheckResult(NAME, "pass", f"{name}: ours (in this stack's state)")
    owner = bucket_owner(context, name)
    if owner == "free":
        return CheckResult(NAME, "pass", f"{name}: free")
    if owner == "ours":
        return CheckResult(
            NAME,
            "fail",
            f"{name}: already exists in this account, outside this stack's state",
            f"adopt it (terraform import '{bucket.address}' {name}) or delete it",
        )
    suffix = str(context.plan_variable(SUFFIX_VARIABLE) or "")
    if context.target.variables.get(SUFFIX_VARIABLE):
        return CheckResult(
            NAME,
            "fail",
            f"{name}: taken by another account",
            f"choose another --var {SUFFIX_VARIABLE}=..., or drop it to let preflight choose",
        )
    base = name.removesuffix(f"-{suffix}") if suffix else name
    account = context.target.account_id()
    for counter in range(1, MAX_CANDIDATES + 1):
        candidate = alternative_suffix(account, counter)
        if candidate == suffix:
            continue
        alternative = f"{base}-{candidate}"
        if bucket_owner(context, alternative) != "taken":
            update_settings(
                context.target, {SUFFIX_VARIABLE: candidate, "log_bucket_name": alternative}
            )
            context.variables[SUFFIX_VARIABLE] = candidate
            return CheckResult(
                NAME,
                "warn",
                f"{name}: taken by another account; chose {alternative} (recorded in "
                "settings.json, reused by every later deploy)",
                f"nothing to do: the plan is redone with -var {SUFFIX_VARIABLE}={candidate}",
            )
    return CheckResult(
        NAME,
        "fail",
        f"{name} and {MAX_CANDIDATES} alternatives are all taken",
        f"pass --var {SUFFIX_VARIABLE}=<1-8 lowercase letters or digits>",
    )
