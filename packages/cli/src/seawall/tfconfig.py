"""Terraform's CLI configuration for machines that cannot reach the registry.

Given a filesystem mirror (a folder laid out as `<host>/<namespace>/<type>/<version>/<os_arch>/`),
seawall writes a CLI config of its own that installs the mirrored providers from it and the others
from the registry, plus a shared plugin cache. With an unpacked mirror and a cache, `terraform
init` links the ~700 MB AWS provider instead of copying it into every working directory.

Without a mirror, seawall leaves Terraform's defaults (and the user's own CLI config) alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from seawall.atomic_files import atomic_write_text
from seawall.errors import UsageError

MIRROR_ENV = "SEAWALL_TF_MIRROR"
CACHE_ENV = "SEAWALL_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where seawall keeps caches shared by all projects (XDG on Linux, overridable)."""
    if explicit := os.environ.get(CACHE_ENV):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seawall"


def mirrored_providers(mirror: Path) -> list[str]:
    """The provider source addresses (`host/namespace/type`) a filesystem mirror holds."""
    if not mirror.is_dir():
        raise UsageError(
            f"the Terraform provider mirror {mirror} is not a directory",
            hint=f"point --tf-mirror or {MIRROR_ENV} at a filesystem mirror "
            "(a folder containing registry.terraform.io/hashicorp/aws/...)",
        )
    providers = sorted(
        f"{host.name}/{namespace.name}/{kind.name}"
        for host in mirror.iterdir()
        if host.is_dir()
        for namespace in host.iterdir()
        if namespace.is_dir()
        for kind in namespace.iterdir()
        if kind.is_dir()
    )
    if not providers:
        raise UsageError(
            f"the Terraform provider mirror {mirror} holds no providers",
            hint="expected a layout like registry.terraform.io/hashicorp/aws/<version>/<os_arch>/",
        )
    return providers


def render_cli_config(mirror: Path, plugin_cache: Path) -> str:
    providers = mirrored_providers(mirror)
    # json.dumps gives HCL-compatible quoted strings and lists.
    return (
        "# Written by seawall: providers from a local mirror, a shared plugin cache.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror.resolve()))}\n"
        f"    include = {json.dumps(providers)}\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = {json.dumps(providers)}\n"
        "  }\n"
        "}\n"
        f"plugin_cache_dir = {json.dumps(str(plugin_cache.resolve()))}\n"
    )


def write_cli_config(mirror: Path, config_path: Path, plugin_cache: Path | None = None) -> Path:
    """Write the CLI config for `mirror` to `config_path`; return it, for TF_CLI_CONFIG_FILE."""
    cache = plugin_cache or default_cache_dir() / "terraform-plugins"
    cache.mkdir(parents=True, exist_ok=True)
    atomic_write_text(config_path, render_cli_config(mirror, cache))
    return config_path


def terraform_env(mirror: Path | str | None, config_path: Path) -> dict[str, str]:
    """Environment additions for terraform: our CLI config when a mirror is given, else nothing."""
    if not mirror:
        return {}
    written = write_cli_config(Path(mirror), config_path)
    return {"TF_CLI_CONFIG_FILE": str(written)}


def mirror_from_env() -> str | None:
    return os.environ.get(MIRROR_ENV) or None
