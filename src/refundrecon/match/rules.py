"""The matching rules, in the order they run, each able to say in words why it links.

Every rule is a SQL join condition between a record ``a`` and a record ``b`` of two roles, so
the whole rule set runs set-based on DuckDB today and on a distributed SQL engine later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RuleKind(StrEnum):
    """How a rule treats several candidates."""

    KEY = "key"
    """Exact key: every record sharing the key is linked (repeats become duplicates)."""

    BEST = "best"
    """Fuzzy: only a unique, mutual best candidate is linked; ties keep the candidate set."""


@dataclass(frozen=True, slots=True)
class MatchRule:
    """One rule: which role pair it links, on what condition, and how to explain a link."""

    name: str
    kind: RuleKind
    role_a: str
    role_b: str
    condition: str
    """SQL join condition; ``OR`` between alternatives is written as separate ``alternatives``."""

    reason: str
    """SQL text expression producing the explanation of one link in words."""

    score: str = "0"
    """SQL ordering key among candidates, lower is better (fuzzy rules only)."""

    alternatives: tuple[str, ...] = ()
    """Further join conditions, each an equi-join, whose matches are added to ``condition``'s.

    Writing an ``OR`` as separate equi-joins keeps every join a hash join.
    """


def _same_amount(a: str, b: str) -> str:
    return f"{a}.currency = {b}.currency AND {a}.amount = {b}.amount"


def _within_tolerance(a: str, b: str) -> str:
    return (
        f"{a}.currency = {b}.currency AND abs({a}.amount - {b}.amount) <= "
        f"greatest(getvariable('amount_tolerance'), "
        f"greatest(abs({a}.amount), abs({b}.amount)) * getvariable('amount_tolerance_pct') / 100)"
        f" AND abs(epoch({a}.created_at) - epoch({b}.created_at)) <= "
        f"getvariable('time_window_hours') * 3600"
    )


def _key_rules() -> list[MatchRule]:
    rules: list[MatchRule] = []
    for other in ("payments", "ledger"):
        rules.append(
            MatchRule(
                name="sales_refund_ref",
                kind=RuleKind.KEY,
                role_a="sales",
                role_b=other,
                condition="b.sales_refund_ref = a.record_id",
                reason=f"'{other} record carries the storefront refund id ' || a.record_id",
            )
        )
    for role_a, role_b in (("sales", "payments"), ("payments", "ledger"), ("sales", "ledger")):
        rules.append(
            MatchRule(
                name="payment_ref",
                kind=RuleKind.KEY,
                role_a=role_a,
                role_b=role_b,
                condition="a.payment_ref = b.payment_ref",
                reason="'both carry processor reference ' || a.payment_ref",
            )
        )
    return rules


def _fuzzy_rules() -> list[MatchRule]:
    rules: list[MatchRule] = []
    for role_a, role_b in (("sales", "payments"), ("sales", "ledger"), ("payments", "ledger")):
        rules.append(
            MatchRule(
                name="order_ref_amount",
                kind=RuleKind.BEST,
                role_a=role_a,
                role_b=role_b,
                condition=f"a.order_ref = b.order_ref AND {_same_amount('a', 'b')}",
                reason=(
                    "'same order ' || a.order_ref || ' and same amount ' "
                    "|| fmt_money(a.amount, a.currency)"
                ),
                score="abs(epoch(a.created_at) - epoch(b.created_at))",
            )
        )
    for role_a, role_b in (("sales", "payments"), ("sales", "ledger"), ("payments", "ledger")):
        rules.append(
            MatchRule(
                name="tolerance",
                kind=RuleKind.BEST,
                role_a=role_a,
                role_b=role_b,
                condition="a.order_ref = b.order_ref AND " + _within_tolerance("a", "b"),
                alternatives=(
                    "a.customer_ref = b.customer_ref"
                    " AND (a.order_ref IS NULL OR b.order_ref IS NULL)"
                    " AND " + _within_tolerance("a", "b"),
                ),
                reason=(
                    "CASE WHEN a.order_ref = b.order_ref THEN 'same order ' || a.order_ref "
                    "ELSE 'same customer ' || a.customer_ref END"
                    " || ', amounts ' || fmt_money(a.amount, a.currency) || ' and '"
                    " || fmt_money(b.amount, b.currency)"
                    " || ' within tolerance, '"
                    " || round(abs(epoch(a.created_at) - epoch(b.created_at)) / 3600, 1)::VARCHAR"
                    " || ' h apart'"
                ),
                score=(
                    "abs(a.amount - b.amount) * 1000000 "
                    "+ abs(epoch(a.created_at) - epoch(b.created_at)) / 3600"
                ),
            )
        )
    return rules


MATCH_RULES: tuple[MatchRule, ...] = (*_key_rules(), *_fuzzy_rules())
"""Every pairwise rule in the order it runs: exact keys first, then tolerance rules."""
