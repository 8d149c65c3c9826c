"""Which targets `seawall loadtest` may load without the explicit prod confirmation.

Load (and the audit's clean-up, which deletes items) aimed at prod by mistake harms real users, so
prod needs `--i-know-this-is-prod`. `--env prod` says so by name; an `--api-url` does not: seawall
cannot tell from a URL which environment serves it (every stage is an execute-api host), so any
URL that is not loopback, the only place a local stack runs, needs the same confirmation.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from seawall.errors import UsageError

CONFIRMATION = "--i-know-this-is-prod"


def is_loopback_url(url: str) -> bool:
    """True when `url` is http(s) to localhost or a loopback address (127.0.0.0/8, ::1)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def refuse_unconfirmed_prod(env: str, api_url: str | None, *, confirmed: bool) -> None:
    """Raise a usage error when the target may be prod and the user did not confirm it."""
    if confirmed:
        return
    if env == "prod":
        raise UsageError("refusing to load-test prod", hint=f"add {CONFIRMATION} if you mean it")
    if api_url is not None and not is_loopback_url(api_url):
        raise UsageError(
            f"refusing to load-test {api_url}: only a loopback URL is surely not prod",
            hint=f"use --env NAME (its live release names the URL), or add {CONFIRMATION} "
            "if you mean it",
        )
