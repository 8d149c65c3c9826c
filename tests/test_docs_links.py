"""The documents link only inside the repository, to files that exist."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# [text](target): every such target must be a URL, an anchor, or a file of the repository.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def markdown_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (http, mailto) or an anchor in the same document
        resolved = (path.parent / target.split("#", 1)[0]).resolve()
        if not resolved.is_relative_to(root) or not resolved.exists():
            broken.append(target)
    return broken


def test_relative_links_stay_in_the_repository_and_resolve() -> None:
    files = markdown_files()
    assert len(files) > 5
    assert {p.relative_to(ROOT).as_posix(): b for p in files if (b := broken_links(p))} == {}


def test_a_link_out_of_the_repository_or_to_nothing_is_caught(tmp_path: Path) -> None:
    (tmp_path / "repo" / "docs").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "failure-modes.md").write_text("outside")
    (tmp_path / "repo" / "docs" / "failure-modes.md").write_text("inside")
    doc = tmp_path / "repo" / "docs" / "index.md"
    doc.write_text(
        "[design](../../shared/failure-modes.md) [ok](failure-modes.md#top) [gone](gone.md) "
        "[web](https://example.com) [here](#here)\n"
    )
    assert broken_links(doc, tmp_path / "repo") == ["../../shared/failure-modes.md", "gone.md"]
