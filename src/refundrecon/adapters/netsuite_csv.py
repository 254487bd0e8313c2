"""NetSuite saved-search CSV exports of refund transactions → ledger refund records.

A transaction search exported to CSV has one row per joined line (item, apply or main line),
repeating the transaction's header columns; rows are folded into one record per transaction,
keyed by "Internal ID" (or "Document Number" when the search has no Internal ID column). When
the search has a "Main Line" column, the main-line row ("*") carries the header values; without
one, the repeated header values must agree across a transaction's rows, and a row that
disagrees becomes a row error instead of silently winning.

Values are as the exporting user sees them: dates in their date format
(``ReadOptions.date_format``, e.g. ``%m/%d/%Y`` or ``%d/%m/%Y %H:%M``), amounts with thousand
separators and negative or parenthesised signs, and names instead of ids (Name "Jane Doe",
Created From "Invoice #INV1234"). Searches show credits with the sign of their posting, which
depends on the type and the column; the document is always a credit to the customer, so the
amount read is the magnitude and the figure as exported is kept in ``extras["exported_amount"]``.
"Amount (Foreign Currency)" is preferred to "Amount" (which is in the subsidiary's base
currency). Columns whose label names a storefront refund, order or processor id (custom
fields such as "Shopify Refund ID") fill the matching references.

Time: "Date" is the posting day; when it shows no time of day and the search has a "Date
Created" column, the creation moment is ``created_at`` (and ``recorded_at``) and the posting
day is kept in ``extras["tran_date"]``. People: "Created By" is the operator, unless it is an
integration user, which names the ``connector`` instead (``creator_of``); a column whose label
names a known connector ("Celigo Sync Status") names it too for the rows where it is filled.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from refundrecon.adapters.base import ReadOptions, Sniff, TableRead
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.erp_util import (
    UserDateParser,
    currency_code,
    join_ids,
    parse_formatted_amount,
)
from refundrecon.adapters.netsuite_fields import (
    SEARCH_TYPES,
    SYSTEM,
    classify_custom,
    connector_named,
    creator_of,
    has_time_of_day,
    method_of,
    split_created_from,
    status_of,
)
from refundrecon.model.money import Money, MoneyError, currency_exponent
from refundrecon.model.records import Provenance, ReadResult, RefundRecord, RowError
from refundrecon.model.vocab import Role

_ZERO = Decimal(0)
_AMOUNT_COLUMNS = ("amount (foreign currency)", "amount (transaction total)", "amount", "total")
_AUDIT_MARKERS = frozenset({"set by", "old value", "new value"})
_MAIN_LINE_TRUE = frozenset({"*", "yes", "y", "t", "true"})
_CURRENCY_NAMES = {
    "us dollar": "USD",
    "usa": "USD",
    "euro": "EUR",
    "british pound": "GBP",
    "canadian dollar": "CAD",
    "japanese yen": "JPY",
    "kuwaiti dinar": "KWD",
}


def normalise_header(header: Sequence[str]) -> list[str]:
    """Lower-case, trimmed column labels (a UTF-8 byte-order mark on the first is dropped)."""
    return [label.strip().lstrip("\ufeff").strip().lower() for label in header]


@dataclasses.dataclass(frozen=True, slots=True)
class _Columns:
    """Positions of the columns a saved search may have; -1 where the search lacks one."""

    key: int
    internal_id: int
    document_number: int
    kind: int
    date: int
    amount: int
    amount_label: str
    currency: int
    name: int
    created_from: int
    memo: int
    status: int
    po_check: int
    date_created: int
    main_line: int
    applied: int
    tax: int
    shipping: int
    discount: int
    location: int
    department: int
    created_by: int
    payment_method: int
    custom: tuple[tuple[str, int], ...]
    connectors: tuple[tuple[str, int], ...]
    extras: tuple[tuple[str, int], ...]

    @classmethod
    def from_header(cls, labels: list[str]) -> _Columns:
        def find(*names: str) -> int:
            for name in names:
                if name in labels:
                    return labels.index(name)
            return -1

        internal_id = find("internal id")
        document_number = find("document number", "number", "transaction number")
        amount = find(*_AMOUNT_COLUMNS)
        custom: list[tuple[str, int]] = []
        for position, label in enumerate(labels):
            target = classify_custom(label)
            if target is not None and target not in {name for name, _ in custom}:
                custom.append((target, position))
        return cls(
            key=internal_id if internal_id >= 0 else document_number,
            internal_id=internal_id,
            document_number=document_number,
            kind=find("type", "transaction type"),
            date=find("date", "transaction date"),
            amount=amount,
            amount_label=labels[amount] if amount >= 0 else "amount",
            currency=find("currency"),
            name=find("name", "customer", "entity"),
            created_from=find("created from"),
            memo=find("memo", "memo (main)"),
            status=find("status"),
            po_check=find("po/check number", "other ref num", "po #"),
            date_created=find("date created", "created date"),
            main_line=find("main line"),
            applied=find("applied to transaction", "applying transaction"),
            tax=find("amount (tax)", "tax amount", "tax total"),
            shipping=find("shipping cost", "amount (shipping)", "shipping amount"),
            discount=find("discount total", "amount (discount)", "discount amount"),
            location=find("location"),
            department=find("department"),
            created_by=find("created by"),
            payment_method=find("payment method"),
            custom=tuple(custom),
            connectors=tuple(
                (connector, position)
                for position, label in enumerate(labels)
                if label != "created by" and (connector := connector_named(label)) is not None
            ),
            extras=tuple(
                (name, position)
                for name, position in (
                    ("document_number", document_number),
                    ("memo", find("memo", "memo (main)")),
                    ("status", find("status")),
                )
                if position >= 0
            ),
        )


def _looks_like_search(labels: list[str]) -> bool:
    names = set(labels)
    if names & _AUDIT_MARKERS:
        return False
    has_key = "internal id" in names or "document number" in names
    has_amount = any(label in names for label in _AMOUNT_COLUMNS)
    return has_key and has_amount and "type" in names and "date" in names


class NetSuiteSavedSearchAdapter:
    """Reads a NetSuite transaction saved search exported to CSV (one row per joined line)."""

    system = SYSTEM
    role = Role.LEDGER

    def __init__(self, decimal_comma: bool = False, default_currency: str | None = None) -> None:
        """Set the user's number format and the currency to assume when no column gives one."""
        self.decimal_comma = decimal_comma
        self.default_currency = default_currency

    def detects(self, sniff: Sniff) -> bool:
        """Claim CSVs with Type, Date, an amount and Internal ID or Document Number columns."""
        return sniff.header is not None and _looks_like_search(normalise_header(sniff.header))

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Fold the rows into one record per transaction; bad rows become row errors."""
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                error = RowError(str(path), None, None, "empty file")
                return ReadResult(errors=(error,), system=SYSTEM)
            folder = _Folder(str(path), header, options, self)
            if folder.fatal is not None:
                return ReadResult(errors=(folder.fatal,), system=SYSTEM)
            for row_number, row in enumerate(reader, start=2):
                folder.add(row_number, row)
        return folder.result()

    def read_table(self, path: Path, options: ReadOptions) -> TableRead | None:
        """Read the file as columns (same result as ``read``); ``None`` when it cannot."""
        from refundrecon.adapters.netsuite_columnar import read_saved_search_table

        return read_saved_search_table(self, path, options)


class _Folder:
    """Folds saved-search rows into records, one per transaction key."""

    def __init__(
        self,
        file: str,
        header: list[str],
        options: ReadOptions,
        adapter: NetSuiteSavedSearchAdapter,
    ) -> None:
        self.file = file
        self.log = ErrorLog(file)
        self.labels = normalise_header(header)
        self.width = len(header)
        self.cols = _Columns.from_header(self.labels)
        self.dates = UserDateParser(options.date_format, options.naive_tz)
        self.decimal_comma = adapter.decimal_comma
        self.default_currency = adapter.default_currency
        self.records: dict[str, RefundRecord | None] = {}
        self.amount_raw: dict[str, str] = {}
        self.main_seen: set[str] = set()
        self.applied: dict[str, list[str]] = {}
        self.currencies: dict[str, tuple[str, Decimal]] = {}
        self.types: dict[str, str] = {}
        self.fatal: RowError | None = None
        missing = [
            label
            for label, position in (("type", self.cols.kind), ("date", self.cols.date))
            if position < 0
        ]
        if self.cols.key < 0:
            missing.append("internal id or document number")
        if self.cols.amount < 0:
            missing.append("amount")
        if self.cols.currency < 0 and not self.default_currency:
            missing.append("currency")
        if missing:
            reason = "saved search lacks column(s): " + ", ".join(missing)
            self.fatal = RowError(file, 1, None, reason, ",".join(header))

    def add(self, row_number: int, row: list[str]) -> None:
        """Take one CSV row: build its transaction's record or fold it into the existing one."""
        cols = self.cols
        if len(row) != self.width:
            if not any(cell.strip() for cell in row):
                return
            reason = f"expected {self.width} columns, got {len(row)}"
            self.log.add(row_number, None, reason, ",".join(row))
            return
        key = row[cols.key].strip()
        if not key:
            self.log.add(row_number, self.labels[cols.key], "missing transaction id", ",".join(row))
            return
        is_main = cols.main_line >= 0 and row[cols.main_line].strip().lower() in _MAIN_LINE_TRUE
        if cols.applied >= 0 and row[cols.applied].strip():
            number = split_created_from(row[cols.applied])[1]
            self.applied.setdefault(key, []).append(number)
        known = key in self.records
        if known and self.records[key] is not None:
            if cols.main_line >= 0:
                if not is_main or key in self.main_seen:
                    return
            elif row[cols.amount] != self.amount_raw[key]:
                reason = (
                    f"rows of transaction {key} disagree on {cols.amount_label}: "
                    f"{self.amount_raw[key]!r} vs {row[cols.amount]!r}"
                )
                self.log.add(row_number, cols.amount_label, reason, ",".join(row))
                return
            else:
                return
        try:
            self.records[key] = self._build(row_number, row, key)
        except FieldError as exc:
            self.log.add_field_error(row_number, exc, ",".join(row))
            if not known:
                self.records[key] = None
            return
        except MoneyError as exc:
            self.log.add(row_number, cols.amount_label, str(exc), ",".join(row))
            if not known:
                self.records[key] = None
            return
        self.amount_raw[key] = row[cols.amount]
        if is_main:
            self.main_seen.add(key)

    def _currency(self, row: list[str]) -> tuple[str, Decimal]:
        position = self.cols.currency
        raw = row[position] if position >= 0 else ""
        known = self.currencies.get(raw)
        if known is None:
            text = raw if raw.strip() or not self.default_currency else self.default_currency
            code = currency_code(_CURRENCY_NAMES.get(text.strip().lower(), text), "currency")
            known = (code, Decimal(1).scaleb(-currency_exponent(code)))
            self.currencies[raw] = known
        return known

    def _type(self, label: str) -> str:
        record_type = self.types.get(label)
        if record_type is None:
            record_type = SEARCH_TYPES.get(label.strip().lower())
            if record_type is None:
                raise FieldError("type", f"not a refund transaction type: {label!r}")
            self.types[label] = record_type
        return record_type

    def _build(self, row_number: int, row: list[str], key: str) -> RefundRecord:
        cols = self.cols
        record_type = self._type(row[cols.kind])
        currency, quantum = self._currency(row)
        exported = parse_formatted_amount(row[cols.amount], cols.amount_label, self.decimal_comma)
        sign = -1 if exported < 0 else 1
        posted = self.dates.parse(row[cols.date], "date")
        recorded = None
        if cols.date_created >= 0 and row[cols.date_created]:
            recorded = self.dates.parse(row[cols.date_created], "date created")
        created = posted
        if recorded is not None and not has_time_of_day(row[cols.date]):
            created = recorded
        refs = {name: row[position].strip() for name, position in cols.custom}
        operator, connector = creator_of(_cell(row, cols.created_by))
        for name, position in cols.connectors:
            if row[position].strip():
                connector = name
                break
        extras: dict[str, str] = {
            "exported_amount": str(exported),
            "tran_date": posted.date().isoformat(),
        }
        from_number = None
        if cols.created_from >= 0 and row[cols.created_from]:
            from_name = row[cols.created_from].strip()
            from_kind, from_number = split_created_from(from_name)
            extras["created_from"] = from_name
            if from_kind:
                extras["created_from_type"] = from_kind
        for name, position in cols.extras:
            value = row[position].strip()
            if value:
                extras[name] = value
        status_text = extras.get("status")
        amount = _exact(exported, sign, quantum, cols.amount_label)
        tax = None
        if cols.tax >= 0 and row[cols.tax]:
            tax = _exact(self._amount(row, cols.tax), sign, quantum, "tax")
        return RefundRecord(
            source=SYSTEM,
            role=Role.LEDGER,
            record_id=key,
            record_type=record_type,
            amount=Money(amount, currency),
            created_at=created,
            provenance=Provenance(self.file, row_number, payload_id=key, system=SYSTEM),
            order_ref=refs.get("order_ref") or _cell(row, cols.po_check) or from_number,
            sales_refund_ref=refs.get("sales_refund_ref") or None,
            payment_ref=refs.get("payment_ref") or None,
            customer_ref=_cell(row, cols.name),
            tax_amount=tax,
            discount_amount=self._part(row, cols.discount, -sign, quantum),
            shipping_amount=self._part(row, cols.shipping, sign, quantum),
            method=method_of(_cell(row, cols.payment_method)),
            location=_cell(row, cols.location),
            team=_cell(row, cols.department),
            operator=operator,
            status=status_of(status_text),
            recorded_at=recorded,
            connector=connector,
            extras=extras,
        )

    def _amount(self, row: list[str], position: int) -> Decimal:
        return parse_formatted_amount(row[position], self.labels[position], self.decimal_comma)

    def _part(self, row: list[str], position: int, sign: int, quantum: Decimal) -> Decimal | None:
        if position < 0 or not row[position].strip():
            return None
        return _exact(self._amount(row, position), sign, quantum, self.labels[position])

    def result(self) -> ReadResult:
        """Return the folded records (first-seen order) and every row error."""
        records: list[RefundRecord] = []
        for key, record in self.records.items():
            if record is None:
                continue
            applied = self.applied.get(key)
            if applied:
                joined = join_ids(applied)
                if joined:
                    extras = {**record.extras, "applies_to": joined}
                    record = dataclasses.replace(record, extras=extras)
            records.append(record)
        return ReadResult(refunds=tuple(records), errors=tuple(self.log.errors), system=SYSTEM)


def _exact(value: Decimal, sign: int, quantum: Decimal, field_name: str) -> Decimal:
    """Give ``value`` × ``sign`` exactly the currency's decimals (``quantum``).

    The sign is applied without rounding (``copy_negate``); amounts finer than the currency
    allows, or too long for exact decimal arithmetic (over 28 digits), are refused.
    """
    amount = value if sign > 0 else value.copy_negate()
    try:
        exact = amount.quantize(quantum) + _ZERO
    except InvalidOperation:
        raise FieldError(field_name, f"{amount} has too many digits") from None
    if exact != amount:
        raise FieldError(field_name, f"{amount} has more decimals than its currency allows")
    return exact


def _cell(row: list[str], position: int) -> str | None:
    if position < 0:
        return None
    return row[position].strip() or None
