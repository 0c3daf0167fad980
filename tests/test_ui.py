from odoo import Command, fields
from odoo.tests import HttpCase, common, new_test_user, tagged

# A cold Chromium on a busy two-core machine can need more than Odoo's ten
# seconds to open its debugging port; give it a minute before giving up.
common.CHECK_BROWSER_ITERATIONS = max(common.CHECK_BROWSER_ITERATIONS, 600)


def _recently():
    """A date inside every "last months" window whatever the time zones of
    the test, the poster and the reader (today may already be tomorrow in
    one of them)."""
    return fields.Date.subtract(fields.Date.today(), days=3)


def _invoice(customer, amount, **vals):
    """A draft tax-free customer invoice of one line for ``amount``."""
    return customer.env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})],
            **vals,
        }
    )


@tagged("post_install", "-at_install")
class TestCustomerLedgerTour(HttpCase):
    def test_every_screen_of_the_app_opens(self):
        """Odoo's own click bot opens every menu of Customer Ledger, each of
        its views and filters, as an administrator and as an accountant: no
        screen fails to open."""
        accountant = new_test_user(
            self.env, login="ledger_click_accountant", groups="base.group_user,account.group_account_invoice"
        )
        start = "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader').startClickEverywhere('%s');"
        for login in ("admin", accountant.login):
            with self.subTest(login=login):
                self.browser_js(
                    "/odoo",
                    start % "account_customer_ledger.menu_customer_ledger_root",
                    "odoo.isReady === true",
                    login=login,
                    timeout=600,
                    success_signal="clickbot test succeeded",
                )

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

    def test_sales_user_reads_a_customers_classes(self):
        """A salesperson without accounting rights opens a customer's form
        and reads its classes and the revenue behind them."""
        new_test_user(self.env, login="ledger_tour_sales", groups="base.group_user,base.group_partner_manager")
        customer = self.env["res.partner"].create({"name": "Tour Sales Customer", "is_company": True})
        _invoice(customer, 1234, invoice_date=_recently()).action_post()
        customer.value_tier_id = self.env.ref("account_customer_ledger.class_value_tier_b")
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "account_customer_ledger_sales_user_reads_classes",
            login="ledger_tour_sales",
        )

    def test_user_working_in_chinese_reads_why_a_class_was_given(self):
        """A manager working in English classifies a customer; a salesperson
        working in Chinese opens its form and reads why, in Chinese."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        new_test_user(
            self.env, login="ledger_tour_sales_zh", groups="base.group_user,base.group_partner_manager", lang="zh_CN"
        )
        manager = new_test_user(
            self.env, login="ledger_tour_manager_en", groups="base.group_user,account.group_account_manager"
        )
        customer = self.env["res.partner"].create({"name": "Tour Chinese Reader", "is_company": True})
        # Far more revenue than any other customer: tier A whatever else the database holds.
        _invoice(customer, 100_000_000, invoice_date=_recently()).action_post()
        wizard = (
            self.env["customer.classify"]
            .with_user(manager)
            .create(
                {
                    "dimension_ids": [Command.set(self.env.ref("account_customer_ledger.dimension_value_tier").ids)],
                    "scope": "selection",
                    "partner_ids": [Command.set(customer.ids)],
                }
            )
        )
        wizard.action_apply()
        self.assertEqual(customer.value_tier_id, self.env.ref("account_customer_ledger.class_value_tier_a"))
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "account_customer_ledger_reason_in_chinese",
            login="ledger_tour_sales_zh",
        )

    def test_manager_unlocks_a_class_set_by_hand(self):
        """A classification manager unlocks a class from the customer's form."""
        manager = new_test_user(
            self.env,
            login="ledger_tour_class_manager",
            groups="base.group_user,account.group_account_manager",
        )
        customer = self.env["res.partner"].create({"name": "Tour Locked Customer", "is_company": True})
        customer.with_user(manager).value_tier_id = self.env.ref("account_customer_ledger.class_value_tier_b")
        assignment = self.env["customer.class.assignment"].search([("partner_id", "=", customer.id)])
        self.assertTrue(assignment.locked)
        self.start_tour(f"/odoo/res.partner/{customer.id}", "account_customer_ledger_unlock_class", login=manager.login)
        assignment.invalidate_recordset()
        self.assertFalse(assignment.locked)
        self.assertEqual(assignment.class_id, self.env.ref("account_customer_ledger.class_value_tier_b"))
        self.assertIn("unlocked by", customer.message_ids[0].body)

    def test_manager_queues_a_large_classification(self):
        """A classification manager applies the wizard to more customers
        than one request classifies: the run is queued and listed."""
        manager = new_test_user(
            self.env,
            login="ledger_tour_queue_manager",
            groups="base.group_user,account.group_account_manager",
        )
        self.env["ir.config_parameter"].sudo().set_param("account_customer_ledger.classify_background_threshold", 1)
        customers = self.env["res.partner"].create(
            [{"name": f"Tour Queue {name}", "customer_rank": 1, "is_company": True} for name in "AB"]
        )
        self.start_tour("/odoo/ledger-customers", "account_customer_ledger_classify_in_background", login=manager.login)
        run = self.env["customer.class.run"].search([("origin", "=", "wizard")], limit=1)
        self.assertEqual((run.user_id, run.partner_ids, run.state), (manager, customers, "running"))

    def test_manager_previews_then_applies_a_classification(self):
        """A classification manager selects two customers, previews their
        classes (nothing written), reads the changes and applies them."""
        manager = new_test_user(
            self.env,
            login="ledger_tour_apply_manager",
            groups="base.group_user,account.group_account_manager",
        )
        big, small = self.env["res.partner"].create(
            [{"name": f"Tour Apply {name}", "customer_rank": 1, "is_company": True} for name in ("Big", "Small")]
        )
        # Far more revenue than any other customer: tier A whatever else the database holds.
        _invoice(big, 100_000_000, invoice_date=_recently()).action_post()
        self.start_tour("/odoo/ledger-customers", "account_customer_ledger_preview_then_apply", login=manager.login)
        self.assertEqual(big.value_tier_id, self.env.ref("account_customer_ledger.class_value_tier_a"))
        self.assertEqual(small.value_tier_id, self.env.ref("account_customer_ledger.class_value_tier_c"))
        history = self.env["customer.class.history"].search([("partner_id", "=", big.id)])
        self.assertEqual(set(history.user_id.ids), {manager.id})

    def test_manager_previews_a_large_classification(self):
        """A classification manager previews more customers than one request
        previews: the preview is queued, nothing is written, and the run's
        form opens from the wizard."""
        manager = new_test_user(
            self.env,
            login="ledger_tour_preview_manager",
            groups="base.group_user,account.group_account_manager",
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "account_customer_ledger.classify_preview_background_threshold", 1
        )
        customers = self.env["res.partner"].create(
            [{"name": f"Tour Preview {name}", "customer_rank": 1, "is_company": True} for name in "AB"]
        )
        self.start_tour("/odoo/ledger-customers", "account_customer_ledger_preview_in_background", login=manager.login)
        run = self.env["customer.class.run"].search([("origin", "=", "wizard")], limit=1)
        self.assertEqual(
            (run.mode, run.user_id, run.partner_ids, run.state), ("preview", manager, customers, "running")
        )
        self.assertFalse(self.env["customer.class.assignment"].search([("partner_id", "in", customers.ids)]))

    def test_accountant_sees_credit_and_refused_posting(self):
        """The Credit Control tab shows hold, exposure with the documents behind
        them and the valid credit exception; a draft invoice of a customer
        on hold that the exception does not cover warns, and posting it is
        refused."""
        new_test_user(
            self.env,
            login="ledger_tour_credit",
            groups="base.group_user,account.group_account_invoice",
        )
        customer = self.env["res.partner"].create({"name": "Credit Tour Co", "customer_rank": 1, "is_company": True})
        _invoice(customer, 1500.0, invoice_date=fields.Date.today()).action_post()
        customer.write({"customer_credit_policy": "fixed", "credit_limit": 5000.0, "customer_credit_hold": True})
        draft = _invoice(customer, 100.0, invoice_date=fields.Date.today())
        self.env["customer.credit.exception"].create(
            {
                "partner_id": customer.id,
                "reason": "Small top-up order",
                "max_amount": 50.0,
                "date_expiry": fields.Date.today(),
                "state": "approved",
            }
        )
        self.start_tour(
            f"/odoo/res.partner/{customer.id}", "account_customer_ledger_credit", login="ledger_tour_credit"
        )
        self.start_tour(
            f"/odoo/account.move/{draft.id}", "account_customer_ledger_credit_banner", login="ledger_tour_credit"
        )
        self.assertEqual(draft.state, "draft")

    def test_branch_credit_manager_decides_the_branchs_requests(self):
        """A credit manager working in a branch finds the branch's requested
        exception under To Decide and grants it; the parent company's request
        is not listed there and opens read only, without Grant or Refuse."""
        branch = self.env["res.company"].create({"name": "Tour Branch", "parent_id": self.env.company.id})
        new_test_user(
            self.env,
            login="ledger_tour_branch_manager",
            groups="base.group_user,account.group_account_invoice,"
            "account_customer_ledger.group_customer_credit_manager",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        customer = self.env["res.partner"].create({"name": "Branch Tour Co", "customer_rank": 1, "is_company": True})
        in_parent, in_branch = self.env["customer.credit.exception"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "reason": reason,
                    "max_amount": amount,
                    "date_expiry": fields.Date.add(fields.Date.today(), days=30),
                }
                for company, reason, amount in (
                    (self.env.company, "Head office order", 111.0),
                    (branch, "Branch order", 222.0),
                )
            ]
        )
        login = "ledger_tour_branch_manager"
        self.start_tour(
            "/odoo/ledger-credit-exceptions", "account_customer_ledger_exception_branch_requests", login=login
        )
        self.start_tour(
            f"/odoo/ledger-credit-exceptions/{in_parent.id}",
            "account_customer_ledger_exception_parent_request",
            login=login,
        )
        self.assertEqual((in_parent.state, in_branch.state), ("requested", "approved"))

    def test_accountant_shows_the_aged_receivable(self):
        new_test_user(
            self.env,
            login="ledger_tour_aging",
            groups="base.group_user,account.group_account_invoice",
        )
        customer = self.env["res.partner"].create({"name": "Aging Tour Co", "customer_rank": 1, "is_company": True})
        day = fields.Date.subtract(fields.Date.today(), days=40)
        _invoice(customer, 432.10, invoice_date=day, invoice_date_due=day).action_post()
        self.start_tour(
            "/odoo/ledger-customers",
            "account_customer_ledger_aging",
            login="ledger_tour_aging",
        )

    def test_accountant_opens_send_statements_from_the_menu_and_the_list(self):
        """Send Statements opens from Customer Ledger's menu (no customer
        chosen) and from the customer list's action menu (the selected
        customers chosen)."""
        new_test_user(self.env, login="ledger_tour_send", groups="base.group_user,account.group_account_invoice")
        self.env["res.partner"].create({"name": "Tour Statement Co", "customer_rank": 1, "is_company": True})
        self.start_tour("/odoo", "account_customer_ledger_send_statements", login="ledger_tour_send")

    def test_accountant_records_an_answer_received_on_paper(self):
        """The customer sent back the reply slip disputing the balance: the
        accountant records its balance and comment on the statement, which
        shows the dispute and the difference."""
        new_test_user(self.env, login="ledger_tour_answer", groups="base.group_user,account.group_account_invoice")
        customer = self.env["res.partner"].create({"name": "Answer Tour Co", "customer_rank": 1, "is_company": True})
        day = fields.Date.subtract(fields.Date.today(), days=10)
        _invoice(customer, 432.10, invoice_date=day, invoice_date_due=day).action_post()
        statement = self.env["customer.statement"]._create_for(
            customer, self.env.company, fields.Date.subtract(day, days=1), fields.Date.today()
        )
        statement._set_confirmation({"confirmation_state": "requested"})
        self.start_tour(
            f"/odoo/ledger-statements/{statement.id}",
            "account_customer_ledger_record_answer",
            login="ledger_tour_answer",
        )
        self.assertEqual((statement.confirmation_state, statement.confirmed_amount), ("disputed", 300.0))
        self.assertEqual(statement.customer_comment, "Our payment of last week is missing")


@tagged("post_install", "-at_install")
class TestAddedDimensionTour(HttpCase):
    def setUp(self):
        # The dimension adds a field to the partner: reset the registry
        # after the test's rollback (cleanups run last first).
        self.addCleanup(self.registry.reset_changes)
        super().setUp()

    def _sales_channel(self):
        """A dimension an administrator adds, with its classes Online and Shops."""
        dimension = self.env["customer.class.dimension"].create({"name": "Sales Channel", "code": "sales_channel"})
        online, shops = self.env["customer.class"].create(
            [{"name": name, "code": name.lower(), "dimension_id": dimension.id} for name in ("Online", "Shops")]
        )
        return dimension, online, shops

    def test_accountant_groups_customers_by_an_added_dimension(self):
        """An accountant groups the customer list by a dimension an
        administrator added, as by a shipped one."""
        # An accountant who edits contacts, not classes.
        new_test_user(
            self.env,
            login="ledger_tour_channel",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
        )
        dimension, online, shops = self._sales_channel()
        customers = self.env["res.partner"].create(
            [{"name": f"Tour Channel {name}", "customer_rank": 1, "is_company": True} for name in "ABC"]
        )
        customers[:2]._set_customer_class(dimension, online)
        customers[2]._set_customer_class(dimension, shops)
        self.start_tour(
            "/odoo/ledger-customers", "account_customer_ledger_group_by_added_dimension", login="ledger_tour_channel"
        )

    def test_accountant_reads_invoice_analysis_by_an_added_dimension(self):
        """Invoice Analysis groups revenue by an added dimension's class as
        each invoice was posted, whatever the customer became since."""
        new_test_user(
            self.env,
            login="ledger_tour_analysis",
            groups="base.group_user,account.group_account_invoice,account.group_account_readonly",
        )
        dimension, online, shops = self._sales_channel()
        customer = self.env["res.partner"].create({"name": "Tour Analysis Co", "customer_rank": 1})
        customer._set_customer_class(dimension, shops)
        _invoice(customer, 4321).action_post()
        customer._set_customer_class(dimension, online)
        self.start_tour(
            "/odoo/action-account.action_account_invoice_report_all",
            "account_customer_ledger_invoice_analysis_by_added_dimension",
            login="ledger_tour_analysis",
        )

    def test_accountant_reads_receivables_by_class(self):
        """An accountant shows the receivables of an added dimension's
        classes at each month's end."""
        new_test_user(
            self.env,
            login="ledger_tour_receivables",
            groups="base.group_user,account.group_account_invoice",
        )
        dimension, _online, shops = self._sales_channel()
        customer = self.env["res.partner"].create({"name": "Tour Receivables Co", "customer_rank": 1})
        customer._set_customer_class(dimension, shops)
        _invoice(customer, 4321, invoice_date=_recently()).action_post()
        self.start_tour(
            "/odoo/ledger-customers", "account_customer_ledger_receivables_by_class", login="ledger_tour_receivables"
        )
