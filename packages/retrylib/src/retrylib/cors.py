"""CORS as a pure value: which headers to send for an origin, and whether a preflight passes.

Rules, all enforced here so a handler cannot get them wrong:

- An allowed origin is ``*`` (any origin, never with credentials), an exact origin
  (``https://app.example.com``, ``http://localhost:3000``) or a subdomain pattern
  (``https://*.example.com``). Scheme and port must match exactly (a missing port means the
  scheme's default, as in the URL standard); scheme and host compare case-insensitively.
- The ``*.`` of a pattern stands for one or more whole DNS labels: it matches
  ``https://a.example.com`` and ``https://a.b.example.com``, never ``https://example.com``,
  ``https://badexample.com`` or ``https://example.com.evil.net``. A pattern needs at least two
  labels after ``*.`` (``https://*.com`` is refused).
- The ``null`` origin (sandboxed frames, ``file:`` pages) is never matched by ``*`` or a
  pattern; only listing ``"null"`` itself allows it, which is rarely wise.
- Credentials are never combined with a wildcard: a policy with ``allow_credentials=True`` and
  ``*`` anywhere is refused when built.
- Every answer that carries headers carries ``Vary: Origin``, since it depends on the origin.
  An origin that is not allowed gets no headers at all, and a refused preflight gets ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["CorsPolicy", "parse_origin"]

_ORIGIN = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://"
    r"(?P<host>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
_PATTERN = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://\*\."
    r"(?P<host>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Origin = tuple[str, str, int | None]


def _normalise(scheme: str, host: str, port: str | None) -> Origin | None:
    scheme = scheme.lower()
    number = int(port) if port is not None else None
    if number is not None and number > 65535:
        return None
    if number == _DEFAULT_PORTS.get(scheme):
        number = None
    return scheme, host.lower(), number


def parse_origin(origin: str) -> Origin | None:
    """``(scheme, host, port)`` of a serialised origin, lowercased, default port as ``None``.

    ``None`` for anything that is not exactly ``scheme://host[:port]`` (paths, user info, a
    trailing slash or dot, empty labels, ``null``).
    """
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        return None
    return _normalise(match["scheme"], match["host"], match["port"])


def _names(values: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(value.strip() for value in values if value.strip())


def _header_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip() for part in parts if part.strip()]


class CorsPolicy:
    """Which cross-origin requests an API allows, and the headers that say so."""

    __slots__ = (
        "_any_header",
        "_any_method",
        "_any_origin",
        "_exact",
        "_header_set",
        "_method_set",
        "_null",
        "_patterns",
        "allow_credentials",
        "allow_headers",
        "allow_methods",
        "allow_origins",
        "expose_headers",
        "max_age",
    )

    def __init__(  # noqa: PLR0917 - the issue's contract gives this positional order
        self,
        allow_origins: str | Iterable[str],
        allow_methods: str | Iterable[str] = ("GET", "HEAD", "POST"),
        allow_headers: str | Iterable[str] = (),
        expose_headers: str | Iterable[str] = (),
        max_age: int | None = None,
        allow_credentials: bool = False,
    ) -> None:
        self.allow_origins = _names(allow_origins)
        self.allow_methods = tuple(method.upper() for method in _names(allow_methods))
        self.allow_headers = _names(allow_headers)
        self.expose_headers = _names(expose_headers)
        self.max_age = max_age
        self.allow_credentials = allow_credentials
        if max_age is not None and max_age < 0:
            raise ValueError(f"max_age must be >= 0, got {max_age}")
        wildcards = [
            name
            for name, values in (
                ("allow_origins", self.allow_origins),
                ("allow_methods", self.allow_methods),
                ("allow_headers", self.allow_headers),
                ("expose_headers", self.expose_headers),
            )
            if "*" in values
        ]
        if allow_credentials and wildcards:
            raise ValueError(f"'*' cannot be combined with credentials (in {', '.join(wildcards)})")
        self._any_origin = "*" in self.allow_origins
        self._any_method = "*" in self.allow_methods
        self._any_header = "*" in self.allow_headers
        self._method_set = frozenset(self.allow_methods)
        self._header_set = frozenset(name.lower() for name in self.allow_headers)
        self._null = "null" in self.allow_origins
        exact: set[Origin] = set()
        patterns: set[tuple[str, str, int | None]] = set()
        for entry in self.allow_origins:
            if entry in ("*", "null"):
                continue
            if "*" in entry:
                match = _PATTERN.fullmatch(entry)
                parsed = match and _normalise(match["scheme"], match["host"], match["port"])
                if not parsed:
                    raise ValueError(
                        f"bad origin pattern {entry!r}: use scheme://*.domain.tld[:port]"
                    )
                patterns.add(parsed)
            else:
                parsed = parse_origin(entry)
                if parsed is None:
                    raise ValueError(f"bad origin {entry!r}: use scheme://host[:port]")
                exact.add(parsed)
        self._exact = frozenset(exact)
        self._patterns = tuple(sorted(patterns, key=repr))

    def is_allowed(self, origin: str | None) -> bool:
        """True when ``origin`` (an ``Origin`` header value) may read responses."""
        if not origin:
            return False
        if origin == "null":
            return self._null
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        if self._any_origin or parsed in self._exact:
            return True
        scheme, host, port = parsed
        return any(
            scheme == p_scheme and port == p_port and host.endswith("." + p_host)
            for p_scheme, p_host, p_port in self._patterns
        )

    def _origin_headers(self, origin: str) -> dict[str, str]:
        headers = {
            "Access-Control-Allow-Origin": "*" if self._any_origin else origin,
            "Vary": "Origin",
        }
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for an actual (non-preflight) response; empty for a disallowed origin."""
        if origin is None or not self.is_allowed(origin):
            return {}
        headers = self._origin_headers(origin)
        if self.expose_headers:
            headers["Access-Control-Expose-Headers"] = ", ".join(self.expose_headers)
        return headers

    def preflight(
        self,
        origin: str | None,
        request_method: str | None,
        request_headers: str | Iterable[str] | None = None,
    ) -> dict[str, str] | None:
        """Headers answering an ``OPTIONS`` preflight, or ``None`` to refuse it.

        ``request_method`` and ``request_headers`` are the ``Access-Control-Request-Method`` and
        ``Access-Control-Request-Headers`` values (the latter comma-separated or a list). Refused
        when the origin is not allowed, the method is missing or not allowed, or any requested
        header is not allowed (header names compare case-insensitively).
        """
        if origin is None or not request_method or not self.is_allowed(origin):
            return None
        method = request_method.strip().upper()
        if not self._any_method and method not in self._method_set:
            return None
        requested = _header_list(request_headers)
        if not self._any_header and any(h.lower() not in self._header_set for h in requested):
            return None
        headers = self._origin_headers(origin)
        vary = ["Origin"]
        if self._any_method:
            headers["Access-Control-Allow-Methods"] = method
            vary.append("Access-Control-Request-Method")
        else:
            headers["Access-Control-Allow-Methods"] = ", ".join(self.allow_methods)
        if self._any_header:
            if requested:
                headers["Access-Control-Allow-Headers"] = ", ".join(requested)
            vary.append("Access-Control-Request-Headers")
        elif self.allow_headers:
            headers["Access-Control-Allow-Headers"] = ", ".join(self.allow_headers)
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        headers["Vary"] = ", ".join(vary)
        return headers

    def preflight_from(self, request_headers: Mapping[str, str]) -> dict[str, str] | None:
        """:meth:`preflight` from a request's headers (any case), e.g. an API Gateway event's."""
        lowered = {name.lower(): value for name, value in request_headers.items()}
        return self.preflight(
            lowered.get("origin"),
            lowered.get("access-control-request-method"),
            lowered.get("access-control-request-headers"),
        )

    def __repr__(self) -> str:
        return (
            f"CorsPolicy(allow_origins={list(self.allow_origins)!r}, "
            f"allow_methods={list(self.allow_methods)!r}, "
            f"allow_credentials={self.allow_credentials!r})"
        )
