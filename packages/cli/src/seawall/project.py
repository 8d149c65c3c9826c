"""Where things are: the seawall checkout, and the CLI's working state inside it.

Layout of the state directory (`<project>/.seawall/`, git-ignored; $SEAWALL_STATE_DIR moves it):

    artifacts/<sha256>.zip    content-addressed Lambda artifacts (shared by all environments)
    terraformrc               the Terraform CLI config, when a provider mirror is in use
    <environment>/tf-data/    TF_DATA_DIR for that environment
    <environment>/logs/       terraform, emulator, gateway and function logs
    <environment>/session.json  the running local stack (`seawall up`), for `seawall outputs`
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from seawall.errors import UsageError

ENVIRONMENTS = ("local", "dev", "prod")
# Moves the state directory elsewhere (tests use it to run beside a developer's own `seawall up`).
STATE_DIR_ENV = "SEAWALL_STATE_DIR"


def _state_dir_from_env() -> Path | None:
    value = os.environ.get(STATE_DIR_ENV)
    return Path(value) if value else None


@dataclass(frozen=True)
class Project:
    root: Path
    state_override: Path | None = field(default_factory=_state_dir_from_env)

    @classmethod
    def locate(cls, start: Path | None = None) -> Project:
        """The nearest directory at or above `start` that holds a seawall checkout."""
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "terraform" / "stack").is_dir() and (
                candidate / "packages" / "handler"
            ).is_dir():
                return cls(candidate)
        raise UsageError(
            f"no seawall project at or above {here}",
            hint="run seawall inside a seawall checkout, or pass --project-dir",
        )

    @property
    def stack_dir(self) -> Path:
        return self.root / "terraform" / "stack"

    @property
    def modules_dir(self) -> Path:
        return self.root / "terraform" / "modules"

    def var_file(self, environment: str) -> Path:
        return self.root / "terraform" / "envs" / f"{environment}.tfvars"

    @property
    def state_dir(self) -> Path:
        return self.state_override or self.root / ".seawall"

    @property
    def artifact_store(self) -> Path:
        return self.state_dir / "artifacts"

    @property
    def cli_config_path(self) -> Path:
        return self.state_dir / "terraformrc"

    def environment_dir(self, environment: str) -> Path:
        return self.state_dir / environment

    def data_dir(self, environment: str) -> Path:
        return self.environment_dir(environment) / "tf-data"

    def logs_dir(self, environment: str) -> Path:
        return self.environment_dir(environment) / "logs"

    def session_file(self, environment: str = "local") -> Path:
        return self.environment_dir(environment) / "session.json"
