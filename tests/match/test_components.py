"""Component labelling: linked records share a label, and incomplete components are listed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from recs import rec, write_refunds
from refundrecon.ingest.loader import load_inputs
from refundrecon.match.components import assign_components


def _store(tmp_path: Path, links: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    """A store holding three refunds' records and the given links between record ids."""
    rows = [
        rec("sales", "R1", "10.00"),
        rec("payments", "P1", "10.00"),
        rec("ledger", "L1", "10.00"),
        rec("sales", "R2", "5.00"),
        rec("ledger", "L2", "5.00"),
        rec("payments", "P3", "7.00"),
    ]
    con = duckdb.connect()
    load_inputs(con, [write_refunds(tmp_path / "refunds.csv", rows)])
    rid = dict(con.execute("SELECT record_id, rid FROM records").fetchall())
    for a, b in links:
        con.execute("INSERT INTO links VALUES (?, ?, 'test', 'by hand')", [rid[a], rid[b]])
    return con


def test_linked_records_share_one_component_and_others_stand_alone(tmp_path: Path) -> None:
    con = _store(tmp_path, [("R1", "P1"), ("P1", "L1"), ("R2", "L2")])
    assign_components(con)
    groups = con.execute(
        """
        SELECT list(r.record_id ORDER BY r.record_id)
        FROM comp JOIN records r USING (rid) GROUP BY comp.c ORDER BY 1
        """
    ).fetchall()
    assert [g[0] for g in groups] == [["L1", "P1", "R1"], ["L2", "R2"], ["P3"]]


def test_open_members_list_only_components_lacking_a_role(tmp_path: Path) -> None:
    con = _store(tmp_path, [("R1", "P1"), ("P1", "L1"), ("R2", "L2")])
    assign_components(con)
    rows = con.execute(
        """
        SELECT r.record_id, o.has_sales, o.has_payments, o.has_ledger
        FROM open_members o JOIN records r USING (rid) ORDER BY r.record_id
        """
    ).fetchall()
    assert rows == [
        ("L2", True, False, True),
        ("P3", False, True, False),
        ("R2", True, False, True),
    ]
    same = con.execute(
        "SELECT count(DISTINCT c) FROM open_members o JOIN records r USING (rid) "
        "WHERE r.record_id IN ('R2', 'L2')"
    ).fetchall()
    assert same == [(1,)]


def test_no_links_leaves_every_record_alone_and_open(tmp_path: Path) -> None:
    con = _store(tmp_path, [])
    assign_components(con)
    assert con.execute("SELECT count(DISTINCT c), count(*) FROM comp").fetchall() == [(6, 6)]
    assert con.execute("SELECT count(*) FROM open_members").fetchall() == [(6,)]
