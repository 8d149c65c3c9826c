"""CorsPolicy: exact and pattern origins, credentials, Vary, preflights; properties over origins."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from retrylib import CorsPolicy
from retrylib.cors import parse_origin

POLICY = CorsPolicy(
    ["https://app.example.com", "https://*.example.org", "http://localhost:3000"],
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "X-Api-Key"],
    expose_headers=["X-Request-Id"],
    max_age=600,
)


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com",
        "HTTPS://APP.EXAMPLE.COM",
        "https://app.example.com:443",
        "https://a.example.org",
        "https://a.b.example.org",
        "https://A.Example.Org",
        "http://localhost:3000",
    ],
)
def test_allowed_origins_get_their_origin_back_and_vary(origin):
    headers = POLICY.response_headers(origin)
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Vary"] == "Origin"
    assert headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "",
        "null",
        "https://example.org",  # the bare domain is never covered by *.example.org
        "https://badexample.org",
        "https://example.org.evil.net",
        "https://a.example.org.evil.net",
        "http://a.example.org",  # scheme must match
        "https://a.example.org:8443",  # port must match
        "https://app.example.com:8443",
        "http://app.example.com",
        "https://app.example.com/",  # not a serialised origin
        "https://app.example.com/path",
        "https://user@app.example.com",
        "https://app.example.com.",
        "https://.example.org",
        "https://a..example.org",
        "http://localhost:3001",
        "http://localhost",
        "https://evil.com",
        "*",
    ],
)
def test_disallowed_origins_get_no_headers_at_all(origin):
    assert POLICY.response_headers(origin) == {}
    assert POLICY.preflight(origin, "GET", None) is None


def test_wildcard_origin_without_credentials_answers_star():
    policy = CorsPolicy("*")
    assert policy.response_headers("https://anyone.net") == {
        "Access-Control-Allow-Origin": "*",
        "Vary": "Origin",
    }
    assert policy.response_headers("null") == {}


def test_null_is_allowed_only_when_listed_itself():
    assert CorsPolicy(["https://*.example.com", "*"]).response_headers("null") == {}
    assert CorsPolicy(["null"]).response_headers("null")["Access-Control-Allow-Origin"] == "null"


def test_credentials_echo_the_origin_and_say_true():
    policy = CorsPolicy(["https://*.example.com"], allow_credentials=True)
    headers = policy.response_headers("https://a.example.com")
    assert headers["Access-Control-Allow-Origin"] == "https://a.example.com"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Vary"] == "Origin"


@pytest.mark.parametrize(
    "settings",
    [
        {"allow_origins": "*"},
        {"allow_origins": ["https://a.com"], "allow_methods": "*"},
        {"allow_origins": ["https://a.com"], "allow_headers": ["*"]},
        {"allow_origins": ["https://a.com"], "expose_headers": "*"},
    ],
)
def test_a_wildcard_with_credentials_is_refused_when_built(settings):
    with pytest.raises(ValueError, match="credentials"):
        CorsPolicy(**settings, allow_credentials=True)


@pytest.mark.parametrize(
    "entry",
    [
        "https://*.com",
        "https://app.*.com",
        "*.example.com",
        "https://*example.com",
        "example.com",
        "https://a.com/path",
        "ftp//x",
    ],
)
def test_bad_origin_entries_are_refused_when_built(entry):
    with pytest.raises(ValueError, match="origin"):
        CorsPolicy([entry])


def test_preflight_allows_listed_methods_and_headers_case_insensitively():
    headers = POLICY.preflight("https://a.example.org", "post", "content-type, x-api-key")
    assert headers == {
        "Access-Control-Allow-Origin": "https://a.example.org",
        "Vary": "Origin",
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type, X-Api-Key",
        "Access-Control-Max-Age": "600",
    }


@pytest.mark.parametrize(
    ("method", "request_headers"),
    [
        ("DELETE", None),
        ("", None),
        (None, None),
        ("GET", "Authorization"),
        ("GET", ["content-type", "x-other"]),
    ],
)
def test_preflight_refuses_methods_and_headers_not_allowed(method, request_headers):
    assert POLICY.preflight("https://app.example.com", method, request_headers) is None


def test_preflight_with_wildcards_echoes_the_request_and_varies_on_it():
    policy = CorsPolicy(["https://app.example.com"], allow_methods="*", allow_headers="*")
    headers = policy.preflight("https://app.example.com", "PATCH", "X-Custom, Authorization")
    assert headers is not None
    assert headers["Access-Control-Allow-Methods"] == "PATCH"
    assert headers["Access-Control-Allow-Headers"] == "X-Custom, Authorization"
    assert headers["Vary"] == (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )


def test_preflight_from_reads_request_headers_in_any_case():
    headers = POLICY.preflight_from(
        {"origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}
    )
    assert headers is not None
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_parse_origin_normalises_case_and_default_ports():
    assert parse_origin("HTTPS://Example.COM:443") == ("https", "example.com", None)
    assert parse_origin("http://example.com:8080") == ("http", "example.com", 8080)
    assert parse_origin("http://[::1]:8080") == ("http", "[::1]", 8080)
    assert parse_origin("http://example.com:99999") is None


# -- properties ---------------------------------------------------------------------------------

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)
ports = st.one_of(st.none(), st.integers(min_value=1, max_value=65535))
schemes = st.sampled_from(["http", "https", "HTTPS", "ws"])
origins = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}" + (f":{port}" if port is not None else ""),
    schemes,
    hosts,
    ports,
)
any_text = st.one_of(origins, st.text(max_size=40), st.just("null"))


def _is_allowed_by_hand(origin: str) -> bool:
    parsed = parse_origin(origin)
    if parsed is None:
        return False
    scheme, host, port = parsed
    return (
        (scheme, host, port) == ("https", "app.example.com", None)
        or (scheme, host, port) == ("http", "localhost", 3000)
        or (scheme == "https" and port is None and host.endswith(".example.org"))
    )


@given(st.one_of(any_text, origins.map(lambda o: o.replace("://", "://x.") + ".example.org")))
def test_headers_appear_only_for_allowed_origins(origin):
    headers = POLICY.response_headers(origin)
    if _is_allowed_by_hand(origin):
        assert headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in headers["Vary"]
    else:
        assert headers == {}


@given(hosts)
def test_a_pattern_never_matches_its_bare_domain_nor_lookalikes(host):
    policy = CorsPolicy([f"https://*.{host}.example.org"])
    assert policy.response_headers(f"https://{host}.example.org") == {}
    assert policy.response_headers(f"https://x{host}.example.org") == {}
    assert policy.response_headers(f"https://a.{host}.example.org")


@given(
    entries=st.lists(st.one_of(origins, st.just("*"), hosts.map(lambda h: f"https://*.{h}.io"))),
    credentials=st.booleans(),
    origin=any_text,
)
def test_never_a_wildcard_origin_with_credentials(entries, credentials, origin):
    try:
        policy = CorsPolicy(entries, allow_credentials=credentials)
    except ValueError:
        assert credentials
        assert "*" in entries
        return
    for headers in (policy.response_headers(origin), policy.preflight(origin, "GET") or {}):
        if credentials and headers:
            assert headers["Access-Control-Allow-Origin"] == origin != "*"
        if headers:
            assert "Origin" in headers["Vary"]


header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True)


@given(
    method=st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True),
    requested=st.lists(header_names, max_size=5),
)
def test_preflight_refuses_methods_and_headers_that_are_not_allowed(method, requested):
    answer = POLICY.preflight("https://app.example.com", method, requested)
    method_ok = method.upper() in {"GET", "POST"}
    headers_ok = all(h.lower() in {"content-type", "x-api-key"} for h in requested)
    assert (answer is not None) == (method_ok and headers_ok)


@given(origins)
def test_matching_ignores_the_case_of_scheme_and_host(origin):
    assume(parse_origin(origin) is not None)
    policy = CorsPolicy([origin.lower()])
    assert policy.response_headers(origin.upper())
