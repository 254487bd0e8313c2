"""Tests of how vendor extras are staged: canonical fields win, no extra is lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from refundrecon.ingest.native import extra_column, result_tables
from refundrecon.model.interchange import FileKind
from refundrecon.model.money import Money
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role


@pytest.mark.parametrize(
    ("name", "taken", "column"),
    [
        ("note", set(), "note"),
        ("team", set(), "extra_team"),
        ("payload_ref", set(), "extra_payload_ref"),
        ("_row", set(), "extra__row"),
        ("_hidden", set(), "extra__hidden"),
        ("team", {"team", "extra_team"}, "extra_extra_team"),
        ("extra_team", {"team", "extra_team"}, "extra_team"),
    ],
)
def test_extra_column_never_takes_a_canonical_or_staging_name(
    name: str, taken: set[str], column: str
) -> None:
    assert extra_column(name, taken) == column


def test_audit_names_are_only_reserved_for_audit_rows() -> None:
    assert extra_column("field", set()) == "field"
    assert extra_column("field", set(), FileKind.AUDIT) == "extra_field"


def test_canonical_fields_are_kept_and_colliding_extras_survive_renamed() -> None:
    record = RefundRecord(
        source="shopify",
        role=Role.SALES,
        record_id="1",
        record_type="refund",
        amount=Money.parse("10.00", "USD"),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        provenance=Provenance("f.json", 3, "p-1", "shopify"),
        team="customer-service",
        extras={"team": "cs-raw", "payload_ref": "other", "_x": "hidden", "gateway": "stripe"},
    )
    table = result_tables(ReadResult((record,)))[FileKind.REFUNDS]
    row = table.to_pylist()[0]
    assert row["team"] == "customer-service"
    assert (row["extra_team"], row["extra_payload_ref"], row["extra__x"]) == (
        "cs-raw",
        "other",
        "hidden",
    )
    assert (row["payload_ref"], row["_row"], row["gateway"]) == ("p-1", 3, "stripe")
