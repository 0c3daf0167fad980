from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.res_partner import CLASS_FIELDS


class CustomerAgingAnalysis(models.Model):
    """Open receivables as of today, item by item, with their aging bucket
    (the company's buckets), for list, pivot and graph views.

    The same rule as the aging engine: today's residual plus partial
    reconciliations dated after today added back. Bucket names are
    language-neutral ("01: 1-30", "05: >120") and sort in bucket order.
    """

    _name = "customer.aging.analysis"
    _description = "Open Receivables by Aging Bucket"
    _auto = False
    _order = "days_overdue desc"

    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    invoice_user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Document Currency", readonly=True)
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Char(string="Aging Bucket", readonly=True)
    amount_residual = fields.Monetary(string="Open Amount", currency_field="company_currency_id", readonly=True)
    amount_residual_currency = fields.Monetary(
        string="Open Amount in Currency", currency_field="currency_id", readonly=True, aggregator=None
    )
    customer_type_id = fields.Many2one("customer.class", readonly=True)
    value_tier_id = fields.Many2one("customer.class", readonly=True)
    rfm_segment_id = fields.Many2one("customer.class", string="Behaviour Segment", readonly=True)
    size_band_id = fields.Many2one("customer.class", readonly=True)
    region_class_id = fields.Many2one("customer.class", string="Region", readonly=True)

    def _query(self):
        classes = SQL(", ").join(
            SQL(
                "(partner.%s ->> line.company_id::text)::int AS %s",
                SQL.identifier(fname),
                SQL.identifier(fname),
            )
            for fname in CLASS_FIELDS
        )
        return SQL(
            """
            WITH added_back AS (
                SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                  FROM (
                        SELECT debit_move_id AS line_id, amount, debit_amount_currency AS amount_currency
                          FROM account_partial_reconcile WHERE max_date > CURRENT_DATE
                        UNION ALL
                        SELECT credit_move_id, -amount, -credit_amount_currency
                          FROM account_partial_reconcile WHERE max_date > CURRENT_DATE
                  ) later
                 GROUP BY line_id
            ),
            items AS (
                SELECT line.id, line.company_id, company.currency_id AS company_currency_id,
                       partner.commercial_partner_id AS partner_id, line.move_id, line.account_id,
                       move.invoice_user_id, commercial.country_id, line.currency_id, line.date,
                       COALESCE(line.date_maturity, line.date) AS date_maturity,
                       CURRENT_DATE - COALESCE(line.date_maturity, line.date) AS days_overdue,
                       string_to_array(replace(company.customer_aging_buckets, ' ', ''), ',')::int[] AS bounds,
                       line.amount_residual + COALESCE(added_back.amount, 0) AS amount_residual,
                       line.amount_residual_currency + COALESCE(added_back.amount_currency, 0)
                           AS amount_residual_currency,
                       %(classes)s
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN res_company company ON company.id = line.company_id
                  LEFT JOIN res_partner partner ON partner.id = line.partner_id
                  LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
                  LEFT JOIN added_back ON added_back.line_id = line.id
                 WHERE line.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND line.date <= CURRENT_DATE
                   AND (NOT line.reconciled OR added_back.line_id IS NOT NULL)
                   AND line.amount_residual + COALESCE(added_back.amount, 0) != 0
            ),
            bucketed AS (
                SELECT items.*,
                       CASE WHEN days_overdue <= 0 THEN 0
                            ELSE 1 + (SELECT COUNT(*) FROM unnest(bounds) bound WHERE days_overdue > bound)
                       END AS bucket_index
                  FROM items
            )
            SELECT id, company_id, company_currency_id, partner_id, move_id, account_id, invoice_user_id,
                   country_id, currency_id, date, date_maturity, days_overdue, amount_residual,
                   amount_residual_currency, %(class_names)s,
                   lpad(bucket_index::text, 2, '0') || ': ' || CASE
                        WHEN bucket_index = 0 THEN '≤0'
                        WHEN bucket_index > array_length(bounds, 1) THEN '>' || bounds[array_length(bounds, 1)]
                        ELSE COALESCE(bounds[bucket_index - 1] + 1, 1) || '-' || bounds[bucket_index]
                   END AS bucket
              FROM bucketed
            """,
            classes=classes,
            class_names=SQL(", ").join(SQL.identifier(fname) for fname in CLASS_FIELDS),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
