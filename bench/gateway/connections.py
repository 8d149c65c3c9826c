"""What a new connection costs the local gateway's HTTP edge, apart from everything behind it.

The edge (`seawall.runtime.http_server`, h11 under asyncio) serves a stub gateway that answers at
once, so no worker, emulator or routing is measured: only accepting, parsing, the hop to the
gateway's thread pool, the response and the close. 16 client threads in another process request
for --seconds per round, either on one keep-alive connection each or on a new connection per
request; the server's process CPU per request is read from getrusage. Side by side, in interleaved
rounds: the edge, and the floor, asyncio's own streams server writing a fixed answer (no HTTP
parsing, no thread pool). The cost of a connection is the CPU per request with a new connection
minus the keep-alive one; the floor's is what any asyncio streams server pays (accept, transport,
stream objects, the connection's task, the close).

Run: python bench/gateway/connections.py [--seconds 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import multiprocessing
import os
import resource
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from seawall.runtime.events import HttpResponse
from seawall.runtime.http_server import EdgeLimits, GatewayServer

CLIENTS = 16
ANSWER = b'{"ok":true}'


class _Api:
    stage = "v1"


class StubGateway:
    """Answers every request at once: the edge alone is measured."""

    api = _Api()

    def handle(self, request: Any) -> HttpResponse:
        return HttpResponse(200, [("Content-Type", "application/json")], ANSWER)

    def error_response(self, *_: Any) -> HttpResponse:
        raise AssertionError("the bench sends only whole, valid requests")


def drive(port: int, seconds: float, keep_alive: bool) -> int:
    """CLIENTS threads requesting GET /v1/x for `seconds`; the number of answers (in a process
    of its own, so that the clients' CPU is not the server's)."""
    stop_at = time.perf_counter() + seconds
    counts = [0] * CLIENTS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            connection.request("GET", "/v1/x")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"answered {response.status}")
            counts[index] += 1
            if not keep_alive:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


def _edge() -> tuple[int, Callable[[], None]]:
    server = GatewayServer(StubGateway(), limits=EdgeLimits())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    return server.server_address[1], stop


def _floor() -> tuple[int, Callable[[], None]]:
    """asyncio's streams server with a fixed answer: what any asyncio edge pays."""
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
        + ANSWER
    )
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    stopped = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            writer.write(answer)
            await writer.drain()
        writer.close()

    async def serve() -> None:
        async with await asyncio.start_server(connection, sock=listener):
            while not stopped.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()

    def stop() -> None:
        stopped.set()
        thread.join(timeout=10)

    return listener.getsockname()[1], stop


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    pool: Any, start: Callable[[], tuple[int, Callable[[], None]]], seconds: float
) -> dict[str, float]:
    port, stop = start()
    try:
        pool.apply(drive, (port, 1.0, True))  # warm: threads, imports, the first connections
        result = {}
        for mode, keep_alive in (("keep-alive", True), ("new-conn", False)):
            before = _cpu_s()
            count = pool.apply(drive, (port, seconds, keep_alive))
            result[f"{mode} us"] = (_cpu_s() - before) * 1e6 / count
            result[f"{mode} req/s"] = count / seconds
        return result
    finally:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0, help="per mode and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    servers = {
        "seawall's edge (h11, thread pool)": _edge,
        "floor: asyncio streams, fixed answer": _floor,
    }
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for _ in range(args.rounds):
            for name, start in servers.items():
                rows[name].append(measure(pool, start, args.seconds))
    print(
        f"{CLIENTS} clients, {args.seconds:g} s per mode, {args.rounds} interleaved rounds, medians"
    )
    print(
        f"{'server':<40}{'keep us/req':>12}{'new us/req':>12}{'per conn us':>12}"
        f"{'keep req/s':>11}{'new req/s':>10}"
    )
    for name, results in rows.items():
        med = {key: statistics.median(r[key] for r in results) for key in results[0]}
        per_connection = statistics.median(r["new-conn us"] - r["keep-alive us"] for r in results)
        print(
            f"{name:<40}{med['keep-alive us']:>12.0f}{med['new-conn us']:>12.0f}"
            f"{per_connection:>12.0f}{med['keep-alive req/s']:>11.0f}{med['new-conn req/s']:>10.0f}"
        )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
