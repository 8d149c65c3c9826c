"""The API's endpoints, and the route table that maps (method, route) to them.

Each endpoint reads what it needs from the request and calls a domain service from `Services`
(wiring.py builds them). Body limits (413 above them; documented in the README and in
openapi.json): `POST /items` and `PUT /items/{id}` 64 KiB, `POST /jobs` 1 MiB.

Cold start: the modules only some routes need (validation, idempotency, cursors, jobs) are
imported by those routes, so a first GET compiles and loads none of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from seawall_handler.adapter.http import Request, Response, etag, parse_json_body
from seawall_handler.domain.items import Expected, new_id
from seawall_handler.domain.models import Item
from seawall_handler.errors import FieldError, PreconditionRequired, ValidationFailed
from seawall_handler.wiring import Services

ITEM_BODY_LIMIT = 64 * 1024
JOB_BODY_LIMIT = 1024 * 1024
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Endpoint = Callable[[Services, Request, dict[str, str]], Response]


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
    return Response(status, item.to_json(), {"ETag": etag(item.version), **headers})


def health(services: Services, request: Request, params: dict[str, str]) -> Response:
    return Response(200, {"status": "ok"})


# /items


def post_items(services: Services, request: Request, params: dict[str, str]) -> Response:
    from seawall_handler.domain.validation import item_input  # noqa: PLC0415 - see above

    body = parse_json_body(request, ITEM_BODY_LIMIT)
    data = item_input(body)

    def create(item_id: str | None) -> Response:
        item = services.items.create(data, item_id)
        return item_response(201, item, Location=f"{request.base_path}/items/{item.id}")

    return _idempotent(services, request, "/items", body, create)


def get_items(services: Services, request: Request, params: dict[str, str]) -> Response:
    limit = _limit(request.query.get("limit"))
    cursor = request.query.get("cursor")
    after = None if cursor is None else services.cursor_codec().decode(cursor)
    items, next_position = services.items.page(limit, after)
    next_cursor = services.cursor_codec().encode(next_position) if next_position else None
    return Response(200, {"items": [i.to_json() for i in items], "next_cursor": next_cursor})


# /items/{id}


def get_item(services: Services, request: Request, params: dict[str, str]) -> Response:
    return item_response(200, services.items.get(params["id"]))


def put_item(services: Services, request: Request, params: dict[str, str]) -> Response:
    if_match = request.header("if-match")
    if if_match is None:
        raise PreconditionRequired("PUT needs If-Match with the item's current ETag")
    expected = parse_if_match(if_match)
    from seawall_handler.domain.validation import item_input  # noqa: PLC0415 - see above

    data = item_input(parse_json_body(request, ITEM_BODY_LIMIT))
    return item_response(200, services.items.replace(params["id"], data, expected))


def delete_item(services: Services, request: Request, params: dict[str, str]) -> Response:
    if_match = request.header("if-match")
    expected = None if if_match is None else parse_if_match(if_match)
    services.items.delete(params["id"], expected)
    return Response(204)


# /jobs


def post_jobs(services: Services, request: Request, params: dict[str, str]) -> Response:
    from seawall_handler.domain.validation import job_input  # noqa: PLC0415 - see above

    body = parse_json_body(request, JOB_BODY_LIMIT)
    job_input_ = job_input(body)

    def submit(job_id: str | None) -> Response:
        job = services.jobs().submit(job_input_, job_id or new_id())
        return Response(
            202,
            {"id": job.id, "status": job.status},
            {"Location": f"{request.base_path}/jobs/{job.id}"},
        )

    return _idempotent(services, request, "/jobs", body, submit)


def get_job(services: Services, request: Request, params: dict[str, str]) -> Response:
    return Response(200, services.jobs().get(params["id"]).to_json())


#: (HTTP method, route name) -> the endpoint that answers it; the route names and their methods
#: are routes.py's (a test keeps the two equal). OPTIONS is answered by the adapter (CORS
#: preflight or `Allow`) on every route.
ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "health"): health,
    ("GET", "items"): get_items,
    ("POST", "items"): post_items,
    ("GET", "item"): get_item,
    ("PUT", "item"): put_item,
    ("DELETE", "item"): delete_item,
    ("POST", "jobs"): post_jobs,
    ("GET", "job"): get_job,
}


# helpers


def _idempotent(
    services: Services,
    request: Request,
    route: str,
    body: object,
    create: Callable[[str | None], Response],
) -> Response:
    """Run `create` once per `Idempotency-Key` (domain/idempotency.py); without one, just run."""
    key = request.header("idempotency-key")
    if key is None:
        return create(None)
    from seawall_handler.domain.idempotency import (  # noqa: PLC0415 - see above
        Replay,
        check_key,
        fingerprint,
    )

    check_key(key)
    idempotency = services.idempotency()
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
