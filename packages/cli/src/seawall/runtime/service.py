"""The local runtime as one object: read the stack from the emulator, warm pools, serve HTTP and
poll queues."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

from seawall.emulator import Connection
from seawall.runtime.functions import code_directory, load_function
from seawall.runtime.gateway import Gateway
from seawall.runtime.pool import FunctionLog, FunctionPool
from seawall.runtime.records import json_access_log
from seawall.runtime.refresh import Refresher
from seawall.runtime.restapi import RestApi, load_rest_api, load_stage_limits
from seawall.runtime.server import GatewayServer
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
    ) -> None:
        connection = Connection(url=endpoint, region=region)
        self._artifact_store = artifact_store
        self._work_dir = work_dir
        self._aws_env = connection.client_env()
        self._lambda = connection.client("lambda")
        self.pools: dict[str, FunctionPool] = {}

        api = load_rest_api(connection.client("apigateway"), api_id, stage)
        for arn in sorted(_integration_functions(api)):
            self._pool(arn)
        sqs = connection.client("sqs")
        self.pollers = [
            SqsPoller(mapping, sqs, self._pool(mapping.function_arn))
            for mapping in load_sqs_mappings(self._lambda)
        ]
        account_id = connection.client("sts").get_caller_identity()["Account"]
        self._access_log = FunctionLog(work_dir / "logs" / "access.log")
        self.gateway = Gateway(
            api,
            self.pools,
            account_id=account_id,
            on_request_done=[json_access_log(self._access_log.write)],
        )
        self.server = GatewayServer(self.gateway, host, port)
        apigateway = connection.client("apigateway")
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
            spec = load_function(self._lambda, function_arn)
            code_dir = code_directory(spec, self._artifact_store, self._work_dir / "functions")
            self.pools[function_arn] = FunctionPool(
                spec,
                code_dir,
                aws_env=self._aws_env,
                log_path=self._work_dir / "logs" / "functions" / f"{spec.name}.log",
            )
        return self.pools[function_arn]


def _integration_functions(api: RestApi) -> set[str]:
    return {
        method.integration.function_arn
        for resource in api.resources
        for method in resource.methods.values()
        if method.integration and method.integration.function_arn
    }


__all__ = ["LocalRuntime"]
