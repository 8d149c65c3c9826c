"""The few calls the CLI itself makes to the API (reachability, the audit's reads, the cleanup):
plain HTTP with bounded retries of the answers that mean "later" (429, 503, no connection)."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from seawall.smoke import http_json

RETRIED = frozenset({0, 429, 503})
PAGE = 100


class ApiClient:
    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        attempts: int = 6,
        timeout_s: float = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._headers = {"x-api-key": api_key}
        self._attempts = attempts
        self._timeout_s = timeout_s
        self._sleep = sleep

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        delay = 0.2
        status, payload = 0, None
        for _ in range(self._attempts):
            try:
                status, headers, payload = http_json(
                    method,
                    self.api_url + path,
                    body=body,
                    headers=self._headers,
                    timeout=self._timeout_s,
                )
            except OSError as error:
                status, headers, payload = 0, {}, str(error)
            if status not in RETRIED:
                return status, payload
            retry_after = headers.get("Retry-After", "")
            self._sleep(min(float(retry_after), 5.0) if retry_after.isdigit() else delay)
            delay = min(delay * 2, 5.0)
        return status, payload

    # -- the store, as the audit sees it ---------------------------------------------------

    def items(self) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            query = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
            status, page = self.call("GET", "/items?" + urllib.parse.urlencode(query))
            if status != 200 or not isinstance(page, dict):
                raise ApiError(f"GET /items answered {status}: {page!r}")
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def get(self, item_id: str) -> dict[str, Any] | None:
        status, item = self.call("GET", f"/items/{item_id}")
        if status == 404:
            return None
        if status != 200:
            raise ApiError(f"GET /items/{item_id} answered {status}: {item!r}")
        return item

    def delete(self, item_id: str) -> bool:
        status, _ = self.call("DELETE", f"/items/{item_id}")
        return status in (204, 404)


class ApiError(Exception):
    """The API did not answer a read the audit needs (after retries)."""
