"""The function's configuration, read once from its environment (docs/function-contract.md)."""

from __future__ import annotations

from collections.abc import Mapping

from seawall_handler._record import Record

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Settings(Record):
    __slots__ = (
        "allow_fault_injection_in_prod",
        "cors_allow_origins",
        "environment",
        "fault_injection",
        "function_name",
        "jobs_queue_url",
        "log_level",
        "table_name",
    )

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        environment: str,
        table_name: str,
        jobs_queue_url: str,
        cors_allow_origins: tuple[str, ...],
        log_level: str,
        fault_injection: str,
        allow_fault_injection_in_prod: bool,
        function_name: str,
    ) -> None:
        self.environment = environment
        self.table_name = table_name
        self.jobs_queue_url = jobs_queue_url
        self.cors_allow_origins = cors_allow_origins
        self.log_level = log_level
        self.fault_injection = fault_injection
        self.allow_fault_injection_in_prod = allow_fault_injection_in_prod
        self.function_name = function_name

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from the contract's variables; missing optional ones get safe defaults."""
        level = env.get("SEAWALL_LOG_LEVEL", "INFO").strip().upper()
        origins = env.get("SEAWALL_CORS_ALLOW_ORIGINS", "")
        return cls(
            environment=env.get("SEAWALL_ENVIRONMENT", "local").strip().lower(),
            table_name=env.get("SEAWALL_TABLE_NAME", "").strip(),
            jobs_queue_url=env.get("SEAWALL_JOBS_QUEUE_URL", "").strip(),
            cors_allow_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            log_level=level if level in LOG_LEVELS else "INFO",
            fault_injection=env.get("SEAWALL_FAULT_INJECTION", "").strip(),
            allow_fault_injection_in_prod=(
                env.get("SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD", "").strip().lower() == "true"
            ),
            function_name=env.get("AWS_LAMBDA_FUNCTION_NAME", "seawall"),
        )
