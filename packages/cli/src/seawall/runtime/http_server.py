"""The HTTP front of the local gateway: HTTP/1.1 on loopback, one stage per server.

Requests are served under `/<stage>/...`, the same shape as an API Gateway invoke URL, so clients
use the same paths locally and on AWS.

HTTP parsing is h11's (a maintained, strict HTTP/1.1 state machine) under an asyncio loop of our
own: the standard library's threaded server let malformed framing through (a negative or
non-numeric Content-Length, two different ones, chunked bodies read as the next request), ran
requests whose body never fully arrived, held a thread per slow client with no timeout, and wrote
headers and body in two sends (Nagle against delayed ACK: ~44 ms per keep-alive response). Here a
request reaches the gateway only once its whole body has arrived (edge.py); a client's mistake gets
a JSON 4xx, as from API Gateway, and the connection is closed; slow clients cost a coroutine, not a
thread, and time out; each response is one send on a TCP_NODELAY socket. The gateway itself (which
blocks on function invocations) runs on a thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import parse_qsl, urlsplit

import h11

from seawall.emulator import require_loopback
from seawall.runtime import edge
from seawall.runtime.events import HttpRequest, HttpResponse
from seawall.runtime.gateway import (
    MISSING_AUTHENTICATION_TOKEN,
    REQUEST_TOO_LARGE,
    Gateway,
    with_request_ids,
)

# API Gateway's own payload limit for REST APIs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EdgeLimits:
    """How long and how much the edge waits for a client (tests shorten the timeouts)."""

    request_timeout_s: float = 30.0  # from a request's first byte until its whole body arrived
    idle_timeout_s: float = 60.0  # a keep-alive connection with no request in progress
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = MAX_PAYLOAD_BYTES
    backlog: int = 1024  # the kernel caps it at net.core.somaxconn
    workers: int = 64  # threads running the gateway (each blocks on a function invocation)


class GatewayServer:
    """Serves `gateway` on host:port until `shutdown()`; run `serve_forever()` on a thread."""

    def __init__(
        self,
        gateway: Gateway,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: EdgeLimits | None = None,
    ) -> None:
        require_loopback(host)
        self.gateway = gateway
        self.limits = limits or EdgeLimits()
        self._socket = socket.create_server((host, port), backlog=self.limits.backlog)
        self.server_address: tuple[str, int] = self._socket.getsockname()[:2]
        self._stage_prefix = f"/{gateway.api.stage}"
        self._executor = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="gateway")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}/{self.gateway.api.stage}"

    def serve_forever(self) -> None:
        try:
            asyncio.run(self._serve())
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serving and wait until `serve_forever` has returned."""
        self._started.wait(timeout=5)
        if self._loop is not None and self._stop is not None and not self._stopped.is_set():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._stopped.wait(timeout=10)

    def server_close(self) -> None:
        self._socket.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        connections: set[asyncio.Task[None]] = set()

        def track(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.ensure_future(self._connection(reader, writer))
            connections.add(task)
            task.add_done_callback(connections.discard)

        server = await asyncio.start_server(track, sock=self._socket, limit=1 << 20)
        self._started.set()
        async with server:
            await self._stop.wait()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One send per response meets the client's delayed ACK without TCP_NODELAY. asyncio sets it
        # only on sockets whose proto is IPPROTO_TCP, and an accepted socket says proto 0.
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = (writer.get_extra_info("peername") or ("127.0.0.1",))[0]
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes)
        loop = asyncio.get_running_loop()
        try:
            while True:
                outcome = await edge.read_request(conn, reader, self.limits, writer.write)
                if outcome is None:  # the client closed, or stayed idle too long
                    return
                if isinstance(outcome, edge.Refusal):
                    writer.write(self._refusal(conn, outcome, peer))
                    await writer.drain()
                    await _linger(reader, writer)
                    return
                event, body = outcome
                response = await loop.run_in_executor(
                    self._executor, self._answer, event, body, peer
                )
                writer.write(_serialize(conn, event.method, response))
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, asyncio.IncompleteReadError, h11.LocalProtocolError):
            return
        finally:
            writer.close()

    def _answer(self, event: h11.Request, body: bytes, peer: str) -> HttpResponse:
        """Runs on the thread pool: the gateway blocks on function invocations."""
        request = self._request(event, body, peer)
        if request is None:
            # Outside the stage: the plain answer, deliberately not the API's gateway responses.
            return with_request_ids(MISSING_AUTHENTICATION_TOKEN.response())
        try:
            return self.gateway.handle(request)
        except Exception:  # the gateway answers its own bugs; this is a last resort
            traceback.print_exc()
            error = HttpResponse(500, [("Content-Type", "application/json")], edge.INTERNAL_ERROR)
            return with_request_ids(error)

    def _request(self, event: h11.Request, body: bytes, peer: str) -> HttpRequest | None:
        """The request as the stage sees it (path under the stage); None outside the stage."""
        parts = urlsplit(event.target.decode("latin-1"))
        path = parts.path
        if path != self._stage_prefix and not path.startswith(self._stage_prefix + "/"):
            return None
        return HttpRequest(
            method=event.method.decode("latin-1"),
            path=path[len(self._stage_prefix) :] or "/",
            headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in event.headers.raw_items()
            ],
            query=parse_qsl(parts.query, keep_blank_values=True),
            body=body,
            source_ip=peer,
        )

    def _refusal(self, conn: h11.Connection, refusal: edge.Refusal, peer: str) -> bytes:
        """The answer to a request the edge refuses; the connection closes after it."""
        head = self._request(refusal.request, b"", peer) if refusal.request else None
        if refusal.too_large and head is not None:
            response = self.gateway.error_response(REQUEST_TOO_LARGE, head)
        else:
            response = with_request_ids(refusal.response())
        response = HttpResponse(
            response.status, [*response.headers, ("Connection", "close")], response.body
        )
        try:
            return _serialize(conn, b"", response)
        except h11.LocalProtocolError:  # h11 cannot frame it in this state: write it ourselves
            return edge.raw_response(response)


def _serialize(conn: h11.Connection, method: bytes, response: HttpResponse) -> bytes:
    """Headers and body as one buffer (one send: no Nagle / delayed-ACK stall)."""
    names = {name.lower() for name, _ in response.headers}
    headers = [*response.headers]
    if "content-length" not in names:
        headers.append(("Content-Length", str(len(response.body))))
    if "date" not in names:
        headers.append(("Date", _http_date()))
    data = conn.send(h11.Response(status_code=response.status, headers=headers)) or b""
    if method != b"HEAD" and response.body:
        data += conn.send(h11.Data(data=response.body)) or b""
    return data + (conn.send(h11.EndOfMessage()) or b"")


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """After a refusal, stop writing and read what the client still sends for a moment: closing
    with unread bytes makes the kernel send a reset, which can destroy the answer in flight."""
    try:
        if writer.can_write_eof():
            writer.write_eof()
        async with asyncio.timeout(_LINGER_S):
            while await reader.read(64 * 1024):
                pass
    except (TimeoutError, ConnectionError):
        pass


_LINGER_S = 2.0


def _http_date() -> str:
    return _http_date_of(int(time.time()))


@functools.lru_cache(maxsize=1)
def _http_date_of(second: int) -> str:
    """The Date header's value, formatted once per second (its resolution)."""
    return formatdate(second, usegmt=True)
