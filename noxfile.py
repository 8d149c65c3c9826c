"""Every way to lint, test, run and benchmark seawall: `python3 -m nox -l` lists the sessions.

Sessions stay thin; the helpers below hold the logic. Every install is pinned by constraints.txt
(checkov by constraints-checkov.txt, see there why). Each package is installed on its own before its
unit tests run, so an undeclared dependency fails the tests instead of hiding behind another's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CONSTRAINTS = ROOT / "constraints.txt"
CHECKOV_CONSTRAINTS = ROOT / "constraints-checkov.txt"
RETRYLIB = "./packages/retrylib"
HANDLER = "./packages/handler"
CLI = "./packages/cli"
MIRROR_ENV = "SEAWALL_TF_MIRROR"

# What each package's own tests need besides the package itself.
UNIT_TEST_NEEDS = {
    "retrylib": ([RETRYLIB], ["pytest", "hypothesis", "botocore"]),
    "handler": ([RETRYLIB, HANDLER], ["pytest", "hypothesis", "boto3", "moto"]),
    "cli": ([RETRYLIB, f"{CLI}[local]"], ["pytest", "hypothesis", "jsonschema", "junitparser"]),
}
FUZZ = ["schemathesis"]
BENCH_NEEDS = ["tenacity", "backoff", "aws-lambda-powertools", "boto3", "moto", "psutil"]

nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True


def find_tf_mirror() -> str | None:
    """A filesystem mirror of Terraform providers: $SEAWALL_TF_MIRROR, or one found on this machine.

    A machine that cannot reach the Terraform registry may carry a filesystem mirror of
    hashicorp/aws; the search below finds such a mirror where it is commonly unpacked, so that the
    README's commands work as written. Elsewhere nothing is found and Terraform's defaults apply.
    """
    if explicit := os.environ.get(MIRROR_ENV):
        return explicit
    candidates = [
        Path.home() / ".terraform.d" / "plugins",
        Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
        / "terraform"
        / "plugins",
        Path("/usr/local/share/terraform/plugins"),
        Path("/usr/share/terraform/plugins"),
        *sorted(Path("/opt").glob("*")),
    ]
    for candidate in candidates:
        if (candidate / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return str(candidate)
    return None


def require_terraform(session: nox.Session) -> None:
    if shutil.which("terraform") is None:
        # Presence only: seawall checks the version (the modules' own constraint) when it runs it.
        session.error("terraform not found on PATH: install Terraform (see README.md), run again")


def prepare(session: nox.Session, *, constraints: Path = CONSTRAINTS) -> None:
    """Pin every install of the session (build backends included) and pass the mirror on."""
    session.env["PIP_CONSTRAINT"] = str(constraints)
    session.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    session.env["CHECKPOINT_DISABLE"] = "1"  # terraform: no version check over the network
    mirror = find_tf_mirror()
    if mirror:
        session.env[MIRROR_ENV] = mirror


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format), terraform fmt -check, and terraform validate on every module."""
    require_terraform(session)
    prepare(session)
    session.install("ruff", RETRYLIB, CLI)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("seawall", "validate")


@nox.session
def checkov(session: nox.Session) -> None:
    """checkov on terraform/: no failed checks (each skip carries its reason beside it)."""
    prepare(session, constraints=CHECKOV_CONSTRAINTS)
    session.install("checkov")
    session.run(
        "checkov",
        *("--directory", "terraform", "--framework", "terraform", "--quiet", "--compact"),
        # Checks run offline: no guideline download from Prisma Cloud (only loopback is a target).
        "--skip-download",
        # The modules' examples/ only show the smallest call (no cache, no tracing: inputs the
        # stack sets per environment); the stack calls the same modules and is checked in full.
        *("--skip-path", "examples"),
    )


@nox.session
@nox.parametrize("part", ["retrylib", "handler", "cli", "terraform", "stack"])
def tests(session: nox.Session, part: str) -> None:
    """Each package's unit tests with only that package installed, then terraform test per
    module, then the cross-package tests (the stack on the emulator, end to end)."""
    prepare(session)
    if part in UNIT_TEST_NEEDS:
        packages, needs = UNIT_TEST_NEEDS[part]
        session.install(*packages, *needs)
        session.run("pytest", f"packages/{part}/tests", *session.posargs)
    elif part == "terraform":
        require_terraform(session)
        session.install(RETRYLIB, CLI)
        session.run("seawall", "validate", "--test", *session.posargs)
    else:
        require_terraform(session)
        # load: `seawall loadtest` and the schemathesis fuzzing run against the shared stack.
        session.install(RETRYLIB, HANDLER, f"{CLI}[local,load]", "pytest", "hypothesis", *FUZZ)
        # The slowest tests are printed so that CI's log shows where its minutes go.
        session.run("pytest", "tests", "--durations=20", *session.posargs)


@nox.session
def up(session: nox.Session) -> None:
    """The main job: the whole stack on the local emulator (`seawall up`; `-- args` go to it)."""
    require_terraform(session)
    prepare(session)
    session.install(RETRYLIB, f"{CLI}[local]")
    session.run("seawall", "up", *session.posargs)


@nox.session(default=False)
def loadtest(session: nox.Session) -> None:
    """`seawall loadtest` against the running `seawall up`, or a local stack started for the run
    (`-- args` go to it, e.g. `-- --users 20 --duration 2m --report load-report`)."""
    require_terraform(session)
    prepare(session)
    session.install(RETRYLIB, f"{CLI}[local,load]")
    session.run("seawall", "loadtest", "--up", *session.posargs)


@nox.session(default=False)
def deploy(session: nox.Session) -> None:
    """`seawall deploy` (`-- --env dev`; credentials from the usual AWS variables or --profile):
    build, preflight, plan, confirm, apply, smoke, canary, record a release; rollback on failure."""
    require_terraform(session)
    prepare(session)
    session.install(RETRYLIB, f"{CLI}[local]")
    session.run("seawall", "deploy", *(session.posargs or ["--env", "dev"]))


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """schemathesis against the handler's openapi.json on a local stack, longer than in `tests`
    (`-- N` examples per operation, default 100; fixed seed, at most 10 minutes)."""
    require_terraform(session)
    prepare(session)
    session.install(RETRYLIB, HANDLER, f"{CLI}[local]", "pytest", *FUZZ)
    session.env["SEAWALL_FUZZ_EXAMPLES"] = session.posargs[0] if session.posargs else "100"
    session.env["SEAWALL_FUZZ_MAX_TIME_S"] = "600"
    session.run("pytest", "tests/fuzz", "-x")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks, side by side with ratios (`-- retrylib handler up` to pick areas)."""
    prepare(session)
    session.install(RETRYLIB, HANDLER, f"{CLI}[local,load]", *BENCH_NEEDS)
    areas = session.posargs or sorted(p.parent.name for p in (ROOT / "bench").glob("*/run.py"))
    for area in areas:
        session.run("python", f"bench/{area}/run.py")


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Rewrite each Terraform module README's inputs/outputs table (terraform-docs' format,
    between BEGIN_TF_DOCS/END_TF_DOCS) from the module's .tf files; `seawall validate` checks it."""
    prepare(session)
    session.install(RETRYLIB, CLI)
    session.run("python", "-m", "seawall.tfdocs", "terraform/modules")


# `nox -s release -- PACKAGE`: the import name each package's wheel must give, and the siblings
# its wheel needs (built alongside, since they are not on an index).
RELEASES = {
    "retrylib": ("retrylib", []),
    "handler": ("seawall_handler", ["retrylib"]),
    "cli": ("seawall", ["retrylib"]),
}


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """Build PACKAGE's sdist and wheel into dist/PACKAGE, check them (twine check --strict),
    install the wheel into a clean venv and import it (`-- retrylib|handler|cli`)."""
    if len(session.posargs) != 1 or session.posargs[0] not in RELEASES:
        session.error(f"usage: nox -s release -- {{{'|'.join(RELEASES)}}}")
    package = session.posargs[0]
    module, siblings = RELEASES[package]
    prepare(session)
    session.install("build", "twine")
    out = ROOT / "dist" / package
    shutil.rmtree(out, ignore_errors=True)
    build = ("python", "-m", "build", "--outdir")
    session.run(*build, str(out), "--sdist", "--wheel", f"packages/{package}")
    session.run("twine", "check", "--strict", *(str(p) for p in sorted(out.iterdir())))
    wheels = ROOT / "dist" / ".siblings"
    for sibling in siblings:
        session.run(*build, str(wheels), "--wheel", f"packages/{sibling}")
    with tempfile.TemporaryDirectory(prefix="seawall-release-") as scratch:
        venv = Path(scratch) / "venv"
        session.run("python", "-m", "venv", str(venv))
        python = str(venv / "bin" / "python")
        (wheel,) = out.glob("*.whl")
        pip_install = (python, "-m", "pip", "install", "--quiet", "--find-links", str(wheels))
        session.run(*pip_install, str(wheel), external=True)
        check = f"import {module}; print({module}.__name__, {module}.__version__)"
        session.run(python, "-c", check, external=True)


@nox.session(name="format", default=False)
def format_(session: nox.Session) -> None:
    """Rewrite Python and Terraform files into their canonical format."""
    prepare(session)
    session.install("ruff")
    session.run("ruff", "format", ".")
    session.run("ruff", "check", "--fix", ".")
    session.run("terraform", "fmt", "-recursive", "terraform", external=True)
