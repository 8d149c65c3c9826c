"""A function's fault-injection switch: `SEAWALL_FAULT_INJECTION` in its configuration.

Setting a fault updates the function's environment, publishes a version and points the `live`
alias (which the API and the queue invoke) at it; Lambda and the local runtime start new
execution environments with it. Clearing it puts back what was deployed. `applied()` clears it
whatever happens, Ctrl-C included. The handler documents the setting (docs/function-contract.md).
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

from seawall.errors import SeawallError, UsageError

VARIABLE = "SEAWALL_FAULT_INJECTION"
ALLOW_IN_PROD = "SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD"
MODES = ("exception", "latency", "status_code", "timeout", "throttle")
ALIAS = "live"
MARKER = "seawall fault"  # the description of the versions a fault publishes
UPDATE_WAIT_S = 60.0
# After a switch, before anything relies on it: Lambda routes by an alias's new version within a
# moment, and the local runtime checks a function's revision at most every 250 ms.
SETTLE_S = 1.0


def parse_fault(text: str) -> dict[str, Any]:
    """The fault as a dict, or UsageError saying what is wrong (the handler checks the rest)."""
    try:
        spec = json.loads(text)
    except ValueError as error:
        raise UsageError(
            f"the fault is not JSON: {error}",
            hint='e.g. \'{"mode": "throttle", "throttle_rate": 0.2}\'',
        ) from None
    if not isinstance(spec, dict) or spec.get("mode") not in MODES:
        raise UsageError(f"a fault is a JSON object whose mode is one of {', '.join(MODES)}")
    return spec


class FaultSwitch:
    """The fault setting of one function (its name, e.g. `seawall-local-api`).

    With a `live` alias (the stack's functions), a fault is a version published with the
    description MARKER and the alias pointed at it; `clear()` points the alias back at the newest
    version that is not one (the deployed one), restores $LATEST's environment from it and deletes
    the fault versions, so the deployment is exactly as Terraform left it. Without an alias, the
    variable is set on $LATEST and removed again.
    """

    def __init__(
        self,
        lambda_client: Any,
        function_name: str,
        *,
        environment: str,
        settle_s: float = SETTLE_S,
    ) -> None:
        self._lambda = lambda_client
        self.function_name = function_name
        self.environment = environment
        self.settle_s = settle_s
        self._lock = threading.Lock()

    def _alias_version(self) -> str | None:
        try:
            alias = self._lambda.get_alias(FunctionName=self.function_name, Name=ALIAS)
        except self._lambda.exceptions.ResourceNotFoundException:
            return None
        return alias["FunctionVersion"]

    def _variables(self, qualifier: str | None = None) -> dict[str, str]:
        options = {"Qualifier": qualifier} if qualifier else {}
        config = self._lambda.get_function_configuration(FunctionName=self.function_name, **options)
        return dict(config.get("Environment", {}).get("Variables", {}))

    def _versions(self) -> list[dict[str, Any]]:
        paginator = self._lambda.get_paginator("list_versions_by_function")
        pages = paginator.paginate(FunctionName=self.function_name)
        versions = [v for page in pages for v in page["Versions"] if v["Version"] != "$LATEST"]
        return sorted(versions, key=lambda v: int(v["Version"]))

    def show(self) -> dict[str, Any] | None:
        """The fault the live function runs with, None when off."""
        text = self._variables(self._alias_version()).get(VARIABLE, "").strip()
        return json.loads(text) if text else None

    def set(self, spec: dict[str, Any]) -> str | None:
        """Switch the fault `spec` on; returns the version now live (None: $LATEST, no alias)."""
        with self._lock:
            version = self._alias_version()
            base = self._deployed_version() if version is not None else None
            variables = self._variables(base)
            self._refuse_in_prod(variables)
            variables[VARIABLE] = json.dumps(spec, separators=(",", ":"))
            self._update(variables)
            if version is None:
                return None
            published = self._lambda.publish_version(
                FunctionName=self.function_name, Description=MARKER
            )["Version"]
            self._lambda.update_alias(
                FunctionName=self.function_name, Name=ALIAS, FunctionVersion=published
            )
            return published

    def clear(self) -> str | None:
        """Switch any fault off: the deployed version live again, fault versions deleted."""
        with self._lock:
            if self._alias_version() is None:
                variables = self._variables()
                variables.pop(VARIABLE, None)
                self._update(variables)
                return None
            base = self._deployed_version()
            self._lambda.update_alias(
                FunctionName=self.function_name, Name=ALIAS, FunctionVersion=base
            )
            self._update(self._variables(base))
            for version in self._versions():
                if version.get("Description") == MARKER:
                    with contextlib.suppress(Exception):  # a version left behind serves nothing
                        self._lambda.delete_function(
                            FunctionName=self.function_name, Qualifier=version["Version"]
                        )
            return base

    def _deployed_version(self) -> str:
        deployed = [v for v in self._versions() if v.get("Description") != MARKER]
        if not deployed:
            raise SeawallError(f"{self.function_name}: no deployed version to go back to")
        return deployed[-1]["Version"]

    def _refuse_in_prod(self, variables: dict[str, str]) -> None:
        if self.environment == "prod" and variables.get(ALLOW_IN_PROD, "").lower() != "true":
            raise UsageError(
                "fault injection is refused in prod",
                hint=f"the stack must allow it first ({ALLOW_IN_PROD}=true: "
                "the stack's allow_fault_injection_in_prod)",
            )

    def _update(self, variables: dict[str, str]) -> None:
        self._lambda.update_function_configuration(
            FunctionName=self.function_name, Environment={"Variables": variables}
        )
        deadline = time.monotonic() + UPDATE_WAIT_S
        while self._status() == "InProgress":
            if time.monotonic() > deadline:
                raise SeawallError(
                    f"{self.function_name}: the configuration update did not finish "
                    f"in {UPDATE_WAIT_S:g} s"
                )
            time.sleep(0.5)

    def _status(self) -> str:
        config = self._lambda.get_function_configuration(FunctionName=self.function_name)
        return config.get("LastUpdateStatus", "Successful")

    @contextlib.contextmanager
    def applied(self, spec: dict[str, Any]) -> Iterator[None]:
        """`spec` on inside the block, off afterwards whatever happens (Ctrl-C and SIGTERM
        included: SIGTERM becomes an interruption while the fault is on)."""
        with _terminate_interrupts():
            try:
                self.set(spec)
                time.sleep(self.settle_s)
                yield
            finally:
                with _signals_deferred():
                    self.clear()
                    time.sleep(self.settle_s)


@contextlib.contextmanager
def _terminate_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt inside the block (its default ends the process without
    running `finally`, which would leave the fault on)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C (and SIGTERM) wait until the fault is off again, then take effect."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda number, _: received.append(number))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            raise KeyboardInterrupt
