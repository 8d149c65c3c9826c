"""Velocity mapping templates with API Gateway's variables, and MOCK integrations built on them
(the stack's CORS preflight with several allowed origins, as rest-api/cors.tf generates it)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.events import HttpRequest
from seawall.runtime.mapping import MappingInput, parameter_value, substitute
from seawall.runtime.mock import mock_response
from seawall.runtime.restapi import Integration, IntegrationResponse
from seawall.runtime.vtl import Params, TemplateError, json_path, render

PARAMS = Params(
    path={"id": "7"},
    querystring={"q": "x y"},
    header={"Origin": "https://a.test", "X-Quote": 'it\'s "q"'},
)
CONTEXT = {"requestId": "r-1", "stage": "v1", "identity": {"sourceIp": "10.1.2.3"}}


def rendered(template: str, body: str = "") -> str:
    return render(template, body=body, params=PARAMS, context=CONTEXT, stage_variables={"v": "9"})[
        0
    ]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$input.params('id')/$input.params('q')/$input.params('Origin')", "7/x y/https://a.test"),
        ("$input.params().header.get('Origin')", "https://a.test"),
        ("$input.params('missing')|$nothing|$!nothing", "||"),
        ("${context.requestId} $context.identity.sourceIp $stageVariables.v", "r-1 10.1.2.3 9"),
        ("$util.escapeJavaScript($input.params('X-Quote'))", r"it\'s \"q\""),
        ("$util.urlEncode('a b&c') $util.urlDecode('a+b%26c')", "a+b%26c a b&c"),
        ("$util.base64Encode('hi') $util.base64Decode('aGk=')", "aGk= hi"),
        ("#set($d = $util.parseJson('{\"k\": [1, 2]}'))$d.k.size()", "2"),
        ("#if($input.params('id') == '7')seven#{else}other#end", "seven"),
    ],
)
def test_templates_see_api_gateways_variables(template: str, expected: str) -> None:
    assert rendered(template) == expected


def test_input_reads_the_json_body() -> None:
    body = json.dumps({"name": "n", "tags": ["a", "b"], "nested": {"k": 1}})
    assert rendered("$input.json('$.nested')", body) == '{"k":1}'
    assert rendered("$input.path('$.tags').size() $input.path('$.name')", body) == "2 n"
    assert rendered("$input.body", body) == body


def test_a_template_overrides_the_response_status_and_headers() -> None:
    template = (
        "#set($context.responseOverride.status = 418)"
        "#set($context.responseOverride.header.X-Origin = $input.params('Origin'))done"
    )
    text, override = render(template, body="", params=PARAMS, context=CONTEXT, stage_variables={})
    assert text == "done"
    assert override.status == 418
    assert override.headers == {"X-Origin": "https://a.test"}


def test_a_template_that_fails_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        rendered("$util.parseJson('{broken')")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(json_values)
def test_json_path_of_the_root_and_each_key_is_the_value(document) -> None:
    assert json_path(document, "$") == document
    if isinstance(document, dict):
        for key, value in document.items():
            assert json_path(document, f"$.{key}") == value
            assert json_path(document, f"$['{key}']") == value
    if isinstance(document, list):
        for index, value in enumerate(document):
            assert json_path(document, f"$[{index}]") == value


def source(headers=(), query=(), path_parameters=None) -> MappingInput:
    request = HttpRequest("GET", "/items/7", list(headers), list(query), b"", "10.0.0.1")
    context = {"requestId": "r-2", "error": {"messageString": '"Forbidden"', "responseType": "X"}}
    return MappingInput(request, path_parameters or {"id": "7"}, context, {"env": "local"})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'literal'", "literal"),
        ("method.request.header.origin", "https://o.test"),  # header names are case-insensitive
        ("method.request.multivalueheader.X-Many", "1,2"),
        ("method.request.querystring.q", "last"),
        ("method.request.path.id", "7"),
        ("context.requestId", "r-2"),
        ("stageVariables.env", "local"),
        ("method.request.header.Absent", None),
    ],
)
def test_parameter_mapping_sources(expression: str, expected: str | None) -> None:
    mapping = source(
        headers=[("Origin", "https://o.test"), ("X-Many", "1"), ("X-Many", "2")],
        query=[("q", "first"), ("q", "last")],
    )
    assert parameter_value(expression, mapping) == expected


def test_gateway_response_templates_substitute_variables_but_run_no_velocity() -> None:
    template = '{"message":$context.error.messageString,"id":"${context.requestId}"}#set($x = 1)'
    assert substitute(template, source()) == '{"message":"Forbidden","id":"r-2"}#set($x = 1)'


# The preflight rest-api/cors.tf builds for ["http://localhost:3000", "https://*.example.com"].
ECHO_ALLOWED_ORIGIN = "\n".join(
    [
        "#set($origin = $input.params().header.get('Origin'))",
        '#if("$!origin" == "")#set($origin = $input.params().header.get(\'origin\'))#end',
        '#if("$!origin" != "" && ($origin == \'http://localhost:3000\' || '
        "$origin.matches('^https://[a-zA-Z0-9-]+\\.example\\.com$')))",
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
        "#end",
    ]
)
PREFLIGHT = Integration(
    "MOCK",
    None,
    29_000,
    request_templates={"application/json": '{"statusCode": 200}'},
    responses=(
        IntegrationResponse(
            200,
            None,
            {"Access-Control-Allow-Methods": "'GET,OPTIONS'", "Vary": "'Origin'"},
            {"application/json": ECHO_ALLOWED_ORIGIN},
        ),
    ),
)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("https://app.example.com", True),
        ("https://a-b.example.com", True),
        ("https://example.com", False),  # the pattern needs a subdomain
        ("https://app.example.com.evil.test", False),
        ("https://evil.test", False),
        ("http://app.example.com", False),  # the pattern is https only
        (None, False),
    ],
)
def test_the_stacks_preflight_echoes_only_allowed_origins(origin, allowed) -> None:
    headers = [("origin", origin)] if origin else []
    response = mock_response(PREFLIGHT, source(headers=headers))
    answered = dict(response.headers)
    assert response.status == 200
    assert answered["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert answered.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert response.body == b""
