"""Property: whatever the records and their references, each lands in exactly one case."""

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from recs import AS_OF, rec, write_refunds
from refundrecon.pipeline import reconcile
from refundrecon.settings import Settings

refs = st.sampled_from(["", "O1", "O2", "O3"])
ids = st.sampled_from(["", "R1", "R2", "R3", "R4"])
amounts = st.sampled_from(["10.00", "10.01", "9.99", "20.00", "5.00"])
roles = st.sampled_from(["sales", "payments", "ledger"])


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(min_value=1, max_value=14))
    rows = []
    for index in range(count):
        role = draw(roles)
        rows.append(
            rec(
                role,
                f"{role[0].upper()}{index}" if role != "sales" else draw(ids) or f"X{index}",
                draw(amounts),
                order_ref=draw(refs),
                sales_refund_ref=draw(ids) if role != "sales" else "",
                payment_ref=draw(st.sampled_from(["", "re_1", "re_2"])),
                customer_ref=draw(st.sampled_from(["", "C1", "C2"])),
                method=draw(st.sampled_from(["original_payment", "cash", "store_credit"])),
                channel=draw(st.sampled_from(["online", "pos", "marketplace"])),
            )
        )
    return rows


@settings(max_examples=30, deadline=None)
@given(record_sets())
def test_every_record_in_exactly_one_case(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_refunds(Path(folder) / "in.csv", rows)
        run = reconcile([path], Settings.load(), AS_OF)
        records = run.con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        placed = run.con.execute(
            "SELECT count(*), count(DISTINCT rid) FROM case_records"
        ).fetchall()[0]
        assert placed == (records, records)
        orphans = run.con.execute(
            "SELECT count(*) FROM case_records WHERE case_id NOT IN (SELECT case_id FROM cases)"
        ).fetchall()[0][0]
        assert orphans == 0
