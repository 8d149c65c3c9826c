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


def _stdout(text: str) -> None:
    # Looked up per call: the runtime (or a test) may replace sys.stdout after import.
    sys.stdout.write(text)


class Log:
    """Writes JSON lines to stdout (Lambda sends stdout to CloudWatch Logs)."""

    def __init__(
        self,
        level: str = "INFO",
        write: Callable[[str], object] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._threshold = LEVELS.get(level, 20)
        self._write = write or _stdout
        self._directives: dict[tuple[Any, ...], str] = {}
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
        names = tuple((name, unit) for name, (_, unit) in metrics.items())
        key = (tuple(dimensions), names)
        directive = self._directives.get(key)
        if directive is None:  # the same few shapes every time: serialise each once
            directive = json.dumps(
                [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [list(dimensions)],
                        "Metrics": [{"Name": name, "Unit": unit} for name, unit in names],
                    }
                ],
                separators=(",", ":"),
            )
            self._directives[key] = directive
        fields = {
            "level": level,
            "message": message,
            **dimensions,
            **{name: value for name, (value, _) in metrics.items()},
            **fields,
        }
        rest = json.dumps(fields, separators=(",", ":"), default=str)
        timestamp = int(self._clock() * 1000)
        self._write(
            f'{{"_aws":{{"Timestamp":{timestamp},"CloudWatchMetrics":{directive}}},{rest[1:]}\n'
        )

    def _emit(self, document: Mapping[str, Any]) -> None:
        self._write(json.dumps(document, separators=(",", ":"), default=str) + "\n")
