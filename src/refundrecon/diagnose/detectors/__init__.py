"""The registry of pattern detectors: one pure function per pattern, listed in one place.

Order matters only for ties: when two detectors give the same confidence, the earlier wins.
"""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

from refundrecon.diagnose.detectors import (
    dropped_sync,
    duplicate_sync,
    field_mapping,
    in_transit,
    manual_override,
    marketplace_return_portal,
    missing_parent_reference,
    pos_return_bypass,
    promo_discount_mismatch,
    store_credit_bypass,
    tax_rounding,
    verbal_approval_bypass,
)
from refundrecon.diagnose.detectors.base import Detection, Detector, Evidence
from refundrecon.model.vocab import Pattern

_MODULES = (
    in_transit,
    manual_override,
    field_mapping,
    duplicate_sync,
    missing_parent_reference,
    promo_discount_mismatch,
    tax_rounding,
    store_credit_bypass,
    marketplace_return_portal,
    pos_return_bypass,
    verbal_approval_bypass,
    dropped_sync,
)

REGISTRY: MappingProxyType[Pattern, Detector] = MappingProxyType(
    {
        Pattern.IN_TRANSIT: in_transit.detect,
        Pattern.MANUAL_OVERRIDE: manual_override.detect,
        Pattern.FIELD_MAPPING: field_mapping.detect,
        Pattern.DUPLICATE_SYNC: duplicate_sync.detect,
        Pattern.MISSING_PARENT_REFERENCE: missing_parent_reference.detect,
        Pattern.PROMO_DISCOUNT_MISMATCH: promo_discount_mismatch.detect,
        Pattern.TAX_ROUNDING: tax_rounding.detect,
        Pattern.STORE_CREDIT_BYPASS: store_credit_bypass.detect,
        Pattern.MARKETPLACE_RETURN_PORTAL: marketplace_return_portal.detect,
        Pattern.POS_RETURN_BYPASS: pos_return_bypass.detect,
        Pattern.VERBAL_APPROVAL_BYPASS: verbal_approval_bypass.detect,
        Pattern.DROPPED_SYNC: dropped_sync.detect,
    }
)
"""Every detector, keyed by the pattern it detects."""

KINDS: MappingProxyType[Pattern, frozenset[str]] = MappingProxyType(
    {m.PATTERN: m.KINDS for m in _MODULES}
)
"""Per pattern, the case kinds (or ``in_transit`` status) its detector can apply to."""


@cache
def detectors_for(kind: str) -> tuple[Detector, ...]:
    """The detectors that can apply to a case of ``kind`` (its kind, else its status).

    Registry order is kept, so ties are broken as when every detector runs.
    """
    return tuple(detect for pattern, detect in REGISTRY.items() if kind in KINDS[pattern])


__all__ = ["KINDS", "REGISTRY", "Detection", "Detector", "Evidence", "detectors_for"]
