"""Shared fixture: reconcile hand-written rows in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from recs import AS_OF, write_refunds
from refundrecon.pipeline import Run, reconcile
from refundrecon.settings import Settings


@pytest.fixture
def run_rows(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Reconcile the given rows as of ``AS_OF`` and return the run."""

    def run(rows: Sequence[dict[str, str]], as_of: datetime = AS_OF) -> Run:
        path = write_refunds(tmp_path / "refunds.csv", rows)
        return reconcile([path], Settings.load(), as_of)

    return run
