from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCustomerLedgerTour(HttpCase):
    def test_accountant_opens_customer_from_ledger_menu(self):
        """An accountant logs in, opens Customer Ledger and a customer form."""
        new_test_user(
            self.env,
            login="ledger_tour_accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Customer 客户", "customer_rank": 1, "is_company": True, "employee_count": 250}
        )
        customer.value_tier_id = self.env.ref("account_customer_ledger.class_value_tier_a")
        self.start_tour("/odoo", "account_customer_ledger_open_customer", login="ledger_tour_accountant")
