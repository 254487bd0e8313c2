"""Fixtures of the diagnosis tests: a fresh hand-built world per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from diag_world import World


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.con.close()
