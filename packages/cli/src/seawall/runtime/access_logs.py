"""The stage's access logs, delivered as API Gateway delivers them: one record per request in the
stage's format (`accessLogSettings.format`, its `$context` variables filled in), to the stage's
destination, a Firehose stream that writes to S3.

The emulator's Firehose writes one S3 object per PutRecordBatch, at once, uncompressed. Firehose on
AWS buffers records until the stream's buffering hints (size or interval) are reached and then
writes one object, so the buffering is done here, with the stream's own hints (read from the
emulator), and each buffer becomes one PutRecordBatch: one object in the log bucket per buffer, as
on AWS. The interval passes faster with SEAWALL_LOCAL_TIME_SCALE (see alarms.py).

Each delivery publishes the stream's AWS/Firehose metrics as Firehose does (dimension
`DeliveryStreamName`): `DeliveryToS3.Success` (1 when the object was written, 0 when the emulator
refused it: the stack's delivery alarm reads its Minimum), `DeliveryToS3.Records` and
`DeliveryToS3.Bytes` of a written object, and `DeliveryToS3.DataFreshness`, the age of the
buffer's oldest record when it was sent (in scaled seconds, as the interval is). A refused delivery
is not tried again: Firehose would retry it for its retry duration and then write the records to
its error prefix; here they are lost, and the runtime's log says so.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seawall.runtime.metrics import Metrics, dimensions
from seawall.runtime.periodic import Periodic
from seawall.runtime.records import RequestRecord

MAX_BATCH_RECORDS = 500  # PutRecordBatch's limit
_CONTEXT = re.compile(r"\$context\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)")


@dataclass(frozen=True)
class AccessLogSettings:
    format: str
    destination_arn: str

    @property
    def firehose_stream(self) -> str | None:
        """The stream name when the destination is Firehose (else a CloudWatch log group)."""
        if ":firehose:" in self.destination_arn and ":deliverystream/" in self.destination_arn:
            return self.destination_arn.rsplit("/", 1)[1]
        return None


def load_access_log_settings(apigateway: Any, api_id: str, stage: str) -> AccessLogSettings | None:
    settings = apigateway.get_stage(restApiId=api_id, stageName=stage).get("accessLogSettings")
    if not settings or not settings.get("format") or not settings.get("destinationArn"):
        return None
    return AccessLogSettings(settings["format"], settings["destinationArn"])


def context_values(record: RequestRecord) -> dict[str, str]:
    """The `$context` variables an access-log format may use, as API Gateway renders them."""

    def text(value: object) -> str:
        return "-" if value is None or value == "" else str(value)

    return {
        "requestId": record.request_id,
        "extendedRequestId": record.extended_request_id,
        "apiId": record.api_id,
        "stage": record.stage,
        "requestTimeEpoch": str(record.request_time_epoch_ms),
        "requestTime": time.strftime(
            "%d/%b/%Y:%H:%M:%S +0000", time.gmtime(record.request_time_epoch_ms / 1000)
        ),
        "identity.sourceIp": record.source_ip,
        "identity.userAgent": text(record.user_agent),
        "identity.apiKey": text(record.api_key),
        "identity.apiKeyId": text(record.api_key_id),
        "httpMethod": record.http_method,
        "resourcePath": text(record.resource_path),
        "path": f"/{record.stage}{record.path}",
        "protocol": record.protocol,
        "status": str(record.status),
        "responseLength": str(record.response_bytes),
        "responseLatency": str(round(record.latency_ms)),
        "integrationLatency": text(
            None if record.integration_latency_ms is None else round(record.integration_latency_ms)
        ),
        "integration.latency": text(
            None if record.integration_latency_ms is None else round(record.integration_latency_ms)
        ),
        "integration.status": text(record.integration_status),
        "integrationStatus": text(record.integration_status),
        "integration.error": "-",
        "error.message": text(record.error_message),
        "error.messageString": text(
            None if record.error_message is None else f'"{record.error_message}"'
        ),
        "error.responseType": text(record.error_response_type),
        "usagePlanId": text(record.usage_plan_id),
    }


def render(access_format: str, record: RequestRecord) -> str:
    """One access-log record: the format with each `$context.x` replaced ("-" when empty or
    unknown, as API Gateway writes it)."""
    values = context_values(record)
    return _CONTEXT.sub(lambda m: values.get(m.group(1), "-"), access_format)


class FirehoseBuffer:
    """Records for one Firehose stream, sent as one batch when the stream's buffering hints say
    so (size reached, or interval elapsed since the buffer's first record)."""

    def __init__(
        self,
        firehose: Any,
        stream: str,
        *,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        tick_s: float = 0.2,
        metrics: Metrics | None = None,
    ) -> None:
        self._firehose = firehose
        self.stream = stream
        self._metrics = metrics
        self._time_scale = time_scale
        hints = _buffering_hints(firehose, stream)
        self.interval_s = hints[0] / time_scale
        self.size_bytes = hints[1]
        self._clock = clock
        self._records: list[bytes] = []
        self._bytes = 0
        self._first_at: float | None = None
        self._lock = threading.Lock()
        # What is buffered at stop is delivered, as Firehose does on its interval.
        self._loop = Periodic("access-logs", tick_s, self._flush_if_due, on_stop=self.flush)
        self.objects_written = 0
        self.failures = 0

    def start(self) -> FirehoseBuffer:
        self._loop.start()
        return self

    def add(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if self._first_at is None:
                self._first_at = self._clock()
            self._records.append(data)
            self._bytes += len(data)
            full = self._bytes >= self.size_bytes
        if full:
            self.flush()

    def due(self) -> bool:
        with self._lock:
            return self._first_at is not None and self._clock() - self._first_at >= self.interval_s

    def flush(self) -> None:
        with self._lock:
            records, self._records = self._records, []
            size, first_at = self._bytes, self._first_at
            self._bytes, self._first_at = 0, None
        if not records:
            return
        age_s = 0.0 if first_at is None else self._clock() - first_at
        # One object per buffer: the emulator writes one per PutRecordBatch, so a buffer larger
        # than one batch is joined into fewer, larger records (the bytes are the same).
        chunks = [
            b"".join(records[i : i + MAX_BATCH_RECORDS])
            for i in range(0, len(records), MAX_BATCH_RECORDS)
        ]
        try:
            self._firehose.put_record_batch(
                DeliveryStreamName=self.stream, Records=[{"Data": chunk} for chunk in chunks]
            )
            self.objects_written += 1
            self._delivered(ok=True, records=len(records), size=size, age_s=age_s)
        except Exception as error:  # the emulator going away must not kill the runtime
            self.failures += 1
            self._delivered(ok=False, records=len(records), size=size, age_s=age_s)
            print(f"seawall runtime: access-log delivery failed: {error}", file=sys.stderr)

    def _delivered(self, *, ok: bool, records: int, size: int, age_s: float) -> None:
        """One delivery attempt's AWS/Firehose metrics."""
        if self._metrics is None:
            return
        dims = dimensions(DeliveryStreamName=self.stream)
        record = self._metrics.record
        record("AWS/Firehose", "DeliveryToS3.Success", int(ok), unit="Count", dims=dims)
        freshness = round(age_s * self._time_scale)
        record("AWS/Firehose", "DeliveryToS3.DataFreshness", freshness, unit="Seconds", dims=dims)
        if ok:
            record("AWS/Firehose", "DeliveryToS3.Records", records, unit="Count", dims=dims)
            record("AWS/Firehose", "DeliveryToS3.Bytes", size, unit="Bytes", dims=dims)

    def stop(self) -> None:
        self._loop.stop()

    def _flush_if_due(self) -> None:
        if self.due():
            self.flush()


def _buffering_hints(firehose: Any, stream: str) -> tuple[float, int]:
    """(interval seconds, size bytes) of the stream's S3 destination; Firehose's defaults
    (300 s, 5 MB) when it says nothing."""
    description = firehose.describe_delivery_stream(DeliveryStreamName=stream)
    for destination in description["DeliveryStreamDescription"].get("Destinations", []):
        s3 = destination.get("ExtendedS3DestinationDescription") or destination.get(
            "S3DestinationDescription"
        )
        if s3:
            hints = s3.get("BufferingHints") or {}
            return (
                float(hints.get("IntervalInSeconds", 300)),
                int(hints.get("SizeInMBs", 5)) * 1024 * 1024,
            )
    return 300.0, 5 * 1024 * 1024


def access_log_callback(
    settings: AccessLogSettings, deliver: Callable[[str], None]
) -> Callable[[RequestRecord], None]:
    """An `on_request_done` callback rendering each request in the stage's format."""

    def on_request_done(record: RequestRecord) -> None:
        deliver(render(settings.format, record))

    return on_request_done
