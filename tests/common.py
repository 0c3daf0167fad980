from datetime import date

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.account_customer_ledger.models import ledger_plan


class LedgerTestCommon(AccountTestInvoicingCommon):
    """Company with a chart of accounts plus helpers to run ledger plans."""

    anchor = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.generator = cls.env["customer.ledger.generator"]
        cls.company = cls.company_data["company"]

    @classmethod
    def _small_bulk_plan(cls, customers=6, invoices=40, seed=11):
        return ledger_plan.build_bulk_plan(cls.anchor, customers, invoices, seed=seed)

    @classmethod
    def _invoice(
        cls, partner, invoice_date, amount, move_type="out_invoice", currency=None, pay_on=None, company=None, due=None
    ):
        """Post a tax-free document, due on its own date unless ``due``."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": due or invoice_date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []}),
                    ],
                }
            )
        )
        move.action_post()
        if pay_on:
            cls._pay(move, pay_on)
        return move

    @classmethod
    def _pay(cls, move, payment_date):
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": payment_date}
        )._create_payments()
