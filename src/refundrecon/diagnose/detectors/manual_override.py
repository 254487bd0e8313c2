"""``manual_override``: a person edited the refund's amount or status in one system."""

from __future__ import annotations

from decimal import Decimal

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, money, no
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.money import MoneyError, parse_decimal
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.MANUAL_OVERRIDE

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "amount_mismatch",
        "status_mismatch",
        "method_mismatch",
        "currency_mismatch",
    }
)

_FIELDS = (
    "amount",
    "status",
    "method",
    "tax_amount",
    "discount_amount",
    "shipping_amount",
    "currency",
)
_KINDS = ("amount_mismatch", "status_mismatch", "method_mismatch", "currency_mismatch")


def _num(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return parse_decimal(text)
    except MoneyError:
        return None


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply when a person edited a money or status field of a case record in the UI."""
    if case.kind not in _KINDS:
        return no(PATTERN, "kind_not_editable")
    edits = [a for a in case.human_edits if a.field in _FIELDS]
    if not edits:
        return no(PATTERN, "no_human_edit")
    last = edits[-1]
    ev = Evidence(
        "audit",
        "; ".join(
            f"{a.actor or '?'} changed {a.field} of {a.source} {a.record_id} from "
            f"{a.old_value} to {a.new_value} at {a.at:%Y-%m-%d %H:%M}"
            for a in edits[:3]
        ),
        tuple(a.ref() for a in edits),
    )
    conf, reason = 0.65, "human_edit"
    old, new = _num(last.old_value), _num(last.new_value)
    if case.kind == "amount_mismatch" and old is not None and new is not None:
        if case.amount_delta is not None and abs(new - old) == abs(case.amount_delta):
            conf, reason = 0.95, "edit_explains_delta"
        elif last.field == "amount":
            conf, reason = 0.75, "amount_edited"
    elif case.kind in ("status_mismatch", "method_mismatch") and last.field in ("status", "method"):
        conf, reason = 0.9, f"{last.field}_edited"
    return Detection(
        PATTERN,
        True,
        conf,
        reason,
        f"{last.actor or 'A user'} edited the {last.field} by hand "
        f"({last.old_value} → {last.new_value}); the other system kept "
        f"{money(case.sales_amount, case.currency) if last.field == 'amount' else 'the original'}.",
        (ev,),
    )
