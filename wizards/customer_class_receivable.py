from dateutil.relativedelta import relativedelta

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.customer_aging import CLASS_BASES, stamped_classes_query
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
    basis = fields.Selection(
        CLASS_BASES,
        string="Classes",
        required=True,
        default="current",
        help="Whether receivables count under the class each customer holds today, or under the class stamped on "
        "each invoice and credit note when it was posted (payments and other entries then count under none).",
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
        none) and month from ``date_from``'s to ``date_to``'s: the open
        receivables at the month's end (at ``date_to`` for the last) and
        what was debited and credited to them in the month. Rows that are
        nothing but zeros are left out.

        Each posted receivable item counts under its class (see
        :meth:`_item_classes`) from its date; a reconciliation takes its
        amount off both items on the day it is complete (its ``max_date``,
        as the aging counts it), which only moves receivables between
        classes when its two items are in different ones: the balance of a
        class on a day is then the sum of its items' open amounts on that
        day."""
        self.ensure_one()
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["customer.class.assignment"].flush_model()
        self.env["account.move"].flush_model(["customer_class_ids"])
        start = self.date_from.replace(day=1)
        # JIT compilation costs more than such a grouped query itself.
        rows = self.env["customer.metrics"]._execute_without_jit(
            SQL(
                """
                WITH months AS (
                    SELECT month::date AS month_start,
                           LEAST((month + INTERVAL '1 month - 1 day')::date, %(date_to)s) AS month_end
                      FROM generate_series(%(start)s::timestamp, %(date_to)s::timestamp, INTERVAL '1 month') month
                ),
                items AS (%(items)s),
                movements AS (
                    SELECT company_id, class_id, date, debit, credit FROM items
                    UNION ALL
                    SELECT side.company_id, side.class_id, partial.max_date, side.debit, side.credit
                      FROM account_partial_reconcile partial
                      LEFT JOIN items debit_item ON debit_item.id = partial.debit_move_id
                      LEFT JOIN items credit_item ON credit_item.id = partial.credit_move_id
                     CROSS JOIN LATERAL (
                           VALUES (debit_item.id, debit_item.company_id, debit_item.class_id, 0, partial.amount),
                                  (credit_item.id, credit_item.company_id, credit_item.class_id, partial.amount, 0)
                          ) side(item_id, company_id, class_id, debit, credit)
                     WHERE partial.max_date <= %(date_to)s
                       AND side.item_id IS NOT NULL
                       AND (debit_item.id IS NULL OR credit_item.id IS NULL
                            OR debit_item.company_id != credit_item.company_id
                            OR debit_item.class_id IS DISTINCT FROM credit_item.class_id)
                ),
                moves AS (
                    SELECT company_id,
                           class_id,
                           -- what came before the first month makes its opening balance
                           CASE WHEN date >= %(start)s
                                THEN date_trunc('month', date::timestamp)::date END AS month_start,
                           SUM(debit) AS debit,
                           SUM(credit) AS credit
                      FROM movements
                     GROUP BY 1, 2, 3
                ),
                classes AS (
                    SELECT company_id, class_id, SUM(debit - credit) FILTER (WHERE month_start IS NULL) AS opening
                      FROM moves
                     GROUP BY 1, 2
                ),
                balances AS (
                    SELECT classes.company_id,
                           classes.class_id,
                           months.month_end,
                           COALESCE(moves.debit, 0) AS debit,
                           COALESCE(moves.credit, 0) AS credit,
                           COALESCE(classes.opening, 0) + SUM(COALESCE(moves.debit - moves.credit, 0)) OVER (
                               PARTITION BY classes.company_id, classes.class_id ORDER BY months.month_start
                           ) AS closing
                      FROM classes
                     CROSS JOIN months
                      LEFT JOIN moves
                             ON moves.company_id = classes.company_id
                            AND moves.class_id IS NOT DISTINCT FROM classes.class_id
                            AND moves.month_start = months.month_start
                )
                SELECT company_id, class_id, month_end, closing - debit + credit AS opening, debit, credit, closing
                  FROM balances
                 WHERE closing != 0 OR debit != 0 OR credit != 0
                 ORDER BY month_end, company_id, class_id
                """,
                start=start,
                date_to=self.date_to,
                items=self._item_classes(),
            )
        )
        return [
            {
                "report_id": self.id,
                "company_id": row["company_id"],
                "class_id": row["class_id"],
                "date": row["month_end"],
                "opening_balance": row["opening"],
                "debit": row["debit"],
                "credit": row["credit"],
                "closing_balance": row["closing"],
            }
            for row in rows
        ]

    def _item_classes(self):
        """The posted receivable items of the user's companies up to
        ``date_to`` (``id, company_id, class_id, date, debit, credit``),
        each with its class in the dimension: on the ``current`` basis the
        one its customer (a contact's company) holds now in the item's
        company, on the ``posting`` basis the one stamped on its document
        when it was posted (none for payments and other entries)."""
        if self.basis == "posting":
            class_join = SQL(
                "LEFT JOIN (%s) item_class ON item_class.move_id = line.move_id",
                stamped_classes_query(self.dimension_id),
            )
        else:
            class_join = SQL(
                """LEFT JOIN res_partner partner ON partner.id = line.partner_id
                   LEFT JOIN customer_class_assignment item_class
                          ON item_class.partner_id = partner.commercial_partner_id
                         AND item_class.company_id = line.company_id
                         AND item_class.dimension_id = %s""",
                self.dimension_id.id,
            )
        return SQL(
            """SELECT line.id, line.company_id, item_class.class_id, line.date, line.debit, line.credit
                 FROM account_move_line line
                 JOIN account_account account ON account.id = line.account_id
                 %s
                WHERE account.account_type = 'asset_receivable'
                  AND line.parent_state = 'posted'
                  AND line.company_id IN %s
                  AND line.date <= %s""",
            class_join,
            tuple(self.env.companies.ids),
            self.date_to,
        )


class CustomerClassReceivableLine(models.TransientModel):
    _name = "customer.class.receivable.line"
    _description = "Receivables of a Customer Class at a Month's End"
    _order = "date, company_id, class_id"

    report_id = fields.Many2one("customer.class.receivable", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Currency", store=True)
    class_id = fields.Many2one(
        "customer.class",
        readonly=True,
        context=SHORT_NAME,
        help="Empty for the receivables that count under no class of the dimension: those of partners without "
        "one, or, by the class stamped at posting, of payments and of documents posted without one.",
    )
    date = fields.Date(string="Month End", readonly=True, help="The day the month's closing balance is taken.")
    opening_balance = fields.Monetary(currency_field="company_currency_id", readonly=True)
    debit = fields.Monetary(currency_field="company_currency_id", readonly=True)
    credit = fields.Monetary(currency_field="company_currency_id", readonly=True)
    closing_balance = fields.Monetary(currency_field="company_currency_id", readonly=True)

    def action_open_aged_receivable(self):
        """The Aged Receivable of the row's class (or of no class) on the
        row's closing day, customer by customer: who makes up the balance,
        counting classes as the report does (held now, or stamped at
        posting), and the items of the row's company alone, as the row
        counts them (a branch's apart from its parent's)."""
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
                    "unclassified": not self.class_id,
                    "dimension_id": self.report_id.dimension_id.id,
                    "class_basis": self.report_id.basis,
                    "branch_ids": [Command.set(self.company_id.ids)],
                }
            )
        )
        return aging.action_show()
