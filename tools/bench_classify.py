"""Benchmark of customer classification on a large ledger.

Run inside an Odoo environment (``ledgerctl.py bench-classify`` does it):
times the bare SQL aggregation of the classification metrics, the addon's
metrics engine, the rule proposal and the batched writes for every customer
of the company, the same classification again and a whole pass of the
scheduled job, checks that the engine and the bare SQL agree, times the
Receivables by Class report on the classes written against a plain query
giving the same figures (and checks they agree), and deletes what it wrote;
:func:`run_background` times the same first classification queued by the
Classify Customers wizard.
"""

import json
import time

from bench_common import best_of
from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tools import SQL

# The metrics behind classification written as one plain query, without the
# addon: revenue, invoices, first/last invoice, lifetime revenue, lateness,
# open balance on the date (reconciliations dated later added back), R/F/M
# quintile scores and the Pareto tier.
BARE_SQL = """
WITH docs AS (
    SELECT commercial_partner_id AS partner_id, move_type, invoice_date, amount_untaxed_signed AS amount
      FROM account_move
     WHERE company_id = %(company)s AND state = 'posted'
       AND move_type IN ('out_invoice', 'out_refund') AND invoice_date <= %(date_to)s
), agg AS (
    SELECT partner_id,
           SUM(amount) FILTER (WHERE invoice_date >= %(date_from)s) AS revenue,
           COUNT(*) FILTER (WHERE move_type = 'out_invoice' AND invoice_date >= %(date_from)s) AS invoices,
           MIN(invoice_date) FILTER (WHERE move_type = 'out_invoice') AS first_date,
           MAX(invoice_date) FILTER (WHERE move_type = 'out_invoice') AS last_date,
           SUM(amount) AS lifetime
      FROM docs GROUP BY partner_id
), late AS (
    SELECT l.partner_id, SUM(p.amount * GREATEST(p.max_date - l.date_maturity, 0)) / NULLIF(SUM(p.amount), 0) AS days
      FROM account_partial_reconcile p
      JOIN account_move_line l ON l.id = p.debit_move_id
      JOIN account_move m ON m.id = l.move_id
     WHERE l.company_id = %(company)s AND m.move_type = 'out_invoice' AND l.parent_state = 'posted'
       AND p.max_date BETWEEN %(date_from)s AND %(date_to)s
     GROUP BY l.partner_id
), open_items AS (
    SELECT partner_id, SUM(amount) AS open_balance FROM (
        SELECT l.partner_id, l.amount_residual AS amount
          FROM account_move_line l JOIN account_account a ON a.id = l.account_id
         WHERE l.company_id = %(company)s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
           AND NOT l.reconciled AND l.date <= %(date_to)s
        UNION ALL
        SELECT l.partner_id, CASE WHEN l.id = p.debit_move_id THEN p.amount ELSE -p.amount END
          FROM account_partial_reconcile p
          JOIN account_move_line l ON l.id IN (p.debit_move_id, p.credit_move_id)
          JOIN account_account a ON a.id = l.account_id
         WHERE p.max_date > %(date_to)s
           AND l.company_id = %(company)s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
           AND l.date <= %(date_to)s
    ) open_amounts GROUP BY partner_id
), base AS (
    SELECT p.id AS partner_id, agg.revenue, agg.invoices, agg.first_date, agg.last_date, agg.lifetime,
           late.days, open_items.open_balance
      FROM res_partner p
      LEFT JOIN agg ON agg.partner_id = p.id
      LEFT JOIN open_items ON open_items.partner_id = p.id
      LEFT JOIN late ON late.partner_id = p.id
     WHERE agg.partner_id IS NOT NULL OR open_items.partner_id IS NOT NULL
), scored AS (
    SELECT partner_id, revenue,
           CEIL(5.0 * COUNT(*) OVER (ORDER BY last_date RANGE UNBOUNDED PRECEDING) / COUNT(*) OVER ()) AS r,
           CEIL(5.0 * COUNT(*) OVER (ORDER BY invoices RANGE UNBOUNDED PRECEDING) / COUNT(*) OVER ()) AS f,
           CEIL(5.0 * COUNT(*) OVER (ORDER BY revenue RANGE UNBOUNDED PRECEDING) / COUNT(*) OVER ()) AS m
      FROM base WHERE invoices > 0
), pareto AS (
    SELECT partner_id,
           COALESCE(SUM(revenue) OVER (ORDER BY revenue DESC, partner_id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               / SUM(revenue) OVER () AS before
      FROM base WHERE revenue > 0
)
SELECT base.partner_id, base.revenue, scored.r, scored.f, scored.m,
       CASE WHEN pareto.before < 0.80 THEN 'A' WHEN pareto.before < 0.95 THEN 'B' ELSE 'C' END AS tier
  FROM base LEFT JOIN scored USING (partner_id) LEFT JOIN pareto USING (partner_id)
"""

# The receivables of each value tier by month, as one plain grouped query:
# each receivable item under its customer's tier from its date, and each
# reconciliation between items of two tiers moving its amount between them
# on its date; what the Receivables by Class report adds up before it
# carries balances from month to month.
BARE_RECEIVABLES_SQL = """
WITH items AS (
    SELECT line.id, line.date, line.balance, assignment.class_id
      FROM account_move_line line
      JOIN account_account account ON account.id = line.account_id
      LEFT JOIN res_partner partner ON partner.id = line.partner_id
      LEFT JOIN customer_class_assignment assignment
             ON assignment.partner_id = partner.commercial_partner_id
            AND assignment.company_id = line.company_id AND assignment.dimension_id = %(dimension)s
     WHERE account.account_type = 'asset_receivable' AND line.parent_state = 'posted'
       AND line.company_id = %(company)s AND line.date <= %(date_to)s
), crossing AS (
    SELECT p.max_date, p.amount, d.class_id AS debit_class, c.class_id AS credit_class
      FROM account_partial_reconcile p
      JOIN items d ON d.id = p.debit_move_id
      JOIN items c ON c.id = p.credit_move_id
     WHERE p.max_date <= %(date_to)s AND d.class_id IS DISTINCT FROM c.class_id
)
SELECT class_id, CASE WHEN date >= %(start)s THEN date_trunc('month', date::timestamp)::date END, SUM(amount)
  FROM (SELECT class_id, date, balance AS amount FROM items
        UNION ALL SELECT debit_class, max_date, -amount FROM crossing
        UNION ALL SELECT credit_class, max_date, amount FROM crossing) movements
 GROUP BY 1, 2
"""


# What the benchmark writes, by table: rows above the marks are deleted
# afterwards (most cascade from these: run metrics, notifications).
WRITTEN_TABLES = (
    "customer_class_receivable",
    "customer_class_history",
    "customer_class_snapshot",
    "customer_class_assignment",
    "customer_class_run",
    "mail_message",
)
MARKS_PARAM = "account_customer_ledger.bench_classify_marks"


def _save_marks(env):
    """The highest id of each written table, committed before writing."""
    marks = {}
    for table in WRITTEN_TABLES:
        env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
        marks[table] = env.cr.fetchone()[0]
    marks["credit_grade_automatic"] = env.ref("account_customer_ledger.dimension_credit_grade").automatic
    env["ir.config_parameter"].sudo().set_param(MARKS_PARAM, json.dumps(marks))
    env.cr.commit()
    return marks


def _clean_up(env, marks):
    """Delete what a run wrote above its marks, clear the partners' class
    fields (the ledger starts unclassified) and put the credit grade's switch
    back."""
    cr = env.cr
    for table in WRITTEN_TABLES:
        cr.execute(SQL("DELETE FROM %s WHERE id > %s", SQL.identifier(table), marks[table]))
    columns = sorted(set(env["customer.class.dimension"]._get_partner_field_map().values()))
    if columns:
        cr.execute(
            SQL(
                "UPDATE res_partner SET %s WHERE %s",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(c)) for c in columns),
                SQL(" OR ").join(SQL("%s IS NOT NULL", SQL.identifier(c)) for c in columns),
            )
        )
    env.ref("account_customer_ledger.dimension_credit_grade").automatic = marks["credit_grade_automatic"]
    env["ir.config_parameter"].sudo().set_param(MARKS_PARAM, False)
    env.flush_all()
    cr.commit()
    env.invalidate_all()


def _start(env):
    """Clean up after an interrupted run; the ledger must be unclassified."""
    leftover = env["ir.config_parameter"].sudo().get_param(MARKS_PARAM)
    if leftover:
        _clean_up(env, json.loads(leftover))
    env.cr.execute("SELECT COUNT(*) FROM customer_class_assignment WHERE company_id = %s", [env.company.id])
    if env.cr.fetchone()[0]:
        raise SystemExit("the benchmark ledger must start without classes")


def _ledger_date(env):
    """The date of the ledger's last invoice: every phase classifies as of it."""
    return (
        env["account.move"]
        .search(
            [("company_id", "=", env.company.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")],
            order="invoice_date desc",
            limit=1,
        )
        .invoice_date
    )


def _dimensions(env):
    """The automatic dimensions but the credit grade, which needs the
    payment-behaviour query as well: its cost is part of the credit
    benchmark (bench_credit.py)."""
    return env["customer.class.dimension"].search([("automatic", "=", True), ("code", "!=", "credit_grade")])


def run_background(env):
    """The first classification of every customer as the Classify Customers
    wizard queues it (a scope above its background threshold): the request,
    then the scheduled action's calls, each committed, until the run is done.
    Run on a freshly compacted ledger, like the first run of :func:`run`."""
    _start(env)
    cr = env.cr
    wizard = env["customer.classify"].create(
        {
            "dimension_ids": [Command.set(_dimensions(env).ids)],
            "scope": "all",
            "date_to": _ledger_date(env),
            "company_id": env.company.id,
        }
    )
    marks = _save_marks(env)
    try:
        started = time.perf_counter()
        wizard._queue(wizard._get_partners())
        cr.commit()
        t_request = time.perf_counter() - started
        Run = env["customer.class.run"]
        remaining = True
        while remaining:
            remaining = Run._cron_classify_queued()
            env.flush_all()
            cr.commit()
        t_background = time.perf_counter() - started
        run = wizard.run_id
        result = {
            "queued_s": t_request,
            "background_s": t_background,
            "background_batches": run.batch_count,
            "background_customers": run.done_count,
            "background_changes": run.changed_count,
        }
    finally:
        cr.rollback()
        env.invalidate_all()
        _clean_up(env, marks)
    return result


def run(env, repeat=3):
    company = env.company
    cr = env.cr
    _start(env)
    date_to = _ledger_date(env)
    date_from = date_to - relativedelta(months=12, days=-1)
    cr.execute(
        "SELECT id FROM res_partner WHERE id = commercial_partner_id AND customer_rank > 0 AND active ORDER BY id"
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """SELECT COUNT(*) FROM account_move_line l JOIN account_move m ON m.id = l.move_id
            WHERE m.company_id = %s AND m.move_type IN ('out_invoice', 'out_refund')""",
        [company.id],
    )
    invoice_lines = cr.fetchone()[0]
    cr.execute(
        """SELECT COUNT(*) FROM account_move_line l JOIN account_account a ON a.id = l.account_id
            WHERE l.company_id = %s AND a.account_type = 'asset_receivable' AND l.parent_state = 'posted'""",
        [company.id],
    )
    receivable_items = cr.fetchone()[0]
    params = {"company": company.id, "date_from": date_from, "date_to": date_to}

    def bare():
        # The bare query at its fastest: PostgreSQL's JIT compilation costs
        # more than such a grouped query itself.
        cr.execute("SET LOCAL jit = off")
        cr.execute(BARE_SQL, params)
        rows = cr.fetchall()
        cr.execute("RESET jit")
        return rows

    t_sql, bare_rows = best_of(bare, repeat)
    Metrics = env["customer.metrics"]
    t_metrics, metrics = best_of(lambda: Metrics._compute_metrics(company, date_from, date_to), repeat)

    # The engine and the bare query must agree before their times compare.
    bare_by_partner = {row[0]: row for row in bare_rows}
    mismatches = 0
    for partner_id, row in metrics.items():
        bare_row = bare_by_partner.get(partner_id)
        if bare_row is None:
            mismatches += row["revenue"] != 0 or row["invoice_count"] != 0
            continue
        expected = (
            round(float(bare_row[1] or 0), 2),
            bare_row[2] and int(bare_row[2]),
            bare_row[3] and int(bare_row[3]),
            bare_row[4] and int(bare_row[4]),
            bare_row[5] if (bare_row[1] or 0) > 0 else "C",
        )
        got = (round(row["revenue"], 2), row["r_score"], row["f_score"], row["m_score"], row["value_tier"])
        mismatches += expected != got

    dimensions = _dimensions(env)
    partners = env["res.partner"].browse(partner_ids)
    classifier = env["customer.classifier"]
    started = time.perf_counter()
    proposals = classifier._propose(dimensions, partners, company, date_to)
    t_propose = time.perf_counter() - started

    # The phases that write commit as they do in production (the scheduled
    # pass batch by batch); what they wrote is deleted afterwards, and the
    # marks saved first let an interrupted run be cleaned up by the next.
    marks = _save_marks(env)
    try:
        started = time.perf_counter()
        changes = classifier._apply(proposals, company)
        env.flush_all()
        cr.commit()
        t_apply = time.perf_counter() - started
        t_receivables, t_receivables_sql, receivables_mismatches = _time_receivables(env, date_to, repeat)
        # Steady state: the same classification once more, nothing left to
        # change.
        started = time.perf_counter()
        rerun_changes = classifier._apply(classifier._propose(dimensions, partners, company, date_to), company)
        env.flush_all()
        cr.commit()
        t_rerun = time.perf_counter() - started
        # The scheduled job on the same stable ledger: a whole pass in batches
        # of the default size, called and committed as the scheduler does
        # (the pass is dated as the ledger, not today).
        env.ref("account_customer_ledger.dimension_credit_grade").automatic = False
        Run = env["customer.class.run"]
        started = time.perf_counter()
        Run.create({"company_id": company.id, "date_to": date_to})
        batches = 0
        remaining = True
        while remaining:
            remaining = Run._cron_reclassify()
            env.flush_all()
            cr.commit()
            batches += 1
        t_pass = time.perf_counter() - started
    finally:
        cr.rollback()
        env.invalidate_all()
        _clean_up(env, marks)

    total = t_propose + t_apply
    return {
        "customers": len(partner_ids),
        "invoice_lines": invoice_lines,
        "receivable_items": receivable_items,
        "dimensions": len(dimensions),
        "bare_sql_s": t_sql,
        "metrics_s": t_metrics,
        "propose_s": t_propose,
        "apply_s": t_apply,
        "classify_s": total,
        "changes": len(changes),
        "rerun_s": t_rerun,
        "rerun_changes": len(rerun_changes),
        "rerun_vs_sql": t_rerun / t_sql,
        "pass_s": t_pass,
        "pass_batches": batches,
        "pass_vs_sql": t_pass / t_sql,
        "metrics_vs_sql": t_metrics / t_sql,
        "propose_vs_sql": t_propose / t_sql,
        "classify_vs_sql": total / t_sql,
        "mismatches": mismatches,
        "receivables_s": t_receivables,
        "receivables_sql_s": t_receivables_sql,
        "receivables_vs_sql": t_receivables / t_receivables_sql,
        "receivables_mismatches": receivables_mismatches,
    }


def _time_receivables(env, date_to, repeat):
    """(report, bare query, mismatches): the Receivables by Class report
    over the twelve months to ``date_to`` by value tier, rows written, and
    the plain grouped query; each class's closing balance of the last month
    must be what the plain query's months add up to."""
    tier = env.ref("account_customer_ledger.dimension_value_tier")
    start = date_to.replace(day=1) - relativedelta(months=11)
    wizard = env["customer.class.receivable"].create({"dimension_id": tier.id, "date_from": start, "date_to": date_to})
    t_report, _action = best_of(wizard.action_show, repeat)
    params = {"start": start, "date_to": date_to, "dimension": tier.id, "company": env.company.id}

    def bare():
        env.cr.execute("SET LOCAL jit = off")
        env.cr.execute(BARE_RECEIVABLES_SQL, params)
        rows = env.cr.fetchall()
        env.cr.execute("RESET jit")
        return rows

    t_bare, rows = best_of(bare, repeat)
    expected = {}
    for class_id, _month, balance in rows:
        expected[class_id or False] = expected.get(class_id or False, 0) + balance
    closing = {line.class_id.id: line.closing_balance for line in wizard.line_ids if line.date == date_to}
    mismatches = sum(round(float(expected.get(key, 0)) - closing.get(key, 0), 2) != 0 for key in expected | closing)
    return t_report, t_bare, mismatches
