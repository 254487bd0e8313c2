"""The interchange JSON Schemas: in step with the code, and right about real rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from refundrecon.ingest.column_map import apply_column_map, load_column_map
from refundrecon.model import vocab
from refundrecon.model.interchange import COLUMNS, REQUIRED, FileKind
from refundrecon.model.money import CURRENCY_EXPONENTS

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "src" / "refundrecon" / "schemas"
ENUMS = {
    "role": vocab.Role,
    "method": vocab.Method,
    "channel": vocab.Channel,
    "approval": vocab.Approval,
    "status": vocab.RecordStatus,
    "via": vocab.AuditVia,
    "outcome": vocab.SyncOutcome,
}


def schema(kind: FileKind) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (SCHEMAS / f"interchange-{kind.value}.schema.json").read_text(encoding="utf-8")
    )
    return loaded


def validator(kind: FileKind) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


@pytest.mark.parametrize("kind", list(FileKind))
def test_schema_is_valid_and_matches_the_code(kind: FileKind) -> None:
    document = schema(kind)
    Draft202012Validator.check_schema(document)
    assert list(document["properties"]) == list(COLUMNS[kind])
    assert set(document["required"]) == set(REQUIRED[kind])
    assert document["additionalProperties"] is True
    for name, enum in ENUMS.items():
        if name in document["properties"]:
            allowed = [v for v in document["properties"][name]["enum"] if v not in ("", None)]
            assert allowed == [member.value for member in enum]
    if kind is FileKind.REFUNDS:
        codes = [c for c in document["properties"]["currency"]["enum"] if c]
        assert sorted(codes) == sorted(CURRENCY_EXPONENTS)


REFUND = {
    "source": "netsuite",
    "role": "ledger",
    "record_id": "CM-20931",
    "record_type": "credit_memo",
    "order_ref": "#1042",
    "amount": "1234.50",
    "currency": "EUR",
    "tax_amount": "-197.10",
    "method": "store_credit",
    "status": "succeeded",
    "created_at": "2026-03-14T15:09:26-05:00",
    "recorded_at": "2026-03-15 02:00:00.123+0100",
    "connector": "",
    "sales_refund_ref": None,
    "cost_center": "4711",
}
AUDIT = {
    "source": "netsuite",
    "record_id": "CM-20931",
    "at": "2026-11-02T09:15:00Z",
    "actor": "jdoe",
    "field": "amount",
    "old_value": "25.00",
    "new_value": "20.00",
    "via": "ui",
}
SYNC = {
    "at": "2026-11-02T09:15:03+00:00",
    "connector": "shop-erp",
    "source": "shopify",
    "target": "netsuite",
    "record_ref": "R-88001",
    "outcome": "error",
    "error_class": "ValidationError",
    "message": "Invalid reference key createdFrom",
}
BASE = {FileKind.REFUNDS: REFUND, FileKind.AUDIT: AUDIT, FileKind.SYNC: SYNC}

VALID = [
    (FileKind.REFUNDS, {}),
    (FileKind.REFUNDS, {"amount": "-3.10", "currency": "JPY", "method": ""}),
    (FileKind.REFUNDS, {"amount": "1500", "approval": None, "channel": "pos"}),
    (FileKind.AUDIT, {}),
    (FileKind.AUDIT, {"via": None, "actor": ""}),
    (FileKind.SYNC, {}),
    (FileKind.SYNC, {"outcome": "retry", "record_ref": None, "at": "2026-11-02T09:15+05:30"}),
]


@pytest.mark.parametrize(("kind", "changes"), VALID)
def test_valid_rows_pass(kind: FileKind, changes: dict[str, object]) -> None:
    row = {**BASE[kind], **changes}
    assert list(validator(kind).iter_errors(row)) == []


DROP = object()

INVALID = [
    # (kind, changed field, new value or DROP, the schema keyword that must fail)
    (FileKind.REFUNDS, "record_id", DROP, "required"),
    (FileKind.REFUNDS, "record_id", "", "pattern"),
    (FileKind.REFUNDS, "source", "   ", "pattern"),
    (FileKind.REFUNDS, "amount", "1,234.50", "pattern"),
    (FileKind.REFUNDS, "amount", "NaN", "pattern"),
    (FileKind.REFUNDS, "amount", "1e3", "pattern"),
    (FileKind.REFUNDS, "amount", "12.", "pattern"),
    (FileKind.REFUNDS, "amount", 12.5, "type"),
    (FileKind.REFUNDS, "tax_amount", "(1.00)", "anyOf"),
    (FileKind.REFUNDS, "currency", "eur", "enum"),
    (FileKind.REFUNDS, "currency", "XXX", "enum"),
    (FileKind.REFUNDS, "role", "erp", "enum"),
    (FileKind.REFUNDS, "method", "card", "enum"),
    (FileKind.REFUNDS, "status", "refunded", "enum"),
    (FileKind.REFUNDS, "created_at", "2026-03-14T15:09:26", "pattern"),
    (FileKind.REFUNDS, "created_at", "14.03.2026", "pattern"),
    (FileKind.REFUNDS, "recorded_at", "2026-03-14", "anyOf"),
    (FileKind.REFUNDS, "order_ref", 1042, "type"),
    (FileKind.AUDIT, "field", DROP, "required"),
    (FileKind.AUDIT, "via", "web", "enum"),
    (FileKind.AUDIT, "at", "yesterday", "pattern"),
    (FileKind.SYNC, "outcome", "failed", "enum"),
    (FileKind.SYNC, "target", DROP, "required"),
    (FileKind.SYNC, "at", "1773500966", "pattern"),
]


@pytest.mark.parametrize(("kind", "name", "value", "keyword"), INVALID)
def test_each_kind_of_invalid_row_fails(
    kind: FileKind, name: str, value: object, keyword: str
) -> None:
    row = dict(BASE[kind])
    if value is DROP:
        del row[name]
    else:
        row[name] = value
    errors = list(validator(kind).iter_errors(row))
    assert [e.validator for e in errors] == [keyword]
    assert keyword == "required" or list(errors[0].path) == [name]


def test_column_map_output_conforms_to_the_schema() -> None:
    cmap = load_column_map(ROOT / "examples" / "column-maps" / "erp-europe-credit-notes.toml")
    sample = ROOT / "tests" / "ingest" / "samples" / "column_map" / "erp_credit_notes.csv"
    mapped = apply_column_map(sample, cmap)
    rows = mapped.table.drop_columns(["_row"]).to_pylist()
    assert len(rows) == 5
    check = validator(FileKind.REFUNDS)
    for row in rows:
        assert list(check.iter_errors(row)) == []
