"""The Terraform CLI config: only with a mirror, and the provider is linked, never copied."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from seawall.errors import UsageError
from seawall.tfconfig import MIRROR_ENV, mirrored_providers, render_cli_config, terraform_env


def fake_mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64").mkdir(
        parents=True
    )
    (root / "registry.terraform.io" / "hashicorp" / "random" / "3.6.0").mkdir(parents=True)
    return root


def test_lists_the_providers_a_mirror_holds(tmp_path: Path) -> None:
    assert mirrored_providers(fake_mirror(tmp_path)) == [
        "registry.terraform.io/hashicorp/aws",
        "registry.terraform.io/hashicorp/random",
    ]


def test_config_installs_mirrored_providers_from_the_mirror_only(tmp_path: Path) -> None:
    text = render_cli_config(fake_mirror(tmp_path / "m"), tmp_path / "cache")
    assert f'path    = "{(tmp_path / "m").resolve()}"' in text
    providers = '"registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/random"'
    assert f"include = [{providers}]" in text
    assert f"exclude = [{providers}]" in text
    assert f'plugin_cache_dir = "{(tmp_path / "cache").resolve()}"' in text


def test_without_a_mirror_terraform_defaults_are_left_alone(tmp_path: Path) -> None:
    assert terraform_env(None, tmp_path / "rc") == {}
    assert not (tmp_path / "rc").exists()


@pytest.mark.parametrize("make", [lambda p: p / "missing", lambda p: p])
def test_a_wrong_mirror_is_a_usage_error(tmp_path: Path, make) -> None:
    with pytest.raises(UsageError, match="mirror"):
        mirrored_providers(make(tmp_path))


@pytest.mark.skipif(
    not os.environ.get(MIRROR_ENV), reason=f"needs a real provider mirror in ${MIRROR_ENV}"
)
def test_init_links_the_provider_from_the_mirror_instead_of_copying_it(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
    )
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("SEAWALL_CACHE_DIR", None)
    env.update(terraform_env(os.environ[MIRROR_ENV], tmp_path / "terraformrc"))
    subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=module,
        env=env,
        check=True,
        capture_output=True,
    )
    # <host>/<namespace>/<type>/<version>/<os_arch>/terraform-provider-aws_*
    installed = list(
        (module / ".terraform" / "providers").glob("*/*/*/*/*/terraform-provider-aws*")
    )
    assert installed, "the provider was not installed"
    copied = sum(
        os.lstat(os.path.join(folder, name)).st_size
        for folder, _, names in os.walk(module / ".terraform")  # does not follow links
        for name in names
    )
    assert copied < 1_000_000, f"{copied} bytes were copied into the working directory"
