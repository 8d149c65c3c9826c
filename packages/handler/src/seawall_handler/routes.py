"""The route table: which paths exist and which methods each accepts. Pure; no I/O."""

from __future__ import annotations

from seawall_handler._record import Record


class Route(Record):
    __slots__ = ("methods", "name", "template")

    def __init__(self, name: str, template: str, methods: tuple[str, ...]) -> None:
        self.name = name
        self.template = template
        self.methods = methods


ROUTES = (
    Route("health", "/health", ("GET",)),
    Route("items", "/items", ("GET", "POST")),
    Route("item", "/items/{id}", ("GET", "PUT", "DELETE")),
    Route("jobs", "/jobs", ("POST",)),
    Route("job", "/jobs/{id}", ("GET",)),
)
_TABLE = {
    (segments[0], len(segments)): (route, segments)
    for route in ROUTES
    for segments in [tuple(route.template.strip("/").split("/"))]
}


class Match(Record):
    __slots__ = ("params", "route")

    def __init__(self, route: Route, params: dict[str, str]) -> None:
        self.route = route
        self.params = params

    @property
    def allow(self) -> tuple[str, ...]:
        """The `Allow` header's methods (OPTIONS is always answered)."""
        return (*self.route.methods, "OPTIONS")


def match(path: str) -> Match | None:
    """The route for `path` (one trailing slash tolerated), or None."""
    inner = path[1:] if path.startswith("/") else path
    if inner.endswith("/"):
        inner = inner[:-1]
    parts = inner.split("/")
    entry = _TABLE.get((parts[0], len(parts)))
    if entry is None:
        return None
    route, segments = entry
    params: dict[str, str] = {}
    for segment, part in zip(segments[1:], parts[1:], strict=True):
        if segment[0] == "{":
            if not part:
                return None
            params[segment[1:-1]] = part
        elif segment != part:
            return None
    return Match(route, params)
