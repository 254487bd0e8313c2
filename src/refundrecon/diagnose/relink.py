"""Re-link orphaned ledger credits to the most likely sales refund, set-based in DuckDB.

An orphan is a ledger credit standing alone in an ``unlinked_ledger_credit`` case; a candidate
is a sales refund in a ``missing_in_ledger`` (or in-transit) case in the same currency. The
score weighs equal amount (0.5), same customer (0.3) and closeness in time (0.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from refundrecon.model.money import format_amount

RELINK_SQL = """
WITH rel AS MATERIALIZED (
    -- the records of every case either side of a re-link can come from, read once
    SELECT c.case_id, c.discrepancy, r.* FROM cases c JOIN case_records x USING (case_id)
    JOIN records r USING (rid)
    WHERE c.discrepancy IN ('unlinked_ledger_credit', 'missing_in_ledger')
),
orphan AS (
    SELECT * EXCLUDE (discrepancy) FROM rel o
    WHERE o.discrepancy = 'unlinked_ledger_credit' AND o.role = 'ledger'
      AND coalesce(o.order_ref, '') = '' AND coalesce(o.sales_refund_ref, '') = ''
      AND NOT EXISTS (SELECT 1 FROM rel y WHERE y.case_id = o.case_id AND y.role = 'sales')
),
cand AS (
    SELECT * EXCLUDE (discrepancy) FROM rel WHERE discrepancy = 'missing_in_ledger'
      AND role = 'sales'
),
scored AS (
    SELECT o.case_id AS orphan_case, o.source AS l_source, o.record_id AS l_id,
           d.case_id AS sales_case, d.source AS s_source, d.record_id AS s_id,
           o.amount AS amount, o.currency AS currency,
           abs(epoch(o.created_at - d.created_at)) / 3600.0 AS hours,
           (o.customer_ref IS NOT NULL AND o.customer_ref = d.customer_ref) AS same_customer,
           0.5 * (o.amount = d.amount)::INT
             + 0.3 * (o.customer_ref IS NOT NULL AND o.customer_ref = d.customer_ref)::INT
             + 0.2 / (1 + abs(epoch(o.created_at - d.created_at)) / 86400.0) AS score
    FROM orphan o JOIN cand d
      ON o.currency = d.currency
     AND (o.amount = d.amount OR o.customer_ref = d.customer_ref)
     AND abs(epoch(o.created_at - d.created_at)) <= ? * 3600
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY orphan_case ORDER BY score DESC, s_id, l_id) AS rk_o,
              row_number() OVER (PARTITION BY sales_case ORDER BY score DESC, l_id, s_id) AS rk_s,
              count(*) OVER (PARTITION BY orphan_case) AS n_cand
    FROM scored WHERE score >= ?
)
SELECT orphan_case, l_source, l_id, sales_case, s_source, s_id, amount, currency, hours,
       same_customer, score, n_cand
FROM ranked WHERE rk_o = 1 AND rk_s = 1
"""


@dataclass(frozen=True, slots=True)
class Relink:
    """The best sales refund for one orphaned ledger credit."""

    orphan_case: str
    ledger_source: str
    ledger_record_id: str
    sales_case: str
    sales_source: str
    sales_record_id: str
    amount: Decimal
    currency: str
    hours: float
    same_customer: bool
    score: float
    candidates: int

    def words(self) -> str:
        """Describe the candidate and its score."""
        return (
            f"ledger credit {self.ledger_record_id} ↔ sales refund {self.sales_record_id}: "
            f"{format_amount(self.amount, self.currency)} {self.currency}, "
            f"{'same' if self.same_customer else 'different'} customer, {self.hours:.0f} h "
            f"apart; score {self.score:.2f} (best of {self.candidates})"
        )

    def refs(self) -> tuple[dict[str, object], ...]:
        """Point at both records."""
        return (
            {"kind": "record", "source": self.ledger_source, "record_id": self.ledger_record_id},
            {"kind": "record", "source": self.sales_source, "record_id": self.sales_record_id},
        )


def find_relinks(
    con: duckdb.DuckDBPyConnection, window_hours: float, min_score: float = 0.7
) -> dict[str, Relink]:
    """Map both the orphan's case and the sales refund's case to their best mutual pairing."""
    out: dict[str, Relink] = {}
    for row in con.execute(RELINK_SQL, [window_hours, min_score]).fetchall():
        (oc, ls, lid, sc, ss, sid, amount, currency, hours, same, score, n) = row
        link = Relink(
            oc,
            ls,
            lid,
            sc,
            ss,
            sid,
            amount,
            currency,
            float(hours),
            bool(same),
            float(score),
            int(n),
        )
        out[link.orphan_case] = link
        out[link.sales_case] = link
    return out
