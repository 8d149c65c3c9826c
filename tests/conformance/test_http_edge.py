"""The local gateway's HTTP edge on the deployed stack, in raw bytes over sockets: each framing
mistake gets what API Gateway answers (a JSON 4xx, never HTML, never a 5xx), and a request whose
body did not fully arrive never runs: no item is created in the table (read from the emulator)."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from seawall.local_stack import LocalStack


def exchange(stack: LocalStack, data: bytes, *, half_close: bool = False):
    url = urlsplit(stack.api_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    sock.sendall(data)
    if half_close:
        sock.shutdown(socket.SHUT_WR)
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    sock.close()
    return response, json.loads(body) if body else None


def create(stack: LocalStack, body: bytes, *headers: str) -> bytes:
    stage = urlsplit(stack.api_url).path
    lines = "".join(f"{h}\r\n" for h in (f"x-api-key: {stack.api_key}", *headers))
    return f"POST {stage}/items HTTP/1.1\r\nHost: local\r\n{lines}\r\n".encode() + body


def item_names(stack: LocalStack) -> set[str]:
    table = stack.emulator.connection.client("dynamodb")
    items = table.scan(TableName=str(stack.outputs["table_name"]))["Items"]
    return {item["name"]["S"] for item in items if "name" in item}


def assert_api_gateway_error(response, payload, status: int) -> None:
    assert response.status == status
    assert response.getheader("Content-Type") == "application/json"
    assert isinstance(payload, dict)
    assert "message" in payload
    assert response.getheader("x-amzn-RequestId")
    assert response.getheader("x-amz-apigw-id")


ITEM = b'{"name":"edge-probe-%s","data":{}}'


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("non-numeric", ("Content-Length: 4x",)),
        ("negative", ("Content-Length: -1",)),
        ("two-different", ("Content-Length: 40", "Content-Length: 41")),
        ("length-and-chunked", ("Content-Length: 40", "Transfer-Encoding: chunked")),
    ],
)
def test_bad_content_length_is_a_400_and_creates_nothing(local_stack, case, headers) -> None:
    body = ITEM % case.encode()
    request = create(local_stack, body, "Content-Type: application/json", *headers)
    response, payload = exchange(local_stack, request, half_close=True)
    assert_api_gateway_error(response, payload, 400)
    assert f"edge-probe-{case}" not in item_names(local_stack)


def test_a_request_cut_short_creates_nothing(local_stack) -> None:
    body = ITEM % b"truncated"
    declared = f"Content-Length: {len(body)}"
    response, payload = exchange(
        local_stack, create(local_stack, body[:-5], declared), half_close=True
    )
    assert_api_gateway_error(response, payload, 400)
    assert "edge-probe-truncated" not in item_names(local_stack)


def test_a_chunked_create_reaches_the_function_whole(local_stack) -> None:
    body = ITEM % b"chunked"
    chunks = (
        b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))
        + b"0\r\n\r\n"
    )
    response, payload = exchange(
        local_stack,
        create(local_stack, chunks, "Content-Type: application/json", "Transfer-Encoding: chunked"),
    )
    assert response.status == 201, payload
    assert "edge-probe-chunked" in item_names(local_stack)


@pytest.mark.parametrize("method", ["TRACE", "FOO"])
def test_unknown_methods_get_the_apis_missing_token_response(local_stack, method) -> None:
    stage = urlsplit(local_stack.api_url).path
    response, payload = exchange(
        local_stack, f"{method} {stage}/items HTTP/1.1\r\nHost: local\r\n\r\n".encode()
    )
    assert_api_gateway_error(response, payload, 403)
    assert payload["type"] == "MISSING_AUTHENTICATION_TOKEN"  # the stack's gateway response


def test_an_http09_request_line_is_refused_not_left_hanging(local_stack) -> None:
    stage = urlsplit(local_stack.api_url).path
    response, payload = exchange(local_stack, f"GET {stage}/health\r\n".encode())
    assert_api_gateway_error(response, payload, 400)


def test_keep_alive_answers_each_request_with_its_own_ids(local_stack) -> None:
    url = urlsplit(local_stack.api_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    seen = set()
    for _ in range(3):
        connection.request("GET", f"{url.path}/health")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        seen.add((response.getheader("x-amzn-RequestId"), response.getheader("x-amz-apigw-id")))
    connection.close()
    assert len(seen) == 3
