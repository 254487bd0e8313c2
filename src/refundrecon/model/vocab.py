"""The closed vocabulary of the output contract: roles, statuses, discrepancy kinds and causes.

These names appear verbatim in JSON output, so they are part of the contract and must not be
renamed. ``PATTERN_ROOT_CAUSE`` is the single table mapping each pattern to its root cause.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Which kind of system a record comes from."""

    SALES = "sales"
    PAYMENTS = "payments"
    LEDGER = "ledger"


class CaseStatus(StrEnum):
    """The outcome of reconciling one refund."""

    MATCHED = "matched"
    DISCREPANCY = "discrepancy"
    IN_TRANSIT = "in_transit"


class DiscrepancyKind(StrEnum):
    """What is wrong with a case, as seen from the records alone."""

    MISSING_IN_LEDGER = "missing_in_ledger"
    MISSING_IN_SALES = "missing_in_sales"
    MISSING_IN_PAYMENTS = "missing_in_payments"
    UNLINKED_LEDGER_CREDIT = "unlinked_ledger_credit"
    AMOUNT_MISMATCH = "amount_mismatch"
    METHOD_MISMATCH = "method_mismatch"
    DUPLICATE = "duplicate"
    STATUS_MISMATCH = "status_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"


class RootCause(StrEnum):
    """The family of cause behind a discrepancy."""

    INTEGRATION = "integration"
    PROCESS = "process"
    TIMING = "timing"
    UNKNOWN = "unknown"


class Pattern(StrEnum):
    """The specific, named cause behind a discrepancy."""

    MISSING_PARENT_REFERENCE = "missing_parent_reference"
    TAX_ROUNDING = "tax_rounding"
    PROMO_DISCOUNT_MISMATCH = "promo_discount_mismatch"
    DROPPED_SYNC = "dropped_sync"
    DUPLICATE_SYNC = "duplicate_sync"
    FIELD_MAPPING = "field_mapping"
    IN_TRANSIT = "in_transit"
    POS_RETURN_BYPASS = "pos_return_bypass"
    VERBAL_APPROVAL_BYPASS = "verbal_approval_bypass"
    STORE_CREDIT_BYPASS = "store_credit_bypass"
    MARKETPLACE_RETURN_PORTAL = "marketplace_return_portal"
    MANUAL_OVERRIDE = "manual_override"
    UNKNOWN = "unknown"


PATTERN_ROOT_CAUSE: dict[Pattern, RootCause] = {
    Pattern.MISSING_PARENT_REFERENCE: RootCause.INTEGRATION,
    Pattern.TAX_ROUNDING: RootCause.INTEGRATION,
    Pattern.PROMO_DISCOUNT_MISMATCH: RootCause.INTEGRATION,
    Pattern.DROPPED_SYNC: RootCause.INTEGRATION,
    Pattern.DUPLICATE_SYNC: RootCause.INTEGRATION,
    Pattern.FIELD_MAPPING: RootCause.INTEGRATION,
    Pattern.IN_TRANSIT: RootCause.TIMING,
    Pattern.POS_RETURN_BYPASS: RootCause.PROCESS,
    Pattern.VERBAL_APPROVAL_BYPASS: RootCause.PROCESS,
    Pattern.STORE_CREDIT_BYPASS: RootCause.PROCESS,
    Pattern.MARKETPLACE_RETURN_PORTAL: RootCause.PROCESS,
    Pattern.MANUAL_OVERRIDE: RootCause.PROCESS,
    Pattern.UNKNOWN: RootCause.UNKNOWN,
}


class Method(StrEnum):
    """How the customer got their money back."""

    ORIGINAL_PAYMENT = "original_payment"
    STORE_CREDIT = "store_credit"
    GIFT_CARD = "gift_card"
    CASH = "cash"
    EXCHANGE = "exchange"


class Channel(StrEnum):
    """Where the refund was asked for."""

    ONLINE = "online"
    POS = "pos"
    MARKETPLACE = "marketplace"
    PHONE = "phone"


class Approval(StrEnum):
    """Which approval path let the refund through."""

    AUTO = "auto"
    MANAGER = "manager"
    VERBAL = "verbal"
    POLICY = "policy"


class RecordStatus(StrEnum):
    """The state of a refund record inside its own system."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AuditVia(StrEnum):
    """Through which door an audited change came."""

    UI = "ui"
    API = "api"
    INTEGRATION = "integration"


class SyncOutcome(StrEnum):
    """The outcome of one connector sync attempt."""

    OK = "ok"
    ERROR = "error"
    RETRY = "retry"
