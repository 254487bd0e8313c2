"""Write one scenario as a native stack: vendor exports per role, interchange for the rest.

Starts from the simulator's interchange tables so the native files say exactly what the
interchange files say, renames ids the way each vendor numbers them, writes each role with its
vendor's writer, and rewrites the logs and the ground truth with the renamed ids so that the
accuracy benchmark scores the native run against the same faults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from refundrecon.model.interchange import AUDIT_COLUMNS, REFUND_COLUMNS, SYNC_COLUMNS
from refundrecon.simulate.native import adyen, bigcommerce, netsuite, sap, shopify, stripe
from refundrecon.simulate.native.rows import Renames, Row, dump_json, rename_refs, rows_of
from refundrecon.simulate.native.stacks import SHOPIFY_STRIPE_NETSUITE, Stack, build_renames
from refundrecon.simulate.native.stacks import stack_named as stack_named
from refundrecon.simulate.writer import write_table

_REF_COLUMNS = ("record_id", "order_ref", "sales_refund_ref", "payment_ref", "customer_ref")


@dataclass(frozen=True)
class NativeOutput:
    """The files written (by name) and the ground truth with the stack's record ids."""

    paths: dict[str, Path]
    truth: list[dict[str, object]]
    renames: Renames


def _table(rows: list[Row], columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in columns})


def _audit(rows: list[Row], renames: Renames) -> list[Row]:
    out: list[Row] = []
    for row in rows:
        source, record_id = renames.record(str(row["source"]), str(row["record_id"]))
        out.append({**row, "source": source, "record_id": record_id})
    return out


def _sync(rows: list[Row], renames: Renames) -> list[Row]:
    return [
        {
            **row,
            "source": renames.source(row["source"]),
            "target": renames.source(row["target"]),
            "record_ref": renames.ref(row["record_ref"]),
            "connector": renames.connector(row["connector"]),
        }
        for row in rows
    ]


def _truth(truth: list[dict[str, object]], renames: Renames) -> list[dict[str, object]]:
    renamed: list[dict[str, object]] = []
    for entry in truth:
        records = entry.get("records")
        new_records: list[dict[str, str]] = []
        if isinstance(records, list):
            for record in records:
                source, record_id = renames.record(str(record["source"]), str(record["record_id"]))
                new_records.append({**record, "source": source, "record_id": record_id})
        renamed.append({**entry, "records": new_records})
    return renamed


def write_native(
    stack_name: str,
    tables: dict[str, pa.Table],
    truth: list[dict[str, object]],
    out_dir: Path,
) -> NativeOutput:
    """Write the stack's files to ``out_dir``; return their paths and the renamed truth."""
    stack = stack_named(stack_name)
    raw = {name: rows_of(table) for name, table in tables.items()}
    renames = build_renames(stack, raw)
    native_sales = [r for r in raw["sales"] if r["source"] in stack.native_sales]
    other_sales = [r for r in raw["sales"] if r["source"] not in stack.native_sales]
    sales = rename_refs(native_sales, renames, _REF_COLUMNS)
    others = rename_refs(other_sales, renames, _REF_COLUMNS)
    payments = rename_refs(raw["payments"], renames, _REF_COLUMNS)
    ledger = rename_refs(raw["ledger"], renames, _REF_COLUMNS)
    audit = _audit(raw["audit"], renames)
    paths: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        path = out_dir / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        paths[path.stem] = path

    def put_table(name: str, rows: list[Row], columns: tuple[str, ...]) -> None:
        path = out_dir / name
        write_table(_table(rows, columns), path, "csv")
        paths[path.stem] = path

    if stack is SHOPIFY_STRIPE_NETSUITE:
        put("sales_shopify.json", dump_json(shopify.orders_document(sales)))
        put("payments_stripe.json", dump_json(stripe.refunds_document(payments)))
        put("ledger_netsuite.json", dump_json(netsuite.records_document(ledger)))
        types = {str(r["record_id"]): str(r["record_type"]) for r in ledger}
        notes = [r for r in audit if r["source"] == stack.ledger]
        put("audit_netsuite_system_notes.csv", netsuite.system_notes_csv(notes, types))
        audit = [r for r in audit if r["source"] != stack.ledger]
    else:
        put("sales_bigcommerce.json", dump_json(bigcommerce.refunds_document(sales)))
        settled = [r for r in payments if r["status"] == "succeeded"]
        refused = [r for r in payments if r["status"] != "succeeded"]
        put("payments_adyen_settlement.csv", adyen.settlement_csv(settled))
        if refused:
            put("payments_adyen_notifications.json", dump_json(adyen.refund_notifications(refused)))
        put("ledger_sap.json", dump_json(sap.billing_documents(ledger)))
    _put_rest(stack, put_table, others, audit, _sync(raw["sync_log"], renames))
    return NativeOutput(paths, _truth(truth, renames), renames)


def _put_rest(
    stack: Stack,
    put_table: Callable[[str, list[Row], tuple[str, ...]], None],
    others: list[Row],
    audit: list[Row],
    sync: list[Row],
) -> None:
    name = (
        "sales_marketplace.csv" if stack is SHOPIFY_STRIPE_NETSUITE else "sales_pos_marketplace.csv"
    )
    if others:
        put_table(name, others, REFUND_COLUMNS)
    put_table("audit.csv", audit, AUDIT_COLUMNS)
    put_table("sync_log.csv", sync, SYNC_COLUMNS)
