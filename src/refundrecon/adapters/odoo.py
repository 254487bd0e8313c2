"""Odoo ``account.move`` customer credit notes (``move_type`` ``out_refund``) → ledger records.

Reads JSON-RPC ``search_read`` results: a bare list of moves, ``{"result": [...]}`` or
``{"records": [...]}``. Odoo writes "empty" as ``false`` everywhere and many-to-one fields as
``[id, "display name"]`` (``partner_id``, ``currency_id``, ``reversed_entry_id``).

Amounts: ``amount_total_in_currency_signed`` (document currency, negative for a credit note) is
preferred; then ``amount_total`` (unsigned, document currency); then ``amount_total_signed``,
which is in the *company* currency, so it is used with ``company_currency_id`` when the export
has it (with the document currency only when it does not — noted in ``extras``). The credit is
the negation of the signed figure. Moves of other types (invoices, vendor bills) are refused
as row errors, not silently dropped.

Links: ``invoice_origin`` (the sales order, "S00042") then the name of ``reversed_entry_id``
(the reversed invoice, "INV/2026/0001") become ``order_ref``; ``ref`` (where connectors write the
storefront refund number) becomes ``sales_refund_ref`` (not Odoo's own "Reversal of: …" note).
``invoice_date`` (or ``date``) is the
document date (midnight in ``ReadOptions.naive_tz``); ``create_date`` is the ORM's UTC timestamp
(``recorded_at``). State: draft is pending, posted stands, cancel is cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError, parse_timestamp, to_decimal
from refundrecon.adapters.erp_util import (
    currency_code,
    exact_money,
    exact_part,
    find_list,
    opt_text,
    parse_date_or_timestamp,
    require_text,
)
from refundrecon.adapters.json_documents import first_object, read_json_collection
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import RecordStatus, Role

SYSTEM = "odoo"
_MARKERS = frozenset({"move_type", "name"})
_STATE = {
    "draft": RecordStatus.PENDING,
    "posted": RecordStatus.SUCCEEDED,
    "cancel": RecordStatus.CANCELLED,
}


def _moves(document: object) -> list[object] | None:
    if isinstance(document, list):
        return document
    return find_list(document, ("result",), ("records",), ("result", "records"))


def _many2one(value: object, field_name: str) -> tuple[str | None, str | None]:
    """Read ``[id, "name"]`` (or ``false``) into (id, name)."""
    if value is False or value is None:
        return None, None
    if isinstance(value, list) and len(value) == 2:
        return opt_text(value[0]), opt_text(value[1])
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    raise FieldError(field_name, f"expected [id, name] or false, got {value!r}")


def _amount(move: Mapping[str, object], key: str) -> Decimal | None:
    value = move.get(key)
    if value is None or value is False:
        return None
    return to_decimal(value, key)


class OdooCreditNoteAdapter:
    """Reads Odoo ``account.move`` search_read results holding customer credit notes."""

    system = SYSTEM
    role = Role.LEDGER

    def detects(self, sniff: Sniff) -> bool:
        """Claim lists of moves whose first has ``move_type`` and ``name`` (Odoo's keys)."""
        first = first_object(_moves(sniff.json))
        return (
            first is not None
            and first.keys() >= _MARKERS
            and isinstance(first.get("move_type"), str)
        )

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every move; non-credit-notes and unreadable moves become row errors."""
        file = str(path)
        return read_json_collection(
            path,
            SYSTEM,
            _moves,
            lambda index, move: _record(move, index, file, options),
            missing_field=None,
            missing_reason="no account.move records found",
        )


def _record(
    move: Mapping[str, object], index: int, file: str, options: ReadOptions
) -> RefundRecord:
    move_type = move.get("move_type")
    if move_type != "out_refund":
        raise FieldError("move_type", f"not a customer credit note: {move_type!r}")
    record_id = require_text(move.get("id"), "id")
    _, currency_name = _many2one(move.get("currency_id"), "currency_id")
    _, company_name = _many2one(move.get("company_currency_id"), "company_currency_id")
    document_currency = currency_code(currency_name, "currency_id")
    extras: dict[str, str] = {}
    in_currency = _amount(move, "amount_total_in_currency_signed")
    unsigned = _amount(move, "amount_total")
    signed = _amount(move, "amount_total_signed")
    currency = document_currency
    if in_currency is not None:
        total, total_key = -in_currency, "amount_total_in_currency_signed"
    elif unsigned is not None:
        total, total_key = unsigned, "amount_total"
    elif signed is not None:
        total, total_key = -signed, "amount_total_signed"
        if company_name is not None:
            currency = currency_code(company_name, "company_currency_id")
        else:
            extras["currency_source"] = "currency_id assumed for amount_total_signed"
    else:
        raise FieldError("amount_total", "no total amount")
    tax_signed = _amount(move, "amount_tax_signed")
    tax_plain = _amount(move, "amount_tax")
    if currency == document_currency and tax_plain is not None:
        tax: Decimal | None = tax_plain
    else:
        tax = None if tax_signed is None else -tax_signed
    if signed is not None and company_name is not None and company_name != currency:
        extras["amount_company_currency"] = f"{-signed} {company_name}"
    ref = opt_text(move.get("ref"))
    if ref is not None and ref.lower().startswith("reversal of"):
        extras["ref"] = ref
        ref = None
    reversed_id, reversed_name = _many2one(move.get("reversed_entry_id"), "reversed_entry_id")
    partner_id, partner_name = _many2one(move.get("partner_id"), "partner_id")
    state = opt_text(move.get("state")) or "posted"
    status = _STATE.get(state)
    if status is None:
        raise FieldError("state", f"unknown move state {state!r}")
    day = opt_text(move.get("invoice_date")) or opt_text(move.get("date"))
    created = parse_date_or_timestamp(day, "invoice_date", options.naive_tz)
    create_date = opt_text(move.get("create_date"))
    recorded: datetime | None = (
        None if create_date is None else parse_timestamp(create_date, "create_date", UTC)
    )
    for key, value in (
        ("name", opt_text(move.get("name"))),
        ("reversed_entry_id", reversed_id),
        ("reversed_entry", reversed_name),
        ("invoice_origin", opt_text(move.get("invoice_origin"))),
        ("customer_name", partner_name),
        ("payment_state", opt_text(move.get("payment_state"))),
        ("state", state),
        ("accounting_date", opt_text(move.get("date"))),
    ):
        if value is not None:
            extras[key] = value
    _, user = _many2one(move.get("invoice_user_id"), "invoice_user_id")
    _, team = _many2one(move.get("team_id"), "team_id")
    return RefundRecord(
        source=SYSTEM,
        role=Role.LEDGER,
        record_id=record_id,
        record_type="credit_memo",
        amount=exact_money(total, currency, total_key),
        created_at=created,
        provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
        order_ref=opt_text(move.get("invoice_origin")) or reversed_name,
        sales_refund_ref=ref,
        customer_ref=partner_id,
        tax_amount=exact_part(tax, currency, "amount_tax"),
        operator=user,
        team=team,
        status=status,
        recorded_at=recorded,
        extras=extras,
    )


ADAPTERS: tuple[Adapter, ...] = (OdooCreditNoteAdapter(),)
