"""The gateway's HTTP edge, spoken to in raw bytes: what API Gateway answers to each framing
mistake (a JSON 4xx, never the standard library's HTML, never a 5xx), and no request runs unless its
whole body arrived. The same probes run on a deployed stack in tests/conformance/test_http_edge.py.
"""

from __future__ import annotations

import gc
import http.client
import json
import socket
import threading

import pytest

from seawall.runtime.gateway import Gateway
from seawall.runtime.http_server import EdgeLimits, GatewayServer
from seawall.runtime.records import RequestRecord
from seawall.runtime.restapi import (
    GatewayResponse,
    Integration,
    Method,
    Resource,
    RestApi,
)

LIMITS = EdgeLimits(request_timeout_s=0.5, idle_timeout_s=0.5, max_body_bytes=1000)


def proxy(arn: str) -> Method:
    uri = f"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/{arn}/invocations"
    return Method("POST", False, "NONE", Integration("AWS_PROXY", uri, 29_000))


@pytest.fixture
def served(make_pool):
    """A stage `local` with POST /items (echoes the body it got) and its records."""
    pool = make_pool("mirror")
    api = RestApi(
        id="api1",
        name="edge",
        stage="local",
        resources=(Resource("r1", "/items", {"POST": proxy(pool.spec.arn)}),),
        api_keys={},
        gateway_responses={
            "DEFAULT_4XX": GatewayResponse(
                None, {"Access-Control-Allow-Origin": "'https://app.example.com'"}, {}
            )
        },
    )
    records: list[RequestRecord] = []
    gateway = Gateway(api, {pool.spec.arn: pool}, account_id="1", on_request_done=[records.append])
    server = GatewayServer(gateway, limits=LIMITS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address, records
    server.shutdown()
    server.server_close()
    gateway.close()
    thread.join(timeout=5)


def exchange(address, data: bytes, *, half_close: bool = False) -> http.client.HTTPResponse:
    """Send raw bytes, read one response (the socket times out rather than hang a test)."""
    sock = socket.create_connection(address, timeout=5)
    sock.sendall(data)
    if half_close:
        sock.shutdown(socket.SHUT_WR)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.body = response.read()  # type: ignore[attr-defined]
    sock.close()
    return response


def post(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"POST /local/items HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body


def assert_json_error(response, status: int, message: str) -> None:
    assert response.status == status
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(response.body)["message"] == message
    assert response.getheader("x-amzn-RequestId")
    assert response.getheader("x-amz-apigw-id")


def test_a_whole_request_runs_and_every_response_has_both_ids(served) -> None:
    address, records = served
    response = exchange(address, post(b'{"a":1}', "Content-Length: 7"))
    assert response.status == 201
    assert json.loads(response.body) == {"body": '{"a":1}'}
    assert response.getheader("x-amzn-RequestId") == records[0].request_id
    assert response.getheader("x-amz-apigw-id") == records[0].extended_request_id


def test_the_servers_end_of_each_connection_sends_without_delay(served) -> None:
    """TCP_NODELAY on the accepted socket (asyncio does not set it there: an accepted socket's
    proto reads 0): without it, a keep-alive client's next response waits for its delayed ACK."""
    address, _ = served
    client = socket.create_connection(address, timeout=5)
    try:
        client.sendall(post(b"1", "Content-Length: 1"))
        assert client.recv(4096).startswith(b"HTTP/1.1 201")
        mine = client.getsockname()
        accepted = [
            obj
            for obj in gc.get_objects()
            if isinstance(obj, socket.socket)
            and obj.fileno() >= 0
            and obj.family == socket.AF_INET
            and obj.type == socket.SOCK_STREAM
            and _peer(obj) == mine
        ]
        assert len(accepted) == 1
        assert accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        client.close()


def _peer(sock: socket.socket) -> object:
    try:
        return sock.getpeername()
    except OSError:  # a listening or closed socket
        return None


def test_keep_alive_serves_requests_in_turn_and_pipelined(served) -> None:
    address, records = served
    sock = socket.create_connection(address, timeout=5)
    one = post(b"1", "Content-Length: 1")
    sock.sendall(one + one)  # pipelined: the second request is already in the buffer
    for _ in range(2):
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 201
        assert json.loads(response.read()) == {"body": "1"}
    sock.sendall(one)
    response = http.client.HTTPResponse(sock)
    response.begin()
    assert response.status == 201
    sock.close()
    assert len(records) == 3


def test_a_client_expecting_100_continue_is_told_to_send_its_body(served) -> None:
    address, _ = served
    sock = socket.create_connection(address, timeout=5)
    sock.sendall(post(b"", "Content-Length: 5", "Expect: 100-continue"))
    assert sock.recv(1024).startswith(b"HTTP/1.1 100 ")  # before any body byte was sent
    sock.sendall(b"hello")
    response = http.client.HTTPResponse(sock)
    response.begin()
    assert response.status == 201
    assert json.loads(response.read()) == {"body": "hello"}
    sock.close()


def test_slow_clients_do_not_hold_up_the_others(served) -> None:
    address, records = served
    stalled = []
    for _ in range(200):  # each sends half a request line and waits
        sock = socket.create_connection(address, timeout=5)
        sock.sendall(b"POST /local/it")
        stalled.append(sock)
    try:
        response = exchange(address, post(b"1", "Content-Length: 1"))
        assert response.status == 201
        assert len(records) == 1
    finally:
        for sock in stalled:
            sock.close()


def test_a_chunked_body_reaches_the_function_whole(served) -> None:
    address, _ = served
    chunks = b"4\r\nhell\r\n3\r\no w\r\n4\r\norld\r\n0\r\n\r\n"
    response = exchange(address, post(chunks, "Transfer-Encoding: chunked"))
    assert response.status == 201
    assert json.loads(response.body) == {"body": "hello world"}


@pytest.mark.parametrize(
    "headers",
    [
        ("Content-Length: abc",),
        ("Content-Length: -5",),
        ("Content-Length: 1", "Content-Length: 2"),
        ("Content-Length: 5", "Transfer-Encoding: chunked"),
        ("Transfer-Encoding: gzip",),
        ("If-Match: a\x00b",),
    ],
    ids=[
        "non-numeric",
        "negative",
        "two-different",
        "length-and-chunked",
        "unknown-coding",
        "nul-byte-in-a-header",
    ],
)
def test_bad_framing_is_a_json_400_and_nothing_runs(served, headers) -> None:
    address, records = served
    response = exchange(address, post(b"hello", *headers), half_close=True)
    assert_json_error(response, 400, "Bad Request")
    assert records == []


def test_a_body_cut_short_by_the_client_never_runs(served) -> None:
    address, records = served
    response = exchange(address, post(b'{"a":', "Content-Length: 100"), half_close=True)
    assert_json_error(response, 400, "Bad Request")
    assert records == []


def test_a_declared_body_over_the_limit_is_a_413_with_the_apis_headers(served) -> None:
    address, records = served
    response = exchange(address, post(b"", "Content-Length: 1001"))
    assert_json_error(response, 413, "Request Too Long")
    assert response.getheader("Access-Control-Allow-Origin") == "https://app.example.com"
    assert response.getheader("x-amzn-RequestId")
    assert records == []


def test_a_chunked_body_over_the_limit_is_a_413(served) -> None:
    address, records = served
    chunks = b"400\r\n" + b"x" * 1024 + b"\r\n0\r\n\r\n"
    response = exchange(address, post(chunks, "Transfer-Encoding: chunked"))
    assert_json_error(response, 413, "Request Too Long")
    assert records == []


@pytest.mark.parametrize("method", ["TRACE", "FOO", "get"])
def test_an_unknown_method_is_api_gateways_403_not_a_501_page(served, method) -> None:
    address, records = served
    response = exchange(address, f"{method} /local/items HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert_json_error(response, 403, "Missing Authentication Token")
    assert records[0].error_response_type == "MISSING_AUTHENTICATION_TOKEN"


@pytest.mark.parametrize(
    "line", [b"GET /local/items\r\n", b"GET\r\n", b"\x16\x03\x01\x02\x00\x01\r\n\r\n"]
)
def test_an_http09_or_garbled_request_line_is_answered_at_once(served, line) -> None:
    address, _ = served
    response = exchange(address, line)  # the socket stays open: no end of stream to wait for
    # A 400 "Bad Request", not the 408 "Request Timeout" a stalled request gets: answered at once.
    assert_json_error(response, 400, "Bad Request")


def test_headers_over_the_limit_are_a_431(served) -> None:
    address, _ = served
    response = exchange(address, post(b"", "X-Big: " + "a" * 20_000))
    assert_json_error(response, 431, "Request Header Fields Too Large")


def test_a_request_that_stalls_gets_a_408_and_never_runs(served) -> None:
    address, records = served
    response = exchange(address, post(b"12", "Content-Length: 10"))  # 8 bytes never come
    assert_json_error(response, 408, "Request Timeout")
    assert records == []


def test_an_idle_keep_alive_connection_is_closed(served) -> None:
    address, _ = served
    sock = socket.create_connection(address, timeout=5)
    assert sock.recv(1) == b""  # closed by the server after its idle timeout, without a word
    sock.close()


def test_outside_the_stage_is_a_plain_403(served) -> None:
    address, _ = served
    response = exchange(address, b"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_json_error(response, 403, "Missing Authentication Token")
    assert response.getheader("Access-Control-Allow-Origin") is None
