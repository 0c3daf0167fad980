from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestDemoLedger(TransactionCase):
    """The demo ledger generated at install makes every feature visible."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].search(
            [
                ("email", "=like", "ar.%@customer-ledger.example"),
                ("customer_rank", ">", 0),
            ]
        )
        cls.company = cls.env.ref("base.main_company")
        # The demo runs up to the day it was built, which the tests may run
        # the day after (a database created just before midnight): that day,
        # in the user's time zone, from the start of the demo's install.
        marker = cls.env.ref("account_customer_ledger.demo_ledger_marker")
        cls.today = fields.Date.context_today(marker, marker.create_date)

    def _open_receivable_lines(self):
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("partner_id", "in", self.customers.ids),
            ]
        )

    def test_customers_of_every_kind(self):
        marker = self.env.ref("account_customer_ledger.demo_ledger_marker", raise_if_not_found=False)
        self.assertEqual(marker.with_context(lang="zh_CN").name, "客户账务演示")
        self.assertGreaterEqual(len(self.customers), 150)
        self.assertLessEqual(len(self.customers), 300)
        tags = set(self.customers.category_id.mapped("name"))
        self.assertTrue({"Retail", "Wholesale", "Distributor", "Key Account"} <= tags)
        # A user working in Chinese reads the demo's tags and products in Chinese.
        chinese_tags = set(self.customers.with_context(lang="zh_CN").category_id.mapped("name"))
        self.assertTrue({"零售客户", "批发客户", "经销商", "大客户"} <= chinese_tags)
        products = (
            self.env["account.move.line"]
            .search([("partner_id", "in", self.customers.ids), ("product_id", "!=", False)])
            .product_id
        )
        self.assertIn("Office supplies", products.mapped("name"))
        self.assertIn("办公用品", products.with_context(lang="zh_CN").mapped("name"))
        self.assertTrue(self.customers.filtered("is_company"))
        self.assertTrue(self.customers.filtered(lambda p: not p.is_company))
        chinese = self.customers.filtered(lambda p: any("\u4e00" <= ch <= "\u9fff" for ch in p.name))
        self.assertTrue(chinese and len(chinese) < len(self.customers), "Chinese and Latin names")
        self.assertGreaterEqual(len(self.customers.country_id), 5)
        self.assertGreaterEqual(len(self.customers.industry_id), 3)
        self.assertTrue(self.customers.filtered(lambda p: p.employee_count > 1000))
        self.assertGreaterEqual(len(self.customers.user_id), 4, "salespersons are assigned")

    def test_ledger_is_consistent(self):
        problems = self.env["customer.ledger.generator"]._check_ledger_consistency(self.company)
        self.assertEqual(problems, [])
        balance, residual = self.env["customer.ledger.generator"]._receivable_totals(self.company)
        self.assertAlmostEqual(balance, residual, places=2)
        self.assertGreater(balance, 0)

    def test_two_years_of_documents_and_payments(self):
        moves = self.env["account.move"].search(
            [
                ("partner_id", "in", self.customers.ids),
                ("state", "=", "posted"),
            ]
        )
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        refunds = moves.filtered(lambda m: m.move_type == "out_refund")
        self.assertGreater(len(invoices), 1000)
        self.assertTrue(refunds)
        self.assertLessEqual(min(invoices.mapped("invoice_date")), self.today - timedelta(days=700))
        # Built within the install: on that day, or the next if the install
        # went past midnight.
        self.assertIn(max(invoices.mapped("invoice_date")), (self.today, self.today + timedelta(days=1)))
        states = set(invoices.mapped("payment_state"))
        self.assertTrue({"not_paid", "partial"} <= states)
        self.assertTrue(states & {"paid", "in_payment"})
        paid_late = invoices.filtered(
            lambda m: (
                m.payment_state in ("paid", "in_payment")
                and max(m._get_reconciled_payments().mapped("date") or [m.invoice_date_due]) > m.invoice_date_due
            )
        )
        self.assertTrue(paid_late, "some invoices were paid after their due date")
        payments = self.env["account.payment"].search([("partner_id", "in", self.customers.ids)])
        self.assertTrue(payments.filtered(lambda p: not p.reconciled_invoice_ids), "unapplied payments")
        self.assertTrue(
            self.env["account.move"].search_count(
                [
                    ("partner_id", "in", self.customers.ids),
                    ("state", "=", "draft"),
                    ("move_type", "=", "out_invoice"),
                ]
            )
        )

    def test_overdue_items_in_every_bucket(self):
        lines = self._open_receivable_lines().filtered(lambda line: line.balance > 0)
        overdue_days = [(self.today - line.date_maturity).days for line in lines]
        buckets = [(-10000, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, 10000)]
        for low, high in buckets:
            self.assertTrue(
                any(low <= days <= high for days in overdue_days),
                f"no open item overdue between {low} and {high} days",
            )

    def test_foreign_currency_items(self):
        lines = self._open_receivable_lines()
        foreign = lines.filtered(lambda line: line.currency_id != self.company.currency_id)
        self.assertTrue(foreign)
        self.assertGreaterEqual(len(foreign.currency_id), 3)
        for line in foreign[:20]:
            self.assertTrue(line.amount_residual_currency)

    def test_dormant_customers(self):
        year_ago = self.today - timedelta(days=365)
        recent = (
            self.env["account.move"]
            .search(
                [
                    ("partner_id", "in", self.customers.ids),
                    ("move_type", "=", "out_invoice"),
                    ("invoice_date", ">", year_ago),
                ]
            )
            .partner_id
        )
        dormant = self.customers - recent
        self.assertGreaterEqual(len(dormant), 3)
        open_dormant = self._open_receivable_lines().filtered(lambda line: line.partner_id in dormant)
        self.assertFalse(open_dormant, "dormant customers settled their accounts")

    def test_classes_explained_in_chinese(self):
        """A user working in Chinese reads why the demo gave each class in
        Chinese, the shipped rules' names and the metrics' labels included
        (the demo classifies while the addon is being installed)."""
        Assignment = self.env["customer.class.assignment"].with_context(lang="zh_CN")
        europe = Assignment.search(
            [("rule_id", "=", self.env.ref("account_customer_ledger.rule_region_europe").id)], limit=1
        )
        self.assertEqual(europe.reason, "匹配规则 欧洲：客户筛选条件")
        staff = Assignment.search(
            [("rule_id", "=", self.env.ref("account_customer_ledger.rule_size_medium_staff").id)], limit=1
        )
        employees = staff.partner_id.employee_count
        self.assertEqual(staff.reason, f"匹配规则 中型：员工 50 人及以上：员工人数 = {employees:,} ≥ 50")
        self.assertEqual(
            staff.with_context(lang="en_US").reason,
            f"rule Medium: 50 employees or more matched: Employees = {employees:,} ≥ 50",
        )

    def test_monthly_statements_add_no_second_statement_of_the_month(self):
        """The monthly job's first run after the demo sends statements to the
        customers who opted in, and no customer gets two of the same month."""
        Statement = self.env["customer.statement"].sudo()
        demo = Statement.search([])
        disputed = demo.filtered(lambda s: s.confirmation_state == "disputed")
        self.assertEqual(disputed.activity_ids.user_id, self.env.ref("base.user_admin"), "a to-do for the demo user")
        with (
            patch.object(type(Statement), "_render_pdf", lambda self: b"%PDF-1.4 demo"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: None),
        ):
            for _call in range(3):
                Statement._cron_send_monthly_statements()
        sent = Statement.search([]) - demo
        self.assertTrue(sent)
        self.assertEqual(set(sent.mapped("state")), {"sent"})
        self.assertTrue(all(partner.customer_statement_opt_in for partner in sent.partner_id))
        periods = Statement.search([]).mapped(lambda s: (s.partner_id, s.company_id, s.date_to))
        self.assertEqual(len(periods), len(set(periods)), "one statement per customer and month")
