"""What CloudWatch Logs derives from log lines: EMF metrics and metric-filter matches.

Both are pure functions of a line so that they can be tested alone; `cloudwatch_logs.LogShipper`
applies them to every line it ships, off the request path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from seawall.runtime.metrics import Datum, MetricKey

# -- embedded metric format ---------------------------------------------------------------------


def emf_metrics(line: str, fallback_ms: float) -> list[Datum]:
    """The metrics an EMF line carries (`_aws.CloudWatchMetrics`), one per value and dimension
    set; [] for any other line. A value may be a number or a list of numbers, as EMF allows."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
        meta = document["_aws"]
        directives = meta["CloudWatchMetrics"]
        timestamp = float(meta.get("Timestamp", fallback_ms)) / 1000
    except (ValueError, KeyError, TypeError):
        return []
    data: list[Datum] = []
    for directive in directives if isinstance(directives, list) else []:
        try:
            namespace = directive["Namespace"]
            dimension_sets = directive.get("Dimensions") or [[]]
            metrics = directive["Metrics"]
        except (KeyError, TypeError):
            continue
        for dimension_set in dimension_sets:
            try:
                dims = tuple(sorted((name, str(document[name])) for name in dimension_set))
            except (KeyError, TypeError):
                continue  # a dimension without a value: CloudWatch rejects the directive
            for metric in metrics:
                name = metric.get("Name") if isinstance(metric, dict) else None
                raw = document.get(name) if name else None
                values = raw if isinstance(raw, list) else [raw]
                for value in values:
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        data.append(
                            Datum(
                                MetricKey(namespace, name, dims),
                                float(value),
                                metric.get("Unit", "None"),
                                timestamp,
                            )
                        )
    return data


# -- metric filters -------------------------------------------------------------------------------


class UnsupportedPattern(ValueError):
    """A filter pattern syntax the local runtime does not evaluate (JSON or space-delimited)."""


_TERM = re.compile(r'(?P<prefix>[?-]?)(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))')


@dataclass(frozen=True)
class TextPattern:
    """CloudWatch Logs' unstructured filter pattern: every plain term must occur, at least one
    `?term` when there are any, and no `-term`. Terms are case-sensitive; "quoted" terms may hold
    spaces and punctuation. An empty pattern matches every event."""

    required: tuple[str, ...]
    any_of: tuple[str, ...]
    excluded: tuple[str, ...]

    @classmethod
    def parse(cls, pattern: str) -> TextPattern:
        text = pattern.strip()
        if text.startswith(("{", "[")):
            raise UnsupportedPattern(f"filter pattern {pattern!r} is not evaluated locally")
        required, any_of, excluded = [], [], []
        for match in _TERM.finditer(text):
            term = match.group("quoted") if match.group("quoted") is not None else match["bare"]
            {"": required, "?": any_of, "-": excluded}[match.group("prefix")].append(term)
        return cls(tuple(required), tuple(any_of), tuple(excluded))

    def matches(self, message: str) -> bool:
        return (
            all(term in message for term in self.required)
            and (not self.any_of or any(term in message for term in self.any_of))
            and not any(term in message for term in self.excluded)
        )


@dataclass(frozen=True)
class MetricFilter:
    name: str
    log_group: str
    pattern: TextPattern
    key: MetricKey
    value: str  # a number, or $.field of a JSON event
    default_value: float | None
    unit: str

    def value_of(self, message: str) -> float | None:
        """The value a matching event publishes (None when a $.field has no number)."""
        if not self.value.startswith("$."):
            return float(self.value)
        try:
            node: Any = json.loads(message)
            for part in self.value[2:].split("."):
                node = node[part]
            return float(node)
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def load_metric_filters(logs: Any, log_group: str) -> tuple[list[MetricFilter], list[str]]:
    """The log group's metric filters from the emulator, and the names of those skipped."""
    filters, skipped = [], []
    paginator = logs.get_paginator("describe_metric_filters")
    for page in paginator.paginate(logGroupName=log_group):
        for item in page.get("metricFilters", []):
            try:
                pattern = TextPattern.parse(item.get("filterPattern") or "")
            except UnsupportedPattern:
                skipped.append(item["filterName"])
                continue
            for transformation in item.get("metricTransformations", []):
                default = transformation.get("defaultValue")
                filters.append(
                    MetricFilter(
                        name=item["filterName"],
                        log_group=log_group,
                        pattern=pattern,
                        key=MetricKey(
                            transformation["metricNamespace"],
                            transformation["metricName"],
                            tuple(sorted((transformation.get("dimensions") or {}).items())),
                        ),
                        value=str(transformation.get("metricValue", "1")),
                        default_value=float(default) if default is not None else None,
                        unit=transformation.get("unit") or "None",
                    )
                )
    return filters, skipped


def filter_metrics(filters: list[MetricFilter], messages: list[tuple[float, str]]) -> list[Datum]:
    """The datapoints a batch of events (timestamp in seconds, message) publishes through the
    filters: one per matching event; a filter that matched nothing in the batch publishes its
    default value once, if it has one (CloudWatch reports the default for ingested events that do
    not match, so a quiet function still has datapoints)."""
    data: list[Datum] = []
    for metric_filter in filters:
        matched = False
        for timestamp, message in messages:
            if metric_filter.pattern.matches(message):
                value = metric_filter.value_of(message)
                if value is not None:
                    matched = True
                    data.append(Datum(metric_filter.key, value, metric_filter.unit, timestamp))
        if not matched and metric_filter.default_value is not None and messages:
            data.append(
                Datum(
                    metric_filter.key,
                    metric_filter.default_value,
                    metric_filter.unit,
                    messages[-1][0],
                )
            )
    return data
