"""Skip `terraform init` when the data directory is already initialised for the same inputs.

`terraform init` starts Terraform, reads every module, checks the providers against the mirror and
configures the backend: 1.5-4 s of every plan and deploy, for a result that only changes when its
inputs do. Those inputs are the Terraform tree's configuration files (module calls, provider
requirements, the `backend` block), the provider lock file, the `-backend-config` pairs, the CLI
configuration (the provider mirror) and the terraform binary. After a successful init their
fingerprint is written into the data directory; the next init with the same fingerprint, while
what init made is still there, is skipped. The emulator's endpoint and the credentials are not
inputs: Terraform reads them from the environment of every run, not from the data directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from seawall.atomic_files import atomic_write_text
from seawall.terraform import Terraform

STAMP_FILE = "seawall-init.json"
# What `terraform init` reads from the tree; everything else (tfvars, tests, READMEs) it ignores.
_CONFIG_SUFFIXES = (".tf", ".tf.json")
_LOCK_FILE = ".terraform.lock.hcl"
_SKIPPED_PARTS = frozenset({".terraform", "tests"})
# What an init may leave in the data directory (backend settings, providers, module paths): those
# it left must still be there for the next init to be skipped.
_INIT_OUTPUTS = ("terraform.tfstate", "providers", "modules/modules.json")


def init_fingerprint(terraform: Terraform, backend_config: Mapping[str, str]) -> str:
    """A hash of everything `terraform init` of `terraform.module_dir` depends on."""
    digest = hashlib.sha256()
    cli_config = terraform.env.get("TF_CLI_CONFIG_FILE")
    header = {
        "terraform": [terraform.binary, terraform.version],
        "backend": dict(sorted(backend_config.items())),
        "cli_config": _read(Path(cli_config)) if cli_config else None,
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    # The root module's parent holds the modules it calls by relative path (`../modules/x`).
    tree = terraform.module_dir.parent
    for path in sorted(tree.rglob("*")):
        relative = path.relative_to(tree)
        if _SKIPPED_PARTS.intersection(relative.parts) or not path.is_file():
            continue
        if path.name == _LOCK_FILE or path.name.endswith(_CONFIG_SUFFIXES):
            digest.update(f"{relative.as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def init_once(terraform: Terraform, backend_config: Mapping[str, str]) -> bool:
    """`terraform init` with `backend_config`, unless the data directory was initialised with
    the same fingerprint and still holds what that init made. True when init ran."""
    data_dir = terraform.data_dir
    if data_dir is None:  # no data directory of our own to keep a stamp in
        terraform.init(backend_config=backend_config)
        return True
    stamp = data_dir / STAMP_FILE
    try:
        recorded = json.loads(_read(stamp) or "{}")
    except ValueError:
        recorded = {}
    made = recorded.get("made") or []
    if recorded.get("fingerprint") == init_fingerprint(terraform, backend_config) and all(
        (data_dir / name).exists() for name in made
    ):
        return False
    stamp.unlink(missing_ok=True)  # an init that fails halfway must not look finished
    terraform.init(backend_config=backend_config)
    # Taken after init: the first init writes the lock file, which is one of the inputs.
    made = [name for name in _INIT_OUTPUTS if (data_dir / name).exists()]
    fingerprint = init_fingerprint(terraform, backend_config)
    atomic_write_text(stamp, json.dumps({"fingerprint": fingerprint, "made": made}))
    return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None
