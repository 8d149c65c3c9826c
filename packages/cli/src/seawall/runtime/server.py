"""The HTTP front of the local gateway: a threaded server on loopback, one stage per server.

Requests are served under `/<stage>/...`, the same shape as an API Gateway invoke URL, so clients
use the same paths locally and on AWS.
"""

from __future__ import annotations

import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from seawall.emulator import require_loopback
from seawall.runtime.events import HttpRequest, HttpResponse
from seawall.runtime.gateway import (
    INTEGRATION_FAILURE,
    MISSING_AUTHENTICATION_TOKEN,
    REQUEST_TOO_LARGE,
    Gateway,
)

# API Gateway's own payload limit for REST APIs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 0) -> None:
        require_loopback(host)
        self.gateway = gateway
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{self.gateway.api.stage}"


class _Handler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "seawall-local-gateway"

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Silence the stdlib's stderr log: the gateway writes a structured access log instead."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            self._send(REQUEST_TOO_LARGE.response())
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        stage_prefix = f"/{self.server.gateway.api.stage}"
        if parts.path != stage_prefix and not parts.path.startswith(stage_prefix + "/"):
            # Outside the stage: the plain answer, deliberately not the API's gateway responses.
            self._send(MISSING_AUTHENTICATION_TOKEN.response())
            return
        request = HttpRequest(
            method=self.command,
            path=parts.path[len(stage_prefix) :] or "/",
            headers=list(self.headers.items()),
            query=parse_qsl(parts.query, keep_blank_values=True),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            response = self.server.gateway.handle(request)
        except Exception:  # a bug of ours: answer as API Gateway would, and keep the trace
            traceback.print_exc()
            response = INTEGRATION_FAILURE.response()
        self._send(response)

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
