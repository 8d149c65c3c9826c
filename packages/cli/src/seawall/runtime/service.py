"""The local runtime as one object: read the stage from the emulator, warm pools, serve HTTP."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

from seawall.emulator import Connection
from seawall.runtime.functions import code_directory, load_function
from seawall.runtime.gateway import Gateway
from seawall.runtime.pool import FunctionLog, FunctionPool
from seawall.runtime.restapi import load_rest_api
from seawall.runtime.server import GatewayServer


class LocalRuntime:
    """Serves REST API `api_id` stage `stage` as deployed in the emulator at `endpoint`."""

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
        self._connection = connection
        api = load_rest_api(connection.client("apigateway"), api_id, stage)
        account_id = connection.client("sts").get_caller_identity()["Account"]
        lambda_client = connection.client("lambda")
        logs_dir = work_dir / "logs"
        self.pools: dict[str, FunctionPool] = {}
        function_arns = {
            method.integration.function_arn
            for resource in api.resources
            for method in resource.methods.values()
            if method.integration and method.integration.function_arn
        }
        for arn in sorted(function_arns):
            spec = load_function(lambda_client, arn)
            code_dir = code_directory(spec, artifact_store, work_dir / "functions")
            self.pools[arn] = FunctionPool(
                spec,
                code_dir,
                aws_env=connection.client_env(),
                log_path=logs_dir / "functions" / f"{spec.name}.log",
            )
        self._access_log = FunctionLog(logs_dir / "access.log")
        self.gateway = Gateway(
            api, self.pools, account_id=account_id, access_log=self._access_log.write
        )
        self.server = GatewayServer(self.gateway, host, port)
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="gateway", daemon=True
        )

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> LocalRuntime:
        self._thread.start()
        return self

    def stop(self) -> None:
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
