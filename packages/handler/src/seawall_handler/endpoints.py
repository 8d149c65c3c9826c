"""The API's endpoints: each reads what it needs from the request and calls the domain.

Body limits (413 above them; documented in the README and in openapi.json):
`POST /items` and `PUT /items/{id}` 64 KiB, `POST /jobs` 1 MiB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from seawall_handler._aws import Calls
from seawall_handler.config import Settings
from seawall_handler.errors import FieldError, PreconditionRequired, ValidationFailed
from seawall_handler.http import Request, Response, parse_json_body
from seawall_handler.items import Items, new_id
from seawall_handler.models import Item
from seawall_handler.routes import ROUTES
from seawall_handler.store import DynamoItemStore, Expected

if TYPE_CHECKING:
    from seawall_handler.cursor import CursorCodec
    from seawall_handler.jobs import Jobs

# Cold start: the modules only some routes need (validation, idempotency, cursors, jobs) are
# imported by those routes, so a first GET compiles and loads none of them.

ITEM_BODY_LIMIT = 64 * 1024
JOB_BODY_LIMIT = 1024 * 1024
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


# (HTTP method, route name) -> the method of Endpoints that answers it: `get_item`, ...
_METHOD_NAMES = {
    (method, route.name): f"{method.lower()}_{route.name}"
    for route in ROUTES
    for method in route.methods
}


def etag(version: int) -> str:
    """The strong entity tag of an item version (item_response writes it inline: warm path)."""
    return f'"{version}"'


class CursorKeys:
    """The process's cursor codec (the table's key), loaded or created on the first listing;
    cursor.py is imported only then (cold start)."""

    def __init__(self) -> None:
        self._codec: CursorCodec | None = None

    def codec(self, calls: Calls, table: str) -> CursorCodec:
        if self._codec is None:
            from seawall_handler.cursor import load_codec  # noqa: PLC0415 - only for listings

            self._codec = load_codec(calls, table)
        return self._codec


def parse_if_match(value: str) -> Expected:
    """`*` -> None (any version); otherwise the versions of the listed entity tags.

    Tags that are not ours (not a quoted integer, weak or strong) cannot match anything, so they
    are dropped; an empty result makes the write fail with 412, as RFC 9110 asks.
    """
    if value.strip() == "*":
        return None
    versions = set()
    for raw in value.split(","):
        tag = raw.strip().removeprefix("W/")
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            number = int(tag[1:-1])
            if number < 2**53:
                versions.add(number)
    return frozenset(versions)


def item_response(status: int, item: Item, **headers: str) -> Response:
    return Response(status, item.to_json(), {"ETag": f'"{item.version}"', **headers})  # etag()


class Endpoints:
    """One per request: the domain services wired to this request's calls and deadline."""

    def __init__(
        self,
        settings: Settings,
        calls: Calls,
        clock: Callable[[], float],
        request_id: str,
        cursor_keys: CursorKeys,
    ) -> None:
        self.settings = settings
        self.calls = calls
        self.clock = clock
        self.request_id = request_id
        self.cursor_keys = cursor_keys
        self.items = Items(DynamoItemStore(calls, settings.table_name), clock)

    def handle(self, route: str, request: Request, params: dict[str, str]) -> Response:
        """`route` and `request.method` must be one of the routes' methods (see routes.py)."""
        method: Callable[[Request, dict[str, str]], Response] = getattr(
            self, _METHOD_NAMES[request.method, route]
        )
        return method(request, params)

    # /items

    def post_items(self, request: Request, params: dict[str, str]) -> Response:
        from seawall_handler.validation import item_input  # noqa: PLC0415 - see above

        body = parse_json_body(request, ITEM_BODY_LIMIT)
        data = item_input(body)

        def create(item_id: str | None) -> Response:
            item = self.items.create(data, item_id)
            return item_response(201, item, Location=f"{request.base_path}/items/{item.id}")

        return self._idempotent(request, "/items", body, create)

    def get_items(self, request: Request, params: dict[str, str]) -> Response:
        limit = self._limit(request.query.get("limit"))
        cursor = request.query.get("cursor")
        after = None
        if cursor is not None:
            after = self._codec().decode(cursor)
        items, next_position = self.items.page(limit, after)
        next_cursor = self._codec().encode(next_position) if next_position else None
        return Response(200, {"items": [i.to_json() for i in items], "next_cursor": next_cursor})

    # /items/{id}

    def get_item(self, request: Request, params: dict[str, str]) -> Response:
        return item_response(200, self.items.get(params["id"]))

    def put_item(self, request: Request, params: dict[str, str]) -> Response:
        if_match = request.header("if-match")
        if if_match is None:
            raise PreconditionRequired("PUT needs If-Match with the item's current ETag")
        expected = parse_if_match(if_match)
        from seawall_handler.validation import item_input  # noqa: PLC0415 - see above

        data = item_input(parse_json_body(request, ITEM_BODY_LIMIT))
        return item_response(200, self.items.replace(params["id"], data, expected))

    def delete_item(self, request: Request, params: dict[str, str]) -> Response:
        if_match = request.header("if-match")
        expected = None if if_match is None else parse_if_match(if_match)
        self.items.delete(params["id"], expected)
        return Response(204)

    # /jobs

    def post_jobs(self, request: Request, params: dict[str, str]) -> Response:
        from seawall_handler.validation import job_input  # noqa: PLC0415 - see above

        body = parse_json_body(request, JOB_BODY_LIMIT)
        job_input_ = job_input(body)

        def submit(job_id: str | None) -> Response:
            job = self._jobs().submit(job_input_, job_id or new_id())
            return Response(
                202,
                {"id": job.id, "status": job.status},
                {"Location": f"{request.base_path}/jobs/{job.id}"},
            )

        return self._idempotent(request, "/jobs", body, submit)

    def get_job(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, self._jobs().get(params["id"]).to_json())

    # helpers

    def _jobs(self) -> Jobs:
        from seawall_handler.job_store import DynamoJobStore, SqsQueue  # noqa: PLC0415
        from seawall_handler.jobs import Jobs  # noqa: PLC0415

        store = DynamoJobStore(self.calls, self.settings.table_name)
        queue = SqsQueue(self.calls, self.settings.jobs_queue_url)
        return Jobs(store, queue, self.clock)

    def _idempotent(
        self,
        request: Request,
        route: str,
        body: object,
        create: Callable[[str | None], Response],
    ) -> Response:
        """Run `create` once per `Idempotency-Key` (see idempotency.py); without one, just run."""
        key = request.header("idempotency-key")
        if key is None:
            return create(None)
        from seawall_handler.idempotency import (  # noqa: PLC0415 - see above
            Idempotency,
            Replay,
            check_key,
            fingerprint,
        )

        check_key(key)
        idempotency = Idempotency(self.calls, self.settings.table_name, self.clock)
        scope = f"{request.api_key_id or '-'}#POST {route}"
        outcome = idempotency.begin(scope, key, fingerprint("POST", route, body), new_id)
        if isinstance(outcome, Replay):
            headers = {**outcome.headers, "Idempotent-Replayed": "true"}
            return Response(outcome.status, outcome.body, headers)
        try:
            response = create(outcome.resource_id)
        except BaseException:
            with contextlib.suppress(Exception):
                idempotency.release(outcome)
            raise
        with contextlib.suppress(Exception):
            # Stored already: the answer stands even if it cannot be remembered now; a retry
            # takes over the expired lock and finds the stored resource under the same id.
            idempotency.complete(outcome, response.status, response.headers, response.body)
        return response

    def _codec(self) -> CursorCodec:
        return self.cursor_keys.codec(self.calls, self.settings.table_name)

    @staticmethod
    def _limit(raw: str | None) -> int:
        if raw is None:
            return DEFAULT_LIMIT
        text = raw.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not (
            1 <= int(text) <= MAX_LIMIT
        ):
            raise ValidationFailed(
                [FieldError("query.limit", f"must be an integer from 1 to {MAX_LIMIT}")]
            )
        return int(text)
