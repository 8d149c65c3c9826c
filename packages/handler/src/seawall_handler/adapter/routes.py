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
# (first segment, number of segments) -> (route, what each later segment must be: a parameter's
# name, or the literal text with `literal` True).
_TABLE = {
    (segments[0], len(segments)): (
        route,
        tuple(
            (segment[1:-1], False) if segment[0] == "{" else (segment, True)
            for segment in segments[1:]
        ),
    )
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
    route, later = entry
    params: dict[str, str] = {}
    for (expected, literal), part in zip(later, parts[1:], strict=True):
        if literal:
            if part != expected:
                return None
        elif part:
            params[expected] = part
        else:
            return None
    return Match(route, params)
