"""MOCK integrations: API Gateway answers from the method's own mapping templates.

The request template (Velocity) renders the integration request; its `statusCode` selects the
integration response (by selection pattern, else the default one), whose header mappings and body
template (Velocity again, which may #set `$context.responseOverride` headers and status) make the
answer. This is how the stack answers CORS preflights, including the origin check it runs in the
template when several origins are allowed.
"""

from __future__ import annotations

import json
import re

from seawall.runtime import vtl
from seawall.runtime.events import HttpResponse
from seawall.runtime.mapping import MappingInput, header, mapped_headers
from seawall.runtime.restapi import Integration, IntegrationResponse

DEFAULT_CONTENT_TYPE = "application/json"


def mock_response(integration: Integration, source: MappingInput) -> HttpResponse:
    """The MOCK integration's answer; raises vtl.TemplateError on a template that fails (500)."""
    params = _params(source)
    content_type = header(source.request, "content-type")
    rendered, _ = vtl.render(
        _select(integration.request_templates, content_type),
        body=source.request.body.decode("utf-8", "replace"),
        params=params,
        context=source.context,
        stage_variables=source.stage_variables,
    )
    status = _status_code(rendered)
    chosen = _integration_response(integration.responses, status)
    if chosen is None:
        raise vtl.TemplateError(f"no integration response for status {status}")
    # A MOCK integration has no response body of its own: the response template reads the
    # request's parameters and context, and an empty $input body.
    body, override = vtl.render(
        _select(chosen.templates, header(source.request, "accept")),
        body="",
        params=params,
        context=source.context,
        stage_variables=source.stage_variables,
    )
    headers = dict(mapped_headers(chosen.headers, source))
    headers.update(override.headers)  # a template's override wins over the mapping
    headers.setdefault("Content-Type", DEFAULT_CONTENT_TYPE)
    return HttpResponse(override.status or chosen.status_code, list(headers.items()), body.encode())


def _params(source: MappingInput) -> vtl.Params:
    request = source.request
    return vtl.Params(
        path=dict(source.path_parameters),
        querystring=dict(request.query),  # the last value of a repeated name, as API Gateway
        header=dict(request.headers),
    )


def _select(templates: dict[str, str], content_type: str | None) -> str:
    """The template for the content type (application/json by default)."""
    wanted = (content_type or "").split(";")[0].strip().lower()
    by_type = {key.lower(): text for key, text in templates.items()}
    return by_type.get(wanted) or by_type.get(DEFAULT_CONTENT_TYPE, "")


def _status_code(rendered: str) -> int:
    """A MOCK request template names the status in `statusCode` (200 when it names none)."""
    if not rendered.strip():
        return 200
    try:
        document = json.loads(rendered)
        return int(document.get("statusCode", 200)) if isinstance(document, dict) else 200
    except (ValueError, TypeError) as error:
        message = f"the MOCK request template gave no status: {rendered!r}"
        raise vtl.TemplateError(message) from error


def _integration_response(
    responses: tuple[IntegrationResponse, ...], status: int
) -> IntegrationResponse | None:
    for response in responses:
        if response.selection_pattern and re.fullmatch(response.selection_pattern, str(status)):
            return response
    return next((r for r in responses if r.selection_pattern is None), None)
