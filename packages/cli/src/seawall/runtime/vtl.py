"""Velocity (VTL) mapping templates as API Gateway evaluates them, with airspeed-ext (the engine
LocalStack uses for the same job).

A template sees `$input` (the body and the method request's parameters), `$context` (the request's
context variables, with `responseOverride` and `requestOverride` that a template may #set),
`$stageVariables` and `$util`, as API Gateway's mapping template reference defines them. A
reference to nothing renders as an empty string, as in API Gateway (Velocity would print it).
Gateway response templates are not VTL (API Gateway does only simple variable substitution there);
see gateway.py for those.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed


class TemplateError(ValueError):
    """A mapping template that does not parse or fails to render (API Gateway answers 500)."""


@dataclass
class ResponseOverride:
    """What a template #set in $context.responseOverride."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    """The method request's parameters, by location, as $input.params() returns them."""

    path: dict[str, str]
    querystring: dict[str, str]
    header: dict[str, str]


def render(
    template: str,
    *,
    body: str,
    params: Params,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> tuple[str, ResponseOverride]:
    """The rendered template and the response overrides it set."""
    context = {
        **context,
        "responseOverride": {"header": {}, "status": None},
        "requestOverride": {"header": {}, "querystring": {}, "path": {}},
    }
    namespace = {
        "input": _Input(body, params),
        "context": context,
        "stageVariables": dict(stage_variables),
        "util": _Util(),
    }
    try:
        text = _compiled(template).merge(namespace)
    except Exception as error:  # airspeed raises its own and Python errors from templates
        raise TemplateError(f"the mapping template failed: {error}") from error
    override = context["responseOverride"]
    status = override.get("status")
    return text, ResponseOverride(
        status=int(status) if status not in (None, "") else None,
        headers={name: str(value) for name, value in (override.get("header") or {}).items()},
    )


@functools.lru_cache(maxsize=256)
def _compiled(template: str) -> airspeed.Template:
    """Templates are parsed once (an API's templates are few and fixed)."""
    try:
        compiled = airspeed.Template(template)
        compiled.ensure_compiled()
    except airspeed.TemplateSyntaxError as error:
        raise TemplateError(f"the mapping template does not parse: {error}") from error
    return compiled


class _Input:
    """$input: body, json(path), path(path), params() and params(name)."""

    def __init__(self, body: str, params: Params) -> None:
        self.body = body
        self._params = params

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {
                "path": dict(self._params.path),
                "querystring": dict(self._params.querystring),
                "header": dict(self._params.header),
            }
        for location in (self._params.path, self._params.querystring, self._params.header):
            if name in location:
                return location[name]
        return ""

    def json(self, path: str = "$") -> str:
        return json.dumps(self.path(path), separators=(",", ":"))

    def path(self, path: str = "$") -> Any:
        try:
            document = json.loads(self.body) if self.body.strip() else {}
        except ValueError as error:
            raise TemplateError("$input.path/$input.json on a body that is not JSON") from error
        return json_path(document, path)


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\['([^']*)'\]|\[(\d+)\]")


def json_path(document: Any, path: str) -> Any:
    """The subset of JSONPath mapping templates use: $, .name, ['name'], [index]. A missing
    step gives None, which renders as an empty string."""
    if not path.startswith("$"):
        raise TemplateError(f"a JSONPath starts with $: {path!r}")
    position, value = 1, document
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise TemplateError(f"JSONPath {path!r} is beyond the supported subset")
        name, quoted, index = step.groups()
        key: str | int = int(index) if index is not None else (name or quoted)
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
        position = step.end()
    return value


class _Util:
    """$util, as API Gateway's mapping template reference lists it."""

    def escapeJavaScript(self, value: Any) -> str:
        return json.dumps("" if value is None else str(value))[1:-1].replace("'", "\\'")

    def parseJson(self, text: str) -> Any:
        return json.loads(text)

    def urlEncode(self, text: str) -> str:
        return quote_plus(str(text))

    def urlDecode(self, text: str) -> str:
        return unquote_plus(str(text))

    def base64Encode(self, text: str) -> str:
        return base64.b64encode(str(text).encode()).decode("ascii")

    def base64Decode(self, text: str) -> str:
        return base64.b64decode(str(text)).decode("utf-8", "replace")
