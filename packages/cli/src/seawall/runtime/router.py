"""Matching a request path to a REST API resource, the way API Gateway does.

Literal segments win over `{param}`, which wins over a greedy `{proxy+}`; a path no resource
matches, or a method the resource lacks (and no ANY), is API Gateway's "Missing Authentication
Token" 403, not a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from seawall.runtime.restapi import Method, Resource

# What API Gateway's ANY method stands for; any other method (TRACE, FOO, a lowercase get) matches
# only a method of its exact name, so it is a 403 "Missing Authentication Token".
ANY_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})


@dataclass(frozen=True)
class Match:
    resource: Resource
    method: Method
    path_parameters: dict[str, str]


def match_route(resources: tuple[Resource, ...], http_method: str, path: str) -> Match | None:
    segments = tuple(unquote(part) for part in path.split("/") if part)
    best: tuple[tuple[int, ...], Resource, dict[str, str]] | None = None
    for resource in resources:
        bound = _bind(resource.segments, segments)
        if bound is None:
            continue
        rank, parameters = bound
        if best is None or rank > best[0]:
            best = (rank, resource, parameters)
    if best is None:
        return None
    _, resource, parameters = best
    method = resource.methods.get(http_method)
    if method is None and http_method in ANY_METHODS:
        method = resource.methods.get("ANY")
    if method is None:
        return None
    return Match(resource=resource, method=method, path_parameters=parameters)


def _bind(
    pattern: tuple[str, ...], segments: tuple[str, ...]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Bind path segments to a resource pattern; the rank orders literal > param > greedy."""
    parameters: dict[str, str] = {}
    rank: list[int] = []
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = "/".join(rest)
            rank.append(0)
            return tuple(rank), parameters
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = segments[index]
            rank.append(1)
        elif part == segments[index]:
            rank.append(2)
        else:
            return None
    if len(pattern) != len(segments):
        return None
    return tuple(rank), parameters
