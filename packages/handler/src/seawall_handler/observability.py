"""One structured JSON line per invocation, which is also a CloudWatch Embedded Metric Format
document: CloudWatch Logs turns its `_aws` block into metrics, with no agent and no API call.

The line carries no request data that a client controls (no raw path, no header values), so a
client cannot forge log content, and the word ERROR (which the stack's metric filter counts)
appears only in the `level` of a 5xx or a crash.

The line's shape (its keys, the EMF directive, the dimensions) is the same on every invocation,
so `MetricsLine` serialises it once per process and writes only the values per call. Its output
is byte for byte what `json.dumps(..., separators=(",", ":"), default=str)` of the same fields
gives (tests check this for arbitrary values); the JSON encoder runs only for values that are not
plain strings, integers, finite floats, booleans or None.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

NAMESPACE = "seawall"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
_SHAPES = 64  # distinct line shapes remembered by `Log.metrics` (a function has one or two)

_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _stdout(text: str) -> None:
    # Looked up per call: the runtime (or a test) may replace sys.stdout after import.
    sys.stdout.write(text)


def _json_float(value: float) -> str:
    # json writes NaN and the infinities as NaN, Infinity, -Infinity: leave those to it.
    return float.__repr__(value) if value - value == 0 else _encode(value)


# What `json.dumps` writes for a value of exactly these types (ensure_ascii, the default). The
# constants are looked up in dicts, so that only a float runs Python code to be written.
_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    float: _json_float,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
}


def json_value(value: object) -> str:
    """`json.dumps(value, separators=(",", ":"), default=str)`, faster for plain scalars."""
    return _BY_TYPE.get(type(value), _encode)(value)


def _directive(dimensions: Sequence[str], metrics: Sequence[tuple[str, str]]) -> str:
    return _encode(
        [
            {
                "Namespace": NAMESPACE,
                "Dimensions": [list(dimensions)],
                "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics],
            }
        ]
    )


class MetricsLine:
    """One shape of the per-invocation line, serialised once: the message, the dimensions with
    their values, the metrics' names and units, and the names of the other fields.

    `write(level, *values)` takes the metrics' values then the fields' values, in the order
    given here, and writes what `Log.metrics` would for the same arguments.
    """

    __slots__ = ("_clock", "_template", "_values", "_write")

    def __init__(
        self,
        log: Log,
        message: str,
        dimensions: Mapping[str, str],
        metrics: Sequence[tuple[str, str]],
        fields: Sequence[str],
    ) -> None:
        names = ["level", "message", *dimensions, *(name for name, _ in metrics), *fields]
        if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
            raise ValueError("a metrics line needs distinct string names")
        self._write = log._write
        self._clock = log._clock
        directive = _directive(list(dimensions), metrics).replace("%", "%%")
        head = f'{{"_aws":{{"Timestamp":%d,"CloudWatchMetrics":{directive}}}'
        constant = [f",{encode_basestring_ascii('message')}:{json_value(message)}"]
        constant += [f",{json_value(n)}:{json_value(v)}" for n, v in dimensions.items()]
        slots = [name for name, _ in metrics] + list(fields)
        # %-template: every literal % doubled, one %s per value.
        pieces = [head, ',"level":%s', *(p.replace("%", "%%") for p in constant)]
        pieces += [f",{encode_basestring_ascii(name).replace('%', '%%')}:%s" for name in slots]
        self._template = "".join(pieces) + "}\n"
        self._values = len(slots)

    def write(self, level: str, *values: object) -> None:
        if len(values) != self._values:
            raise TypeError(f"expected {self._values} values, got {len(values)}")
        timestamp = int(self._clock() * 1000)
        self._write(self._template % (timestamp, json_value(level), *map(json_value, values)))

    def write_encoded(self, level: str, *values: object) -> None:
        """`write` for a caller that has written each value as JSON text already (an int may
        come as it is: %s writes it as json does). For the per-request line, whose values'
        types the caller knows: about 1 us less per request than `write` (bench/handler,
        interleaved); `json_value` gives the text of any other value."""
        if len(values) != self._values:
            raise TypeError(f"expected {self._values} values, got {len(values)}")
        self._write(self._template % (int(self._clock() * 1000), level, *values))


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
        self._lines: dict[tuple[Any, ...], MetricsLine | None] = {}
        self._clock = clock

    def enabled(self, level: str) -> bool:
        return LEVELS[level] >= self._threshold

    def line(self, level: str, message: str, **fields: Any) -> None:
        """A free-form line; written only at or above the configured level."""
        if self.enabled(level):
            self._emit({"level": level, "message": message, **fields})

    def metrics_line(
        self,
        message: str,
        dimensions: Mapping[str, str],
        metrics: Sequence[tuple[str, str]],
        fields: Sequence[str],
    ) -> MetricsLine:
        """A per-invocation line of this shape, serialised once (see `MetricsLine`)."""
        return MetricsLine(self, message, dimensions, metrics, fields)

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
        line = self._shape(message, dimensions, names, tuple(fields))
        if line is not None:
            line.write(level, *(value for value, _ in metrics.values()), *fields.values())
            return
        document = {
            "level": level,
            "message": message,
            **dimensions,
            **{name: value for name, (value, _) in metrics.items()},
            **fields,
        }
        timestamp = int(self._clock() * 1000)
        self._write(
            f'{{"_aws":{{"Timestamp":{timestamp},"CloudWatchMetrics":'
            f"{_directive(list(dimensions), names)}}},{_encode(document)[1:]}\n"
        )

    def _shape(
        self,
        message: str,
        dimensions: Mapping[str, str],
        metrics: tuple[tuple[str, str], ...],
        fields: tuple[str, ...],
    ) -> MetricsLine | None:
        """The serialised shape of these names, or None when the generic path must decide
        (repeated names, or values that cannot key the cache)."""
        try:
            key = (message, tuple(dimensions.items()), metrics, fields)
            line = self._lines.get(key, False)
        except TypeError:
            return None
        if line is False:
            try:
                line = MetricsLine(self, message, dimensions, metrics, fields)
            except ValueError:
                line = None
            if len(self._lines) >= _SHAPES:
                self._lines.clear()
            self._lines[key] = line
        return line

    def _emit(self, document: Mapping[str, Any]) -> None:
        self._write(_encode(document) + "\n")
