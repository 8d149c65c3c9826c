"""Fault injection: `load` gives a function its fault plan (see `faults/plan.py` for the modes).

Off by default (SEAWALL_FAULT_INJECTION empty or absent): then nothing but this module is
imported, so a cold start pays nothing for a feature it does not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seawall_handler.config import Settings
    from seawall_handler.faults.plan import Faults
    from seawall_handler.observability import Log


class NoFaults:
    """Fault injection switched off."""

    spec = None

    def pick(self) -> None:
        return None

    def install(self, clients: object) -> None:
        return None


def load(settings: Settings, log: Log, function: str) -> Faults | NoFaults:
    """The fault plan for `function` ("api" or "worker") from the function's settings."""
    if not settings.fault_injection:
        return NoFaults()
    from seawall_handler.faults.plan import Faults  # noqa: PLC0415 - cold start: off by default

    return Faults.from_settings(settings, log, function)


__all__ = ["NoFaults", "load"]
