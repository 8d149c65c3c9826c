"""JSON on the warm path: the same results as `json.dumps(value, separators=(",", ":"))` and
`json.loads(text)`, without their Python-level layers (one request answers, and reads an item's
data, on every invocation). Each falls back to the json module whenever it would differ."""

from __future__ import annotations

import json
import json.scanner
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"))
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_scan = json.scanner.make_scanner(json.JSONDecoder())


def dumps(value: object) -> str:
    """`json.dumps(value, separators=(",", ":"))`: the C encoder json.dumps builds, with the same
    settings, built and called directly."""
    if _c_make_encoder is None:  # a Python without the _json accelerator
        return _ENCODER.encode(value)
    encode = _c_make_encoder(
        {},  # markers: circular references are refused as json.dumps refuses them
        _ENCODER.default,
        json.encoder.encode_basestring_ascii,  # ensure_ascii, as json.dumps
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )
    return "".join(encode(value, 0))


def loads(text: str) -> Any:
    """`json.loads(text)`: the scanner alone when `text` is one JSON value from its first
    character to its last (as json.dumps writes it), else json.loads itself, which then decides
    (whitespace around it, a BOM, extra data, errors) exactly as always."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)
