"""The route table: which paths exist and which methods each accepts. Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    template: str  # as in the OpenAPI document; also what the log line shows
    methods: tuple[str, ...]


ROUTES = (
    Route("health", "/health", ("GET",)),
    Route("items", "/items", ("GET", "POST")),
    Route("item", "/items/{id}", ("GET", "PUT", "DELETE")),
    Route("jobs", "/jobs", ("POST",)),
    Route("job", "/jobs/{id}", ("GET",)),
)
_SEGMENTS = tuple((route, tuple(route.template.strip("/").split("/"))) for route in ROUTES)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    params: dict[str, str]

    @property
    def allow(self) -> tuple[str, ...]:
        """The `Allow` header's methods (OPTIONS is always answered)."""
        return (*self.route.methods, "OPTIONS")


def match(path: str) -> Match | None:
    """The route for `path` (one trailing slash tolerated), or None."""
    parts = path.strip("/").split("/") if path.strip("/") else []
    if path.endswith("//"):
        return None
    for route, segments in _SEGMENTS:
        if len(segments) != len(parts):
            continue
        params: dict[str, str] = {}
        for segment, part in zip(segments, parts, strict=True):
            if segment.startswith("{"):
                if not part:
                    break
                params[segment[1:-1]] = part
            elif segment != part:
                break
        else:
            return Match(route, params)
    return None
