from dateutil.relativedelta import relativedelta

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.customer_class import SHORT_NAME


class CustomerClassReceivable(models.TransientModel):
    """Receivables by customer class at each month's end: the balance of
    the receivable accounts of every customer of a class, month by month,
    with what was debited and credited in between."""

    _name = "customer.class.receivable"
    _description = "Receivables by Customer Class"

    dimension_id = fields.Many2one(
        "customer.class.dimension",
        required=True,
        default=lambda self: self.env.ref("account_customer_ledger.dimension_value_tier", raise_if_not_found=False),
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(months=11),
        help="The first month shown; its opening balance is the balance on the day before the month begins.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=fields.Date.context_today,
        help="The last month shown closes on this day.",
    )
    line_ids = fields.One2many("customer.class.receivable.line", "report_id", string="Rows")

    def action_show(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(
                self.env._("The report would end before it begins: choose a From date on or before the To date.")
            )
        self.line_ids.unlink()
        self.env["customer.class.receivable.line"].create(self._month_rows())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_customer_ledger.customer_class_receivable_line_action"
        )
        action["name"] = self.env._("Receivables by %(dimension)s", dimension=self.dimension_id.name)
        action["domain"] = [("report_id", "=", self.id)]
        return action

    def _month_rows(self):
        """One row per company of the user, class of the dimension (and
        none, for the receivables of partners without one) and month from
        ``date_from``'s to ``date_to``'s: the balance at the month's end (at
        ``date_to`` for the last) of every posted receivable item, and the
        debits and credits of the month. A customer counts under the class
        it holds now in the item's company. Rows that are nothing but zeros
        are left out."""
        self.ensure_one()
        self.env["account.move.line"].flush_model(["account_id", "partner_id", "company_id", "parent_state", "date"])
        self.env["customer.class.assignment"].flush_model()
        start = self.date_from.replace(day=1)
        self.env.cr.execute(
            SQL(
                """
                WITH months AS (
                    SELECT month::date AS month_start,
                           LEAST((month + INTERVAL '1 month - 1 day')::date, %(date_to)s) AS month_end
                      FROM generate_series(%(start)s::timestamp, %(date_to)s::timestamp, INTERVAL '1 month') month
                ),
                moves AS (
                    SELECT line.company_id,
                           assignment.class_id,
                           -- what came before the first month makes its opening balance
                           CASE WHEN line.date >= %(start)s
                                THEN date_trunc('month', line.date::timestamp)::date END AS month_start,
                           SUM(line.debit) AS debit,
                           SUM(line.credit) AS credit,
                           SUM(line.balance) AS balance
                      FROM account_move_line line
                      JOIN account_account account ON account.id = line.account_id
                      LEFT JOIN res_partner partner ON partner.id = line.partner_id
                      LEFT JOIN customer_class_assignment assignment
                             ON assignment.partner_id = partner.commercial_partner_id
                            AND assignment.company_id = line.company_id
                            AND assignment.dimension_id = %(dimension)s
                     WHERE account.account_type = 'asset_receivable'
                       AND line.parent_state = 'posted'
                       AND line.company_id IN %(companies)s
                       AND line.date <= %(date_to)s
                     GROUP BY 1, 2, 3
                ),
                classes AS (
                    SELECT company_id, class_id, SUM(balance) FILTER (WHERE month_start IS NULL) AS opening
                      FROM moves
                     GROUP BY 1, 2
                ),
                balances AS (
                    SELECT classes.company_id,
                           classes.class_id,
                           months.month_end,
                           COALESCE(moves.debit, 0) AS debit,
                           COALESCE(moves.credit, 0) AS credit,
                           COALESCE(classes.opening, 0) + SUM(COALESCE(moves.balance, 0)) OVER (
                               PARTITION BY classes.company_id, classes.class_id ORDER BY months.month_start
                           ) AS closing
                      FROM classes
                     CROSS JOIN months
                      LEFT JOIN moves
                             ON moves.company_id = classes.company_id
                            AND moves.class_id IS NOT DISTINCT FROM classes.class_id
                            AND moves.month_start = months.month_start
                )
                SELECT company_id, class_id, month_end, closing - debit + credit, debit, credit, closing
                  FROM balances
                 WHERE closing != 0 OR debit != 0 OR credit != 0
                 ORDER BY month_end, company_id, class_id
                """,
                start=start,
                date_to=self.date_to,
                dimension=self.dimension_id.id,
                companies=tuple(self.env.companies.ids),
            )
        )
        return [
            {
                "report_id": self.id,
                "company_id": company_id,
                "dimension_id": self.dimension_id.id,
                "class_id": class_id,
                "date": month_end,
                "opening_balance": opening,
                "debit": debit,
                "credit": credit,
                "closing_balance": closing,
            }
            for company_id, class_id, month_end, opening, debit, credit, closing in self.env.cr.fetchall()
        ]


class CustomerClassReceivableLine(models.TransientModel):
    _name = "customer.class.receivable.line"
    _description = "Receivables of a Customer Class at a Month's End"
    _order = "date, company_id, class_id"

    report_id = fields.Many2one("customer.class.receivable", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Currency", store=True)
    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    class_id = fields.Many2one(
        "customer.class",
        readonly=True,
        context=SHORT_NAME,
        help="Empty for the receivables of partners without a class in the dimension.",
    )
    date = fields.Date(string="Month End", readonly=True, help="The day the month's closing balance is taken.")
    opening_balance = fields.Monetary(currency_field="company_currency_id", readonly=True)
    debit = fields.Monetary(currency_field="company_currency_id", readonly=True)
    credit = fields.Monetary(currency_field="company_currency_id", readonly=True)
    closing_balance = fields.Monetary(currency_field="company_currency_id", readonly=True)

    def action_open_aged_receivable(self):
        """The Aged Receivable of the row's class on the row's closing day,
        customer by customer: who makes up the balance. Run in the row's
        company, which covers its branches as well."""
        self.ensure_one()
        aging = (
            self.env["customer.aging.report"]
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "as_of": self.date,
                    "group_by": "customer",
                    "class_ids": [Command.set(self.class_id.ids)],
                }
            )
        )
        return aging.action_show()
