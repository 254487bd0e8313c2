"""``explain_case``: one case's full evidence as text, for ``refundrecon explain CASE_ID``."""

from __future__ import annotations

import duckdb
import orjson

from refundrecon.model.money import format_amount


def _describe_ref(ref: dict[str, object]) -> str:
    if ref.get("kind") == "record":
        return f"record {ref.get('source')}:{ref.get('record_id')}"
    return f"{ref.get('kind')} {ref.get('file')}, row {ref.get('row')}"


def explain_case(con: duckdb.DuckDBPyConnection, case_id: str) -> str:
    """Describe a case: status, amounts, records, links, audit and sync lines, diagnosis."""
    case = con.execute(
        "SELECT status, discrepancy, currency, sales_amount, payments_amount, ledger_amount, "
        "amount_delta, match_rule, explanation, opened_at, age_hours, period "
        "FROM cases WHERE case_id = ?",
        [case_id],
    ).fetchone()
    if case is None:
        return f"No case {case_id}."
    status, kind, cur, s, p, led, delta, rule, expl, opened, age, period = case
    code = cur or "USD"

    def amt(x: object) -> str:
        from decimal import Decimal

        return "-" if not isinstance(x, Decimal) else f"{format_amount(x, code)} {code}"

    lines = [
        f"Case {case_id} ({period}): {status}" + (f", {kind}" if kind else ""),
        f"  sales {amt(s)} · payments {amt(p)} · ledger {amt(led)} · delta {amt(delta)}",
        f"  opened {opened:%Y-%m-%d %H:%M %Z}, {age:.0f} h old; matched by {rule or 'none'}",
        f"  {expl}",
        "Records:",
    ]
    for row in con.execute(
        "SELECT r.role, r.source, r.record_id, r.amount, r.currency, r.channel, r.location, "
        'r.operator, r.approval, r.connector, r.file, r."row" FROM case_records x '
        "JOIN records r USING (rid) WHERE x.case_id = ? ORDER BY r.role, r.rid",
        [case_id],
    ).fetchall():
        role, src, rid, amount, rcur, ch, loc, op, appr, conn, file, rown = row
        lines.append(
            f"  {role:<8} {src}:{rid}  {format_amount(amount, rcur)} {rcur}  channel={ch} "
            f"store={loc} operator={op} approval={appr} connector={conn or '-'}  "
            f"({file}, row {rown})"
        )
    for a, b, rule, reason in con.execute(
        "SELECT ra.record_id, rb.record_id, l.rule, l.reason FROM links l "
        "JOIN records ra ON ra.rid = l.rid_a JOIN records rb ON rb.rid = l.rid_b "
        "WHERE l.rid_a IN (SELECT rid FROM case_records WHERE case_id = ?)",
        [case_id],
    ).fetchall():
        lines.append(f"  link {a} ↔ {b}: {rule} — {reason}")
    diag = None
    if con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'case_diagnosis'"
    ).fetchone() != (0,):
        diag = con.execute(
            "SELECT root_cause, pattern, confidence, explanation, evidence, "
            "group_id FROM case_diagnosis WHERE case_id = ?",
            [case_id],
        ).fetchone()
    if diag is None:
        lines.append("Diagnosis: none (matched, or diagnosis not run).")
        return "\n".join(lines)
    root, pattern, conf, text, evidence, group = diag
    lines += [
        f"Diagnosis: {root} / {pattern} (confidence {conf:.2f}, group {group})",
        f"  {text}",
        "Evidence:",
    ]
    for item in orjson.loads(evidence):
        refs = ", ".join(_describe_ref(r) for r in item.get("refs", []))
        lines.append(f"  [{item['kind']}] {item['text']}" + (f"  → {refs}" if refs else ""))
    return "\n".join(lines)
