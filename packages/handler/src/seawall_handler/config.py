"""The function's configuration, read once from its environment (docs/function-contract.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ENVIRONMENTS = ("local", "dev", "prod")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    table_name: str
    jobs_queue_url: str
    cors_allow_origins: tuple[str, ...]
    log_level: str
    fault_injection: str
    allow_fault_injection_in_prod: bool
    function_name: str

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
