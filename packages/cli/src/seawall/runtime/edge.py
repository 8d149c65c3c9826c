"""Reading one whole request off a connection, or refusing it the way API Gateway does.

A request is handed on only once its whole body has arrived. Malformed framing (a non-numeric,
negative or conflicting Content-Length, both Content-Length and Transfer-Encoding, an HTTP/0.9
or garbled request line) is a 400, a body over the payload limit a 413, a request that takes too
long to arrive a 408; each a JSON body as from API Gateway, never an HTML page, never a 5xx. A
request cut short by the end of the client's stream is a 400 and never runs.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import h11

from seawall.runtime.events import HttpResponse

if TYPE_CHECKING:
    from seawall.runtime.http_server import EdgeLimits

INTERNAL_ERROR = b'{"message":"Internal server error"}'
_READ_SIZE = 64 * 1024
# A request line ends in its protocol version; an HTTP/0.9 line ("GET /") has none.
_REQUEST_LINE = re.compile(rb"^\S+ \S+ HTTP/\d\.\d$")


@dataclass(frozen=True)
class Refusal:
    """A request the edge answers itself, then closes the connection."""

    status: int
    message: str
    error_type: str = ""
    request: h11.Request | None = None  # the head, when it was read
    too_large: bool = False  # REQUEST_TOO_LARGE, a gateway response type of the API

    def response(self) -> HttpResponse:
        headers = [("Content-Type", "application/json")]
        if self.error_type:
            headers.append(("x-amzn-ErrorType", self.error_type))
        return HttpResponse(self.status, headers, json.dumps({"message": self.message}).encode())


BAD_REQUEST = Refusal(400, "Bad Request", "BadRequestException")
TIMED_OUT = Refusal(408, "Request Timeout")
HEADERS_TOO_LARGE = Refusal(431, "Request Header Fields Too Large")


async def read_request(
    conn: h11.Connection,
    reader: asyncio.StreamReader,
    limits: EdgeLimits,
    send: Callable[[bytes], None],
) -> tuple[h11.Request, bytes] | Refusal | None:
    """The next request and its whole body; a Refusal; or None when the client closed or idled.
    `send` writes to the client (a 100 Continue to a client that asked before its body)."""
    request: h11.Request | None = None
    body = bytearray()
    # Bytes of this request seen before h11 has a request line (pipelined leftovers first).
    head = bytearray(conn.trailing_data[0])
    clock = asyncio.get_running_loop().time
    deadline = clock() + limits.request_timeout_s if head else None
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as error:
            # Also a request cut short by the end of the stream: answered (a half-closed client
            # still reads), never run.
            return HEADERS_TOO_LARGE if error.error_status_hint == 431 else BAD_REQUEST
        if event is h11.NEED_DATA:
            if request is None and _not_http11_request_line(head):
                return BAD_REQUEST
            timeout = limits.idle_timeout_s if deadline is None else deadline - clock()
            data = await _read(reader, timeout)
            if data is None:
                return TIMED_OUT if deadline is not None else None
            # The request's clock starts at its first byte.
            deadline = clock() + limits.request_timeout_s if deadline is None else deadline
            if request is None:
                head += data
            conn.receive_data(data)
        elif isinstance(event, h11.Request):
            request = event
            refusal = _check_head(event, limits)
            if refusal is not None:
                return refusal
            _continue(conn, send)
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > limits.max_body_bytes:
                return Refusal(413, "Request Too Long", request=request, too_large=True)
        elif isinstance(event, h11.EndOfMessage) and request is not None:
            return request, bytes(body)
        else:  # ConnectionClosed: the client went away between requests
            return None


async def _read(reader: asyncio.StreamReader, timeout: float) -> bytes | None:
    """The next bytes from the client (b"" at the end of its stream), or None after `timeout`."""
    try:
        async with asyncio.timeout(max(timeout, 0)):
            return await reader.read(_READ_SIZE)
    except TimeoutError:
        return None


def _continue(conn: h11.Connection, send: Callable[[bytes], None]) -> None:
    """A 100 Continue to a client that waits for one before its body (curl, over 1 KiB)."""
    if conn.they_are_waiting_for_100_continue:
        send(conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")


def _not_http11_request_line(head: bytearray) -> bool:
    """A complete first line that is not `METHOD target HTTP/x.y` (h11 would wait for headers)."""
    text = bytes(head).lstrip(b"\r\n")
    end = text.find(b"\n")
    return end >= 0 and not _REQUEST_LINE.match(text[:end].rstrip(b"\r"))


def _check_head(request: h11.Request, limits: EdgeLimits) -> Refusal | None:
    """What h11 lets through but API Gateway refuses: headers over the limit (h11 checks only a
    head still arriving), Content-Length beside Transfer-Encoding (the request-smuggling pair),
    and a declared body over the payload limit."""
    if sum(len(name) + len(value) for name, value in request.headers) > limits.max_header_bytes:
        return HEADERS_TOO_LARGE
    lengths = [value for name, value in request.headers if name == b"content-length"]
    chunked = any(name == b"transfer-encoding" for name, _ in request.headers)
    if lengths and chunked:
        return BAD_REQUEST
    if lengths and int(lengths[0]) > limits.max_body_bytes:
        return Refusal(413, "Request Too Long", request=request, too_large=True)
    return None


def raw_response(response: HttpResponse) -> bytes:
    """An HTTP/1.1 response written without h11, for refusals h11's state no longer allows."""
    lines = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    if not any(name.lower() == "content-length" for name, _ in response.headers):
        lines.append(f"Content-Length: {len(response.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
}
