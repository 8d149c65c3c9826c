"""One structured JSON line per invocation, which is also a CloudWatch Embedded Metric Format
document: CloudWatch Logs turns its `_aws` block into metrics, with no agent and no API call.

The line carries no request data that a client controls (no raw path, no header values), so a
client cannot forge log content, and the word ERROR (which the stack's metric filter counts)
appears only in the `level` of a 5xx or a crash.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

NAMESPACE = "seawall"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}


class Log:
    """Writes JSON lines to stdout (Lambda sends stdout to CloudWatch Logs)."""

    def __init__(
        self,
        level: str = "INFO",
        write: Callable[[str], object] = sys.stdout.write,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._threshold = LEVELS.get(level, 20)
        self._write = write
        self._clock = clock

    def enabled(self, level: str) -> bool:
        return LEVELS[level] >= self._threshold

    def line(self, level: str, message: str, **fields: Any) -> None:
        """A free-form line; written only at or above the configured level."""
        if self.enabled(level):
            self._emit({"level": level, "message": message, **fields})

    def metrics(
        self,
        level: str,
        message: str,
        dimensions: Mapping[str, str],
        metrics: Mapping[str, tuple[float, str]],
        **fields: Any,
    ) -> None:
        """The per-invocation line with its EMF metrics: always written, whatever the level,
        because the metrics in it would otherwise be lost."""
        document: dict[str, Any] = {
            "_aws": {
                "Timestamp": int(self._clock() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [list(dimensions)],
                        "Metrics": [
                            {"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()
                        ],
                    }
                ],
            },
            "level": level,
            "message": message,
            **dimensions,
            **{name: value for name, (value, _) in metrics.items()},
            **fields,
        }
        self._emit(document)

    def _emit(self, document: Mapping[str, Any]) -> None:
        self._write(json.dumps(document, separators=(",", ":"), default=str) + "\n")
