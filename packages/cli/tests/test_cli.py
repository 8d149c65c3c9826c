"""The command line: exit codes and messages a user sees."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from seawall import __version__
from seawall.cli import main

ROOT = Path(__file__).resolve().parents[3]


def checkout(root: Path) -> Path:
    (root / "terraform" / "stack").mkdir(parents=True)
    (root / "packages" / "handler").mkdir(parents=True)
    return root


def test_version_and_help_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["up", "--help"]) == 0
    assert "--once" in capsys.readouterr().out


def test_bad_usage_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert main([]) == 2


@pytest.mark.parametrize("scale", ["0", "-60", "nan"])
def test_up_refuses_a_time_scale_that_is_not_positive(
    scale: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEAWALL_LOCAL_TIME_SCALE", raising=False)
    assert main(["up", "--once", "--time-scale", scale]) == 2
    assert "--time-scale must be a positive number" in capsys.readouterr().err


def test_outside_a_checkout_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project-dir", str(tmp_path), "outputs"]) == 2
    assert "no seawall project" in capsys.readouterr().err


def test_outputs_without_a_running_stack_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project-dir", str(checkout(tmp_path)), "outputs", "--json"]) == 1
    err = capsys.readouterr().err
    assert "no local stack is running" in err
    assert "seawall up" in err


def test_a_stale_session_from_a_dead_process_is_not_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = checkout(tmp_path)
    session = root / ".seawall" / "local" / "session.json"
    session.parent.mkdir(parents=True)
    session.write_text('{"pid": 999999999, "emulator": {}, "gateway": {}}')
    assert main(["--project-dir", str(root), "outputs"]) == 1
    assert "no local stack is running" in capsys.readouterr().err


def test_a_wrong_mirror_is_reported_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = checkout(tmp_path)
    assert (
        main(["--project-dir", str(root), "--tf-mirror", str(tmp_path / "nope"), "validate"]) == 2
    )
    assert "mirror" in capsys.readouterr().err


def test_unexpected_errors_exit_three_with_a_traceback_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Simulates a bug: the only way to reach the "unexpected error" path on purpose.
    from seawall.commands import outputs

    def broken(_project):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(outputs, "read_session", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main(["--project-dir", str(checkout(tmp_path / "p")), "outputs"]) == 3
    err = capsys.readouterr().err
    assert "unexpected error" in err
    log = Path(err.strip().rsplit(" ", 1)[1])
    assert "ZeroDivisionError: a bug" in log.read_text()


@pytest.mark.parametrize(
    ("raised", "said"),
    [
        (
            lambda: ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetRole"
            ),
            "AWS refused GetRole: AccessDenied: not allowed",
        ),
        (
            lambda: EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
            "an AWS call failed: Could not connect",
        ),
    ],
)
def test_an_aws_refusal_no_command_handled_is_a_failure_not_a_bug(
    raised, said, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # No emulator refuses on cue: the command's read is replaced by one that raises what botocore
    # raises when AWS says no, or when the endpoint is gone.
    from seawall.commands import outputs

    def refused(_project):
        raise raised()

    monkeypatch.setattr(outputs, "read_session", refused)
    assert main(["--project-dir", str(checkout(tmp_path / "p")), "outputs"]) == 1
    err = capsys.readouterr().err
    assert said in err
    assert "unexpected error" not in err


# A verb of the description -> the command that must exist for it to be true.
PROMISES = {
    "deploy": "deploy",
    "apply": "apply",
    "destroy": "destroy",
    "build": "build",
    "validate": "validate",
    "plan": "plan",
    "run it on a local emulator": "up",
    "verify": "verify",
    "load-test": "loadtest",
    "break": "fault",
}


def test_the_description_promises_only_commands_that_exist() -> None:
    from seawall.cli import COMMANDS, DESCRIPTION, parser

    names = set(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert len(names) == len(COMMANDS)
    promised = {command for verb, command in PROMISES.items() if verb in DESCRIPTION.lower()}
    assert promised
    assert promised <= names


def command_names() -> set[str]:
    from seawall.cli import parser

    return set(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_the_package_description_promises_only_commands_that_exist() -> None:
    # What pip and the package index show: the same check as for `seawall --help`'s description.
    pyproject = tomllib.loads((ROOT / "packages" / "cli" / "pyproject.toml").read_text())
    description = pyproject["project"]["description"].lower()
    promised = {command for verb, command in PROMISES.items() if verb in description}
    assert promised
    assert promised <= command_names()


def test_the_documents_name_only_commands_that_exist_and_the_readme_lists_them_all() -> None:
    names = command_names()
    documents = [  # the repository's own: not those in .venv, .nox or .terraform
        path
        for path in ROOT.rglob("*.md")
        if not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    ]
    named: dict[str, set[str]] = {}
    for document in documents:
        for word in re.findall(r"`seawall ([a-z][a-z-]*)", document.read_text(errors="replace")):
            named.setdefault(word, set()).add(str(document.relative_to(ROOT)))
    assert {word: where for word, where in named.items() if word not in names} == {}
    table = (ROOT / "packages" / "cli" / "README.md").read_text()
    rows = set(re.findall(r"^\| `seawall ([a-z][a-z-]*)", table, flags=re.MULTILINE))
    assert rows == names
