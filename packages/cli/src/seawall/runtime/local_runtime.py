"""The local runtime as one object: read the stack from the emulator, warm pools, serve HTTP and
poll queues; record logs and metrics (its own, and the queues' AWS/SQS gauges sampled from the
emulator) into the emulator and evaluate the stack's alarms.

Every loop it starts (metric and log delivery, queue sampling, alarm evaluation, queue polling)
runs on a thread of this process and stops with `stop()`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from botocore.config import Config

from seawall.emulator import Connection
from seawall.runtime.access_logs import (
    FirehoseBuffer,
    access_log_callback,
    load_access_log_settings,
)
from seawall.runtime.alarms import TIME_SCALE_ENV, AlarmEvaluator
from seawall.runtime.cloudwatch_logs import LogShipper
from seawall.runtime.functions import code_directory, load_function
from seawall.runtime.gateway import Gateway
from seawall.runtime.http_server import GatewayServer
from seawall.runtime.metrics import MetricPublisher, Metrics, MetricStore, api_metrics_callback
from seawall.runtime.pool import Concurrency, FunctionLog, FunctionPool, Variant
from seawall.runtime.queue_metrics import QueueSampler, emulator_queue_stats
from seawall.runtime.records import json_access_log
from seawall.runtime.refresh import Refresher
from seawall.runtime.restapi import RestApi, load_rest_api, load_stage_limits
from seawall.runtime.sqs import SqsPoller, load_sqs_mappings


class LocalRuntime:
    """Serves REST API `api_id` stage `stage` and every SQS mapping, as deployed in the emulator."""

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        api_id: str,
        stage: str,
        artifact_store: Path,
        work_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float | None = None,
    ) -> None:
        connection = Connection(url=endpoint, region=region)
        scale = local_time_scale() if time_scale is None else time_scale
        self._artifact_store = artifact_store
        self._work_dir = work_dir
        self._aws_env = connection.client_env()
        self._lambda = connection.client("lambda")
        self.pools: dict[str, FunctionPool] = {}
        self._concurrency: dict[str, Concurrency] = {}

        # The runtime's own bookkeeping calls (metrics, logs, alarm states): their parameters are
        # built here, and botocore's validation of a thousand datums costs more than the call.
        internal = Config(parameter_validation=False)
        cloudwatch = connection.client("cloudwatch", config=internal)
        self.metric_store = MetricStore()
        self._publisher = MetricPublisher(cloudwatch)
        self.metrics = Metrics(self.metric_store, self._publisher)
        self.log_shipper = LogShipper(connection.client("logs", config=internal), self.metrics)
        self.alarms = AlarmEvaluator(
            self.metric_store,
            cloudwatch,
            connection.client("sns"),
            region=region,
            time_scale=scale,
        )

        api = load_rest_api(connection.client("apigateway"), api_id, stage)
        for arn in sorted(_integration_functions(api)):
            self._pool(arn)
        sqs = connection.client("sqs")
        self.pollers = [
            SqsPoller(mapping, sqs, self._pool(mapping.function_arn), time_scale=scale)
            for mapping in load_sqs_mappings(self._lambda)
        ]
        account_id = connection.client("sts").get_caller_identity()["Account"]
        self.queue_metrics = QueueSampler(
            emulator_queue_stats(endpoint),
            self.metrics,
            account=account_id,
            region=region,
            time_scale=scale,
        )
        self._access_log = FunctionLog(work_dir / "logs" / "access.log")
        apigateway = connection.client("apigateway")
        on_request_done = [
            json_access_log(self._access_log.write),
            api_metrics_callback(self.metrics, api.name, stage),
        ]
        self.access_logs: FirehoseBuffer | None = None
        settings = load_access_log_settings(apigateway, api_id, stage)
        if settings is not None and settings.firehose_stream:
            self.access_logs = FirehoseBuffer(
                # One attempt per delivery: each is one DeliveryToS3.Success datapoint.
                connection.client("firehose", config=Config(retries={"max_attempts": 1})),
                settings.firehose_stream,
                time_scale=scale,
                metrics=self.metrics,
            )
            on_request_done.append(access_log_callback(settings, self.access_logs.add))
        self.gateway = Gateway(
            api, self.pools, account_id=account_id, on_request_done=on_request_done
        )
        self.server = GatewayServer(self.gateway, host, port)
        self._limits = Refresher(
            lambda: load_stage_limits(apigateway, api_id, stage), self.gateway.update_limits
        )
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="gateway", daemon=True
        )

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> LocalRuntime:
        self._publisher.start()
        self.log_shipper.start()
        self.alarms.start()
        self.queue_metrics.start()
        if self.access_logs is not None:
            self.access_logs.start()
        self._thread.start()
        self._limits.start()
        for poller in self.pollers:
            poller.start()
        return self

    def stop(self) -> None:
        self._limits.stop()
        for poller in self.pollers:
            poller.stop()
        self.server.shutdown()
        self.server.server_close()
        self.gateway.close()
        for pool in self.pools.values():
            pool.close()
        self._access_log.close()
        if self.access_logs is not None:
            self.access_logs.stop()
        self.queue_metrics.stop()
        self.alarms.stop()
        self.log_shipper.stop()
        self._publisher.stop()

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _pool(self, function_arn: str) -> FunctionPool:
        """The pool for a function ARN as the stack names it (plain or alias-qualified)."""
        if function_arn not in self.pools:
            target = FunctionTarget(self._lambda, function_arn)
            variants = target.variants(self._variant)
            spec = variants[0].spec
            concurrency = self._concurrency.setdefault(
                spec.name, Concurrency(spec.reserved_concurrency)
            )
            pool = FunctionPool(
                spec,
                variants[0].code_dir,
                aws_env=self._aws_env,
                log_path=self._work_dir / "logs" / "functions" / f"{spec.name}.log",
                metrics=self.metrics,
                log_shipper=self.log_shipper,
                concurrency=concurrency,
                resource=target.resource,
                refresh=lambda: target.changed_variants(self._variant),
            )
            pool.set_variants(variants)
            self.pools[function_arn] = pool
        return self.pools[function_arn]

    def _variant(self, qualified_arn: str, weight: float) -> Variant:
        spec = load_function(self._lambda, qualified_arn)
        return Variant(
            spec, code_directory(spec, self._artifact_store, self._work_dir / "functions"), weight
        )


class FunctionTarget:
    """What an integration or mapping invokes: a function (its $LATEST or a version) or an
    alias, whose routing configuration splits invocations between two versions by weight (the
    canary of a deploy). `changed_variants` is the cheap revision check: one control-plane call
    (GetAlias, or GetFunctionConfiguration for an unqualified function) and the configurations
    are only read again when its RevisionId changed."""

    def __init__(self, lambda_client: Any, arn: str) -> None:
        self._lambda = lambda_client
        self.arn = arn
        parts = arn.split(":")
        self.name = parts[6] if len(parts) > 6 else arn
        qualifier = parts[7] if len(parts) > 7 else ""
        is_alias = bool(qualifier) and qualifier != "$LATEST" and not qualifier.isdigit()
        self.alias = qualifier if is_alias else ""
        self.resource = f"{self.name}:{qualifier}" if qualifier else ""
        self._revision = ""
        self._concurrency: int | None = None

    def variants(self, load: Any) -> list[Variant]:
        revision, concurrency = self._revision_now()
        if not self.alias:
            loaded = [load(self.arn, 1.0)]
        else:
            alias = self._lambda.get_alias(FunctionName=self.name, Name=self.alias)
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            base = _unqualified(self.arn)
            primary = load(f"{base}:{alias['FunctionVersion']}", 1.0)
            extra = [load(f"{base}:{v}", float(w)) for v, w in weights.items()]
            share = max(0.0, 1.0 - sum(v.weight for v in extra))
            loaded = [Variant(primary.spec, primary.code_dir, share), *extra]
        # Recorded only once everything loaded: a version whose code is missing is tried again.
        self._revision, self._concurrency = revision, concurrency
        # GetFunctionConcurrency is the authority (the emulator's GetFunction omits it).
        return [
            Variant(
                dataclasses.replace(v.spec, reserved_concurrency=concurrency),
                v.code_dir,
                v.weight,
            )
            for v in loaded
        ]

    def changed_variants(self, load: Any) -> list[Variant] | None:
        if self._revision_now() == (self._revision, self._concurrency):
            return None
        return self.variants(load)

    def _revision_now(self) -> tuple[str, int | None]:
        """What identifies the target's configuration now. The emulator keeps an alias's or a
        function's RevisionId across updates, so the fields an update changes are compared too."""
        if self.alias:
            alias = self._lambda.get_alias(FunctionName=self.name, Name=self.alias)
            fields = [alias.get(k) for k in ("RevisionId", "FunctionVersion", "RoutingConfig")]
            # The emulator also hands a deleted version's number out again: when the version was
            # published tells the two apart.
            version = self._lambda.get_function_configuration(
                FunctionName=self.name, Qualifier=alias["FunctionVersion"]
            )
            fields.append(version.get("LastModified"))
        else:
            config = self._lambda.get_function_configuration(FunctionName=self.arn)
            fields = [config.get(k) for k in _CONFIGURATION_FIELDS]
        concurrency = self._lambda.get_function_concurrency(FunctionName=self.name)
        reserved = concurrency.get("ReservedConcurrentExecutions")
        return json.dumps(fields, sort_keys=True, default=str), reserved


# What an update-function-configuration or update-function-code can change that the runtime uses.
_CONFIGURATION_FIELDS = (
    "RevisionId",
    "LastModified",
    "CodeSha256",
    "Environment",
    "Handler",
    "Runtime",
    "Timeout",
    "MemorySize",
)


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


def local_time_scale() -> float:
    """SEAWALL_LOCAL_TIME_SCALE: how many times faster than real time the waits the runtime
    imitates pass: alarm periods and Firehose buffering intervals (for tests and drills: at 60 a
    one-minute period lasts a second). 1 when unset."""
    value = os.environ.get(TIME_SCALE_ENV, "").strip()
    try:
        scale = float(value) if value else 1.0
    except ValueError:
        raise ValueError(f"{TIME_SCALE_ENV} must be a number, not {value!r}") from None
    if scale <= 0:
        raise ValueError(f"{TIME_SCALE_ENV} must be positive, not {value!r}")
    return scale


def _integration_functions(api: RestApi) -> set[str]:
    return {
        method.integration.function_arn
        for resource in api.resources
        for method in resource.methods.values()
        if method.integration and method.integration.function_arn
    }


__all__ = ["LocalRuntime"]
