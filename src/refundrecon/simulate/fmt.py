"""Vectorised text formatting for exports: money, ISO 8601 timestamps and record ids.

The simulator keeps money as int64 minor units and times as int64 epoch seconds; these
helpers turn whole columns into Arrow string arrays without a per-row Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ALPHABET = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _plain(magnitude: np.ndarray, exponent: int) -> pa.Array:
    if exponent == 0:
        return pc.cast(pa.array(magnitude), pa.string())
    scale = 10**exponent
    whole = pc.cast(pa.array(magnitude // scale), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(magnitude % scale), pa.string()), exponent, "0")
    return pc.binary_join_element_wise(whole, frac, ".")


def money_strings(
    units: np.ndarray, exponents: np.ndarray | int, present: np.ndarray | None = None
) -> pa.Array:
    """Write minor units as plain decimal strings with exactly each row's currency decimals.

    ``exponents`` is one exponent or one per row; rows where ``present`` is false are null.
    Rows are formatted in groups of equal exponent and sign, then put back in order.
    """
    units = np.asarray(units, dtype=np.int64)
    exps = np.broadcast_to(np.asarray(exponents, dtype=np.int64), units.shape)
    negative = units < 0
    group = exps * 2 + negative
    pieces: list[pa.Array] = []
    positions: list[np.ndarray] = []
    for key in np.unique(group).tolist():
        rows = np.flatnonzero(group == key)
        text = _plain(np.abs(units[rows]), key // 2)
        pieces.append(_join("-", text) if key % 2 else text)
        positions.append(rows)
    if not pieces:
        return pa.array([], type=pa.string())
    order = np.empty(units.size, dtype=np.int64)
    order[np.concatenate(positions)] = np.arange(units.size)
    result = pa.concat_arrays([_flat(p) for p in pieces]).take(pa.array(order))
    if present is not None:
        result = pc.if_else(pa.array(present), result, pa.scalar(None, pa.string()))
    return _flat(result)


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


@lru_cache(maxsize=1)
def _clock_table() -> pa.Array:
    return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)])


def _offset_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _offset_at(zone: ZoneInfo, hour: int) -> int:
    offset = (_EPOCH + timedelta(hours=hour)).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offset_table(zones: Sequence[str], first_hour: int, hours: int) -> np.ndarray:
    """UTC offsets in seconds per zone and per UTC hour (zone changes fall on the hour).

    Offsets are looked up once a day; only days whose offset changes are resolved by hour.
    """
    table = np.zeros((len(zones), hours), dtype=np.int64)
    for z, name in enumerate(zones):
        zone = ZoneInfo(name)
        day_starts = list(range(0, hours + 24, 24))
        daily = [_offset_at(zone, first_hour + h) for h in day_starts]
        for d, h in enumerate(day_starts[:-1]):
            stop = min(h + 24, hours)
            if daily[d] == daily[d + 1]:
                table[z, h:stop] = daily[d]
            else:
                table[z, h:stop] = [_offset_at(zone, first_hour + k) for k in range(h, stop)]
    return table


def iso_times(epoch: np.ndarray, zone_index: np.ndarray | int, zones: Sequence[str]) -> pa.Array:
    """Write epoch seconds as ISO 8601 local times with offset, e.g. 2026-01-05T09:12:00-05:00.

    ``zone_index`` picks, per row (or for all rows), an IANA zone from ``zones``; offsets
    follow that zone's daylight-saving rules.
    """
    epoch = np.asarray(epoch, dtype=np.int64)
    if epoch.size == 0:
        return pa.array([], type=pa.string())
    zidx = np.broadcast_to(np.asarray(zone_index, dtype=np.int64), epoch.shape)
    hours = epoch // 3600
    first = int(hours.min())
    table = _offset_table(zones, first, int(hours.max()) - first + 1)
    offsets = table[zidx, hours - first]
    local = epoch + offsets
    day = local // 86400
    first_day = int(day.min())
    dates = pa.array(
        [
            (_EPOCH + timedelta(days=first_day + d)).strftime("%Y-%m-%d")
            for d in range(int(day.max()) - first_day + 1)
        ]
    )
    unique_offsets, offset_codes = np.unique(offsets, return_inverse=True)
    offset_texts = pa.array([_offset_text(int(s)) for s in unique_offsets])
    date_col = dates.take(pa.array(day - first_day))
    clock_col = _clock_table().take(pa.array(local % 86400))
    offset_col = offset_texts.take(pa.array(offset_codes.reshape(-1)))
    return _join(pc.binary_join_element_wise(date_col, clock_col, "T"), offset_col)


def numbered_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids such as ``CM-0001234``: a prefix and a zero-padded number."""
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return _join(prefix, pc.utf8_lpad(text, width, "0"))


def random_ids(rng: np.random.Generator, prefix: str, count: int, length: int = 24) -> pa.Array:
    """Opaque processor-style ids such as ``re_3Pq...``: a prefix and random base-62 text."""
    codes = rng.integers(0, len(_ALPHABET), size=(count, length), dtype=np.uint8)
    raw = np.ascontiguousarray(_ALPHABET[codes]).view(f"S{length}").reshape(-1)
    text = pc.cast(pa.array(raw, type=pa.binary()), pa.string())
    return _join(prefix, text)


def labels(codes: np.ndarray, names: Sequence[str], present: np.ndarray | None = None) -> pa.Array:
    """Turn integer codes into names; null where ``present`` is false or the code is < 0."""
    codes = np.asarray(codes, dtype=np.int32)
    valid = codes >= 0 if present is None else (codes >= 0) & present
    indices = pa.array(np.where(valid, codes, 0), mask=~valid)
    dictionary = pa.array(list(names), type=pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
