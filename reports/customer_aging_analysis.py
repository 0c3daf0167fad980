from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.customer_aging import bucket_labels, parse_buckets
from ..models.customer_class import SHORT_NAME
from ..models.res_partner import CLASS_FIELDS


class CustomerAgingAnalysis(models.Model):
    """Open receivables as of today, item by item, with their aging bucket
    (the company's buckets), for list, pivot and graph views.

    The aging engine's open items, as of ``CURRENT_DATE``. A bucket is
    stored as a key that sorts in bucket order and names its days ("00: ≤0",
    "01: 1-30", "05: >120": each company has its own buckets); users read
    the labels of the aging reports in their language ("Current", "1-30",
    "Over 120").
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
    bucket = fields.Selection(selection="_bucket_selection", string="Aging Bucket", readonly=True)
    amount_residual = fields.Monetary(string="Open Amount", currency_field="company_currency_id", readonly=True)
    amount_residual_currency = fields.Monetary(
        string="Open Amount in Currency", currency_field="currency_id", readonly=True, aggregator=None
    )
    customer_type_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    value_tier_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    rfm_segment_id = fields.Many2one("customer.class", string="Behaviour Segment", readonly=True, context=SHORT_NAME)
    size_band_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    region_class_id = fields.Many2one("customer.class", string="Region", readonly=True, context=SHORT_NAME)

    @api.model
    def _bucket_selection(self):
        """The buckets of the user's current companies, each key with the
        label the aging reports give it, in bucket order."""
        selection = {}
        for company in self.env.companies:
            bounds = parse_buckets(company.customer_aging_buckets, self.env)
            for index, label in enumerate(bucket_labels(bounds, self.env)):
                selection.setdefault(self._bucket_key(index, bounds), label)
        return sorted(selection.items())

    @api.model
    def _bucket_key(self, index, bounds):
        """The key the view's query writes for bucket ``index`` of ``bounds``."""
        if index == 0:
            days = "≤0"
        elif index > len(bounds):
            days = f">{bounds[-1]}"
        else:
            days = f"{bounds[index - 2] + 1 if index > 1 else 1}-{bounds[index - 1]}"
        return f"{index:02d}: {days}"

    def _query(self):
        classes = SQL(", ").join(
            SQL(
                "(commercial.%s ->> items.company_id::text)::int AS %s",
                SQL.identifier(fname),
                SQL.identifier(fname),
            )
            for fname in CLASS_FIELDS
        )
        return SQL(
            """
            WITH items AS (%(items)s),
            aged AS (
                SELECT items.*, company.currency_id AS company_currency_id, move.invoice_user_id,
                       commercial.country_id,
                       CURRENT_DATE - items.date_maturity AS days_overdue,
                       string_to_array(replace(company.customer_aging_buckets, ' ', ''), ',')::int[] AS bounds,
                       %(classes)s
                  FROM items
                  JOIN account_move move ON move.id = items.move_id
                  JOIN res_company company ON company.id = items.company_id
                  LEFT JOIN res_partner commercial ON commercial.id = items.partner_id
            ),
            bucketed AS (
                SELECT aged.*,
                       CASE WHEN days_overdue <= 0 THEN 0
                            ELSE 1 + (SELECT COUNT(*) FROM unnest(bounds) bound WHERE days_overdue > bound)
                       END AS bucket_index
                  FROM aged
            )
            SELECT line_id AS id, company_id, company_currency_id, partner_id, move_id, account_id,
                   invoice_user_id, country_id, currency_id, date, date_maturity, days_overdue,
                   residual AS amount_residual, residual_currency AS amount_residual_currency,
                   %(class_names)s,
                   lpad(bucket_index::text, 2, '0') || ': ' || CASE
                        WHEN bucket_index = 0 THEN '≤0'
                        WHEN bucket_index > array_length(bounds, 1) THEN '>' || bounds[array_length(bounds, 1)]
                        ELSE COALESCE(bounds[bucket_index - 1] + 1, 1) || '-' || bounds[bucket_index]
                   END AS bucket
              FROM bucketed
            """,
            items=self.env["customer.aging.engine"]._items_query(None, SQL("CURRENT_DATE")),
            classes=classes,
            class_names=SQL(", ").join(SQL.identifier(fname) for fname in CLASS_FIELDS),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
