"""Fixtures shared by retrylib's tests."""

from __future__ import annotations

import random

import pytest
from retrylib_doubles import FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)
