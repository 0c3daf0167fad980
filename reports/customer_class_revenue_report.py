from odoo import fields, models
from odoo.tools import SQL


class CustomerClassRevenueReport(models.Model):
    """Revenue and receivables of posted customer invoices and credit notes
    by customer class, one row per document and dimension, on one of two
    bases (context key ``customer_class_basis``, one menu each): the class
    the customer holds now (``current``, the default), or the class stamped
    on the document when it was posted (``posting``), which reclassifying
    never changes."""

    _name = "customer.class.revenue.report"
    _description = "Revenue and Receivables by Customer Class"
    _auto = False
    _order = "date desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")], string="Type", readonly=True
    )
    date = fields.Date(string="Invoice Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    invoice_user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    class_id = fields.Many2one("customer.class", readonly=True)
    revenue = fields.Monetary(currency_field="company_currency_id", readonly=True, help="Untaxed amount.")
    amount_total = fields.Monetary(string="Invoiced", currency_field="company_currency_id", readonly=True)
    amount_residual = fields.Monetary(string="Open Receivable", currency_field="company_currency_id", readonly=True)

    @property
    def _table_query(self):
        # One basis per query, chosen before PostgreSQL plans it: a UNION of
        # both would plan each branch for all its rows, without the LIMIT of
        # a list page, which then sorts the whole ledger instead of reading
        # the latest documents by their date index.
        if self.env.context.get("customer_class_basis") == "posting":
            return self._documents_by_class(
                1,
                SQL("stamped"),
                SQL(
                    """JOIN account_move_customer_class_rel stamp ON stamp.move_id = move.id
                       JOIN (SELECT id AS class_id, dimension_id FROM customer_class) stamped
                         ON stamped.class_id = stamp.class_id"""
                ),
            )
        return self._documents_by_class(
            0,
            SQL("assignment"),
            SQL(
                """JOIN customer_class_assignment assignment
                     ON assignment.partner_id = move.commercial_partner_id
                    AND assignment.company_id = move.company_id"""
            ),
        )

    def _documents_by_class(self, basis_bit, classes, join):
        """Posted customer documents joined by ``join`` to the classes of
        ``classes`` (an alias with ``dimension_id`` and ``class_id``).

        A row's id is computed from its document, dimension and basis, not
        numbered over the whole set: a window function would keep
        PostgreSQL from filtering the rows before it joins them (a pivot on
        one dimension would join every dimension's classes) and would number
        every row of the ledger to show a page of the list. Unique for both
        bases while dimension ids stay under 2**20, and under 2**53 (which
        the web client holds exactly) for document ids under 2**32."""
        return SQL(
            """SELECT move.id::bigint * 2097152 + %(classes)s.dimension_id * 2 + %(bit)s AS id,
                      move.id AS move_id,
                      move.move_type,
                      move.invoice_date AS date,
                      move.company_id,
                      company.currency_id AS company_currency_id,
                      move.commercial_partner_id AS partner_id,
                      partner.country_id,
                      move.invoice_user_id,
                      %(classes)s.dimension_id,
                      %(classes)s.class_id,
                      move.amount_untaxed_signed AS revenue,
                      move.amount_total_signed AS amount_total,
                      move.amount_residual_signed AS amount_residual
                 FROM account_move move
                 JOIN res_company company ON company.id = move.company_id
                 JOIN res_partner partner ON partner.id = move.commercial_partner_id
                 %(join)s
                WHERE move.state = 'posted'
                  AND move.move_type IN ('out_invoice', 'out_refund')""",
            classes=classes,
            bit=basis_bit,
            join=join,
        )
