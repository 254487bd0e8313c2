"""The diagnosis engine: why each mismatch happened, what to fix first, and what it costs.

``diagnose`` reads a reconciled run's tables, runs one detector per pattern on every case
that is not matched, groups similar cases, answers the five checklist questions per group,
ranks the fixes and prices the problem. ``explain_case`` prints one case's evidence.
"""

from __future__ import annotations

from refundrecon.diagnose.config import ConfigError, DiagnosisConfig
from refundrecon.diagnose.engine import DiagnosisResult, diagnose
from refundrecon.diagnose.explain import explain_case

__all__ = ["ConfigError", "DiagnosisConfig", "DiagnosisResult", "diagnose", "explain_case"]
