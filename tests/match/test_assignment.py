"""The assignment step on hand-written records: which pairs are linked, by which rule, and
which are kept as candidates instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from recs import rec
from refundrecon.pipeline import Run

RunRows = Callable[[Sequence[dict[str, str]]], Run]


def _links(run: Run) -> list[tuple[str, str, str]]:
    return run.con.execute(
        """
        SELECT a.record_id, b.record_id, l.rule FROM links l
        JOIN records a ON a.rid = l.rid_a JOIN records b ON b.rid = l.rid_b ORDER BY ALL
        """
    ).fetchall()


def test_storefront_id_shared_by_two_sales_sources_is_a_candidate_not_a_link(
    run_rows: RunRows,
) -> None:
    run = run_rows(
        [
            rec("sales", "R1", "10.00"),
            rec("sales", "R1", "10.00", source="bigcommerce"),
            rec("ledger", "CM1", "10.00", sales_refund_ref="R1"),
        ]
    )
    assert [link for link in _links(run) if link[2] == "sales_refund_ref"] == []
    candidates = run.con.execute(
        """
        SELECT o.source || ':' || o.record_id FROM candidates x
        JOIN records r ON r.rid = x.rid JOIN records o ON o.rid = x.candidate
        WHERE r.record_id = 'CM1' ORDER BY 1
        """
    ).fetchall()
    assert candidates == [("bigcommerce:R1",), ("shopify:R1",)]


def test_customer_refund_is_tied_to_the_credits_it_applies(run_rows: RunRows) -> None:
    run = run_rows(
        [
            rec("sales", "R1", "30.00"),
            rec("payments", "re_1", "30.00", sales_refund_ref="R1"),
            rec("ledger", "CM1", "10.00", sales_refund_ref="R1", record_type="credit_memo"),
            rec("ledger", "CM2", "20.00", sales_refund_ref="R1", record_type="credit_memo"),
            rec("ledger", "CR1", "30.00", record_type="customer_refund", applies_to="CM1; CM2"),
        ]
    )
    applied = [link for link in _links(run) if link[2] == "applies_to"]
    assert applied == [("CM1", "CR1", "applies_to"), ("CM2", "CR1", "applies_to")]
    # the customer refund settles the credits: the ledger side counts them once, not twice
    cases = run.con.execute("SELECT status, ledger_amount FROM cases").fetchall()
    assert [(status, str(amount)) for status, amount in cases] == [("matched", "30.0000")]


def test_every_link_says_why_in_words(run_rows: RunRows) -> None:
    run = run_rows(
        [
            rec("sales", "R1", "10.00", payment_ref="re_1"),
            rec("payments", "re_1", "10.00", payment_ref="re_1"),
        ]
    )
    reasons = run.con.execute("SELECT rule, reason FROM links").fetchall()
    assert reasons == [("payment_ref", "both carry processor reference re_1")]
