"""The shipped Locust scenario: a realistic mix against the items and jobs API.

Run by `seawall loadtest` (which sets the environment below), or by Locust directly:

    SEAWALL_LOAD_API_KEY=... SEAWALL_LOAD_LEDGER=/tmp/ledger \
        locust -f locustfile.py --host http://127.0.0.1:PORT/v1

Each simulated user keeps the items it created (with their ETags) and works on those only, so
the conflicts it meets are the ones it provokes on purpose. Every acknowledged write goes to the
ledger (`seawall.load.ledger`) for the audit after the run.

Environment: SEAWALL_LOAD_API_KEY (required), SEAWALL_LOAD_LEDGER (directory, required),
SEAWALL_LOAD_RUN_PREFIX (prefix of every item name; the audit and cleanup find items by it),
SEAWALL_LOAD_PACING=rps (each user runs one task per second: users = target rate),
SEAWALL_LOAD_SHAPE=step:10,50,100:60s (a step shape over users, or over rates with pacing).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from locust import LoadTestShape, between, constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

from seawall.load.classify import ERROR, EXPECTED, EXPECTED_UNDER_LOAD, OK, classify
from seawall.load.ledger import LedgerWriter
from seawall.load.shape import parse_shape

API_KEY = os.environ.get("SEAWALL_LOAD_API_KEY", "")
RUN_PREFIX = os.environ.get("SEAWALL_LOAD_RUN_PREFIX", f"seawall-load {uuid.uuid4().hex[:8]} ")
PACED = os.environ.get("SEAWALL_LOAD_PACING") == "rps"
JOB_WAIT_S = float(os.environ.get("SEAWALL_LOAD_JOB_WAIT_S", "60"))
STALE_SHARE = 0.2  # of updates: sent with a stale If-Match on purpose, must answer 412
REMEMBERED_CREATES = 20  # per user, for replays

_ledger: LedgerWriter | None = None


def ledger() -> LedgerWriter:
    global _ledger  # noqa: PLW0603 - one writer per process, opened on the first write
    if _ledger is None:
        _ledger = LedgerWriter(Path(os.environ["SEAWALL_LOAD_LEDGER"]))
    return _ledger


class ApiUser(FastHttpUser):
    wait_time = constant_throughput(1) if PACED else between(0.1, 0.5)
    # Keep-alive connections and a bounded wait: a stuck request counts as an error, not a hang.
    network_timeout = 35.0
    connection_timeout = 5.0

    def on_start(self) -> None:
        self.mine: dict[str, str] = {}  # item id -> current ETag
        self.names: dict[str, str] = {}  # item id -> the name it was created with
        self.sent: list[tuple[str, dict[str, Any], str]] = []  # (key, body, id) for replays
        self.pending: list[tuple[str, dict[str, Any]]] = []  # creates answered "later"

    # -- one place that judges answers -------------------------------------------------------

    def _call(self, method: str, path: str, route: str, wanted: set[int], **kwargs: Any):
        headers = {"x-api-key": API_KEY, **kwargs.pop("headers", {})}
        if "json" in kwargs:
            kwargs["data"] = json.dumps(kwargs.pop("json"))
            headers["Content-Type"] = "application/json"
        with self.client.request(
            method, path, name=route, headers=headers, catch_response=True, **kwargs
        ) as response:
            status = response.status_code or 0
            verdict = classify(status, dict(response.headers or {}), wanted)
            if verdict == ERROR:
                response.failure(f"{status}: {(response.text or '')[:200]}")
            else:
                response.success()
                if verdict == EXPECTED or status in EXPECTED_UNDER_LOAD or status == 503:
                    ledger().expected(route, status)  # provoked or not: counted apart
            return verdict, status, response

    # -- the mix ---------------------------------------------------------------------------

    @task(30)
    def list_items(self) -> None:
        self._call("GET", "/items?limit=20", "GET /items", {200})

    @task(30)
    def get_item(self) -> None:
        if not self.mine:
            return self.create_item()
        item_id = random.choice(list(self.mine))
        verdict, _, response = self._call("GET", f"/items/{item_id}", "GET /items/{id}", {200})
        if verdict == OK:
            self.mine[item_id] = response.headers.get("ETag", self.mine[item_id])
        return None

    @task(12)
    def create_item(self) -> None:
        if self.pending:
            key, body = self.pending.pop()  # answered 429/503 before: the same key again
        else:
            key = uuid.uuid4().hex
            body = {"name": f"{RUN_PREFIX}{key}", "data": {"colour": random.choice(COLOURS)}}
        verdict, _, response = self._call(
            "POST", "/items", "POST /items", {201}, json=body, headers={"Idempotency-Key": key}
        )
        if verdict == OK:
            item = response.json()
            if response.headers.get("Idempotent-Replayed") != "true":
                ledger().created(item["id"], body["name"], body["data"])
            self.mine[item["id"]] = response.headers.get("ETag", '"1"')
            self.names[item["id"]] = body["name"]
            self.sent = [*self.sent[-(REMEMBERED_CREATES - 1) :], (key, body, item["id"])]
        elif verdict == EXPECTED:
            self.pending.append((key, body))

    @task(5)
    def replay_create(self) -> None:
        if not self.sent:
            return
        key, body, item_id = random.choice(self.sent)
        route = "POST /items (replay)"
        verdict, status, response = self._call(
            "POST", "/items", route, {201}, json=body, headers={"Idempotency-Key": key}
        )
        if verdict == OK and response.json().get("id") != item_id:
            self.environment.events.request.fire(
                request_type="POST",
                name=route,
                response_time=0,
                response_length=0,
                exception=AssertionError(f"replay of {key} answered another item ({status})"),
            )

    @task(8)
    def update_item(self) -> None:
        if not self.mine:
            return
        item_id = random.choice(list(self.mine))
        stale = random.random() < STALE_SHARE
        etag = '"0"' if stale else self.mine[item_id]  # versions start at 1: "0" is never current
        # Updates keep the name the item was created with: the audit reads items back by it.
        body = {"name": self.names[item_id], "data": {"colour": random.choice(COLOURS)}}
        _verdict, _, response = self._call(
            "PUT",
            f"/items/{item_id}",
            "PUT /items/{id} (stale If-Match)" if stale else "PUT /items/{id}",
            {412} if stale else {200},
            json=body,
            headers={"If-Match": etag},
        )
        if response.headers.get("ETag"):
            self.mine[item_id] = response.headers["ETag"]

    @task(5)
    def delete_item(self) -> None:
        if not self.mine:
            return
        item_id = random.choice(list(self.mine))
        etag = self.mine.pop(item_id)
        name = self.names.pop(item_id)
        self.sent = [entry for entry in self.sent if entry[2] != item_id]
        verdict, _, response = self._call(
            "DELETE", f"/items/{item_id}", "DELETE /items/{id}", {204}, headers={"If-Match": etag}
        )
        if verdict == OK:
            ledger().deleted(item_id)
        else:
            self.mine[item_id] = response.headers.get("ETag", etag)  # not deleted: still mine
            self.names[item_id] = name

    @task(1)
    def import_job(self) -> None:
        names = [f"{RUN_PREFIX}job-{uuid.uuid4().hex}" for _ in range(3)]
        body = {
            "type": "import",
            "items": [{"name": n, "data": {"n": i}} for i, n in enumerate(names)],
        }
        verdict, _, response = self._call(
            "POST",
            "/jobs",
            "POST /jobs",
            {202},
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if verdict != OK:
            return
        job_id = response.json()["id"]
        deadline = time.monotonic() + JOB_WAIT_S
        while time.monotonic() < deadline:
            self.wait()  # think between polls, as a client would
            verdict, _, response = self._call("GET", f"/jobs/{job_id}", "GET /jobs/{id}", {200})
            status = response.json().get("status") if verdict == OK else None
            if status in ("succeeded", "failed"):
                ledger().job_finished(job_id, status, names)
                if status == "failed":
                    self.environment.events.request.fire(
                        request_type="JOB",
                        name="import job",
                        response_time=0,
                        response_length=0,
                        exception=AssertionError(f"import job {job_id} failed"),
                    )
                return


COLOURS = ("red", "green", "blue", "amber", "violet")


if os.environ.get("SEAWALL_LOAD_SHAPE"):
    _STEPS = parse_shape(os.environ["SEAWALL_LOAD_SHAPE"])

    class StepShape(LoadTestShape):
        """Holds each level of the step shape in turn, then stops the run."""

        def tick(self) -> tuple[int, float] | None:
            level = _STEPS.level_at(self.get_run_time())
            return None if level is None else (level, max(level, 1))
