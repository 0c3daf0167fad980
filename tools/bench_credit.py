"""Benchmark of credit control on a large ledger.

Run inside an Odoo environment (``ledgerctl.py bench-credit`` does it):

- the *Over Credit Limit* filter (exposure and limits of every customer)
  against the bare SQL aggregate of the open receivables per customer;
- posting one customer invoice with the credit check against posting the
  same invoice with the check switched off (the addon's check replaced by a
  no-op for the measurement);
- with ``oca=True`` (the OCA ``account_financial_risk`` installed in the same
  database), the same two things done by that addon: its *Financial risk
  exceeded* filter, counting the same exposure (draft, open and overdue
  receivables netted by unapplied payments) against the same limits, and the
  time its check adds to posting.

Every customer gets a limit first (so the filter has work to do and every
posting is checked); everything is rolled back at the end.
"""

import statistics
import time
from unittest.mock import patch

from bench_common import best_of

from odoo import Command
from odoo.tools import SQL

BARE_SQL = """
SELECT p.commercial_partner_id, SUM(l.amount_residual)
  FROM account_move_line l
  JOIN account_account a ON a.id = l.account_id
  JOIN res_partner p ON p.id = l.partner_id
 WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
   AND a.account_type = 'asset_receivable' AND NOT l.reconciled
 GROUP BY p.commercial_partner_id
"""


# The OCA addon's amounts that count towards a customer's risk: all of them,
# so that its total is the exposure the addon's filter compares.
OCA_INCLUDE_FIELDS = (
    "risk_invoice_draft_include",
    "risk_invoice_open_include",
    "risk_invoice_unpaid_include",
    "risk_account_amount_include",
    "risk_account_amount_unpaid_include",
)


def run(env, repeat=3, postings=15, oca=False):
    """``postings``: invoices posted each way."""
    company = env.company
    cr = env.cr
    cr.execute(
        """SELECT COUNT(*), COUNT(DISTINCT l.partner_id)
             FROM account_move_line l JOIN account_account a ON a.id = l.account_id
            WHERE l.company_id = %s AND l.parent_state = 'posted'
              AND a.account_type = 'asset_receivable' AND NOT l.reconciled""",
        [company.id],
    )
    open_items, open_customers = cr.fetchone()
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE customer_rank > 0 AND id = commercial_partner_id")
    customers = cr.fetchone()[0]
    cr.execute("SAVEPOINT bench_credit")
    # A limit for every customer, in one statement: half of them low enough
    # to be over it.
    cr.execute(
        """UPDATE res_partner
              SET customer_credit_policy = jsonb_build_object(%(key)s, 'fixed'),
                  credit_limit = jsonb_build_object(%(key)s, CASE WHEN id %% 2 = 0 THEN 100 ELSE 100000000 END)
            WHERE customer_rank > 0 AND id = commercial_partner_id""",
        {"key": str(company.id)},
    )
    # Unapplied payments reduce the exposure, as they reduce the OCA risk.
    company.customer_credit_net_unapplied = True
    if oca:
        cr.execute(
            SQL(
                "UPDATE res_partner SET %s WHERE customer_rank > 0 AND id = commercial_partner_id",
                SQL(", ").join(SQL("%s = TRUE", SQL.identifier(name)) for name in OCA_INCLUDE_FIELDS),
            )
        )
    env.flush_all()
    env.invalidate_all()

    def bare():
        cr.execute("SET LOCAL jit = off")
        cr.execute(BARE_SQL, {"company": company.id})
        rows = cr.fetchall()
        cr.execute("RESET jit")
        return rows

    t_sql, bare_rows = best_of(bare, repeat)
    Partner = env["res.partner"]
    t_filter, over = best_of(lambda: Partner.search([("customer_credit_over_limit", "=", True)]), repeat)
    t_oca_filter = oca_over = None
    if oca:
        # Slow: timed once, on an empty cache (its figures are not stored).
        env.invalidate_all()
        t_oca_filter, oca_over = best_of(lambda: Partner.search([("risk_exception", "=", True)]), 1)

    # Posting: the same kind of invoice for customers with many open items.
    cr.execute(
        """SELECT l.partner_id FROM account_move_line l JOIN account_account a ON a.id = l.account_id
            WHERE l.company_id = %s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
              AND NOT l.reconciled AND l.partner_id %% 2 = 1
            GROUP BY l.partner_id ORDER BY COUNT(*) DESC LIMIT %s""",
        [company.id, postings * 3 + 1],
    )
    partner_ids = [row[0] for row in cr.fetchall()]

    # The OCA check is skipped by its own context key while the addon's is
    # measured, and the addon's replaced by a no-op while the OCA's is.
    quiet = env(context=dict(env.context, bypass_risk=True)) if oca else env

    def post_one(partner_id, env=quiet):
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 10.0})],
            }
        )
        env.flush_all()
        started = time.perf_counter()
        move.action_post()
        env.flush_all()
        elapsed = time.perf_counter() - started
        assert move.state == "posted", f"invoice for partner {partner_id} not posted"
        return elapsed

    post_one(partner_ids[0])  # warm the caches
    Engine = type(env["customer.credit.engine"])

    def post_unchecked(partner_id, env=quiet):
        with patch.object(Engine, "_check_invoices", lambda self, moves: None):
            return post_one(partner_id, env)

    # Each customer's invoice is posted one way, the ways taking turns so
    # that they share the same conditions.
    ways = [(post_unchecked, []), (post_one, [])]
    if oca:
        ways.append((lambda partner_id: post_unchecked(partner_id, env), []))
    for index, partner_id in enumerate(partner_ids[1 : postings * len(ways) + 1]):
        post, times = ways[index % len(ways)]
        times.append(post(partner_id))
    t_without, t_with, *t_oca_post = (statistics.median(times) for _post, times in ways)
    t_oca_post = t_oca_post[0] if oca else None
    cr.execute("ROLLBACK TO SAVEPOINT bench_credit")
    env.invalidate_all()
    return {
        "customers": customers,
        "open_items": open_items,
        "open_customers": open_customers,
        "bare_sql_s": t_sql,
        "bare_rows": len(bare_rows),
        "filter_s": t_filter,
        "over_limit": len(over),
        "filter_vs_sql": t_filter / t_sql,
        "post_with_s": t_with,
        "post_without_s": t_without,
        "check_extra_s": t_with - t_without,
        "post_ratio": t_with / t_without,
        "postings": sum(len(times) for _post, times in ways),
        "oca_filter_s": t_oca_filter,
        "oca_over_limit": oca_over is not None and len(oca_over),
        "oca_same_customers": oca_over is not None and set(oca_over.ids) == set(over.ids),
        "oca_post_s": t_oca_post,
        "oca_check_extra_s": t_oca_post and t_oca_post - t_without,
    }
