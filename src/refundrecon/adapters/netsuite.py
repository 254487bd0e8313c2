"""NetSuite: every native export shape the ledger reader understands, listed in one place.

REST record JSON and SuiteQL pages (``netsuite_rest``), saved-search CSV exports
(``netsuite_csv``) and the System Notes audit export (``netsuite_audit``) each have their own
module; the registry reads ``ADAPTERS`` from here only.
"""

from __future__ import annotations

from refundrecon.adapters.base import Adapter
from refundrecon.adapters.netsuite_audit import NetSuiteSystemNotesAdapter
from refundrecon.adapters.netsuite_csv import NetSuiteSavedSearchAdapter
from refundrecon.adapters.netsuite_rest import NetSuiteRestRecordAdapter, NetSuiteSuiteQLAdapter

__all__ = [
    "ADAPTERS",
    "NetSuiteRestRecordAdapter",
    "NetSuiteSavedSearchAdapter",
    "NetSuiteSuiteQLAdapter",
    "NetSuiteSystemNotesAdapter",
]

ADAPTERS: tuple[Adapter, ...] = (
    NetSuiteRestRecordAdapter(),
    NetSuiteSuiteQLAdapter(),
    NetSuiteSavedSearchAdapter(),
    NetSuiteSystemNotesAdapter(),
)
