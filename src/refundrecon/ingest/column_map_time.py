"""Timestamp conversion for the column map: local patterns and zones to ISO 8601 with offset.

Exports write dates as ``dd.mm.yyyy``, ``03/14/2026 03:09 PM`` or epoch milliseconds, mostly
without an offset. Each value is read with the configured patterns, placed in the configured
zone, and written as ISO 8601 with its offset; a value two patterns read differently, or a
local time a clock change skipped, is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from refundrecon.ingest.column_map_values import ConversionError

ISO = "iso"
EPOCH_SECONDS = "epoch_seconds"
EPOCH_MILLIS = "epoch_millis"
SPECIAL_FORMATS = frozenset({ISO, EPOCH_SECONDS, EPOCH_MILLIS})
TIMESTAMP_TARGETS = frozenset({"created_at", "recorded_at", "at"})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INTEGER = re.compile(r"[+-]?\d+")
_FAST_DIRECTIVES = {
    "d": r"(?P<d>\d{1,2})",
    "m": r"(?P<m>\d{1,2})",
    "Y": r"(?P<Y>\d{4})",
    "H": r"(?P<H>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
}
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TimestampFormat:
    """How a source writes one timestamp column and which zone its naive values are in."""

    formats: tuple[str, ...] = (ISO,)
    zone: tzinfo | None = None


@lru_cache(maxsize=64)
def _fast_parser(pattern: str) -> Callable[[str], datetime | None] | None:
    """Compile a numeric-only strftime pattern to a regex reader, or ``None`` if it has others.

    ``strptime`` costs several microseconds per value; patterns made of ``%d %m %Y %H %M %S``
    separated by literals are read with one regex instead. A value the regex does not take
    falls back to ``strptime``, so the accepted set is the same.
    """
    parts: list[str] = []
    seen: set[str] = set()
    after_directive = False
    for token in re.split(r"(%.)", pattern):
        if token.startswith("%") and len(token) == 2 and token != "%%":
            code = token[1]
            if code not in _FAST_DIRECTIVES or code in seen or after_directive:
                return None  # packed digits (%Y%m%d) are left to strptime's own rules
            seen.add(code)
            parts.append(_FAST_DIRECTIVES[code])
            after_directive = True
        elif token:
            literal = "%" if token == "%%" else token
            parts.append(re.sub(r"\\?\s+", r"\\s+", re.escape(literal)))
            after_directive = False
    regex = re.compile("".join(parts))

    def parse(text: str) -> datetime | None:
        found = regex.fullmatch(text)
        if found is None:
            return None
        g = found.groupdict()
        try:
            return datetime(
                int(g.get("Y") or 1900),
                int(g.get("m") or 1),
                int(g.get("d") or 1),
                int(g.get("H") or 0),
                int(g.get("M") or 0),
                int(g.get("S") or 0),
            )
        except ValueError:
            return None

    return parse


def _reader(pattern: str) -> Callable[[str], datetime]:
    """Return a function reading one pattern; it raises ``ValueError`` when a value does not fit."""
    if pattern == ISO:
        return datetime.fromisoformat
    if pattern in (EPOCH_SECONDS, EPOCH_MILLIS):
        unit = "seconds" if pattern == EPOCH_SECONDS else "milliseconds"

        def epoch(text: str) -> datetime:
            if not _INTEGER.fullmatch(text):
                raise ValueError(text)
            return _EPOCH + timedelta(**{unit: int(text)})

        return epoch
    fast = _fast_parser(pattern)

    def local(text: str) -> datetime:
        parsed = fast(text) if fast is not None else None
        return parsed if parsed is not None else datetime.strptime(text, pattern)

    return local


@lru_cache(maxsize=1 << 16)
def _hour_offset(zone: tzinfo, year: int, month: int, day: int, hour: int) -> timezone | None:
    """The fixed offset of ``zone`` for a whole local hour, or ``None`` if it changes within it."""
    start = datetime(year, month, day, hour)
    offsets = set()
    for moment in (start, start + _HOUR - timedelta(microseconds=1)):
        aware = moment.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
            return None
        offsets.add(aware.utcoffset())
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else timezone(offset)


def _localise(moment: datetime, zone: tzinfo | None, text: str) -> datetime:
    """Attach ``zone`` to a naive moment, refusing local times a clock change skipped.

    A local time that occurs twice (the hour the clocks go back) is read as the first one.
    """
    if moment.tzinfo is not None:
        return moment
    if zone is None:
        raise ConversionError(
            f"timestamp {text!r} has no offset and no [timestamps] timezone is configured"
        )
    fixed = _hour_offset(zone, moment.year, moment.month, moment.day, moment.hour)
    if fixed is not None:
        return moment.replace(tzinfo=fixed)
    aware = moment.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise ConversionError(f"local time {text!r} does not exist in {zone} (clock change)")
    return aware


class TimestampReader:
    """Reads timestamp cells written in one ``TimestampFormat``; built once per column."""

    __slots__ = ("_fmt", "_readers")

    def __init__(self, fmt: TimestampFormat) -> None:
        self._fmt = fmt
        self._readers = tuple(_reader(pattern) for pattern in fmt.formats)

    def __call__(self, text: str) -> str:
        """Turn one cell into ISO 8601 with its offset.

        Every configured pattern is tried; a value that fits two patterns with different
        results (``03/04/2026`` under both day-first and month-first) is refused as ambiguous.
        """
        value = text.strip()
        if len(self._readers) == 1:
            try:
                moment = self._readers[0](value)
            except (ValueError, OverflowError):
                raise self._no_match(text) from None
            return _localise(moment, self._fmt.zone, text).isoformat()
        results: list[datetime] = []
        for read in self._readers:
            try:
                parsed = read(value)
            except (ValueError, OverflowError):
                continue
            if parsed not in results:
                results.append(parsed)
        if not results:
            raise self._no_match(text)
        if len(results) > 1:
            formats = list(self._fmt.formats)
            raise ConversionError(f"timestamp {text!r} is ambiguous under {formats}")
        return _localise(results[0], self._fmt.zone, text).isoformat()

    def _no_match(self, text: str) -> ConversionError:
        formats = list(self._fmt.formats)
        return ConversionError(
            f"timestamp {text!r} does not match the configured format(s) {formats}"
        )


def convert_timestamp(text: str, fmt: TimestampFormat) -> str:
    """Convert one timestamp cell (see ``TimestampReader``); for one-off use and tests."""
    return TimestampReader(fmt)(text)
