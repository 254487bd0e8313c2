"""Every discrepancy kind, matched, in transit and ambiguity, on hand-written records."""

from decimal import Decimal

import pytest

from recs import rec

SALE = {
    "order_ref": "O1",
    "customer_ref": "C1",
    "payment_ref": "re_1",
    "method": "original_payment",
    "channel": "online",
}
PAY = {"order_ref": "O1", "customer_ref": "C1", "payment_ref": "re_1", "sales_refund_ref": "R1"}
LEDGER = {
    "order_ref": "O1",
    "customer_ref": "C1",
    "sales_refund_ref": "R1",
    "created_at": "2026-11-10T11:00:00+00:00",
}


def _cases(run):  # type: ignore[no-untyped-def]
    return run.con.execute(
        "SELECT status, discrepancy, sales_amount, payments_amount, ledger_amount, amount_delta "
        "FROM cases ORDER BY opened_at, case_id"
    ).fetchall()


CASES = [
    pytest.param(
        [
            rec("sales", "R1", "10.00", **SALE),
            rec("payments", "re_1", "10.00", **PAY),
            rec("ledger", "CM1", "10.00", **LEDGER),
        ],
        [("matched", None, "10.00", "10.00", "10.00", "0.00")],
        id="matched-three-way",
    ),
    pytest.param(
        [rec("sales", "R1", "10.00", **SALE), rec("payments", "re_1", "10.00", **PAY)],
        [("discrepancy", "missing_in_ledger", "10.00", "10.00", None, "0.00")],
        id="missing_in_ledger",
    ),
    pytest.param(
        [rec("sales", "R1", "10.00", **SALE), rec("payments", "re_1", "10.00", **PAY)],
        [("in_transit", None, "10.00", "10.00", None, "0.00")],
        id="in_transit",
    ),
    pytest.param(
        [rec("payments", "re_9", "25.00", operator="S-1", approval="verbal", channel="pos")],
        [("discrepancy", "missing_in_sales", None, "25.00", None, None)],
        id="missing_in_sales",
    ),
    pytest.param(
        [rec("sales", "R1", "10.00", **SALE), rec("ledger", "CM1", "10.00", **LEDGER)],
        [("discrepancy", "missing_in_payments", "10.00", None, "10.00", "0.00")],
        id="missing_in_payments",
    ),
    pytest.param(
        [
            rec(
                "sales",
                "R1",
                "10.00",
                **{**SALE, "payment_ref": "", "method": "cash", "channel": "pos"},
            ),
            rec(
                "ledger", "CM1", "10.00", customer_ref="C1", created_at="2026-11-10T11:00:00+00:00"
            ),
        ],
        [("discrepancy", "unlinked_ledger_credit", "10.00", None, "10.00", "0.00")],
        id="unlinked_ledger_credit",
    ),
    pytest.param(
        [
            rec("sales", "R1", "10.00", **SALE),
            rec("payments", "re_1", "10.00", **PAY),
            rec("ledger", "CM1", "9.99", **LEDGER, tax_amount="0.82"),
        ],
        [("discrepancy", "amount_mismatch", "10.00", "10.00", "9.99", "-0.01")],
        id="amount_mismatch",
    ),
    pytest.param(
        [
            rec("sales", "R1", "10.00", **{**SALE, "method": "store_credit", "payment_ref": ""}),
            rec("payments", "re_1", "10.00", **PAY),
            rec("ledger", "CM1", "10.00", **LEDGER),
        ],
        [("discrepancy", "method_mismatch", "10.00", "10.00", "10.00", "0.00")],
        id="method_mismatch",
    ),
    pytest.param(
        [
            rec("sales", "R1", "10.00", **SALE),
            rec("payments", "re_1", "10.00", **PAY),
            rec("ledger", "CM1", "10.00", **LEDGER),
            rec("ledger", "CM2", "10.00", **LEDGER),
        ],
        [("discrepancy", "duplicate", "10.00", "10.00", "20.00", "10.00")],
        id="duplicate",
    ),
    pytest.param(
        [
            rec("sales", "R1", "10.00", **SALE),
            rec("payments", "re_1", "10.00", **PAY, status="failed"),
            rec("ledger", "CM1", "10.00", **LEDGER),
        ],
        [("discrepancy", "status_mismatch", "10.00", None, "10.00", "0.00")],
        id="status_mismatch",
    ),
    pytest.param(
        [
            rec("sales", "R1", "10.00", **SALE),
            rec("payments", "re_1", "10.00", **PAY),
            rec("ledger", "CM1", "13.50", **{**LEDGER, "currency": "CAD"}),
        ],
        [("discrepancy", "currency_mismatch", "10.00", "10.00", "13.50", None)],
        id="currency_mismatch",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), CASES)
def test_kinds(run_rows, request, rows, expected) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    as_of = (
        datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
        if request.node.callspec.id == "in_transit"
        else datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    )
    run = run_rows(rows, as_of)
    got = [
        (s, k, *(None if v is None else str(v.quantize(Decimal("0.01"))) for v in amounts))
        for s, k, *amounts in _cases(run)
    ]
    assert got == expected


def test_ambiguous_candidates_are_not_linked(run_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [
        rec(
            "sales", "R7", "15.00", order_ref="O7", customer_ref="C7", method="cash", channel="pos"
        ),
        rec(
            "sales", "R8", "15.00", order_ref="O7", customer_ref="C7", method="cash", channel="pos"
        ),
        rec("ledger", "CM7", "15.00", order_ref="O7", customer_ref="C7"),
    ]
    run = run_rows(rows)
    assert run.con.execute("SELECT count(*) FROM links").fetchall() == [(0,)]
    (candidates,) = run.con.execute(
        "SELECT candidates FROM cases WHERE discrepancy = 'missing_in_sales'"
    ).fetchall()[0]
    assert sorted(candidates) == ["shopify:R7", "shopify:R8"]


def test_split_tender_matches_one_to_many(run_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [
        rec("sales", "R1", "30.00", order_ref="O1", method="original_payment", channel="online"),
        rec("payments", "re_a", "20.00", order_ref="O1"),
        rec("payments", "re_b", "10.00", order_ref="O1"),
        rec("ledger", "CM1", "30.00", order_ref="O1", sales_refund_ref="R1"),
    ]
    run = run_rows(rows)
    assert run.con.execute("SELECT status, match_rule FROM cases").fetchall() == [
        ("matched", "sales_refund_ref+split")
    ]


def test_tolerance_links_cents_off_within_the_order(run_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [
        rec("sales", "R1", "30.00", order_ref="O1", method="cash", channel="pos"),
        rec("ledger", "CM1", "29.98", order_ref="O1", created_at="2026-11-10T12:00:00+00:00"),
    ]
    run = run_rows(rows)
    (rule, reason) = run.con.execute("SELECT rule, reason FROM links").fetchall()[0]
    assert rule == "tolerance"
    assert reason == "same order O1, amounts 30.00 and 29.98 within tolerance, 2.0 h apart"
    assert run.con.execute("SELECT discrepancy FROM cases").fetchall() == [("amount_mismatch",)]


def test_case_ids_are_stable(run_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [rec("sales", "R1", "10.00", **SALE), rec("payments", "re_1", "10.00", **PAY)]
    first = run_rows(rows).con.execute("SELECT case_id FROM cases").fetchall()
    second = run_rows(list(reversed(rows))).con.execute("SELECT case_id FROM cases").fetchall()
    assert first == second


def test_each_case_notes_its_anchor_and_when_each_role_appeared(run_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [
        rec(
            "ledger",
            "CM1",
            "30.00",
            order_ref="O1",
            sales_refund_ref="R1",
            created_at="2026-11-10T15:00:00+00:00",
        ),
        rec("payments", "re_a", "20.00", order_ref="O1", created_at="2026-11-10T11:00:00+00:00"),
        rec("payments", "re_b", "10.00", order_ref="O1", created_at="2026-11-10T12:30:00+00:00"),
        rec(
            "sales",
            "R1",
            "30.00",
            order_ref="O1",
            method="original_payment",
            channel="online",
            created_at="2026-11-10T10:00:00+00:00",
        ),
        rec("payments", "re_9", "25.00", order_ref="O9", created_at="2026-11-12T09:00:00+00:00"),
        rec("ledger", "CM9", "25.00", order_ref="O9", created_at="2026-11-12T10:00:00+00:00"),
    ]
    run = run_rows(rows)
    got = run.con.execute(
        """
        SELECT a.record_id, strftime(sales_at, '%d %H:%M'), strftime(payments_at, '%d %H:%M'),
               strftime(ledger_at, '%d %H:%M'), sales_source, payments_source
        FROM cases c JOIN records a ON a.rid = c.anchor_rid ORDER BY c.opened_at
        """
    ).fetchall()
    # the anchor is the sales record when there is one, else the payments record; sales
    # count from the first record, payments and ledger from the last
    assert got == [
        ("R1", "10 10:00", "10 12:30", "10 15:00", "shopify", "stripe"),
        ("re_9", None, "12 09:00", "12 10:00", None, "stripe"),
    ]
