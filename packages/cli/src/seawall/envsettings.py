"""An environment's settings: choices made once (by preflight) that every later deploy reuses.

Stored as `seawall/<env>/settings.json` in the state bucket, beside the environment's state, so
every machine that deploys the environment sees the same choices (the log bucket's name, say).
Writes are conditional: a new file with `If-None-Match: *`, an existing one with `If-Match` on the
ETag it was read with; a concurrent writer makes the write fail with 412 and the merge is redone
on what that writer left. The bucket is versioned, so every earlier value stays recoverable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from seawall.backend import environment_prefix
from seawall.errors import SeawallError
from seawall.target import Target

SETTINGS_FILE = "settings.json"
_ATTEMPTS = 5


class SettingsError(SeawallError):
    """settings.json could not be read or written."""


def settings_key(env: str) -> str:
    return f"{environment_prefix(env)}{SETTINGS_FILE}"


def read_settings(target: Target) -> dict[str, Any]:
    """The environment's settings; empty when none were written yet."""
    settings, _etag = _read(target.client("s3"), target.backend().bucket, settings_key(target.env))
    return settings


def update_settings(target: Target, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `changes` into the stored settings (a value of None removes the key); the result."""
    s3 = target.client("s3")
    bucket, key = target.backend().bucket, settings_key(target.env)
    for _ in range(_ATTEMPTS):
        settings, etag = _read(s3, bucket, key)
        merged = {**settings, **changes}
        merged = {name: value for name, value in merged.items() if value is not None}
        if merged == settings:
            return settings
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=json.dumps(merged, indent=2, sort_keys=True).encode(),
                ContentType="application/json",
                **condition,
            )
        except s3.exceptions.ClientError as error:
            if _code(error) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                continue  # someone else wrote in between: merge again on what they left
            raise
        return merged
    raise SettingsError(
        f"s3://{bucket}/{key} kept changing while it was being updated ({_ATTEMPTS} attempts)",
        hint="another deploy of this environment is running; try again when it is done",
    )


def _read(s3: Any, bucket: str, key: str) -> tuple[dict[str, Any], str | None]:
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return {}, None
    except s3.exceptions.NoSuchBucket:
        raise SettingsError(
            f"the state bucket {bucket} does not exist",
            hint="create it first: seawall bootstrap --env <env> (once per account and region)",
        ) from None
    try:
        settings = json.loads(response["Body"].read())
    except ValueError as error:
        raise SettingsError(
            f"s3://{bucket}/{key} is not JSON ({error})",
            hint="restore an earlier version of it (the bucket is versioned) or delete it",
        ) from None
    if not isinstance(settings, dict):
        raise SettingsError(f"s3://{bucket}/{key} is not a JSON object")
    return settings, response["ETag"]


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
