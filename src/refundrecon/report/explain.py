"""One case in full: its records with provenance, the links that joined them, and evidence."""

from __future__ import annotations

import json

import duckdb


def explain_text(con: duckdb.DuckDBPyConnection, case_id: str) -> str | None:
    """Return a readable account of one case, or ``None`` when the run has no such case."""
    head = con.execute(
        """
        SELECT c.status, c.discrepancy, c.currency, c.explanation, c.match_rule, c.period,
               round(c.age_hours, 1), c.grace_hours, c.candidates,
               fmt_money(c.sales_amount, c.currency), fmt_money(c.payments_amount, c.currency),
               fmt_money(c.ledger_amount, c.currency), fmt_money(c.amount_delta, c.currency),
               d.root_cause, d.pattern, d.confidence, d.explanation, d.evidence, d.group_id
        FROM cases c LEFT JOIN case_diagnosis d USING (case_id) WHERE c.case_id = ?
        """,
        [case_id],
    ).fetchall()
    if not head:
        return None
    (
        status,
        kind,
        currency,
        explanation,
        rule,
        period,
        age,
        grace,
        candidates,
        sales,
        payments,
        ledger,
        delta,
        cause,
        pattern,
        confidence,
        diagnosis,
        evidence,
        group,
    ) = head[0]
    lines = [
        f"Case {case_id} ({period}): {status}" + (f", {kind}" if kind else ""),
        f"  {explanation}",
        f"  amounts ({currency}): sales {sales or '-'}, payments {payments or '-'}, "
        f"ledger {ledger or '-'}; delta {delta or '-'}",
        f"  age {age} h" + (f", grace window {grace} h" if grace is not None else ""),
        f"  matched by: {rule or 'nothing (no counterpart found)'}",
    ]
    if candidates:
        lines.append(f"  equally good candidates, not linked: {', '.join(candidates)}")
    lines.append("Records:")
    for source, role, record_id, amount, rec_currency, created, file, row in con.execute(
        """
        SELECT r.source, r.role, r.record_id, fmt_money(r.amount, r.currency), r.currency,
               strftime(r.created_at, '%Y-%m-%dT%H:%M:%SZ'), r.file, r."row"
        FROM case_records cr JOIN records r USING (rid) WHERE cr.case_id = ?
        ORDER BY r.role, r.source, r.record_id
        """,
        [case_id],
    ).fetchall():
        lines.append(
            f"  {role:<8} {source}:{record_id}  {amount} {rec_currency}  {created}  "
            f"({file}, row {row})"
        )
    links = con.execute(
        """
        SELECT a.source || ':' || a.record_id, b.source || ':' || b.record_id, l.rule, l.reason
        FROM links l JOIN records a ON a.rid = l.rid_a JOIN records b ON b.rid = l.rid_b
        WHERE l.rid_a IN (SELECT rid FROM case_records WHERE case_id = ?)
        ORDER BY 1, 2
        """,
        [case_id],
    ).fetchall()
    if links:
        lines.append("Links:")
        lines += [f"  {a} <-> {b}  [{rule}] {reason}" for a, b, rule, reason in links]
    if cause is not None:
        lines.append(
            f"Diagnosis: {cause} / {pattern} (confidence {confidence:.2f})"
            + (f", group {group}" if group else "")
        )
        if diagnosis:
            lines.append(f"  {diagnosis}")
        for item in json.loads(evidence or "[]"):
            text = item.get("text", "") if isinstance(item, dict) else str(item)
            refs = item.get("refs", []) if isinstance(item, dict) else []
            lines.append(f"  - {text}" + (f" [{', '.join(map(str, refs))}]" if refs else ""))
    return "\n".join(lines)
