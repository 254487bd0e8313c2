"""What a detector returns, and small helpers shared by the detectors.

A detector is a pure function ``(case facts, baseline) -> Detection``: it never raises for a
business outcome and never reads anything an export would not contain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.facts import CaseFacts, Rec
from refundrecon.model.money import CURRENCY_EXPONENTS, format_amount
from refundrecon.model.vocab import Pattern

Ref = dict[str, object]

#: Record statuses meaning the refund did not (or no longer) happen in that system.
VOID: frozenset[str] = frozenset({"failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence in words, pointing at the lines it comes from."""

    kind: str
    text: str
    refs: tuple[Ref, ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-ready form: ``{kind, text, refs}``."""
        return {"kind": self.kind, "text": self.text, "refs": list(self.refs)}


@dataclass(frozen=True, slots=True)
class Detection:
    """A detector's answer for one case."""

    pattern: Pattern
    applies: bool
    confidence: float
    reason: str
    explanation: str = ""
    evidence: tuple[Evidence, ...] = ()


Detector = Callable[[CaseFacts, Baseline], Detection]


@cache
def no(pattern: Pattern, reason: str) -> Detection:
    """A detection that does not apply, with its reason code (one shared frozen value)."""
    return Detection(pattern, False, 0.0, reason)


def money(amount: Decimal | None, currency: str | None) -> str:
    """Write an amount with its currency, e.g. ``12.40 USD``; a dash when absent."""
    if amount is None:
        return "-"
    code = currency or "XXX"
    return f"{format_amount(amount, code)} {code}".strip()


def minor_unit(currency: str | None) -> Decimal:
    """The value of one minor unit of ``currency`` (0.01 for USD, 1 for JPY)."""
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS.get(currency or "", 2))


def records_evidence(recs: Sequence[Rec], text: str) -> Evidence:
    """Evidence pointing at some records of the case."""
    return Evidence("record", text, tuple(r.ref() for r in recs))


def missing_role(case: CaseFacts) -> str | None:
    """The role a ``missing_in_*`` case lacks."""
    if case.kind and case.kind.startswith("missing_in_"):
        return case.kind.removeprefix("missing_in_")
    if case.status == "in_transit":
        present = {r.role for r in case.records}
        for role in ("ledger", "payments", "sales"):
            if role not in present:
                return role
    return None


def overdue(case: CaseFacts, base: Baseline) -> tuple[bool, float, str]:
    """Whether the missing counterpart is past the learned delay, the limit and its basis."""
    role = missing_role(case) or "ledger"
    anchor = case.anchor
    limit, basis = base.delay_for(anchor.source if anchor else None, role)
    return case.age_hours > limit, limit, basis


def hot_finding(case: CaseFacts, base: Baseline, attrs: Sequence[str]) -> Evidence | None:
    """Evidence that one of the case's attribute values is over-represented among its kind."""
    anchor = case.anchor
    if anchor is None:
        return None
    for attr in attrs:
        found = base.hot_value(case.kind, attr, getattr(anchor, attr, None))
        if found is not None:
            return Evidence("statistic", found.words())
    return None
