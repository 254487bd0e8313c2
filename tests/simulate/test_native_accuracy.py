"""Read back through its adapters, the BigCommerce, Adyen and SAP stack gives the same cases.

One small scenario is written as interchange files and as the stack's vendor exports; both
are reconciled and diagnosed. Every case must hold the same records with the same status,
discrepancy kind and amounts, the totals per role must agree, and the diagnosis must name the
same patterns and root causes: the adapters lose nothing the diagnosis needs.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pyarrow.csv as pa_csv
import pytest
from native_support import cases, run

from refundrecon.diagnose import DiagnosisConfig, diagnose
from refundrecon.pipeline import Run
from refundrecon.simulate import SimConfig, simulate
from refundrecon.simulate.native.rows import Renames, rows_of
from refundrecon.simulate.native.stacks import build_renames, stack_named

STACK = "bigcommerce-adyen-sap"
CONFIG = SimConfig(seed=8, weeks=2, refunds_per_week=200)


@dataclasses.dataclass
class Runs:
    """The interchange run, the native run and the native stack's id renames."""

    interchange: Run
    native: Run
    renames: Renames


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base: Path = tmp_path_factory.mktemp("accuracy")
    inter = simulate(CONFIG, base / "interchange")
    native = simulate(dataclasses.replace(CONFIG, file_format="native", stack=STACK), base / "n")
    assert native.as_of == inter.as_of
    renames = _renames(base / "interchange")
    pair = Runs(run(base / "interchange", inter.as_of), run(base / "n", inter.as_of), renames)
    for result in (pair.interchange, pair.native):
        diagnose(result.con, inter.as_of, DiagnosisConfig())
    return pair


def _renames(folder: Path) -> Renames:
    """The stack's id renames, rebuilt from the interchange files as the writer builds them."""
    tables = {}
    for name in ("sales", "payments", "ledger"):
        path = folder / f"{name}.csv"
        names = pa_csv.read_csv(path).column_names
        strings = pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, "string"), strings_can_be_null=True
        )
        tables[name] = rows_of(pa_csv.read_csv(path, convert_options=strings))
    return build_renames(stack_named(STACK), tables)


def test_every_case_has_the_same_records_status_kind_and_amounts(runs: Runs) -> None:
    inter = cases(runs.interchange, runs.renames)
    native = cases(runs.native)
    assert set(native) == set(inter)
    differing = {key: (inter[key], native[key]) for key in inter if inter[key] != native[key]}
    assert differing == {}
    kinds = Counter((view.status, view.discrepancy) for view in native.values())
    assert kinds == Counter((view.status, view.discrepancy) for view in inter.values())
    assert kinds[("matched", None)] > 0
    assert sum(n for (status, _), n in kinds.items() if status != "matched") > 0


_ROLE_TOTALS = (
    "SELECT role, currency, status, sum(amount)::VARCHAR, sum(tax_amount)::VARCHAR, "
    "sum(discount_amount)::VARCHAR, sum(shipping_amount)::VARCHAR, count(*) "
    "FROM records GROUP BY ALL ORDER BY ALL"
)
_CASE_TOTALS = (
    "SELECT period, currency, status, discrepancy, sum(sales_amount)::VARCHAR, "
    "sum(payments_amount)::VARCHAR, sum(ledger_amount)::VARCHAR, count(*) "
    "FROM cases GROUP BY ALL ORDER BY ALL"
)


def test_totals_per_role_agree(runs: Runs) -> None:
    native = runs.native.con.execute(_ROLE_TOTALS).fetchall()
    assert native == runs.interchange.con.execute(_ROLE_TOTALS).fetchall()
    assert {row[0] for row in native} == {"sales", "payments", "ledger"}


def test_totals_per_period_and_case_kind_agree(runs: Runs) -> None:
    native = runs.native.con.execute(_CASE_TOTALS).fetchall()
    assert native == runs.interchange.con.execute(_CASE_TOTALS).fetchall()
    assert {row[3] for row in native} > {None}


def test_the_diagnosis_names_the_same_patterns_and_root_causes(runs: Runs) -> None:
    sql = (
        "SELECT d.pattern, d.root_cause, count(*) FROM case_diagnosis d "
        "JOIN cases c USING (case_id) GROUP BY ALL ORDER BY ALL"
    )
    native = runs.native.con.execute(sql).fetchall()
    assert native == runs.interchange.con.execute(sql).fetchall()
    assert len(native) > 1
