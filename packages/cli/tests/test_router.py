"""Route matching follows API Gateway: literal > {param} > {proxy+}; unknown = no match."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.restapi import Method, Resource
from seawall.runtime.router import match_route


def resource(path: str, *methods: str) -> Resource:
    return Resource(
        id=path,
        path=path,
        methods={
            m: Method(m, api_key_required=False, authorization_type="NONE", integration=None)
            for m in methods
        },
    )


API = (
    resource("/"),
    resource("/items", "GET", "POST"),
    resource("/items/{id}", "GET", "PUT", "DELETE"),
    resource("/items/special", "GET"),
    resource("/files/{path+}", "ANY"),
)


def test_literal_segment_wins_over_parameter() -> None:
    match = match_route(API, "GET", "/items/special")
    assert match is not None
    assert match.resource.path == "/items/special"
    assert match.path_parameters == {}


def test_parameter_is_bound_and_url_decoded() -> None:
    match = match_route(API, "GET", "/items/a%20b")
    assert match is not None
    assert match.resource.path == "/items/{id}"
    assert match.path_parameters == {"id": "a b"}


def test_greedy_parameter_takes_the_rest_and_any_matches_every_method() -> None:
    match = match_route(API, "PATCH", "/files/a/b/c.txt")
    assert match is not None
    assert match.path_parameters == {"path": "a/b/c.txt"}


def test_greedy_parameter_needs_at_least_one_segment() -> None:
    assert match_route(API, "GET", "/files") is None


def test_unknown_path_and_unknown_method_do_not_match() -> None:
    assert match_route(API, "GET", "/nope") is None
    assert match_route(API, "DELETE", "/items") is None  # the resource exists, the method does not
    assert match_route(API, "GET", "/items/1/extra") is None


def test_trailing_slash_is_the_same_resource() -> None:
    match = match_route(API, "GET", "/items/")
    assert match is not None
    assert match.resource.path == "/items"


@given(st.lists(st.text(alphabet="abcdefghij-_.~0123456789", min_size=1, max_size=8), max_size=5))
def test_any_matched_route_binds_every_path_segment(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    match = match_route(API, "GET", path)
    if match is None:
        return
    pattern = [part for part in match.resource.path.split("/") if part]
    if pattern and pattern[-1].endswith("+}"):
        assert len(segments) >= len(pattern)
    else:
        assert len(pattern) == len(segments)
        for part, segment in zip(pattern, segments, strict=True):
            assert part == segment or (
                part.startswith("{") and match.path_parameters[part[1:-1]] == segment
            )
