from datetime import date

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
