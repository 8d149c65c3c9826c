"""The request schemas, checked by hand: small, fast to import, and precise in what it reports.

The same rules are written down in `openapi.json`; `tests/test_openapi.py` keeps the two in step.
"""

from __future__ import annotations

import json
import math
from typing import Any

from seawall_handler._record import Record
from seawall_handler.errors import FieldError, ValidationFailed

NAME_MAX = 200
DATA_MAX_KEYS = 50
JOB_ITEMS_MAX = 1000
JOB_TYPES = ("import",)
#: A job item may be as large as a `POST /items` body, and no larger (DynamoDB's item limit).
JOB_ITEM_MAX_BYTES = 64 * 1024
_MAX_REPORTED = 20  # a 1,000-item job with every item wrong should not answer with 3,000 errors


class ItemInput(Record):
    __slots__ = ("data", "name")

    def __init__(self, name: str, data: dict[str, str | int | float | bool | None]) -> None:
        self.name = name
        self.data = data


class JobInput(Record):
    __slots__ = ("items", "type")

    def __init__(self, type: str, items: tuple[ItemInput, ...]) -> None:
        self.type = type
        self.items = items


def _is_unicode(text: str) -> bool:
    """False for strings with lone surrogates (JSON can spell them; UTF-8 and DynamoDB cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_value(value: object) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number"
    if isinstance(value, str):
        return None if _is_unicode(value) else "must be valid Unicode (no lone surrogates)"
    return "must be a string, a number, a boolean or null"


def _item_errors(body: object, where: str) -> list[FieldError]:
    prefix = f"{where}." if where else ""
    if not isinstance(body, dict):
        return [FieldError(where or "body", "must be a JSON object")]
    found = [
        FieldError(f"{prefix}{key}", "unknown field") for key in body if key not in ("name", "data")
    ]
    name = body.get("name")
    if "name" not in body:
        found.append(FieldError(f"{prefix}name", "is required"))
    elif not isinstance(name, str):
        found.append(FieldError(f"{prefix}name", "must be a string"))
    elif not 1 <= len(name) <= NAME_MAX:
        found.append(FieldError(f"{prefix}name", f"must be 1 to {NAME_MAX} characters long"))
    elif not _is_unicode(name):
        found.append(FieldError(f"{prefix}name", "must be valid Unicode (no lone surrogates)"))
    data = body.get("data")
    if "data" not in body:
        found.append(FieldError(f"{prefix}data", "is required"))
    elif not isinstance(data, dict):
        found.append(FieldError(f"{prefix}data", "must be an object"))
    elif len(data) > DATA_MAX_KEYS:
        found.append(FieldError(f"{prefix}data", f"must have at most {DATA_MAX_KEYS} keys"))
    else:
        for key, value in data.items():
            if not _is_unicode(key):
                found.append(FieldError(f"{prefix}data", "keys must be valid Unicode"))
            elif (reason := _check_value(value)) is not None:
                found.append(FieldError(f"{prefix}data.{key}", reason))
    return found


def _size(item: object) -> int:
    return len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _item(body: dict[str, Any]) -> ItemInput:
    return ItemInput(name=body["name"], data=dict(body["data"]))


def item_input(body: object) -> ItemInput:
    """An item as `POST /items` and `PUT /items/{id}` accept it, or `ValidationFailed`."""
    found = _item_errors(body, "")
    if found:
        raise ValidationFailed(found[:_MAX_REPORTED])
    assert isinstance(body, dict)
    return _item(body)


def job_input(body: object) -> JobInput:
    """A job as `POST /jobs` accepts it, or `ValidationFailed` listing what is wrong."""
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "must be a JSON object")])
    found = [FieldError(key, "unknown field") for key in body if key not in ("type", "items")]
    job_type = body.get("type")
    if job_type not in JOB_TYPES:
        found.append(FieldError("type", f"must be one of: {', '.join(JOB_TYPES)}"))
    items = body.get("items")
    if not isinstance(items, list):
        found.append(FieldError("items", "must be an array"))
    elif not 1 <= len(items) <= JOB_ITEMS_MAX:
        found.append(FieldError("items", f"must hold 1 to {JOB_ITEMS_MAX} items"))
    else:
        for index, item in enumerate(items):
            item_errors = _item_errors(item, f"items[{index}]")
            if not item_errors and _size(item) > JOB_ITEM_MAX_BYTES:
                item_errors = [
                    FieldError(f"items[{index}]", f"must be at most {JOB_ITEM_MAX_BYTES} bytes")
                ]
            found.extend(item_errors)
            if len(found) >= _MAX_REPORTED:
                break
    if found:
        raise ValidationFailed(found[:_MAX_REPORTED])
    assert isinstance(items, list)
    return JobInput(type=str(job_type), items=tuple(_item(item) for item in items))
