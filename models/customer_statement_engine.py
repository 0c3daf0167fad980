from odoo import api, fields, models
from odoo.tools import SQL, format_amount

from .customer_aging import bucket_labels

DOCUMENT_KINDS = {
    "out_invoice": "invoice",
    "out_refund": "credit_note",
    "out_receipt": "invoice",
    "entry": "other",
}


class CustomerStatementEngine(models.AbstractModel):
    """A customer's statement for a period: opening balance, each movement
    on its receivable accounts with a running balance, closing balance, and
    the aging at the end date from the aging engine.

    A statement covers the company's whole group (its top company and every
    branch): they share the receivable accounts, and a payment to one may
    settle an invoice of another, so only the group's items together give
    the customer's balance. In company currency every receivable item
    counts (its balance); in
    another currency only the items in that currency count (their amount in
    that currency). ``_figures`` reads them from the ledger in a form a
    statement keeps; ``_present`` makes them ready for the templates.
    """

    _name = "customer.statement.engine"
    _description = "Customer Statement Engine"

    @api.model
    def _kind_labels(self):
        return {
            "invoice": self.env._("Invoice"),
            "credit_note": self.env._("Credit Note"),
            "payment": self.env._("Payment"),
            "write_off": self.env._("Write-off"),
            "exchange": self.env._("Exchange Difference"),
            "other": self.env._("Entry"),
        }

    @api.model
    def _figures(self, company, partner, date_from, date_to, currency=None, bounds=None):
        """The statement's figures, language-neutral and ready for JSON (dates
        as ISO strings): what a statement keeps as it was made.

        In another currency than the company's, an item in a third currency
        (a payment in company currency, say) counts for what it settled of
        the statement's items, in the statement's currency, on the date of
        each reconciliation (the later of the two items' dates, as the
        aging reckons it): the balance is then what the statement's items
        still wait for, which is what its aging shows."""
        currency = currency or company.currency_id
        partner = partner.commercial_partner_id
        in_company_currency = currency == company.currency_id
        amount = SQL("line.balance") if in_company_currency else SQL("line.amount_currency")
        currency_filter = SQL("TRUE") if in_company_currency else SQL("line.currency_id = %s", currency.id)
        self.env["customer.aging.engine"]._flush()
        base = SQL(
            """
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
             WHERE line.company_id = ANY(%(group)s)
               AND line.parent_state = 'posted'
               AND account.account_type = 'asset_receivable'
               AND line.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id = %(partner)s)
               AND %(currency_filter)s
            """,
            group=company._customer_ledger_group().ids,
            partner=partner.id,
            currency_filter=currency_filter,
        )
        self.env.cr.execute(SQL("SELECT COALESCE(SUM(%s), 0) %s AND line.date < %s", amount, base, date_from))
        opening = float(self.env.cr.fetchone()[0])
        self.env.cr.execute(
            SQL(
                """SELECT line.id, line.date, line.date_maturity, line.name, %(document)s, %(amount)s AS amount,
                          NULL AS applied, NULL AS applied_currency_id
                   %(base)s AND line.date BETWEEN %(date_from)s AND %(date_to)s AND %(amount)s != 0""",
                document=self._document_columns(),
                amount=amount,
                base=base,
                date_from=date_from,
                date_to=date_to,
            )
        )
        rows = self.env.cr.dictfetchall()
        if not in_company_currency:
            settlements = self._settlements(base, currency, date_to)
            opening += sum(float(row["amount"]) for row in settlements if row["date"] < date_from)
            rows += [row for row in settlements if row["date"] >= date_from]
        rows.sort(key=lambda row: (row["date"], row["move_name"] or "", row["applied"] is not None, row["id"]))
        running = opening
        lines = []
        for row in rows:
            value = float(row["amount"])
            running += value
            kind = DOCUMENT_KINDS.get(row["move_type"], "other")
            if kind == "other":
                if row["is_payment"] or row["is_bank"]:
                    kind = "payment"
                elif row["is_exchange"]:
                    kind = "exchange"
                elif value < 0:
                    kind = "write_off"
            line = {
                "date": fields.Date.to_string(row["date"]),
                "date_maturity": fields.Date.to_string(row["date_maturity"]),
                "kind": kind,
                "reference": row["move_name"],
                "description": row["ref"] or (row["name"] if row["name"] != row["move_name"] else ""),
                "debit": value if value > 0 else 0.0,
                "credit": -value if value < 0 else 0.0,
                "balance": currency.round(running),
            }
            if row["applied"] is not None:
                # Worded when shown, in the reader's language.
                line.update(
                    description="", applied=float(row["applied"]), applied_currency_id=row["applied_currency_id"]
                )
            lines.append(line)
        bounds = bounds or [30, 60, 90, 120]
        aging = self.env["customer.aging.engine"]._aged(
            company,
            date_to,
            bounds,
            partner_ids=partner.ids,
            currency_id=None if in_company_currency else currency.id,
        )
        return {
            "currency_id": currency.id,
            "opening": currency.round(opening),
            "closing": currency.round(running),
            "lines": lines,
            "aging": aging[0]["buckets"] if aging else [0.0] * (len(bounds) + 2),
            "aging_bounds": bounds,
        }

    @api.model
    def _document_columns(self):
        """The columns naming the document (``move``) of a statement line."""
        return SQL(
            """move.name AS move_name, move.ref, move.move_type, move.origin_payment_id IS NOT NULL AS is_payment,
               move.statement_line_id IS NOT NULL AS is_bank,
               EXISTS (
                   SELECT 1 FROM account_partial_reconcile part
                    WHERE part.exchange_move_id IN (move.id, move.reversed_entry_id)
                   UNION ALL
                   SELECT 1 FROM account_full_reconcile full_rec
                    WHERE full_rec.exchange_move_id IN (move.id, move.reversed_entry_id)
               ) AS is_exchange"""
        )

    @api.model
    def _settlements(self, base, currency, date_to):
        """Rows of what items in other currencies settled of the statement's
        items (``base`` selects them), up to ``date_to``: one per
        reconciliation, dated on its date, its amount in ``currency`` signed
        as it moves the balance (a payment applied lowers it), the document
        of the other item and how much of it was applied, in its currency."""
        self.env.cr.execute(
            SQL(
                """WITH own AS (SELECT line.id %(base)s),
                   sides AS (
                       SELECT part.id, part.max_date, -part.debit_amount_currency AS amount,
                              part.credit_amount_currency AS applied, part.credit_move_id AS other_id
                         FROM account_partial_reconcile part
                         JOIN own ON own.id = part.debit_move_id
                        UNION ALL
                       SELECT part.id, part.max_date, part.credit_amount_currency, part.debit_amount_currency,
                              part.debit_move_id
                         FROM account_partial_reconcile part
                         JOIN own ON own.id = part.credit_move_id
                   )
                   SELECT sides.id, sides.max_date AS date, NULL::date AS date_maturity, other.name, %(document)s,
                          sides.amount, sides.applied, other.currency_id AS applied_currency_id
                     FROM sides
                     JOIN account_move_line other ON other.id = sides.other_id
                     JOIN account_move move ON move.id = other.move_id
                    WHERE other.currency_id != %(currency)s
                      AND sides.max_date <= %(date_to)s
                      AND sides.amount != 0""",
                base=base,
                document=self._document_columns(),
                currency=currency.id,
                date_to=date_to,
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _applied_text(self, line):
        """What a statement line of another currency's item applied, in the
        reader's language: "¥7,000.00 applied"."""
        currency = self.env["res.currency"].browse(line["applied_currency_id"])
        return self.env._("%(amount)s applied", amount=format_amount(self.env, abs(line["applied"]), currency))

    @api.model
    def _present(self, company, partner, date_from, date_to, figures):
        """Figures from ``_figures`` with the records, totals and labels (in
        the current language) the PDF, the portal page and the XLSX show."""
        labels = self._kind_labels()
        lines = [
            dict(
                line,
                date=fields.Date.to_date(line["date"]),
                date_maturity=fields.Date.to_date(line["date_maturity"]),
                kind_label=labels[line["kind"]],
                description=self._applied_text(line) if line.get("applied_currency_id") else line["description"],
            )
            for line in figures["lines"]
        ]
        return {
            "partner": partner,
            "company": company,
            "currency": self.env["res.currency"].browse(figures["currency_id"]),
            "date_from": date_from,
            "date_to": date_to,
            "opening": figures["opening"],
            "lines": lines,
            "total_debit": sum(line["debit"] for line in lines),
            "total_credit": sum(line["credit"] for line in lines),
            "closing": figures["closing"],
            "aging": figures["aging"],
            "aging_bounds": figures["aging_bounds"],
            "aging_labels": bucket_labels(figures["aging_bounds"], self.env),
        }
