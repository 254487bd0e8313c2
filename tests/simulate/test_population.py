from __future__ import annotations

import numpy as np
import pytest

from refundrecon.simulate import SimConfig
from refundrecon.simulate import world as w
from refundrecon.simulate.population import draw_population, line_tax


@pytest.fixture(scope="module")
def population():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(21)
    return draw_population(SimConfig(weeks=1, refunds_per_week=3000), rng, w.build_staff(rng))


def test_amount_equals_parts(population) -> None:  # type: ignore[no-untyped-def]
    p = population
    assert np.array_equal(p.amount, p.net - p.discount + p.tax + p.shipping)
    assert (p.amount > 0).all() and (p.net > 0).all()
    assert np.array_equal(p.tax, p.line_tax.sum(axis=1))
    assert np.array_equal(p.discount, p.line_discount.sum(axis=1))


def test_lines_beyond_count_are_empty(population) -> None:  # type: ignore[no-untyped-def]
    p = population
    beyond = np.arange(p.base.shape[1])[None, :] >= p.n_lines[:, None]
    assert (p.base[beyond] == 0).all() and (p.line_tax[beyond] == 0).all()


def test_sorted_by_time_and_inside_window(population) -> None:  # type: ignore[no-untyped-def]
    p = population
    start = int(SimConfig().start.timestamp())
    assert (np.diff(p.created) >= 0).all()
    assert p.created.min() >= start and p.created.max() < start + 7 * 86400


@pytest.mark.parametrize(
    ("taxable", "rate", "inclusive", "expected"),
    [
        (1000, 8875, False, 89),  # 88.75 rounds half up to 89
        (2000, 6250, False, 125),
        (1200, 20000, True, 200),  # 12.00 gross at 20% contains 2.00 tax
        (999, 20000, True, 166),  # net 832.5 rounds to 833, tax 166
        (0, 8875, False, 0),
    ],
)
def test_line_tax(taxable: int, rate: int, inclusive: bool, expected: int) -> None:
    got = line_tax(np.asarray([[taxable]]), np.asarray([rate]), np.asarray([inclusive]))
    assert int(got[0, 0]) == expected


def test_process_faults_concentrate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from refundrecon.simulate import simulate

    result = simulate(SimConfig(seed=8, weeks=2, refunds_per_week=3000), tmp_path)
    import json

    truth = [json.loads(line) for line in result.paths["ground_truth"].open()]
    with result.paths["sales"].open(newline="") as handle:
        sales = {row["record_id"]: row for row in csv.DictReader(handle)}
    bypass = [
        sales[r["record_id"]]
        for e in truth
        if e["pattern"] == "pos_return_bypass"
        for r in e["records"]
        if r["role"] == "sales"
    ]
    stores = [row["location"] for row in bypass]
    top_two = sorted((stores.count(s) for s in set(stores)), reverse=True)[:2]
    assert sum(top_two) > 0.5 * len(stores)  # two stores out of twelve carry most of it
    credit = [
        sales[r["record_id"]]
        for e in truth
        if e["pattern"] == "store_credit_bypass"
        for r in e["records"]
        if r["role"] == "sales"
    ]
    assert {row["channel"] for row in credit} == {"phone"}
    assert {row["team"] for row in credit} == {"customer-service"}
    assert {row["method"] for row in credit} == {"store_credit"}
