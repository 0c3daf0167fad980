import ast
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from ..models.customer_class_change import proposed_changes
from ..models.res_company import CREDIT_WEIGHT_FIELDS
from .common import LedgerTestCommon, committed_env, race


@tagged("post_install", "-at_install")
class TestCreditControl(LedgerTestCommon):
    """Limits, hold, overdue tolerance, exceptions and the credit log."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Refused postings are logged in their own transaction; in test mode
        # that transaction is a savepoint of the test's cursor.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.credit_manager = cls._accountant("ledger_credit_manager", cls.company, credit_manager=True)
        cls.user = cls._accountant("ledger_credit_user", cls.company)
        cls.customer = cls.env["res.partner"].create({"name": "Credit Co", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Credit Contact", "parent_id": cls.customer.id})
        cls.customer.with_company(cls.company).write({"customer_credit_policy": "fixed", "credit_limit": 1000.0})

    @classmethod
    def _accountant(cls, login, companies, credit_manager=False):
        """An invoicing user allowed in ``companies`` (the first one current),
        a credit manager if asked."""
        groups = "base.group_user,account.group_account_invoice"
        if credit_manager:
            groups += ",account_customer_ledger.group_customer_credit_manager"
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )

    def _draft(self, amount, partner=None, move_type="out_invoice", currency=None, company=None, due=None):
        company = company or self.company
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": self.today,
                    "invoice_date_due": due or self.today,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )

    def _post(self, amount, **kwargs):
        move = self._draft(amount, **kwargs)
        move.action_post()
        return move

    def _refused(self, move, discard=True):
        """Post ``move`` expecting a refusal; return the message. The refused
        draft is then discarded, as a user would, unless ``discard`` is
        False (a draft counts in the exposure). (No assertRaises: its
        savepoint would also roll back the log line the refusal writes in
        its own transaction.)"""
        try:
            move.action_post()
        except UserError as error:
            if discard:
                move.unlink()
            self.env.invalidate_all()
            return str(error)
        self.fail(f"{move.display_name} was posted")

    def _log(self, event, partner=None):
        return self.env["customer.credit.log"].search(
            [("event", "=", event), ("partner_id", "=", (partner or self.customer).id)]
        )

    def _told_requester(self, request):
        """What the plain user who requested ``request`` was told of it."""
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", request._name),
                    ("res_id", "=", request.id),
                    ("partner_ids", "in", self.user.partner_id.ids),
                ]
            )
        )

    # ------------------------------------------------------------------
    def test_limit_boundary_exactly_at_limit_passes_one_cent_over_blocks(self):
        self._post(600.0)
        at_limit = self._post(400.0, partner=self.contact)
        self.assertEqual(at_limit.state, "posted", "exactly at the limit passes (contacts roll up)")
        over = self._draft(0.01)
        self.assertEqual(over.customer_credit_banner_level, "danger")
        message = self._refused(over, discard=False)
        self.assertEqual(over.state, "draft")
        self.assertIn("1,000.01", message)
        self.assertIn("1,000.00", message)
        self.assertIn("credit exception", message)
        log = self._log("blocked")
        self.assertEqual(len(log), 1)
        self.assertAlmostEqual(log.exposure, 1000.01)
        self.assertAlmostEqual(log.open_receivable, 1000.0)
        self.assertAlmostEqual(log.credit_limit, 1000.0)
        self.assertEqual(log.move_id, over)
        self.assertAlmostEqual(self.customer.customer_credit_exposure, 1000.01)
        self.assertTrue(self.customer.customer_credit_over_limit)
        over_limit = self.env["res.partner"].search([("customer_credit_over_limit", "=", True)])
        self.assertIn(self.customer, over_limit)
        self.assertIn(self.contact, over_limit)

    def test_credit_watch_lists_the_figures_of_customers_over_their_limit(self):
        """Credit Watch opens on the customers over their limit, each with
        its limit, exposure and available credit as its Credit Control tab
        shows them."""
        self._post(900.0)
        self._draft(50.0)
        self.customer.with_company(self.company).credit_limit = 500.0
        within = self.env["res.partner"].create({"name": "Within Limit Co", "is_company": True})
        self._post(10.0, partner=within)
        action = self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.res_partner_action_credit")
        context = ast.literal_eval(action["context"])
        Partner = self.env["res.partner"].with_user(self.user).with_context(**context)
        list_view = next(view_id for view_id, mode in action["views"] if mode == "list")
        views = Partner.get_views([(list_view, "list"), (False, "search")])
        arch = views["views"]["list"]["arch"]
        for fname in ("customer_credit_limit", "customer_credit_exposure", "customer_credit_available"):
            self.assertIn(f'name="{fname}"', arch)
        self.assertIn('name="credit_over_limit"', views["views"]["search"]["arch"])
        self.assertEqual(context["search_default_credit_over_limit"], 1)
        rows = Partner.web_search_read(
            domain=ast.literal_eval(action["domain"]) + [("customer_credit_over_limit", "=", True)],
            specification={fname: {} for fname in views["models"]["res.partner"]["fields"]},
        )["records"]
        row = next(row for row in rows if row["id"] == self.customer.id)
        self.assertEqual(row["customer_credit_limit"], 500.0)
        self.assertEqual(row["customer_credit_exposure"], 950.0)
        self.assertEqual(row["customer_credit_available"], -450.0)
        self.assertNotIn(within.id, [row["id"] for row in rows])

    def test_draft_banner_shows_available_credit(self):
        self._post(250.0)
        draft = self._draft(100.0)
        self.assertEqual(draft.customer_credit_banner_level, "info")
        self.assertIn("750.00", draft.customer_credit_banner)
        self.assertIn("1,000.00", draft.customer_credit_banner)
        # Over the limit, each sentence follows the other as the reader's
        # language writes them, and the broken rules are its clauses.
        self.customer.with_company(self.company).customer_credit_hold = True
        over = self._draft(800.0)
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.assertRegex(
            over.with_context(lang="en_US").customer_credit_banner,
            r"this invoice \$\s800\.00\. Posting will be refused: the customer is on credit hold; the exposure",
        )
        over.invalidate_recordset()
        self.assertRegex(
            over.with_context(lang="zh_CN").customer_credit_banner,
            r"本发票 \$\s800\.00。过账将被拒绝：客户处于信用冻结状态；过账后的信用占用",
        )

    def test_zero_limit_is_not_no_limit(self):
        self.customer.with_company(self.company).credit_limit = 0.0
        self._refused(self._draft(1.0))
        self.customer.with_company(self.company).customer_credit_policy = "none"
        self.assertEqual(self._post(1_000_000.0).state, "posted")
        self.assertFalse(self.customer.customer_credit_has_limit)

    def test_settings_that_mean_nothing_are_refused(self):
        """Negative limits, day counts, amounts or weights, and weights that
        are all zero (every customer would get the best grade), are refused
        with what to enter instead, and nothing is saved."""
        with (
            self.assertRaisesRegex(ValidationError, "Overdue Tolerance .* cannot be negative"),
            self.env.cr.savepoint(),
        ):
            self.env["res.config.settings"].create({"customer_credit_overdue_tolerance": -5}).execute()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.customer_credit_overdue_tolerance, 0)
        weights = dict.fromkeys(CREDIT_WEIGHT_FIELDS.values(), 0)
        with (
            self.assertRaisesRegex(ValidationError, "At least one credit score weight must be above 0"),
            self.env.cr.savepoint(),
        ):
            self.env["res.config.settings"].create(weights).execute()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.customer_credit_weight_days_late, 25)
        with (
            self.assertRaisesRegex(ValidationError, "Confirmation Reminder .* cannot be negative"),
            self.env.cr.savepoint(),
        ):
            self.company.customer_statement_reminder_days = -1
        with (
            self.assertRaisesRegex(ValidationError, "credit limit cannot be negative. Enter 0"),
            self.env.cr.savepoint(),
        ):
            self.customer.with_company(self.company).credit_limit = -100.0
        retail = self.env.ref("account_customer_ledger.class_customer_type_retail")
        with (
            self.assertRaisesRegex(ValidationError, "cannot be negative: enter 0 for no credit at all"),
            self.env.cr.savepoint(),
        ):
            retail.write({"use_credit_limit": True, "credit_limit": -1.0})
        retail.invalidate_recordset()
        self.assertFalse(retail.use_credit_limit)

    def test_default_limit_from_class(self):
        customer = self.env["res.partner"].create({"name": "Class Co", "is_company": True})
        key = self.env.ref("account_customer_ledger.class_customer_type_key_account")
        retail = self.env.ref("account_customer_ledger.class_customer_type_retail")
        self.assertEqual(self._post(5000.0, partner=customer).state, "posted", "no class limit: no limit")
        key.write({"use_credit_limit": True, "credit_limit": 8000.0})
        retail.write({"use_credit_limit": True, "credit_limit": 100.0})
        customer.sudo().customer_type_id = retail
        self.assertEqual(customer.customer_credit_limit_source, f"Class {retail.name}")
        self._refused(self._draft(1.0, partner=customer))
        customer.sudo().customer_type_id = key
        self.assertEqual(self._post(3000.0, partner=customer).state, "posted", "8,000: at the key-account limit")
        self._refused(self._draft(0.01, partner=customer))

    def test_hold_blocks_invoices_never_credit_notes(self):
        self.env.flush_all()
        self.cr.precommit.clear()  # pending tracking of the set-up, registered without tracking
        self.customer.with_company(self.company).with_context(tracking_disable=False, mail_notrack=False).write(
            {"customer_credit_policy": "none", "customer_credit_hold": True}
        )
        self.env.flush_all()
        self.cr.precommit.run()  # tracking values are written at commit time
        message = self._refused(self._draft(1.0))
        self.assertIn("credit hold", message)
        refund = self._post(50.0, move_type="out_refund")
        self.assertEqual(refund.state, "posted")
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "res.partner"),
                ("mail_message_id.res_id", "=", self.customer.id),
                ("field_id.name", "=", "customer_credit_hold"),
            ]
        )
        self.assertTrue(tracked, "the hold is tracked in the chatter")

    def test_overdue_tolerance(self):
        self.customer.with_company(self.company).customer_credit_policy = "none"
        self.company.write(
            {
                "customer_credit_block_overdue": True,
                "customer_credit_overdue_tolerance": 10,
                "customer_credit_overdue_amount": 100.0,
            }
        )
        self._post(500.0, due=self.today - timedelta(days=10))
        self.assertEqual(self._post(1.0).state, "posted", "10 days past due is within the tolerance")
        self._post(100.0, due=self.today - timedelta(days=11))
        self.assertEqual(self._post(1.0).state, "posted", "overdue exactly at the allowed amount passes")
        self._post(0.01, due=self.today - timedelta(days=11))
        message = self._refused(self._draft(1.0))
        self.assertIn("overdue", message)
        self.assertAlmostEqual(self.customer.customer_credit_overdue, 100.01)

    def test_foreign_currency_converted_at_invoice_rate(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self.assertEqual(self._post(2000.0, currency=eur).state, "posted", "2,000 EUR = 1,000 at the limit")
        self.assertAlmostEqual(self.customer.customer_credit_exposure, 1000.0)
        self._refused(self._draft(0.02, currency=eur))

    def test_unapplied_credits_netted_when_configured(self):
        self._post(900.0)
        self._post(300.0, move_type="out_refund")
        self.assertAlmostEqual(self.customer.customer_credit_unapplied, 300.0)
        self._refused(self._draft(200.0))
        self.company.customer_credit_net_unapplied = True
        self.assertEqual(self._post(400.0).state, "posted", "900 - 300 + 400 = 1,000")

    def test_logged_refusal_reads_in_each_readers_language(self):
        """A refusal is logged in every installed language: the poster read
        it in English, a credit manager who reads Chinese reads the same
        refusal, figures and limit in Chinese; a warning likewise."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self._post(600.0)
        message = self._refused(self._draft(500.0))
        log = self._log("blocked")
        self.assertEqual(log.with_context(lang="en_US").note, message)
        chinese = log.with_context(lang="zh_CN").note
        self.assertIn("过账后的信用占用 $\xa01,100.00 超出信用额度 $\xa01,000.00", chinese)
        self.assertIn("客户自有额度", chinese)  # where the limit comes from
        self.assertIn("请先收款", chinese)
        self.assertNotIn("exposure", chinese)
        # A poster who reads Chinese is refused in Chinese.
        self.assertIn("无法为 Credit Co 过账", self._refused(self._draft(500.0).with_context(lang="zh_CN")))
        # A poster who reads Chinese, warned: the English reader reads English.
        self.company.customer_credit_mode = "warn"
        self._draft(500.0, partner=self.contact).with_context(lang="zh_CN").action_post()
        warned = self._log("warned").with_context(lang="en_US")
        self.assertIn("exceeds the credit limit of", warned.note)
        self.assertIn("超出信用额度", warned.with_context(lang="zh_CN").note)

    def test_warn_mode_posts_and_logs(self):
        self.company.customer_credit_mode = "warn"
        self.assertEqual(self._post(1500.0).state, "posted")
        self.assertEqual(len(self._log("warned")), 1)
        self.company.customer_credit_mode = "off"
        self.assertEqual(self._post(1500.0).state, "posted")
        self.assertEqual(len(self._log("warned")), 1)

    def test_log_outlives_a_deleted_customer(self):
        """A prospect refused on its first invoice, then deleted with its
        draft, leaves its credit log lines, under the name it had."""
        prospect = self.env["res.partner"].create({"name": "Prospect Co", "is_company": True})
        prospect.with_company(self.company).write({"customer_credit_policy": "fixed", "credit_limit": 100.0})
        self._refused(self._draft(150.0, partner=prospect))
        log = self._log("blocked", prospect)
        self.assertEqual(len(log), 1)
        prospect.unlink()
        self.assertTrue(log.exists())
        self.assertEqual(
            (log.partner_id, log.partner_name, log.event), (self.env["res.partner"], "Prospect Co", "blocked")
        )

    def test_exception_requested_granted_used_and_expiring(self):
        self._post(1000.0)
        Exception_ = self.env["customer.credit.exception"]
        request = Exception_.with_user(self.user).create(
            {
                "partner_id": self.contact.id,
                "reason": "Year-end order, paid on delivery",
                "max_amount": 500.0,
                "date_expiry": self.today + timedelta(days=5),
            }
        )
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.state, "requested")
        # Its use is the postings' to record: a request starting "used"
        # below zero would let through more than is granted.
        with self.assertRaisesRegex(AccessError, "Only a credit manager can change what a credit exception"):
            request.with_user(self.user).used_amount = -10000.0
        with self.assertRaisesRegex(AccessError, "Only a credit manager can change what a credit exception"):
            Exception_.with_user(self.user).create(
                {"partner_id": self.customer.id, "reason": "x", "date_expiry": self.today, "used_amount": -1.0}
            )
        self.assertIn(self.credit_manager, request.activity_ids.user_id)
        with self.assertRaises(AccessError):
            request.with_user(self.user).action_approve()
        with self.assertRaises(AccessError):
            Exception_.with_user(self.user).create(
                {"partner_id": self.customer.id, "reason": "x", "date_expiry": self.today, "state": "approved"}
            )
        self._refused(self._draft(300.0))
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(len(self._log("exception_granted")), 1)
        told = self._told_requester(request)
        self.assertEqual(len(told), 1, "the requester is told")
        self.assertIn("granted credit exception", told.body)
        self.assertIn("invoices up to $&nbsp;500.00 may be posted until", told.body)
        first = self._post(300.0)
        self.assertEqual(first.state, "posted")
        self.assertAlmostEqual(request.used_amount, 300.0)
        used = self._log("exception_used")
        self.assertEqual(used.exception_id, request)
        self.assertAlmostEqual(used.exposure, 1300.0)
        self._refused(self._draft(300.0))
        self.assertEqual(self._post(200.0).state, "posted")
        self.assertEqual(request.state, "used")
        # What let the postings through stays named in the credit log.
        with self.assertRaisesRegex(UserError, "is in the credit log and cannot be deleted"):
            request.with_user(self.credit_manager).unlink()
        self.assertEqual(used.exception_id, request)
        expired = Exception_.with_user(self.credit_manager).create(
            {
                "partner_id": self.customer.id,
                "reason": "Expired",
                "date_expiry": self.today - timedelta(days=1),
                "state": "approved",
            }
        )
        self.assertEqual(expired.state, "approved")
        self._refused(self._draft(1.0))
        late = Exception_.with_user(self.user).create(
            {"partner_id": self.customer.id, "reason": "Asked too late", "date_expiry": self.today - timedelta(days=1)}
        )
        with self.assertRaisesRegex(UserError, "expired on .*: set a later Valid Until date"):
            late.with_user(self.credit_manager).action_approve()
        late.with_user(self.credit_manager).write({"date_expiry": self.today})
        late.with_user(self.credit_manager).action_approve()
        self.assertEqual(self._post(1.0).state, "posted")
        # A granted exception is ended by bringing its date forward.
        late.with_user(self.credit_manager).date_expiry = self.today - timedelta(days=1)
        self._refused(self._draft(1.0))

    def test_request_reaches_each_credit_manager_in_their_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.user.lang = "zh_CN"
        chinese_manager = self._accountant("ledger_credit_manager_zh", self.company, credit_manager=True)
        chinese_manager.lang = "zh_CN"
        request = (
            self.env["customer.credit.exception"]
            .with_user(self.user)
            .create({"partner_id": self.customer.id, "reason": "Trade fair order", "date_expiry": self.today})
        )
        summaries = {activity.user_id: activity.summary for activity in request.activity_ids}
        self.assertEqual(summaries[self.credit_manager], "Credit exception requested for Credit Co")
        self.assertEqual(summaries[chinese_manager], "Credit Co 的超额度例外审批申请")
        request.with_user(chinese_manager).action_refuse()
        told = self._told_requester(request)
        self.assertIn("拒绝了 Credit Co 的超额度例外", told.body, "the requester is told, in their language")

    def test_credit_tab_shows_the_score_the_grade_reads(self):
        """The Credit Control tab's score, read from the customer's own
        documents, is the score the credit grade's rules read, days paid
        late included."""
        Partner = self.env["res.partner"]
        slow = Partner.create({"name": "Slow Payer Co", "is_company": True})
        buyer = Partner.create({"name": "Buyer at Slow Payer", "parent_id": slow.id})
        day = self.today - timedelta(days=120)
        self._invoice(slow, day, 1000.0, pay_on=day + timedelta(days=30))
        self._invoice(buyer, day + timedelta(days=7), 500.0)  # still open, overdue
        values = self.env["customer.classifier"]._get_rule_values(slow, self.company, self.today, 12, credit=True)
        self.assertEqual(values[slow.id]["avg_days_late"], 30.0)
        score = values[slow.id]["credit_score"]
        self.assertLess(score, 100.0)
        for partner in (slow, buyer):
            self.assertEqual(partner.with_company(self.company).customer_credit_score, round(score, 1), partner.name)
        self.assertEqual(Partner.create({"name": "Newcomer"}).customer_credit_score, 100.0)

    def test_credit_grade_from_payment_behaviour_sets_default_limit(self):
        grade = self.env.ref("account_customer_ledger.dimension_credit_grade")
        grade_a = self.env.ref("account_customer_ledger.class_credit_grade_a")
        grade_d = self.env.ref("account_customer_ledger.class_credit_grade_d")
        grade_a.write({"use_credit_limit": True, "credit_limit": 50000.0})
        grade_d.write({"use_credit_limit": True, "credit_limit": 0.0})
        Partner = self.env["res.partner"]
        punctual, late = Partner.create(
            [{"name": "Punctual Co", "is_company": True}, {"name": "Late Co", "is_company": True}]
        )
        day = self.today - timedelta(days=200)
        for _i in range(4):
            self._invoice(punctual, day, 1000.0, pay_on=day)
            self._invoice(late, day, 1000.0)  # never paid: 200 days overdue
            day += timedelta(days=7)
        values = self.env["customer.classifier"]._get_rule_values(
            punctual | late, self.company, self.today, 12, credit=True
        )
        self.assertEqual(values[punctual.id]["credit_score"], 100.0)
        self.assertEqual(values[late.id]["late_share"], 100.0)
        self.assertEqual(values[late.id]["overdue_ratio"], 100.0)
        self.assertGreaterEqual(values[late.id]["max_days_overdue"], 179)
        # Days late 0, late share, overdue ratio and longest overdue at their caps,
        # DSO 4,000 / 4,000 x 365 days over its cap, no limit: 100 - 85 = 15.
        self.assertEqual(values[late.id]["credit_score"], 100.0 - 15 - 20 - 10 - 15)
        # The grade classified first, the value tier after it: both read one
        # row of metrics per customer, and its snapshot keeps them all.
        tier = self.env.ref("account_customer_ledger.dimension_value_tier")
        proposals = self.env["customer.classifier"]._propose(grade | tier, punctual | late, self.company, self.today)
        self.env["customer.classifier"]._apply(proposals, self.company)
        self.env.invalidate_all()
        late_lines = self.env["customer.class.history"].search([("partner_id", "=", late.id)])
        self.assertEqual(late_lines.dimension_id, grade | tier)
        self.assertEqual(len(late_lines.snapshot_id), 1)
        for line in late_lines:
            self.assertEqual(line.metrics["credit_score"], 40.0, "the grade's reason is in every line's snapshot")
            self.assertEqual(line.metrics["revenue"], 4000.0)
        self.assertIn(grade_a, punctual.customer_class_ids)
        self.assertIn(grade_d, late.customer_class_ids, "a score of exactly 40 is grade D")
        self.assertEqual(punctual.customer_credit_limit, 50000.0)
        self.assertTrue(late.customer_credit_has_limit)
        self.assertEqual(late.customer_credit_limit, 0.0)
        self._refused(self._draft(1.0, partner=late))
        self.assertEqual(self._post(49000.0, partner=punctual).state, "posted")
        # Classified again on the same figures, both keep their grades: the
        # grade's own limit (0 for D, which Late Co's 4,000 would use at the
        # cap) is not the limit its utilisation is measured against.
        again = self.env["customer.classifier"]._get_rule_values(
            punctual | late, self.company, self.today, 12, credit=True
        )
        self.assertEqual(again[late.id]["utilisation"], 0.0)
        self.assertEqual(again[late.id]["credit_score"], 40.0)
        proposals = self.env["customer.classifier"]._propose(grade, punctual | late, self.company, self.today)
        self.assertEqual(proposed_changes(proposals), [])
        # A limit of the customer's own is measured against: 4,000 of 5,000.
        late.with_company(self.company).write({"customer_credit_policy": "fixed", "credit_limit": 5000.0})
        again = self.env["customer.classifier"]._get_rule_values(late, self.company, self.today, 12, credit=True)
        self.assertEqual(again[late.id]["utilisation"], 80.0)

    def test_log_is_immutable_for_everyone(self):
        self._refused(self._draft(2000.0))
        log = self._log("blocked")
        for user in (self.user, self.credit_manager):
            # AccessError is a UserError: refused by the rights or by the model.
            with self.assertRaises(UserError):
                log.with_user(user).write({"exposure": 0.0})
            with self.assertRaises(UserError):
                log.with_user(user).unlink()
        with self.assertRaises(UserError):
            log.sudo().write({"exposure": 0.0})
        with self.assertRaises(UserError):
            log.sudo().unlink()

    def test_only_credit_managers_set_limits_and_holds(self):
        customer = self.customer.with_company(self.company)
        with self.assertRaises(AccessError):
            customer.with_user(self.user).credit_limit = 5000.0
        with self.assertRaises(AccessError):
            customer.with_user(self.user).customer_credit_hold = True
        customer.with_user(self.credit_manager).credit_limit = 5000.0
        self.assertEqual(customer.credit_limit, 5000.0)
        self.assertAlmostEqual(customer.with_user(self.user).customer_credit_available, 5000.0)

    def test_only_credit_managers_create_customers_with_limits(self):
        clerk = self._contact_manager("ledger_credit_clerk")
        Partner = self.env(user=clerk)["res.partner"].with_company(self.company)
        with self.assertRaises(AccessError):
            Partner.create({"name": "Big spender", "customer_credit_policy": "fixed", "credit_limit": 50000.0})
        with self.assertRaises(AccessError):
            Partner.create({"name": "Big spender", "credit_limit": 50000.0})
        self.assertFalse(Partner.create({"name": "New customer", "credit_limit": 0.0}).customer_credit_has_limit)
        # A new customer's form reads the policy every customer without one of
        # its own follows, and a clerk saves it.
        with Form(Partner) as form:
            form.name = "Walk-in customer"
            self.assertEqual(form.customer_credit_policy, "default")
        self.assertEqual(form.record.customer_credit_policy, "default")
        imported = Partner.create({"name": "Imported customer", "customer_credit_policy": "default"})
        self.assertEqual(imported.customer_credit_limit_source, "No limit")
        self.credit_manager.groups_id |= self.env.ref("base.group_partner_manager")
        created = (
            self.env(user=self.credit_manager)["res.partner"]
            .with_company(self.company)
            .create({"name": "Big spender", "customer_credit_policy": "fixed", "credit_limit": 50000.0})
        )
        self.assertAlmostEqual(created.with_user(clerk).customer_credit_limit, 50000.0)

    def test_two_companies(self):
        other = self.setup_other_company(name="Credit other company")["company"]
        self.env.user.company_ids |= other
        customer = self.customer
        self.assertFalse(customer.with_company(other).customer_credit_has_limit, "no limit in the other company")
        self._post(1000.0)
        self.env.invalidate_all()
        # The check uses the invoice's company, not the user's active one.
        other_invoice = self._post(5000.0, company=other)
        self.assertEqual(other_invoice.state, "posted")
        customer.with_company(other).write({"customer_credit_policy": "fixed", "credit_limit": 6000.0})
        self.env.invalidate_all()
        self.assertAlmostEqual(customer.with_company(other).customer_credit_exposure, 5000.0)
        self.assertAlmostEqual(customer.with_company(self.company).customer_credit_exposure, 1000.0)
        blocked = self._draft(1.0, company=self.company)
        self._refused(blocked.with_company(other))
        self.assertEqual(self._post(1000.0, company=other).state, "posted")
        self.assertEqual(self._log("blocked").company_id, self.company)
        user = self._accountant("ledger_credit_other_user", other)
        self.assertFalse(self.env["customer.credit.log"].with_user(user).search([]))

    def test_branches_share_the_exposure_of_their_group(self):
        """A parent company and its branches share the receivable accounts:
        what the customer owes anywhere in the group counts against the
        limit of the company that invoices, set per company."""
        branch_1, branch_2 = self._branches("Credit Branch 1", "Credit Branch 2")
        self.customer.with_company(branch_1).write({"customer_credit_policy": "fixed", "credit_limit": 1500.0})
        self.customer.with_company(branch_2).write({"customer_credit_policy": "none"})
        self.assertEqual(self._post(600.0).state, "posted")
        self.assertEqual(self._post(500.0, company=branch_2).state, "posted", "no limit in the second branch")
        self.env.invalidate_all()
        in_branch_1 = self.customer.with_company(branch_1)
        self.assertAlmostEqual(in_branch_1.customer_credit_exposure, 1100.0, msg="the parent's and the sibling's items")
        self.assertAlmostEqual(in_branch_1.customer_credit_available, 400.0)
        draft = self._draft(400.0, company=branch_1)
        self.assertRegex(draft.customer_credit_banner, r"400\.00 of \D*1,500\.00")
        self.assertEqual(draft.customer_credit_banner_level, "info")
        draft.action_post()
        self.assertEqual(draft.state, "posted", "1,500.00: exactly at the branch's limit")
        message = self._refused(self._draft(0.01, company=branch_1))
        self.assertIn("1,500.01", message)
        # The parent's limit of 1,000 is now passed by the group's items.
        self.env.invalidate_all()
        in_parent = self.customer.with_company(self.company)
        self.assertAlmostEqual(in_parent.customer_credit_exposure, 1500.0)
        self.assertTrue(in_parent.customer_credit_over_limit)
        self.assertIn(self.customer, self.env["res.partner"].search([("customer_credit_over_limit", "=", True)]))
        self._refused(self._draft(1.0))
        self.assertEqual(self._log("blocked").company_id, branch_1 | self.company, "each refusal logged in its company")
        action = in_branch_1.action_open_credit_open_items()
        items = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(items.company_id, self.company | branch_1 | branch_2)
        self.assertAlmostEqual(sum(items.mapped("amount_residual")), 1500.0)
        # Another group's items stay out.
        other = self.setup_other_company(name="Credit unrelated company")["company"]
        self.env.user.company_ids |= other
        self.assertEqual(self._post(700.0, company=other).state, "posted")
        self.env.invalidate_all()
        self.assertAlmostEqual(self.customer.with_company(branch_2).customer_credit_exposure, 1500.0)
        self.assertAlmostEqual(self.customer.with_company(other).customer_credit_exposure, 700.0)
        # An archived branch's items are still owed.
        branch_2.active = False
        self.env.invalidate_all()
        self.assertAlmostEqual(in_parent.customer_credit_exposure, 1500.0)

    def test_branch_without_settings_of_its_own_takes_its_parents(self):
        """The customer's limit of 1,000 is set in the parent company only:
        it holds in the branch too, until the branch gives a limit or "no
        limit" of its own; a hold in the parent holds the customer in the
        branch; a branch without limits anywhere takes the limit of the
        customer's class in the parent."""
        (branch,) = self._branches("Credit Branch")
        in_branch = self.customer.with_company(branch)
        self.assertEqual(in_branch.customer_credit_limit_source, f"Customer limit, set in {self.company.name}")
        self._post(700.0, company=branch)
        message = self._refused(self._draft(300.01, company=branch))
        self.assertIn(f"Customer limit, set in {self.company.name}", message)
        in_branch.write({"customer_credit_policy": "none"})
        self.assertEqual(self._post(5000.0, company=branch).state, "posted", "the branch's own: no limit")
        in_branch.write({"customer_credit_policy": "fixed", "credit_limit": 9000.0})
        self.env.invalidate_all()
        self.assertEqual(in_branch.customer_credit_limit_source, "Customer limit")
        self.assertAlmostEqual(in_branch.customer_credit_limit, 9000.0)

        self.customer.with_company(self.company).write({"customer_credit_hold": True})
        self.env.invalidate_all()
        self.assertEqual(in_branch.customer_credit_held_in, self.company.name)
        self.assertFalse(self.customer.with_company(self.company).customer_credit_held_in, "held there itself")
        held = self.env["res.partner"].with_company(branch).search([("customer_credit_held_in", "!=", False)])
        self.assertIn(self.customer, held)
        self.customer.with_company(branch).write({"customer_credit_hold": True})
        held = self.env["res.partner"].with_company(branch).search([("customer_credit_held_in", "!=", False)])
        self.assertNotIn(self.customer, held, "held in the branch itself: its own hold shows")
        self.customer.with_company(branch).write({"customer_credit_hold": False})
        message = self._refused(self._draft(1.0, company=branch))
        self.assertIn(f"on credit hold in {self.company.name}", message)
        self.customer.with_company(self.company).write({"customer_credit_hold": False})
        self.env.invalidate_all()
        self.assertFalse(in_branch.customer_credit_held_in)
        self.assertEqual(self._post(1.0, company=branch).state, "posted")

        newcomer = self.env["res.partner"].create({"name": "Branch Newcomer", "is_company": True})
        retail = self.env.ref("account_customer_ledger.class_customer_type_retail")
        retail.write({"use_credit_limit": True, "credit_limit": 100.0})
        newcomer.sudo().customer_type_id = retail  # a class in the parent company
        self.assertEqual(
            newcomer.with_company(branch).customer_credit_limit_source,
            f"Class {retail.name}, set in {self.company.name}",
        )
        self._refused(self._draft(100.01, partner=newcomer, company=branch))

    def test_branch_only_user_works_under_its_parents_settings(self):
        """An accountant allowed in the branch only (not in the parent) reads
        the customer's limit set in the parent, posts within it and is
        refused beyond it with the figures, as one allowed in both."""
        (branch,) = self._branches("Credit Branch")
        accountant = self._accountant("ledger_branch_accountant", branch)
        in_branch = self.customer.with_user(accountant).with_company(branch)
        self.assertEqual(in_branch.customer_credit_limit_source, f"Customer limit, set in {self.company.name}")
        self.assertAlmostEqual(in_branch.customer_credit_available, 1000.0)
        posted = self._draft(700.0, company=branch).with_user(accountant)
        posted.action_post()
        self.assertEqual(posted.state, "posted")
        message = self._refused(self._draft(300.01, company=branch).with_user(accountant))
        self.assertIn(f"Customer limit, set in {self.company.name}", message)

    def test_new_branch_starts_with_its_parents_settings(self):
        """A branch created under a company that warns instead of blocking
        warns too, with the parent's tolerance, overdue rule and aging
        buckets, until its own settings say otherwise; settings given at
        creation are kept."""
        self.company.write(
            {
                "customer_credit_mode": "warn",
                "customer_credit_overdue_tolerance": 10,
                "customer_credit_block_overdue": True,
                "customer_credit_overdue_amount": 250.0,
                "customer_credit_weight_dso": 40,
                "customer_aging_buckets": "15, 45",
                "customer_statement_reminder_days": 3,
            }
        )
        (branch,) = self._branches("Credit Branch")
        self.assertEqual(
            branch.read(
                [
                    "customer_credit_mode",
                    "customer_credit_overdue_tolerance",
                    "customer_credit_block_overdue",
                    "customer_credit_overdue_amount",
                    "customer_credit_weight_dso",
                    "customer_aging_buckets",
                    "customer_statement_reminder_days",
                ]
            )[0],
            {
                "id": branch.id,
                "customer_credit_mode": "warn",
                "customer_credit_overdue_tolerance": 10,
                "customer_credit_block_overdue": True,
                "customer_credit_overdue_amount": 250.0,
                "customer_credit_weight_dso": 40,
                "customer_aging_buckets": "15,45",
                "customer_statement_reminder_days": 3,
            },
        )
        over = self._post(1200.0, company=branch)
        self.assertEqual(over.state, "posted", "warned, not refused, as in the parent")
        self.assertEqual(self._log("warned").company_id, branch)
        own = self.env["res.company"].create(
            {"name": "Credit Branch Off", "parent_id": self.company.id, "customer_credit_mode": "off"}
        )
        self.assertEqual((own.customer_credit_mode, own.customer_credit_overdue_tolerance), ("off", 10))

    def test_branches_follow_their_parents_later_changes(self):
        """A change of the parent's settings reaches the branches (and
        theirs, archived or not) that still have the parent's value; a branch
        that set its own value keeps it."""
        following, own = self._branches("Credit Branch A", "Credit Branch B")
        own.write({"customer_credit_mode": "off", "active": False})  # an archived branch follows too
        following.write({"child_ids": [Command.create({"name": "Credit Branch A1"})]})
        self.env.cr.precommit.run()  # the sub-branch's accounting set-up
        sub = following.child_ids
        self.env.user.company_ids |= sub
        self.company.write({"customer_credit_mode": "warn", "customer_aging_buckets": "10, 20"})
        self.assertEqual(
            [(c.customer_credit_mode, c.customer_aging_buckets) for c in (following, sub, own)],
            [("warn", "10,20"), ("warn", "10,20"), ("off", "10,20")],
        )
        over = self._post(1200.0, company=sub)
        self.assertEqual(over.state, "posted", "the sub-branch warns now, as its parents")
        self.assertEqual(self._log("warned").company_id, sub)

    def test_branch_uses_its_parents_credit_exceptions(self):
        """An exception granted in the parent company lets the branch's
        invoices through, as the parent's limit and hold apply there; the
        branch's own exception comes first; a branch's exception never
        covers the parent's invoices. Each use is logged in the company that
        posted, against the exception it used."""
        (branch,) = self._branches("Credit Branch")
        Exception_ = self.env["customer.credit.exception"]
        self._post(1000.0, company=branch)
        self._refused(self._draft(300.0, company=branch))
        in_parent = Exception_.create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "reason": "Head office vouches for the branch's order",
                "max_amount": 500.0,
                "date_expiry": self.today,
                "state": "approved",
            }
        )
        customer_in_branch = self.customer.with_company(branch)
        self.assertEqual(customer_in_branch.customer_credit_exception_ids, in_parent, "shown on the Credit Control tab")
        draft = self._draft(300.0, company=branch)
        self.assertIn(f"Credit exception {in_parent.name} covers this invoice.", draft.customer_credit_banner)
        self.assertIn("Without it: the exposure after posting", draft.customer_credit_banner, "what it lets through")
        draft.action_post()
        self.assertEqual(draft.state, "posted")
        self.assertAlmostEqual(in_parent.used_amount, 300.0)
        used = self._log("exception_used")
        self.assertEqual((used.company_id, used.exception_id, used.move_id), (branch, in_parent, draft))

        in_branch = Exception_.create(
            {
                "partner_id": self.customer.id,
                "company_id": branch.id,
                "reason": "Branch's own",
                "max_amount": 100.0,
                "date_expiry": self.today,
                "state": "approved",
            }
        )
        self.env.invalidate_all()
        self.assertEqual(customer_in_branch.customer_credit_exception_ids.ids, [in_branch.id, in_parent.id])
        self.assertEqual(self.customer.with_company(self.company).customer_credit_exception_ids, in_parent)
        branch_manager = self._accountant("ledger_branch_credit_manager", branch, credit_manager=True)
        self.env.invalidate_all()
        listed = customer_in_branch.with_user(branch_manager).customer_credit_exception_ids
        self.assertEqual(
            [row["name"] for row in listed.read(["name"])],
            [in_branch.name, in_parent.name],
            "a user of the branch reads both",
        )
        with self.assertRaises(AccessError):
            in_parent.with_user(branch_manager).with_company(branch).write(
                {"date_expiry": self.today + timedelta(days=30)}
            )
        self._post(80.0, company=branch)
        self.assertAlmostEqual(in_parent.used_amount, 300.0, msg="the branch's own exception comes first")
        self.assertEqual(self._log("exception_used")[:1].exception_id, in_branch)
        self._post(150.0, company=branch)
        self.assertAlmostEqual(in_branch.used_amount, 80.0, msg="its 20 left do not cover 150")
        self.assertAlmostEqual(in_parent.used_amount, 450.0, msg="the next one that covers it is used")
        message = self._refused(self._draft(60.0, company=branch))
        self.assertIn("exceeds the credit limit", message, "20 and 50 left: neither covers 60")
        self._post(50.0, company=branch)
        self.assertEqual((in_parent.state, in_branch.state), ("used", "approved"))

        self._refused(self._draft(1.0))  # the parent's invoice: the branch's exception does not cover it

    def test_parents_requested_exception_is_decided_in_the_parent(self):
        """A credit manager who works in a branch sees the parent's requested
        exception without Grant and Refuse, and pressing them anyway says in
        which company it is decided instead of a bare access error; one
        allowed in the parent is told to select it, then grants it there."""
        (branch,) = self._branches("Credit Branch")
        requested = self.env["customer.credit.exception"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "reason": "Head office order",
                "date_expiry": self.today,
            }
        )
        managers = [
            self._accountant(login, companies, credit_manager=True)
            for login, companies in (("ledger_branch_only", branch), ("ledger_both", branch | self.company))
        ]
        for manager, hint in zip(
            managers, ("only a credit manager of that company", "select that company"), strict=True
        ):
            in_branch = requested.with_user(manager).with_context(allowed_company_ids=branch.ids)
            self.assertFalse(in_branch.in_current_companies, "Grant and Refuse are hidden")
            to_decide = in_branch.search([("state", "=", "requested"), ("in_current_companies", "=", True)])
            self.assertNotIn(requested, to_decide, "nor listed under To Decide")
            for action in (in_branch.action_approve, in_branch.action_refuse):
                with self.assertRaises(UserError) as refused:
                    action()
                self.assertIn(f"belongs to {self.company.name}: {hint}", str(refused.exception))
        self.assertEqual(requested.state, "requested")
        in_parent = requested.with_user(managers[1]).with_context(allowed_company_ids=self.company.ids)
        self.assertTrue(in_parent.in_current_companies)
        self.assertIn(requested, in_parent.search([("in_current_companies", "=", True)]))
        in_parent.action_approve()
        self.assertEqual(requested.state, "approved")

    def test_request_without_a_credit_manager_says_so(self):
        """A request in a company where no credit manager is allowed says in
        its chatter that nobody can decide it yet, instead of waiting
        silently; once one is given access, the next request reaches them."""
        (branch,) = self._branches("Credit Branch")
        managers = self.env.ref("account_customer_ledger.group_customer_credit_manager").users
        for user in managers:
            user.company_ids -= branch
        vals = {
            "partner_id": self.customer.id,
            "company_id": branch.id,
            "reason": "Branch order",
            "date_expiry": self.today,
        }
        Exception_ = self.env["customer.credit.exception"].with_user(self._accountant("ledger_branch_seller", branch))
        lonely = Exception_.create(vals)
        self.assertFalse(lonely.activity_ids)
        self.assertIn("No credit manager is allowed in Credit Branch", lonely.message_ids[:1].body)
        self.credit_manager.company_ids |= branch
        asked = Exception_.create(vals)
        self.assertEqual(asked.activity_ids.user_id, self.credit_manager)
        self.assertNotIn("No credit manager", asked.message_ids[:1].body or "")

    def test_request_reads_new_request_until_numbered(self):
        """A request being written reads "New Request" (in Chinese too, not
        the RFM segment "New", 新客户), and saving numbers it even when the
        form sends that placeholder back."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        Exception_ = self.env["customer.credit.exception"].with_context(lang="zh_CN")
        placeholder = Exception_.default_get(["name"])["name"]
        self.assertEqual(placeholder, "新申请")
        saved = Exception_.create(
            {"name": placeholder, "partner_id": self.customer.id, "reason": "Order", "date_expiry": self.today}
        )
        self.assertTrue(saved.name.startswith("CEX/"), saved.name)

    def test_merged_duplicate_keeps_limits_and_holds(self):
        """A user who may merge contacts but not set limits merges a
        duplicate into the customer: the customer keeps its own limit,
        takes the duplicate's where it had none and stays held if either
        was."""
        other = self.setup_other_company(name="Credit merge other company")["company"]
        duplicate = self.env["res.partner"].create({"name": "Credit Co (duplicate)", "is_company": True})
        duplicate.with_company(self.company).write(
            {"customer_credit_policy": "fixed", "credit_limit": 9000.0, "customer_credit_hold": True}
        )
        duplicate.with_company(other).write({"customer_credit_policy": "fixed", "credit_limit": 3000.0})
        self._merge_as_contact_manager(self.customer | duplicate, self.customer)
        self.assertFalse(duplicate.exists())
        here, there = self.customer.with_company(self.company), self.customer.with_company(other)
        self.assertEqual((here.customer_credit_policy, here.credit_limit), ("fixed", 1000.0), "its own limit")
        self.assertTrue(here.customer_credit_hold, "a hold is never lifted by a merge")
        self.assertEqual((there.customer_credit_policy, there.credit_limit), ("fixed", 3000.0), "the duplicate's")
        self.assertFalse(there.customer_credit_hold)

    def test_posting_check_costs_constant_queries(self):
        """The check reads the same number of queries for 1 and 500 open items."""
        receivable = self.company_data["default_account_receivable"]
        income = self.company_data["default_account_revenue"]

        def customer_with_items(name, count):
            partner = self.env["res.partner"].create({"name": name, "is_company": True})
            partner.with_company(self.company).write({"customer_credit_policy": "fixed", "credit_limit": 1e9})
            lines = [
                Command.create({"account_id": receivable.id, "partner_id": partner.id, "debit": 1.0, "name": str(i)})
                for i in range(count)
            ]
            lines.append(Command.create({"account_id": income.id, "credit": float(count), "name": "sales"}))
            entry = self.env["account.move"].create({"move_type": "entry", "date": self.today, "line_ids": lines})
            entry.action_post()
            return partner

        engine = self.env["customer.credit.engine"]
        drafts = []
        for name, count in (("One Item Co", 1), ("Many Items Co", 500)):
            partner = customer_with_items(name, count)
            self.assertAlmostEqual(partner.customer_credit_open, float(count))
            drafts.append(self._draft(10.0, partner=partner))
        # The first round warms the caches that do not depend on the customer
        # (access rules, company); the second round is measured.
        for _round in range(2):
            counts = []
            for draft in drafts:
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                engine._check_invoices(draft)
                counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], f"queries for 1 and 500 open items: {counts}")


@tagged("post_install", "-at_install")
class TestCreditRace(LedgerTestCommon):
    """Two workers posting for the same customer at the same moment."""

    def test_concurrent_postings_cannot_both_pass_the_limit(self):
        """Each worker creates and posts a 600 invoice in one transaction
        (as an import or an API call does) for a customer with a limit of
        1,000: neither sees the other's draft, so only the lock on the
        customer keeps them from passing together."""
        company_id = self.env.ref("base.main_company").id  # committed, unlike the test's own companies
        with committed_env(self.registry, company_id) as env:
            self.assertTrue(env.company.chart_template, "the race needs a company with a chart of accounts")
            partner = env["res.partner"].create({"name": "Race Co", "is_company": True})
            partner.write({"customer_credit_policy": "fixed", "credit_limit": 1000.0})
            partner_id = partner.id

        def post(env):
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner_id,
                    "invoice_date": date.today(),
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": 600.0, "tax_ids": []})
                    ],
                }
            )
            try:
                move.action_post()
            except UserError:
                env.cr.rollback()
                return "refused"
            return "posted"

        try:
            outcome = race(self.registry, company_id, post)
            self.assertEqual(sorted(outcome), ["posted", "refused"])
            with committed_env(self.registry, company_id) as env:
                env.cr.execute(
                    SQL(
                        "SELECT count(*) FROM account_move WHERE partner_id = %s AND state = 'posted'",
                        partner_id,
                    )
                )
                self.assertEqual(env.cr.fetchone()[0], 1)
        finally:
            with committed_env(self.registry, company_id) as env:
                env.cr.execute(SQL("DELETE FROM customer_credit_log WHERE partner_id = %s", partner_id))
                records = env["account.move"].search([("partner_id", "=", partner_id)])
                records.filtered(lambda m: m.state == "posted").button_draft()
                records.with_context(force_delete=True).unlink()
                env["res.partner"].browse(partner_id).unlink()
