from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.model.money import format_amount, from_minor_units
from refundrecon.simulate.fmt import iso_times, labels, money_strings, numbered_ids

CURRENCIES = ("USD", "JPY", "KWD", "EUR")
EXPONENTS = {"USD": 2, "JPY": 0, "KWD": 3, "EUR": 2}
ZONES = ("UTC", "America/New_York", "America/Los_Angeles", "Europe/Berlin")


@given(
    st.lists(
        st.tuples(st.integers(-(10**12), 10**12), st.sampled_from(CURRENCIES)),
        min_size=1,
        max_size=40,
    )
)
def test_money_strings_match_decimal_formatting(rows: list[tuple[int, str]]) -> None:
    units = np.asarray([u for u, _ in rows], dtype=np.int64)
    exps = np.asarray([EXPONENTS[c] for _, c in rows])
    got = money_strings(units, exps).to_pylist()
    assert got == [format_amount(from_minor_units(u, c), c) for u, c in rows]


def test_money_strings_examples_and_nulls() -> None:
    got = money_strings(np.asarray([5, -5, 0, 123456]), 2, np.asarray([True, True, True, False]))
    assert got.to_pylist() == ["0.05", "-0.05", "0.00", None]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1_760_000_000, 1_830_000_000), st.integers(0, 3)),
        min_size=1,
        max_size=30,
    )
)
def test_iso_times_match_zoneinfo(rows: list[tuple[int, int]]) -> None:
    epoch = np.asarray([e for e, _ in rows], dtype=np.int64)
    zone = np.asarray([z for _, z in rows])
    got = iso_times(epoch, zone, ZONES).to_pylist()
    expected = [
        datetime.fromtimestamp(e, UTC).astimezone(ZoneInfo(ZONES[z])).isoformat() for e, z in rows
    ]
    assert got == expected


def test_ids_and_labels() -> None:
    assert numbered_ids("CM-", np.asarray([7, 1234567]), 7).to_pylist() == [
        "CM-0000007",
        "CM-1234567",
    ]
    assert labels(np.asarray([1, -1, 0]), ["a", "b"]).to_pylist() == ["b", None, "a"]
    mask = np.asarray([True, False, True])
    assert labels(np.asarray([1, 1, 0]), ["a", "b"], mask).to_pylist() == ["b", None, "a"]
