"""GET /items: pages in creation order, with cursors that cannot be forged."""

from __future__ import annotations

import base64
import json

import pytest
from handler_doubles import TABLE, Env, Harness, api_event, body, make_harness

from seawall_handler.domain.cursor import CursorCodec


def create_items(call: Harness, count: int) -> list[dict]:
    created = []
    for i in range(count):
        call.clock.now += 1
        response = call(api_event("POST", "/items", {"name": f"n{i}", "data": {"i": i}}))
        created.append(body(response))
    return created


def page(call: Harness, **query: str) -> dict:
    response = call(api_event("GET", "/items", query=query or None))
    assert response["statusCode"] == 200, response
    return body(response)


def test_pages_walk_every_item_once_in_creation_order(call: Harness) -> None:
    created = create_items(call, 7)
    seen, cursor, sizes = [], None, []
    while True:
        result = page(call, limit="3", **({"cursor": cursor} if cursor else {}))
        sizes.append(len(result["items"]))
        seen.extend(result["items"])
        cursor = result["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == created


def test_a_full_last_page_has_no_cursor(call: Harness) -> None:
    create_items(call, 4)
    first = page(call, limit="2")
    second = page(call, limit="2", cursor=first["next_cursor"])
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None


def test_default_limit_is_20(call: Harness) -> None:
    create_items(call, 21)
    result = page(call)
    assert len(result["items"]) == 20
    assert result["next_cursor"]


def test_empty_table_lists_nothing(call: Harness) -> None:
    assert page(call) == {"items": [], "next_cursor": None}


def tampered(cursor: str) -> list[str]:
    payload, tag = cursor.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["i"] = "00000000-0000-4000-8000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    flipped = tag[:-1] + ("A" if tag[-1] != "A" else "B")
    # The same bytes spelled differently: a 32-byte tag is 43 characters, and base64 ignores the
    # lowest two bits of the last one, so flipping its lowest bit still decodes to the same tag.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = tag[:-1] + alphabet[alphabet.index(tag[-1]) ^ 1]
    return [
        f"{payload}.{respelled}",  # a non-canonical spelling of the tag
        f"{forged}.{tag}",  # a changed position with the old tag
        f"{payload}.{flipped}",  # a changed tag
        payload,  # no tag
        cursor[:-3],  # truncated
        cursor + "x" * 600,  # too long
        "",
        "..",
        "not base64!.x",
        "\u00e9.\u00e9",
    ]


def test_tampered_or_foreign_cursors_are_400(call: Harness) -> None:
    create_items(call, 3)
    cursor = page(call, limit="1")["next_cursor"]
    foreign = CursorCodec(b"another table's key").encode(("2023-11-14T22:13:21.000Z", "0" * 36))
    for bad in [*tampered(cursor), foreign]:
        response = call(api_event("GET", "/items", query={"cursor": bad}))
        assert response["statusCode"] == 400, bad
        assert body(response)["type"] == "urn:seawall:problem:malformed-request"


def test_the_cursor_key_lives_in_the_table_and_is_shared(aws: Env) -> None:
    first, second = make_harness(aws), make_harness(aws)  # two function instances
    create_items(first, 3)
    cursor = page(first, limit="1")["next_cursor"]
    assert page(second, limit="1", cursor=cursor)["items"][0]["name"] == "n1"
    record = aws.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": "CONFIG"}, "sk": {"S": "CURSOR_KEY"}}
    )["Item"]
    assert len(record["key"]["B"]) == 32


@pytest.mark.parametrize(
    "position", [("2023-11-14T22:13:21.000Z", "nope"), ("yesterday", "0" * 36)]
)
def test_even_a_correctly_signed_cursor_must_hold_a_valid_position(position) -> None:
    from seawall_handler.errors import MalformedRequest

    codec = CursorCodec(b"k" * 32)
    with pytest.raises(MalformedRequest):
        codec.decode(codec.encode(position))
