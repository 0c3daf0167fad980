"""Benchmark of the as-of aging engine on a large ledger.

Run inside an Odoo environment (``ledgerctl.py bench-aging`` does it): for
today and for a date six months back, the addon's aged receivable of every
customer (default buckets) against a bare SQL query computing the same
per-customer bucket totals, checked to agree to the cent; then the XLSX of
every customer's row, with its peak memory.
"""

import json
import time
import tracemalloc
from datetime import timedelta

from bench_common import best_of

from odoo import fields

# The same figures without the addon: residual on the date = today's
# residual plus the partial reconciliations dated after it, bucketed by
# days past due.
BARE_SQL = """
WITH later AS (
    SELECT id, SUM(amount) AS amount FROM (
        SELECT debit_move_id AS id, amount FROM account_partial_reconcile
         WHERE company_id = %(company)s AND max_date > %(as_of)s
        UNION ALL
        SELECT credit_move_id, -amount FROM account_partial_reconcile
         WHERE company_id = %(company)s AND max_date > %(as_of)s
    ) parts GROUP BY id
), open AS (
    SELECT p.commercial_partner_id AS partner_id,
           l.amount_residual + COALESCE(later.amount, 0) AS residual,
           %(as_of)s::date - COALESCE(l.date_maturity, l.date) AS days
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
      LEFT JOIN res_partner p ON p.id = l.partner_id
      LEFT JOIN later ON later.id = l.id
     WHERE l.company_id = %(company)s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
       AND l.date <= %(as_of)s AND (NOT l.reconciled OR later.id IS NOT NULL)
)
SELECT partner_id, SUM(residual),
       SUM(residual) FILTER (WHERE days <= 0), SUM(residual) FILTER (WHERE days BETWEEN 1 AND 30),
       SUM(residual) FILTER (WHERE days BETWEEN 31 AND 60), SUM(residual) FILTER (WHERE days BETWEEN 61 AND 90),
       SUM(residual) FILTER (WHERE days BETWEEN 91 AND 120), SUM(residual) FILTER (WHERE days > 120)
  FROM open WHERE residual != 0 GROUP BY partner_id
"""


def _oca_aged_partner_balance(env, as_of):
    """The OCA Aged Partner Balance of every customer, as its report
    computes it (account_financial_report's report model)."""
    company = env.company
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    wizard = env["aged.partner.balance.report.wizard"].create(
        {
            "company_id": company.id,
            "date_at": as_of,
            "target_move": "posted",
            "receivable_accounts_only": True,
            "account_ids": [(6, 0, receivable.ids)],
        }
    )
    data = json.loads(json.dumps(wizard._prepare_report_data(), default=str))
    return env["report.account_financial_report.aged_partner_balance"]._get_report_values(wizard.ids, data)


def run(env, repeat=3, oca=False):
    company = env.company
    cr = env.cr
    engine = env["customer.aging.engine"]
    bounds = [30, 60, 90, 120]
    today = fields.Date.context_today(env["res.partner"])
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE customer_rank > 0")
    customers = cr.fetchone()[0]
    cr.execute(
        """SELECT COUNT(*) FROM account_move_line l JOIN account_account a ON a.id = l.account_id
            WHERE l.company_id = %s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
              AND NOT l.reconciled""",
        [company.id],
    )
    open_items = cr.fetchone()[0]
    dates = []
    for label, as_of in (("today", today), ("6 months ago", today - timedelta(days=182))):

        def bare(as_of=as_of):
            cr.execute("SET LOCAL jit = off")
            cr.execute(BARE_SQL, {"company": company.id, "as_of": as_of})
            rows = cr.fetchall()
            cr.execute("RESET jit")
            return rows

        t_bare, bare_rows = best_of(bare, repeat)
        t_engine, groups = best_of(lambda as_of=as_of: engine._aged(company, as_of, bounds), repeat)
        expected = {
            row[0]: [round(float(v or 0), 2) for v in (row[2], row[3], row[4], row[5], row[6], row[7])]
            for row in bare_rows
        }
        got = {group["key"]: [round(v, 2) for v in group["buckets"]] for group in groups}
        t_oca = None
        if oca:
            # Slow: timed once.
            t_oca, _values = best_of(lambda as_of=as_of: _oca_aged_partner_balance(env, as_of), 1)
        dates.append(
            {
                "oca_s": t_oca,
                "label": label,
                "bare_s": t_bare,
                "engine_s": t_engine,
                "ratio": t_engine / t_bare,
                "agree": expected == got,
                "groups": len(groups),
            }
        )
    wizard = env["customer.aging.report"].create({"as_of": today})
    data = wizard._get_report_data()
    tracemalloc.start()
    started = time.perf_counter()
    content = wizard._render_xlsx(data)
    t_xlsx = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "customers": customers,
        "open_items": open_items,
        "dates": dates,
        "xlsx_rows": len(data["groups"]),
        "xlsx_s": t_xlsx,
        "xlsx_bytes": len(content),
        "xlsx_peak_mb": peak / 1e6,
    }
