"""Shared by the cross-package tests: where the checkout is, and the provider mirror to use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tf_mirror() -> str | None:
    """The provider mirror nox found (SEAWALL_TF_MIRROR), or None to use Terraform's defaults."""
    return os.environ.get("SEAWALL_TF_MIRROR") or None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("terraform") is None:
        skip = pytest.mark.skip(reason="needs terraform on PATH (nox checks this first)")
        for item in items:
            item.add_marker(skip)
