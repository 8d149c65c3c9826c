"""What the API and the worker adapters share: one object per process, built from its settings.

`Function` holds the process's AWS clients, log, clocks and fault plan, and the metrics line it
writes per invocation; `entry_point` turns an adapter class into the Lambda `handler` that builds
it on the first invocation and reuses it afterwards.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any, ClassVar

from seawall_handler import faults as fault_injection
from seawall_handler.config import Settings
from seawall_handler.observability import Log
from seawall_handler.store.aws_calls import Clients


class Function:
    """The per-process part of a function's adapter; subclasses name what differs."""

    NAME: ClassVar[str]  # "api" or "worker": the fault plan's and the metrics' name
    TIMEOUTS: ClassVar[tuple[float, float]]  # connect and read timeout of one AWS attempt
    LINE: ClassVar[
        tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]
    ]  # message, metrics, fields

    def __init__(
        self,
        settings: Settings,
        *,
        clients: Clients | None = None,
        log: Log | None = None,
        clock: Callable[[], float] = time.time,
        perf: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], object] = time.sleep,
        faults: Any = None,
    ) -> None:
        self.settings = settings
        self.clients = clients or Clients(self.TIMEOUTS, sleep)
        self.log = log or Log(settings.log_level)
        self.clock = clock
        self.perf = perf
        self.sleep = sleep
        self.faults = faults or fault_injection.load(settings, self.log, self.NAME)
        self.faults.install(self.clients)
        self._cold = True
        # The log line's keys, EMF directive and dimensions, serialised once per process.
        message, metrics, fields = self.LINE
        dimensions = {"Environment": settings.environment, "Function": self.NAME}
        self._line = self.log.metrics_line(message, dimensions, metrics, fields)

    def handle(self, event: object, context: object) -> dict[str, Any]:
        raise NotImplementedError


def entry_point(adapter: type[Function]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler for `adapter`: one instance per process, from the environment."""

    @functools.cache
    def instance() -> Function:
        return adapter(Settings.from_env(os.environ))

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return instance().handle(event, context)

    handler.__doc__ = f"The Lambda entry point of the {adapter.NAME} function."
    return handler
