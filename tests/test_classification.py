from datetime import date, timedelta

import psycopg2.errors
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.migration import load_script
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.convert import convert_file
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account_customer_ledger.models.customer_classifier import REASON_MODELS

from .common import LedgerTestCommon, committed_env, race


@tagged("post_install", "-at_install")
class TestClassification(LedgerTestCommon):
    """Rules, wizard, locks, history, stamps on documents and access."""

    as_of = date(2026, 12, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A new dimension adds a field to the partner, which reloads the
        # registry: in test mode, each test's changes are undone with it.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.ref = cls.env.ref
        cls.tier_dim = cls.ref("account_customer_ledger.dimension_value_tier")
        cls.tier_a = cls.ref("account_customer_ledger.class_value_tier_a")
        cls.tier_b = cls.ref("account_customer_ledger.class_value_tier_b")
        cls.tier_c = cls.ref("account_customer_ledger.class_value_tier_c")
        cls.manager = new_test_user(
            cls.env,
            login="ledger_class_manager",
            groups="base.group_user,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user = new_test_user(
            cls.env,
            login="ledger_class_user",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        Partner = cls.env["res.partner"]
        cls.big, cls.mid, cls.small, cls.idle = Partner.create(
            [{"name": name, "is_company": True} for name in ("Big Co", "Mid Co", "Small Co", "Idle Co")]
        )
        cls.idle.customer_rank = 1
        # Window revenue 9,000 / 800 / 200 of 10,000: A (from 0 %), B (from 90 %), C (from 98 %).
        cls._invoice(cls.big, "2026-03-01", 9000)
        cls._invoice(cls.mid, "2026-04-01", 1100)
        cls._invoice(cls.mid, "2026-04-02", 300, move_type="out_refund")
        cls._invoice(cls.small, "2026-05-01", 200)
        cls.customers = cls.big | cls.mid | cls.small | cls.idle

    def setUp(self):
        # Reset the registry after the test's rollback (cleanups run last
        # first): the partner fields of the test's dimensions go with it.
        self.addCleanup(self.registry.reset_changes)
        super().setUp()

    def _wizard(self, user=None, **vals):
        env = self.env(user=user or self.manager)
        return (
            env["customer.classify"]
            .with_company(self.company)
            .create(
                {
                    "dimension_ids": [Command.set(self.tier_dim.ids)],
                    "scope": "selection",
                    "partner_ids": [Command.set(self.customers.ids)],
                    "date_to": self.as_of,
                    "company_id": self.company.id,
                }
                | vals
            )
        )

    def _tier(self, partner, company=None):
        return partner.with_company(company or self.company).value_tier_id

    def _customer_count(self):
        """The company's customers, as a pass counts them: active commercial
        partners (companies, or persons without a company) with a customer
        rank, of this company or shared."""
        return self.env["res.partner"].search_count(
            [
                ("customer_rank", ">", 0),
                ("company_id", "in", [False, self.company.id]),
                "|",
                ("is_company", "=", True),
                ("parent_id", "=", False),
            ]
        )

    def _history(self, partners=None):
        return self.env["customer.class.history"].search(
            [("partner_id", "in", (partners or self.customers).ids), ("company_id", "=", self.company.id)]
        )

    # ------------------------------------------------------------ wizard

    def test_preview_writes_nothing(self):
        wizard = self._wizard()
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        self.assertFalse(self.env["customer.class.assignment"].search([("partner_id", "in", self.customers.ids)]))
        self.assertFalse(self._history())
        self.assertFalse(self._tier(self.big))
        proposed = {line.partner_id: line.new_class_id for line in wizard.line_ids}
        self.assertEqual(
            proposed, {self.big: self.tier_a, self.mid: self.tier_b, self.small: self.tier_c, self.idle: self.tier_c}
        )
        reason = wizard.line_ids.filtered(lambda line: line.partner_id == self.idle).reason
        self.assertIn("fallback", reason)
        summary = {(s.class_label, s.before, s.after) for s in wizard.summary_ids}
        self.assertEqual(summary, {("A", 0, 1), ("B", 0, 1), ("C", 0, 2), ("Unclassified", 4, 0)})

    def test_preview_of_many_changes_lists_a_share_of_each_dimension(self):
        self.env["ir.config_parameter"].sudo().set_param("account_customer_ledger.classify_preview_limit", 5)
        rfm = self.ref("account_customer_ledger.dimension_rfm_segment")
        wizard = self._wizard(dimension_ids=[Command.set((self.tier_dim | rfm).ids)])
        wizard.action_preview()
        self.assertEqual((wizard.change_count, wizard.listed_count), (8, 5), "four customers, two dimensions")
        self.assertEqual(
            sorted(len(lines) for lines in wizard.line_ids.grouped("dimension_id").values()),
            [2, 3],
            "each dimension gets its share of the lines",
        )
        tier_summary = wizard.summary_ids.filtered(lambda s: s.dimension_id == self.tier_dim)
        self.assertEqual(sum(tier_summary.mapped("after")), 4, "the summary counts every customer")
        wizard.action_apply()
        self.assertEqual(wizard.applied_count, 8, "Apply applies every change, listed or not")
        big_lines = self._history(self.big)
        self.assertEqual(len(big_lines), 2)
        self.assertEqual(len(big_lines.snapshot_id), 1, "one metrics snapshot shared by both dimensions' lines")
        self.assertEqual(big_lines.mapped(lambda line: line.metrics["revenue"]), [9000, 9000])

    def test_apply_logs_changes_and_respects_locks(self):
        # The manager sets Mid to A by hand: locked, logged, tracked in the chatter.
        # Drop the set-up's pending tracking, recorded with tracking turned off.
        self.env.cr.precommit.clear()
        manager_env = self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})
        self.mid.with_env(manager_env).value_tier_id = self.tier_a
        self.env.flush_all()
        self.env.cr.precommit.run()  # mail tracking is written at commit
        self.env.invalidate_all()
        manual = self._history(self.mid)
        self.assertEqual(len(manual), 1)
        self.assertEqual(manual.user_id, self.manager)
        self.assertIn("locked", manual.reason)
        assignment = self.env["customer.class.assignment"].search(
            [("partner_id", "=", self.mid.id), ("dimension_id", "=", self.tier_dim.id)]
        )
        self.assertTrue(assignment.locked)
        self.assertTrue(self.mid.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "value_tier_id"))

        # A rule name written with quotes, a backslash, braces and markup
        # reaches the reasons as typed, and the chatter escaped.
        rule_a = self.ref("account_customer_ledger.rule_value_tier_a")
        rule_a.name = 'Tier "A" {top, 1\\2} <b>'
        wizard = self._wizard()
        wizard.action_apply()
        self.assertEqual(wizard.applied_count, 3, "Big, Small and Idle change; Mid is locked")
        big_assignment = self.big.customer_class_assignment_ids.filtered(lambda a: a.dimension_id == self.tier_dim)
        self.assertIn('rule Tier "A" {top, 1\\2} <b> matched', big_assignment.reason)
        self.assertIn("Tier &#34;A&#34; {top, 1\\2} &lt;b&gt;", self.big.message_ids[0].body)
        self.assertEqual(self._tier(self.big), self.tier_a)
        self.assertEqual(self._tier(self.mid), self.tier_a, "a locked class stays")
        self.assertEqual(self._tier(self.small), self.tier_c)
        big_log = self._history(self.big)
        self.assertEqual((big_log.old_class_id, big_log.new_class_id), (self.env["customer.class"], self.tier_a))
        self.assertEqual(big_log.rule_id, rule_a)
        self.assertEqual(big_log.reason, big_assignment.reason)
        self.assertEqual(big_log.metrics["revenue"], 9000)
        self.assertAlmostEqual(big_log.metrics["contribution"], 90)
        self.assertRegex(big_log.metrics_html, r"Revenue in window</td><td[^>]*>9,000<")
        self.assertIn("Customer reclassified", self.big.message_ids[0].body)
        # Running again changes nothing and logs nothing more.
        self._wizard().action_apply()
        self.assertEqual(len(self._history()), 4)
        # The history's filters: the fallback is the classification's too.
        search = etree.fromstring(
            self.env["customer.class.history"].get_views([(False, "search")])["views"]["search"]["arch"]
        )
        for name, expected in (("by_hand", manual), ("by_rule", self._history() - manual)):
            (domain,) = search.xpath(f"//filter[@name='{name}']/@domain")
            self.assertEqual(self._history().filtered_domain(safe_eval(domain)), expected, name)

    def test_reasons_read_in_each_users_language(self):
        """A manager working in English classifies; a colleague working in
        Chinese reads why each class was given in Chinese - the rule's name
        and the metrics' labels included - on the preview, the class, its
        history, a class set by hand and one dropped by a move, while the
        manager reads English. The chatter note stays in its writer's."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        # A language the addon is not translated into reads English, and
        # the reasons keep no copy of the English text for it.
        self.env["res.lang"]._activate_lang("fr_FR")
        rule_a = self.ref("account_customer_ledger.rule_value_tier_a")
        en_name, zh_name = rule_a.with_context(lang="en_US").name, rule_a.with_context(lang="zh_CN").name
        self.assertNotEqual(en_name, zh_name)
        zh_env = self.env(context={"lang": "zh_CN"})
        zh_label = dict(zh_env["customer.class.rule.condition"]._fields["metric"]._description_selection(zh_env))[
            rule_a.condition_ids.metric
        ]
        wizard = self._wizard()
        wizard.action_preview()
        line = wizard.line_ids.filtered(lambda line: line.partner_id == self.big)
        self.assertTrue(line.with_context(lang="en_US").reason.startswith(f"rule {en_name} matched: "))
        self.assertTrue(line.with_context(lang="zh_CN").reason.startswith(f"匹配规则 {zh_name}："))
        wizard.action_apply()
        assignment = self.big.customer_class_assignment_ids.filtered(lambda a: a.dimension_id == self.tier_dim)
        for record in (assignment, self._history(self.big)):
            zh_reason = record.with_context(lang="zh_CN").reason
            self.assertEqual(zh_reason, f"匹配规则 {zh_name}：{zh_label} = 3 ≥ 3")
            en_reason = record.with_context(lang="en_US").reason
            self.assertTrue(en_reason.startswith(f"rule {en_name} matched: "))
            self.assertEqual(record.with_context(lang="fr_FR").reason, en_reason)
            self.env.cr.execute(SQL("SELECT reason FROM %s WHERE id = %s", SQL.identifier(record._table), record.id))
            self.assertEqual(set(self.env.cr.fetchone()[0]), {"en_US", "zh_CN"})
        self.assertEqual(self._history(self.idle).with_context(lang="zh_CN").reason, "无规则匹配：使用默认客户类别")
        # Conditions are separated as each language separates clauses.
        loyal = self.ref("account_customer_ledger.rule_rfm_loyal")
        reasons = {
            lang: loyal.with_context(lang=lang)._reason_format(loyal.with_context(lang=lang)._compile()).format(5, 4)
            for lang in ("en_US", "zh_CN")
        }
        self.assertTrue(reasons["en_US"].endswith("(1-5) = 5 ≥ 3; Frequency score (1-5) = 4 ≥ 4"), reasons)
        self.assertTrue(reasons["zh_CN"].endswith("（1-5） = 5 ≥ 3；购买频次得分（1-5） = 4 ≥ 4"), reasons)
        self.assertIn(f"rule {en_name} matched", self.big.message_ids[0].body)
        # By hand: who and when, in each reader's words.
        manager_env = self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})
        self.mid.with_env(manager_env).value_tier_id = self.tier_c
        manual = self._history(self.mid)[0]
        self.assertRegex(manual.with_context(lang="zh_CN").reason, r"^由 .+ 于 \d{4}-\d{2}-\d{2} 设置，已锁定$")
        self.assertRegex(manual.with_context(lang="en_US").reason, r"^set by .+ on \d{4}-\d{2}-\d{2}, locked$")
        self.assertEqual(manual.with_context(lang="fr_FR").reason, manual.with_context(lang="en_US").reason)
        locked = self.mid.customer_class_assignment_ids.filtered(lambda a: a.dimension_id == self.tier_dim)
        self.assertEqual(locked.with_context(lang="zh_CN").reason, manual.with_context(lang="zh_CN").reason)
        # A person buying on its own account become a contact of a company
        # loses its own classes, and the history says why.
        solo = self.env["res.partner"].create({"name": "Solo buyer"})
        solo.with_env(manager_env).value_tier_id = self.tier_c
        solo.parent_id = self.big
        dropped = self._history(solo).filtered(lambda line: not line.new_class_id)
        self.assertTrue(dropped)
        self.assertEqual(dropped.with_context(lang="zh_CN").reason, "已成为Big Co的联系人")
        self.assertEqual(dropped.with_context(lang="en_US").reason, "now a contact of Big Co")

    def test_wizard_says_how_many_customers_it_takes_at_once(self):
        """The wizard's form says how many customers Apply and Preview take
        before queuing them: the settings' figures, as the form opens."""
        form = Form(self.env["customer.classify"].with_user(self.manager))
        self.assertEqual((form.background_threshold, form.preview_background_threshold), (20000, 200000))
        self.env["res.config.settings"].create(
            {"customer_classify_background_threshold": 3, "customer_classify_preview_background_threshold": 7}
        ).execute()
        form = Form(self.env["customer.classify"].with_user(self.manager))
        self.assertEqual((form.background_threshold, form.preview_background_threshold), (3, 7))

    def test_large_scope_is_classified_in_the_background(self):
        self.env["res.config.settings"].create({"customer_classify_background_threshold": 3}).execute()
        Run = self.env["customer.class.run"].sudo()  # as the scheduler runs it
        outsider = self.env["res.partner"].create({"name": "Outsider", "is_company": True})
        self._invoice(outsider, "2026-12-01", 500)
        # Six months: Big's March invoice is outside the window, so Big is C, not A.
        wizard = self._wizard(window_months=6)
        wizard.action_apply()
        self.assertEqual(wizard.state, "queued", "four customers are more than the threshold of three")
        run = wizard.run_id
        self.assertEqual((run.origin, run.user_id, run.total_count), ("wizard", self.manager, 4))
        self.assertFalse(self._tier(self.big), "nothing is written in the request")
        cron = self.ref("account_customer_ledger.ir_cron_classify_queued")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the job is called")
        calls = 1
        while Run._cron_classify_queued(batch_size=3):
            calls += 1
        self.assertEqual((calls, run.state, run.done_count, run.batch_count), (2, "done", 4, 2))
        self.assertEqual(self._tier(self.big), self.tier_c, "the wizard's window")
        self.assertFalse(self._tier(outsider), "only the wizard's customers")
        history = self._history()
        self.assertEqual(len(history), 4)
        self.assertEqual(history.user_id, self.manager, "logged in the name of who applied")
        self.assertEqual(history.dimension_id, self.tier_dim, "only the wizard's dimensions")
        self.assertEqual(
            self.env["customer.class.assignment"].search([("partner_id", "in", self.customers.ids)]).dimension_id,
            self.tier_dim,
        )
        self.assertEqual(Run._cron_classify_queued(batch_size=3), 0, "nothing left to do")
        notice = self.env["mail.message"].search([("model", "=", run._name), ("res_id", "=", run.id)])
        self.assertEqual(notice.partner_ids, self.manager.partner_id, "who applied is told when it is done")
        self.assertIn("4 customers classified, 4 classes changed", notice.body)
        self.assertEqual(wizard.action_open_runs()["res_model"], "customer.class.run")
        # All customers, over the usual year: Big back to A, the outsider classified too.
        wizard = self._wizard(scope="all")
        wizard.action_apply()
        self.assertEqual(wizard.run_id.total_count, self._customer_count())
        while Run._cron_classify_queued(batch_size=3):
            pass
        self.assertEqual((self._tier(self.big), self._tier(outsider)), (self.tier_a, self.tier_b))
        # A queued dimension no longer classified by rules is left alone.
        wizard = self._wizard(window_months=6)
        wizard.action_apply()
        self.tier_dim.automatic = False
        Run._cron_classify_queued(batch_size=3)
        self.assertEqual((wizard.run_id.state, wizard.run_id.done_count), ("done", 0))
        self.assertEqual(self._tier(self.big), self.tier_a)

    def test_run_that_cannot_go_on_stops_with_its_reason_and_resumes(self):
        """A queued run whose batch fails for good — a rule whose customer
        filter names a field removed since the rule was saved — stops with
        the reason, its batch undone, tells who queued it and lets the run
        queued after it go on, instead of failing the job at every call;
        resumed once the rule is mended, it finishes."""
        self.env["res.config.settings"].create({"customer_classify_background_threshold": 3}).execute()
        Run = self.env["customer.class.run"].sudo()  # as the scheduler runs it
        rfm = self.ref("account_customer_ledger.dimension_rfm_segment")
        rule = self.ref("account_customer_ledger.rule_value_tier_b")
        domain = rule.partner_domain
        # Written below the rule's own check, as a field removed later leaves it.
        self.env.cr.execute(
            "UPDATE customer_class_rule SET partner_domain = %s WHERE id = %s", ["[('x_removed', '=', 1)]", rule.id]
        )
        rule.invalidate_recordset()
        broken = self._wizard()
        broken.action_apply()
        other = self._wizard(dimension_ids=[Command.set(rfm.ids)])
        other.action_apply()
        Run._cron_classify_queued(batch_size=3)
        stopped = broken.run_id
        self.assertEqual(stopped.state, "failed")
        self.assertIn("the customer filter [('x_removed', '=', 1)] is not valid", stopped.failure_reason)
        self.assertEqual(stopped.done_count, 0, "the failed batch is undone")
        self.assertFalse(self._tier(self.big))
        notice = self.env["mail.message"].search([("model", "=", stopped._name), ("res_id", "=", stopped.id)])
        self.assertEqual(notice.partner_ids, self.manager.partner_id, "who queued it is told")
        self.assertIn("stopped after 0 customers", notice.body)
        self.assertEqual(other.run_id.done_count, 3, "the next queued run is not held up")
        while Run._cron_classify_queued(batch_size=3):
            pass
        self.assertEqual((other.run_id.state, stopped.state), ("done", "failed"))
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            stopped.with_user(self.user).action_resume()
        with self.assertRaisesRegex(UserError, "Only a stopped run"), self.env.cr.savepoint():
            other.run_id.with_user(self.manager).action_resume()
        rule.partner_domain = domain
        stopped.with_user(self.manager).action_resume()
        self.assertEqual((stopped.state, stopped.failure_reason), ("running", False))
        while Run._cron_classify_queued(batch_size=3):
            pass
        self.assertEqual((stopped.state, stopped.done_count), ("done", 4))
        self.assertEqual(self._tier(self.big), self.tier_a)
        # A scheduled pass stops alike, and tells the company's classification managers.
        self.env.cr.execute(
            "UPDATE customer_class_rule SET partner_domain = %s WHERE id = %s", ["[('x_removed', '=', 1)]", rule.id]
        )
        rule.invalidate_recordset()
        Run._cron_reclassify(batch_size=3)
        scheduled = Run.search([("origin", "=", "scheduled"), ("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(scheduled.state, "failed")
        notice = self.env["mail.message"].search([("model", "=", scheduled._name), ("res_id", "=", scheduled.id)])
        self.assertIn(self.manager.partner_id, notice.partner_ids)
        self.assertNotIn(self.user.partner_id, notice.partner_ids)

    def test_large_preview_is_computed_in_the_background(self):
        self.env["res.config.settings"].create({"customer_classify_preview_background_threshold": 3}).execute()
        # Two lines at most: one per dimension.
        self.env["ir.config_parameter"].sudo().set_param("account_customer_ledger.classify_preview_limit", 2)
        Run = self.env["customer.class.run"].sudo()  # as the scheduler runs it
        rfm = self.ref("account_customer_ledger.dimension_rfm_segment")
        self.mid.with_company(self.company).with_user(self.manager).value_tier_id = self.tier_c  # locked
        history_before = len(self._history())
        wizard = self._wizard(dimension_ids=[Command.set((self.tier_dim | rfm).ids)])
        wizard.action_preview()
        self.assertEqual(wizard.state, "queued", "four customers are more than the threshold of three")
        run = wizard.run_id
        self.assertEqual((run.origin, run.mode, run.user_id, run.total_count), ("wizard", "preview", self.manager, 4))
        self.assertEqual(wizard.action_open_run()["res_id"], run.id)
        Run.search([("id", "!=", run.id), ("state", "=", "running")]).write({"state": "done"})
        Run._cron_classify_queued(batch_size=3)
        cursor = run.last_partner_id
        # A worker killed in the middle of the last batch: counted and listed once.
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            Run._cron_classify_queued(batch_size=3)
            self.assertEqual(run.state, "done")
            raise RuntimeError("worker killed")
        self.env.invalidate_all()
        self.assertEqual((run.state, run.last_partner_id), ("running", cursor))
        while Run._cron_classify_queued(batch_size=3):
            pass
        self.assertEqual((run.state, run.done_count, run.batch_count), ("done", 4, 2))
        # Nothing written but the preview.
        self.assertEqual(self._tier(self.big), self.env["customer.class"])
        self.assertEqual(self._tier(self.mid), self.tier_c)
        self.assertEqual(len(self._history()), history_before)
        # The same figures as a preview in the request.
        summary = {(c.dimension_id, c.class_label, c.before, c.after) for c in run.count_ids}
        self.assertEqual(
            {row for row in summary if row[0] == self.tier_dim},
            {(self.tier_dim, *counts) for counts in (("A", 0, 1), ("C", 1, 3), ("Unclassified", 3, 0))},
            "Mid (B by its revenue) is locked at C: it stays there",
        )
        self.assertEqual(sum(c.after for c in run.count_ids if c.dimension_id == rfm), 4)
        in_request = self._wizard(dimension_ids=[Command.set((self.tier_dim | rfm).ids)])
        self.env["ir.config_parameter"].sudo().set_param(
            "account_customer_ledger.classify_preview_background_threshold", 100
        )
        in_request.action_preview()
        self.assertEqual({(c.dimension_id, c.class_label, c.before, c.after) for c in in_request.summary_ids}, summary)
        self.assertEqual(run.changed_count, in_request.change_count)
        self.assertEqual((run.listed_count, len(run.change_ids)), (2, 2))
        self.assertEqual(run.change_ids.dimension_id, self.tier_dim | rfm, "each dimension gets its share")
        self.assertTrue(run.change_ids.filtered(lambda line: line.dimension_id == self.tier_dim).reason)
        notice = self.env["mail.message"].search([("model", "=", run._name), ("res_id", "=", run.id)])
        self.assertEqual(notice.partner_ids, self.manager.partner_id)
        self.assertIn(f"4 customers previewed, {run.changed_count} class changes proposed", notice.body)
        # A plain user cannot apply it; the manager applies what was previewed.
        with self.assertRaises(AccessError):
            run.with_user(self.user).action_apply()
        action = run.with_user(self.manager).action_apply()
        applied = Run.browse(action["res_id"])
        self.assertEqual(
            (applied.mode, applied.user_id, applied.partner_ids, applied.dimension_ids),
            ("apply", self.manager, self.customers, self.tier_dim | rfm),
        )
        with self.assertRaises(UserError):
            applied.with_user(self.manager).action_apply()
        while Run._cron_classify_queued(batch_size=3):
            pass
        self.assertEqual(applied.state, "done")
        self.assertEqual((self._tier(self.big), self._tier(self.mid)), (self.tier_a, self.tier_c))
        self.assertEqual(applied.changed_count, run.changed_count - 1, "the changes proposed but Mid's, locked")
        # A finished preview goes after a month, with its lines; classifying runs stay.
        Run._gc_finished_previews()
        self.assertTrue(run.exists())
        (run | applied).sudo().write({"date_done": fields.Datetime.subtract(fields.Datetime.now(), days=31)})
        Run._gc_finished_previews()
        self.assertFalse(run.exists())
        self.assertFalse(self.env["customer.class.run.change"].search([("run_id", "=", run.id)]))
        self.assertTrue(applied.exists())

    def test_class_no_rule_gives_any_more_is_removed(self):
        self._wizard().action_apply()
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.small.id})
        self.assertEqual(contact.with_company(self.company).value_tier_id, self.tier_c)
        manager_env = self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})
        self.idle.with_env(manager_env).value_tier_id = self.tier_b  # locked by hand
        # Without a fallback, Small and Idle fall through every rule.
        self.tier_dim.fallback_class_id = False
        preview = self._wizard()
        preview.action_preview()
        line = preview.line_ids.filtered(lambda ln: ln.partner_id == self.small)
        self.assertEqual(
            (line.old_class_id, line.new_class_id, line.reason),
            (self.tier_c, self.env["customer.class"], "no rule matched"),
        )
        summary = {s.class_id: (s.before, s.after) for s in preview.summary_ids}
        self.assertEqual(summary[self.tier_c], (1, 0))
        self.assertEqual(summary[self.tier_b], (2, 2), "Mid by the rules, Idle locked")
        self.assertEqual(summary[self.env["customer.class"]], (0, 1), "Small is left without a class")
        self.assertEqual(self._tier(self.small), self.tier_c, "the preview writes nothing")

        preview.action_apply()
        self.assertEqual(preview.applied_count, 1)
        self.env.invalidate_all()
        self.assertFalse(self._tier(self.small))
        self.assertFalse(contact.with_company(self.company).value_tier_id, "its contacts lose it too")
        self.assertFalse(self.small.with_company(self.company).customer_class_assignment_ids)
        self.assertEqual(self._tier(self.idle), self.tier_b, "a locked class stays")
        self.assertEqual(self._tier(self.big), self.tier_a)
        removal = self._history(self.small).sorted("id")[-1]
        self.assertEqual((removal.old_class_id, removal.new_class_id), (self.tier_c, self.env["customer.class"]))
        self.assertEqual(removal.reason, "no rule matched")
        self.assertIn("C → - (no rule matched)", self.small.message_ids[0].body)
        # Nothing left to remove: a second run changes nothing.
        self._wizard().action_apply()
        self.assertEqual(self._history(self.small), self._history(self.small).sorted("id")[:2])

    def test_unlocked_class_goes_back_to_the_rules(self):
        manager_env = self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})
        self.mid.with_env(manager_env).value_tier_id = self.tier_c
        self._wizard().action_apply()
        self.assertEqual(self._tier(self.mid), self.tier_c, "locked: the rules leave it")
        assignment = self.env["customer.class.assignment"].search(
            [("partner_id", "=", self.mid.id), ("dimension_id", "=", self.tier_dim.id)]
        )
        with self.assertRaises(AccessError):
            assignment.with_user(self.user).action_unlock()
        self.assertTrue(assignment.locked)

        result = self.mid.with_env(manager_env).action_unlock_customer_classes()
        self.assertIn("1", result["params"]["message"])
        self.assertFalse(assignment.locked)
        self.assertEqual(self._tier(self.mid), self.tier_c, "unlocking alone changes no class")
        self.assertIn("unlocked by", self.mid.message_ids[0].body)

        wizard = self._wizard()
        wizard.action_apply()
        self.assertEqual(wizard.applied_count, 1)
        self.assertEqual(self._tier(self.mid), self.tier_b)
        last = self._history(self.mid)[0]
        self.assertEqual((last.old_class_id, last.new_class_id), (self.tier_c, self.tier_b))
        self.assertEqual(last.rule_id, self.ref("account_customer_ledger.rule_value_tier_b"))

    def test_contacts_show_the_commercial_partners_class(self):
        contact = self.env["res.partner"].create({"name": "Buyer at Big", "parent_id": self.big.id})
        self._wizard().action_apply()
        self.assertEqual(self._tier(contact), self.tier_a)
        self.assertIn(self.tier_a, contact.with_company(self.company).customer_class_ids)
        # The contact's Classification tab says why, as its company's does.
        shown = contact.with_company(self.company).commercial_class_assignment_ids
        self.assertEqual(shown.class_id, self.tier_a)
        self.assertTrue(shown.reason.startswith("rule Tier A"), shown.reason)
        self.assertEqual(shown, self.big.with_company(self.company).commercial_class_assignment_ids)
        found = (
            self.env["res.partner"].with_company(self.company).search([("customer_class_ids", "in", self.tier_a.ids)])
        )
        self.assertIn(contact, found)
        self.assertIn(self.big, found)
        self.assertNotIn(self.small, found)
        # A person buying on its own account who becomes a contact of a
        # classified company (set by a user without classification rights)
        # holds its company's classes only, in the partner field and in the
        # counts by class alike.
        solo = self.env["res.partner"].create({"name": "Solo buyer"})
        solo.with_user(self.manager).value_tier_id = self.tier_c
        solo.with_user(self._contact_manager("ledger_contact_mover")).parent_id = self.big
        self.assertEqual(self._tier(solo), self.tier_a)
        self.assertFalse(self.env["customer.class.assignment"].search([("partner_id", "=", solo.id)]))
        dropped = self._history(solo).filtered(lambda line: not line.new_class_id)
        self.assertEqual(dropped.old_class_id, self.tier_c)
        self.assertIn("Big Co", dropped.reason)
        # A contact that leaves its company no longer shows the company's.
        contact.parent_id = False
        self.assertFalse(self._tier(contact))
        self.assertNotIn(
            contact,
            self.env["res.partner"].with_company(self.company).search([("customer_class_ids", "in", self.tier_a.ids)]),
        )

    def test_selection_classifies_its_customers_only(self):
        contact = self.env["res.partner"].create({"name": "Buyer at Small", "parent_id": self.small.id})
        # Customers close together are read by their id range: the customer
        # between them, not selected, must stay out.
        self.assertLess(self.small.id - self.big.id, 4, "the selection fills most of its id range")
        wizard = self._wizard(partner_ids=[Command.set((self.big | contact).ids)])
        wizard.action_preview()
        self.assertEqual(set(wizard.line_ids.partner_id), {self.big, self.small}, "a contact stands for its company")
        wizard.action_apply()
        self.assertEqual((self._tier(self.big), self._tier(self.small)), (self.tier_a, self.tier_c))
        self.assertFalse(self._tier(self.mid))
        self.assertEqual(self._history().partner_id, self.big | self.small)

    def _recent_customers(self):
        """Two customers invoiced within the twelve months before the day
        the test runs, which the partner form's figures cover (the class's
        own documents are dated for the wizard's fixed as-of date)."""
        day = fields.Date.context_today(self.big) - timedelta(days=40)
        recent, refunded = self.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in ("Recent Co", "Refunded Co")]
        )
        self._invoice(recent, day, 9000)
        self._invoice(refunded, day + timedelta(days=1), 1100)
        self._invoice(refunded, day + timedelta(days=2), 300, move_type="out_refund")
        return day, recent, refunded

    def test_partner_form_metrics(self):
        day, recent, refunded = self._recent_customers()
        recent = recent.with_company(self.company)
        self.assertEqual(recent.ledger_invoice_count, 1)
        self.assertEqual(recent.ledger_revenue, 9000)
        self.assertEqual(refunded.with_company(self.company).ledger_revenue, 800, "credit notes reduce revenue")
        self.assertEqual(recent.ledger_open_balance, 9000)
        self.assertEqual(recent.ledger_first_invoice_date, day)

    def test_classification_tab_asks_for_its_figures_when_shown(self):
        """The partner form loads none of the metrics (ranking a customer
        reads all the company's customers); the Classification tab asks for
        them, labelled and worded as the user reads them, for a contact
        those of its company."""
        form = self.env["res.partner"].get_views([(False, "form")])["models"]["res.partner"]["fields"]
        ranked = [
            name
            for name, field in self.env["res.partner"]._fields.items()
            if field.compute == "_compute_ledger_metrics"
        ]
        self.assertTrue(ranked)
        self.assertFalse(set(ranked) & set(form), "the form itself computes no metric")
        day, recent, _refunded = self._recent_customers()
        contact = self.env["res.partner"].create({"name": "Buyer at Recent", "parent_id": recent.id})
        self.env.user.lang = "en_US"
        figures = {figure["name"]: figure for figure in contact.with_company(self.company).get_ledger_figures()}
        self.assertEqual(list(figures)[:2], ["ledger_revenue", "ledger_invoice_count"])
        self.assertEqual(figures["ledger_revenue"]["string"], "Revenue (window)")
        self.assertIn("9,000.00", figures["ledger_revenue"]["value"])
        self.assertEqual(figures["ledger_invoice_count"]["value"], "1")
        self.assertEqual(figures["ledger_first_invoice_date"]["value"], day.strftime("%m/%d/%Y"))
        self.assertEqual(
            figures["ledger_contribution"]["value"], f"{recent.with_company(self.company).ledger_contribution:.2f}"
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        chinese = {
            figure["name"]: figure
            for figure in contact.with_company(self.company).with_context(lang="zh_CN").get_ledger_figures()
        }
        self.assertEqual(chinese["ledger_revenue"]["string"], "收入（统计期间）")
        self.assertEqual(chinese["ledger_first_invoice_date"]["value"], f"{day.year}年{day.month:02d}月{day.day:02d}日")
        stranger = new_test_user(self.env, login="ledger_no_partners", groups="base.group_portal")
        with self.assertRaises(AccessError):
            contact.with_user(stranger).get_ledger_figures()

    def test_deleted_customer_leaves_its_history(self):
        """A customer never invoiced, classified, then deleted: its history
        stays, under the name it had, with the figures it was classified
        on, and is found by that name."""
        self._wizard().action_apply()
        logged = self._history(self.idle)
        self.assertEqual(logged.new_class_id, self.tier_c)
        self.idle.unlink()
        History = self.env["customer.class.history"]
        self.assertEqual(logged.exists(), logged)
        self.assertFalse(logged.partner_id)
        self.assertEqual(logged.partner_name, "Idle Co")
        self.assertEqual(logged.metrics["revenue"], 0)
        self.assertEqual(History.search([("partner_name", "ilike", "idle")]), logged)
        self.assertFalse(self._history(self.big).partner_name, "the others' lines are as they were")
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            logged.partner_name = "Someone else"

    def test_reasons_given_before_chinese_was_installed_read_in_chinese(self):
        """Classes given while the database spoke English alone, by a rule,
        by the fallback or by hand, say why in Chinese once Chinese is
        installed, with the figures and the names they were given with; the
        reason of a rule changed since stays as it was given."""
        self.env.cr.precommit.clear()
        wholesale = self.ref("account_customer_ledger.class_customer_type_wholesale")
        self.big.with_user(self.manager).customer_type_id = wholesale
        preview = self._wizard()
        preview.action_preview()
        self._wizard().action_apply()
        rule_b = self.ref("account_customer_ledger.rule_value_tier_b")
        rule_b.name = "B, renamed"
        self.env.flush_all()

        def reasons(partner, lang):
            assignments = partner.with_context(lang=lang).customer_class_assignment_ids
            history = self._history(partner).with_context(lang=lang).sorted("id")
            return {a.dimension_id: a.reason for a in assignments}, history.mapped("reason")

        english = {partner: reasons(partner, "en_US") for partner in self.customers}
        # As a database without Chinese wrote them (a database with demo
        # data has Chinese already).
        for model in REASON_MODELS:
            self.env.execute_query(
                SQL("UPDATE %s SET reason = reason - 'zh_CN'", SQL.identifier(self.env[model]._table))
            )
        self.env.invalidate_all()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"])

        today = fields.Date.to_string(fields.Date.context_today(self.manager))
        big, big_history = reasons(self.big, "zh_CN")
        self.assertEqual(
            big,
            {
                wholesale.dimension_id: f"由 {self.manager.name} 于 {today} 设置，已锁定",
                self.tier_dim: "匹配规则 A 级：前 80% 收入：价值等级得分（A=3，B=2，C=1） = 3 ≥ 3",
            },
        )
        self.assertEqual(sorted(big_history), sorted(big.values()), "the history says the same")
        proposed = preview.with_context(lang="zh_CN").line_ids.filtered(lambda line: line.partner_id == self.big)
        self.assertEqual(proposed.reason, big[self.tier_dim], "and so does the preview")
        idle, _history = reasons(self.idle, "zh_CN")
        self.assertEqual(idle, {self.tier_dim: "无规则匹配：使用默认客户类别"})
        self.assertEqual(reasons(self.mid, "zh_CN"), english[self.mid], "its rule is no longer the one that gave it")
        self.assertEqual(
            {partner: reasons(partner, "en_US") for partner in self.customers}, english, "English stays as it was"
        )

    # ------------------------------------------------------------ rules

    def _dimension(self, **vals):
        dimension = self.env["customer.class.dimension"].create({"name": "Test dimension", "code": "test_dim"} | vals)
        gold, silver = self.env["customer.class"].create(
            [
                {"name": "Gold", "code": "gold", "dimension_id": dimension.id},
                {"name": "Silver", "code": "silver", "dimension_id": dimension.id},
            ]
        )
        return dimension, gold, silver

    @staticmethod
    def _revenue_rule(name, customer_class, minimum, **vals):
        """Values of a rule giving ``customer_class`` from ``minimum`` revenue
        in the window."""
        return {
            "name": name,
            "dimension_id": customer_class.dimension_id.id,
            "class_id": customer_class.id,
            "condition_ids": [Command.create({"metric": "revenue", "min_value": minimum})],
            **vals,
        }

    def test_class_set_by_hand_in_any_dimension(self):
        dimension, gold, silver = self._dimension(name="Industry", automatic=False)
        contact = self.env["res.partner"].create({"name": "Big's buyer", "parent_id": self.big.id})
        # Drop the set-up's pending tracking, recorded with tracking turned off.
        self.env.cr.precommit.clear()
        Set = self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})["customer.class.set"]

        def set_class(partners, dimension, customer_class):
            wizard = Set.with_context(active_model="res.partner", active_ids=partners.ids).create(
                {"dimension_id": dimension.id, "class_id": customer_class.id}
            )
            result = wizard.action_set()
            self.env.flush_all()
            self.env.cr.precommit.run()  # mail tracking is written at commit
            return result

        # A dimension an administrator added, set from a contact.
        set_class(contact, dimension, gold)
        assignment = self.env["customer.class.assignment"].search(
            [("partner_id", "=", self.big.id), ("dimension_id", "=", dimension.id)]
        )
        self.assertEqual((assignment.class_id, assignment.locked, assignment.user_id), (gold, True, self.manager))
        self.assertIn("locked", assignment.reason)
        self.assertIn(gold, contact.customer_class_ids, "its contacts show it")
        set_class(self.big | contact, dimension, silver)
        set_class(self.big, dimension, self.env["customer.class"])
        self.assertFalse(assignment.exists(), "an empty class removes it")
        lines = self._history(self.big).filtered(lambda line: line.dimension_id == dimension).sorted("id")
        self.assertEqual(
            [(line.old_class_id, line.new_class_id, line.user_id) for line in lines],
            [(self.env["customer.class"], gold, self.manager), (gold, silver, self.manager)]
            + [(silver, self.env["customer.class"], self.manager)],
            "every change logged once, the contact and its company counted as one customer",
        )
        tracked = self.big.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == dimension.partner_field
        )
        self.assertEqual(
            sorted((value.old_value_char, value.new_value_char) for value in tracked),
            [("", "Gold"), ("Gold", "Silver"), ("Silver", "")],
            "tracked in the chatter as the shipped dimensions are",
        )
        # A shipped dimension goes through its partner field, which tracks it.
        result = set_class(self.small, self.tier_dim, self.tier_a)
        self.assertIn("1 customers", result["params"]["message"])
        self.assertEqual(self._tier(self.small), self.tier_a)
        self.assertTrue(self.small.customer_class_assignment_ids.filtered("locked"))
        self.assertTrue(self.small.message_ids.tracking_value_ids, "tracked in the chatter")
        with self.assertRaises(UserError):
            set_class(self.small, self.tier_dim, gold)
        with self.assertRaises(AccessError):
            self.env(user=self.user)["customer.class.set"].create(
                {"partner_ids": [Command.set(self.small.ids)], "dimension_id": dimension.id, "class_id": gold.id}
            ).action_set()
        self.assertEqual(self._tier(self.small), self.tier_a)

    def test_classes_given_at_creation_are_set_by_hand(self):
        """Customers imported with their customer type hold it as if set by
        hand: locked, with who set it, logged; creating a customer with a
        class needs the right to set classes."""
        wholesale = self.ref("account_customer_ledger.class_customer_type_wholesale")
        self.manager.groups_id |= self.ref("base.group_partner_manager")
        result = (
            self.env(user=self.manager)["res.partner"]
            .with_company(self.company)
            .load(
                ["name", "is_company", "customer_type_id/id", "value_tier_id", "credit_grade_id"],
                [["Imported Co", "1", "account_customer_ledger.class_customer_type_wholesale", "B", "A"]],
            )
        )
        self.assertFalse(result["messages"], "classes found by name in each column's dimension")
        imported = self.env["res.partner"].browse(result["ids"]).with_company(self.company)
        self.assertEqual(imported.customer_type_id, wholesale)
        self.assertEqual(imported.value_tier_id, self.tier_b)
        self.assertEqual(imported.credit_grade_id, self.ref("account_customer_ledger.class_credit_grade_a"))
        with self.assertRaisesRegex(ValidationError, "A is a class of Value Tier, not of Credit Grade"):
            imported.with_user(self.manager).credit_grade_id = self.tier_a
        assignment = imported.customer_class_assignment_ids.filtered(lambda a: a.class_id == wholesale)
        self.assertEqual((assignment.locked, assignment.user_id), (True, self.manager))
        self.assertEqual(len(imported.customer_class_assignment_ids), 3)
        self.assertIn(
            (self.env["customer.class"], wholesale, self.manager),
            self._history(imported).mapped(lambda line: (line.old_class_id, line.new_class_id, line.user_id)),
        )
        clerk = self._contact_manager("ledger_contact_clerk")
        with self.assertRaises(AccessError):
            self.env(user=clerk)["res.partner"].create({"name": "Typed Co", "customer_type_id": wholesale.id})
        untyped = self.env(user=clerk)["res.partner"].create({"name": "Untyped Co", "customer_type_id": False})
        self.assertFalse(untyped.customer_class_assignment_ids)

    def test_added_dimension_has_a_partner_field_to_group_by(self):
        """A dimension a classification manager adds gets a partner field:
        the classification fills it, the partner list groups by it, contacts
        show it; renamed with the dimension in each language, dropped with
        it when it is deleted, which only a dimension nothing names yet is."""
        self.env["res.lang"]._activate_lang("zh_CN")
        dimension = (
            self.env["customer.class.dimension"].with_user(self.manager).create({"name": "Channel", "code": "channel"})
        )
        gold, silver = self.env["customer.class"].create(
            [{"name": name, "code": name.lower(), "dimension_id": dimension.id} for name in ("Gold", "Silver")]
        )
        fname = dimension.partner_field
        Partner = self.env["res.partner"]
        self.assertTrue(fname.startswith("x_customer_class_"))
        self.assertEqual(Partner.fields_get([fname])[fname]["string"], "Channel")
        self.env["customer.class.rule"].create(self._revenue_rule("Big spenders", gold, 5000))
        dimension.fallback_class_id = silver
        contact = Partner.create({"name": "Big's buyer", "parent_id": self.big.id})
        self._wizard(dimension_ids=[Command.set(dimension.ids)]).action_apply()
        groups = Partner.with_company(self.company)._read_group(
            [("id", "in", (self.customers | contact).ids)], [fname], ["__count"]
        )
        self.assertEqual(dict(groups), {gold: 2, silver: 3}, "Big Co and its contact; Mid, Small and Idle")
        self.assertEqual(contact.with_company(self.company)[fname], gold)
        other = self.setup_other_company(name="Channel other company")["company"]
        self.assertFalse(self.big.with_company(other)[fname], "only in its company")
        search_arch = Partner.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn(f"group_by': '{fname}'", search_arch)
        self.assertIn('string="Channel"', search_arch)
        form = Partner.with_user(self.manager).get_views([(False, "form")])
        self.assertIn(f'<field name="{fname}"', form["views"]["form"]["arch"], "set on the Classification tab")
        self.assertEqual(form["models"]["res.partner"]["fields"][fname]["string"], "Channel")
        # Invoice Analysis groups by the class each document was posted under.
        mid_first = self._invoice(self.mid, "2026-12-01", 60)
        self.mid.with_user(self.manager).with_company(self.company)[fname] = gold
        self.assertEqual(self.mid.with_company(self.company)[fname], gold)
        small_silver = self._invoice(self.small, "2026-12-01", 25)
        mid_later = self._invoice(self.mid, "2026-12-02", 15)
        Analysis = self.env["account.invoice.report"]
        groups = Analysis._read_group(
            [("move_id", "in", (mid_first | small_silver | mid_later).ids)], [fname], ["price_subtotal:sum"]
        )
        self.assertEqual(dict(groups), {silver: 85, gold: 15}, "Mid's first invoice stays Silver")
        self.assertEqual(Analysis.fields_get([fname])[fname]["string"], "Channel")
        self.assertIn(f"group_by': '{fname}'", Analysis.get_views([(False, "search")])["views"]["search"]["arch"])
        # Journal items are searched by the classes of their document.
        items = self.env["account.move.line"].search(
            [("move_id", "in", (mid_first | small_silver | mid_later).ids), ("customer_class_ids", "in", gold.ids)]
        )
        self.assertEqual(items.move_id, mid_later)
        self.assertIn(gold, items[0].customer_class_ids)
        # ... and grouped by them (Add Custom Group), every dimension's at once.
        Item = self.env["account.move.line"]
        self.assertTrue(Item.fields_get(["customer_class_ids"], ["groupable"])["customer_class_ids"]["groupable"])
        groups = Item._read_group(
            [("move_id", "in", (mid_first | small_silver | mid_later).ids), ("display_type", "=", "product")],
            ["customer_class_ids"],
            ["price_subtotal:sum"],
        )
        self.assertEqual({cls: total for cls, total in groups if cls in gold | silver}, {silver: 85, gold: 15})
        dimension.name = "Sales Channel"
        dimension.with_context(lang="zh_CN").name = "销售渠道"
        self.assertEqual(Partner.fields_get([fname])[fname]["string"], "Sales Channel")
        self.assertEqual(Partner.with_context(lang="zh_CN").fields_get([fname])[fname]["string"], "销售渠道")
        self.assertEqual(Analysis.with_context(lang="zh_CN").fields_get([fname])[fname]["string"], "销售渠道")
        self.assertIn('string="Sales Channel"', Partner.get_views([(False, "search")])["views"]["search"]["arch"])
        # A dimension given a field after its classes mirrors them into it.
        self.env["ir.model.fields"]._get("res.partner", fname).unlink()
        self.assertNotIn(fname, self.env["res.partner"]._fields)
        self.env["customer.class.dimension"]._create_missing_partner_fields()
        self.assertEqual(self.env["res.partner"].with_company(self.company).browse(self.mid.id)[fname], gold)
        # One added before Invoice Analysis had such fields gets it there.
        self.env["ir.model.fields"]._get("account.invoice.report", fname).unlink()
        self.env["customer.class.dimension"]._create_missing_partner_fields()
        self.assertEqual(
            dict(
                self.env["account.invoice.report"]._read_group([("move_id", "=", mid_later.id)], [fname], ["__count"])
            ),
            {gold: 1},
        )
        duplicate = dimension.with_user(self.manager).copy()
        self.assertEqual(duplicate.code, "channel_copy")
        self.assertEqual(duplicate.class_ids.mapped("code"), ["gold", "silver"])
        self.assertNotIn(gold, duplicate.class_ids)
        self.assertEqual(duplicate.fallback_class_id, duplicate.class_ids[1], "its own Silver")
        self.assertEqual(duplicate.rule_ids.class_id, duplicate.class_ids[0])
        self.assertEqual(duplicate.rule_ids.condition_ids.min_value, 5000)
        self.assertNotIn(duplicate.partner_field, (False, fname), "a duplicate gets a field of its own")
        self.assertFalse(self.env["res.partner"].search_count([(duplicate.partner_field, "!=", False)]))
        # Two dimensions name classes Gold: side by side the classes carry
        # their dimension's name; the dimension's own field and its groups
        # show the short one, as the shipped dimensions' do.
        gold.invalidate_recordset(["display_name"])
        self.assertEqual(gold.display_name, "Sales Channel: Gold")
        Partner = self.env["res.partner"].with_company(self.company)
        self.assertEqual(Partner.fields_get([fname])[fname]["context"], {"customer_class_short_name": True})
        [group] = Partner.web_read_group([("id", "=", self.mid.id)], [fname], [fname])["groups"]
        self.assertEqual(group[fname], (gold.id, "Gold"))
        # A dimension in use is archived, not deleted: its classes stay on
        # the customers, in the history and on the posted documents.
        with self.assertRaises(UserError) as refused:
            dimension.with_user(self.manager).unlink()
        self.assertEqual(
            str(refused.exception),
            "Dimension Sales Channel cannot be deleted: its class Gold is in use (customers hold it, the "
            "classification history records it, and posted documents carry it). Archive the dimension instead: "
            "its classes stay where they are named, and it is no longer classified.",
        )
        dimension.with_user(self.manager).active = False
        self.assertEqual(mid_later.customer_class_ids & dimension.class_ids, gold)
        self.assertEqual(self.mid.with_company(self.company)[fname], gold)
        # ... and leaves the partner form and the searches.
        self.assertNotIn(f"group_by': '{fname}'", Partner.get_views([(False, "search")])["views"]["search"]["arch"])
        self.assertNotIn(f"group_by': '{fname}'", Analysis.get_views([(False, "search")])["views"]["search"]["arch"])
        form = Partner.with_user(self.manager).get_views([(False, "form")])
        self.assertNotIn(f'<field name="{fname}"', form["views"]["form"]["arch"])
        dimension.with_user(self.manager).active = True
        self.assertIn(f"group_by': '{fname}'", Partner.get_views([(False, "search")])["views"]["search"]["arch"])
        # One that nothing names yet is deleted with its field.
        unused = duplicate.partner_field
        duplicate.with_user(self.manager).unlink()
        self.assertNotIn(unused, self.env["res.partner"]._fields)
        self.assertNotIn(unused, self.env["account.invoice.report"]._fields)
        self.assertIn(fname, self.env["account.invoice.report"]._fields)
        self.assertIn(fname, self.env["res.partner"]._fields)
        self.assertNotIn(unused, self.env["res.partner"].get_views([(False, "search")])["views"]["search"]["arch"])

    def test_first_matching_rule_wins_with_domain_and_currency(self):
        dimension, gold, silver = self._dimension()
        be = self.ref("base.be")
        self.big.country_id = be
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        euro_customer = self.env["res.partner"].create({"name": "Euro Co", "country_id": be.id})
        # 1,500 EUR at 2 EUR per company unit: 750 in company currency.
        self._invoice(euro_customer, "2026-06-01", 1500, currency=eur)
        self.env["customer.class.rule"].create(
            [
                self._revenue_rule(
                    "Belgian 1000+", gold, 1000, sequence=1, partner_domain="[('country_id.code', '=', 'BE')]"
                ),
                self._revenue_rule("Any 700+", silver, 700, sequence=2),
            ]
        )
        partners = self.customers | euro_customer
        proposals = {
            p["partner_id"]: p
            for p in self.env["customer.classifier"]._propose(dimension, partners, self.company, self.as_of)
        }
        self.assertEqual(proposals[self.big.id]["new_class_id"], gold.id)
        self.assertIn("Belgian 1000+", proposals[self.big.id]["reason"]["en_US"])
        self.assertIn("9,000 ≥ 1,000", proposals[self.big.id]["reason"]["en_US"])
        self.assertEqual(proposals[euro_customer.id]["new_class_id"], silver.id, "750 converted: not Belgian 1000+")
        self.assertEqual(proposals[self.mid.id]["new_class_id"], silver.id, "1,100 - 300 = 800")
        self.assertFalse(proposals[self.small.id]["new_class_id"], "no rule, no fallback: unclassified")

    def test_rules_that_cannot_work_are_refused(self):
        dimension, gold, _silver = self._dimension()
        other_class = self.tier_a
        Rule = self.env["customer.class.rule"]
        base = {"name": "Broken", "dimension_id": dimension.id, "class_id": gold.id}
        cases = [
            (
                {"condition_ids": [Command.create({"metric": "revenue", "has_min": False, "has_max": False})]},
                "no bound",
            ),
            (
                {
                    "condition_ids": [
                        Command.create({"metric": "revenue", "has_max": True, "min_value": 5, "max_value": 1})
                    ]
                },
                "inverted",
            ),
            ({"partner_domain": "[('no_such_field', '=', 1)]"}, "not valid"),
            ({"partner_domain": "[('country_id', '=',"}, "not valid"),
            ({"class_id": other_class.id}, "another dimension"),
        ]
        for vals, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValidationError, message):
                Rule.create(base | vals)
        with self.assertRaises(ValueError), mute_logger("odoo.models"):
            Rule.create(base | {"condition_ids": [Command.create({"metric": "no_such_metric", "min_value": 1})]})

    def test_schedule_and_scope_settings_below_one_are_refused(self):
        """The scheduled pass's interval and batch, and the scopes that the
        wizard handles at once, need at least one: the settings say so
        rather than quietly saving something else."""
        cron = self.env.ref("account_customer_ledger.ir_cron_reclassify_customers")
        cron.active = False
        for vals, message in (
            ({"customer_reclassify_interval_number": 0}, "every 1 or more days"),
            ({"customer_reclassify_batch_size": 0}, "a batch holds 1 or more customers"),
            ({"customer_classify_background_threshold": -1}, "at once hold 1 or more customers"),
            ({"customer_classify_preview_background_threshold": 0}, "at once hold 1 or more customers"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.env["res.config.settings"].create({"customer_reclassify_active": True, **vals}).execute()
        cron.invalidate_recordset()
        self.assertFalse(cron.active, "nothing of the refused settings was saved")

    def test_windows_and_size_figures_that_mean_nothing_are_refused(self):
        """A dimension's window of no month and negative headcounts or
        revenue (which would band a customer below every size) are refused."""
        tier = self.tier_a.dimension_id
        for months in (0, -3):
            with (
                self.subTest(months=months),
                self.assertRaisesRegex(ValidationError, "at least one month"),
                self.env.cr.savepoint(),
            ):
                tier.window_months = months
        tier.invalidate_recordset()
        self.assertEqual(tier.window_months, 12)
        for vals in ({"employee_count": -4}, {"annual_revenue": -5.0}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, "cannot be negative"),
                self.env.cr.savepoint(),
            ):
                self.big.write(vals)
        self.big.write({"employee_count": 0, "annual_revenue": 0.0})

    def test_classes_still_given_cannot_be_archived(self):
        dimension, gold, silver = self._dimension()
        rule = self.env["customer.class.rule"].create(self._revenue_rule("Big spenders", gold, 1000))
        dimension.fallback_class_id = silver
        with (
            self.assertRaisesRegex(ValidationError, "Gold cannot be archived while Big spenders"),
            self.env.cr.savepoint(),
        ):
            gold.action_archive()
        with (
            self.assertRaisesRegex(ValidationError, "Silver cannot be archived while the fallback of Test dimension"),
            self.env.cr.savepoint(),
        ):
            silver.action_archive()
        rule.action_archive()
        gold.action_archive()
        self.assertFalse(gold.active)
        with self.assertRaisesRegex(ValidationError, "gives class Gold, which is archived"), self.env.cr.savepoint():
            rule.action_unarchive()
        with self.assertRaisesRegex(ValidationError, "gives class Gold, which is archived"), self.env.cr.savepoint():
            rule.copy({"active": True})
        dimension.fallback_class_id = False
        with (
            self.assertRaisesRegex(ValidationError, "fallback class Gold of Test dimension is archived"),
            self.env.cr.savepoint(),
        ):
            dimension.fallback_class_id = gold
        with self.assertRaisesRegex(ValidationError, "belongs to another dimension"), self.env.cr.savepoint():
            dimension.fallback_class_id = self.tier_a
        # With the rule archived and the fallback cleared, the classifier no
        # longer hands out either class.
        silver.action_archive()
        proposals = self.env["customer.classifier"]._propose(dimension, self.customers, self.company, self.as_of)
        self.assertFalse([p for p in proposals if p["new_class_id"]])

    # ------------------------------------------------------------ scheduled job

    def test_cron_batches_resume_after_a_killed_worker(self):
        Run = self.env["customer.class.run"].sudo()  # as the scheduler runs it
        Run.search([("state", "=", "running")]).write({"state": "done"})
        run = Run.create({"company_id": self.company.id, "date_to": self.as_of})
        total = self._customer_count()
        self.assertGreaterEqual(total, 4)
        batch = 2
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.ref("account_customer_ledger.ir_cron_reclassify_customers").id}
        )
        Run = Run.with_context(ir_cron_progress_id=progress.id)
        Run._cron_reclassify(batch_size=batch)
        self.assertEqual((progress.done, progress.remaining), (batch, total - batch))
        cursor = run.last_partner_id
        # A worker killed in the middle of the next batch: its transaction is lost.
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            Run._cron_reclassify(batch_size=batch)
            self.assertGreater(run.last_partner_id, cursor)
            raise RuntimeError("worker killed")
        self.env.invalidate_all()
        self.assertEqual(run.last_partner_id, cursor, "resumes after the last committed batch")
        calls = 1
        while Run._cron_reclassify(batch_size=batch):
            calls += 1
        self.assertEqual(run.state, "done")
        self.assertEqual(run.done_count, total)
        self.assertEqual(run.batch_count, -(-total // batch), "the killed batch is not counted")
        self.assertGreaterEqual(calls, run.batch_count - 1)
        assignments = self.env["customer.class.assignment"].search(
            [("company_id", "=", self.company.id), ("dimension_id", "=", self.tier_dim.id)]
        )
        self.assertEqual(len(assignments), total, "every customer classified once")
        self.assertEqual(self._tier(self.big), self.tier_a)
        self.assertEqual(self._tier(self.mid), self.tier_b)
        self.assertEqual(len(self._history().filtered(lambda h: h.dimension_id == self.tier_dim)), 4)

    def test_pass_goes_on_until_customers_added_meanwhile_are_done(self):
        Run = self.env["customer.class.run"].sudo()
        Run.search([("state", "=", "running")]).write({"state": "done"})
        run = Run.create({"company_id": self.company.id, "date_to": self.as_of})
        total = run.total_count
        self.assertEqual(total, self._customer_count(), "counted when the run is created")
        batch = total - 1
        self.assertEqual(Run._cron_reclassify(batch_size=batch), 1)
        late = self.env["res.partner"].create({"name": "Late Co", "is_company": True})
        self._invoice(late, "2026-06-01", 700)
        # The counters tell one customer left; there are two.
        self.assertEqual(Run._cron_reclassify(batch_size=1), 1, "called again: the pass is not done")
        while Run._cron_reclassify(batch_size=1):
            pass
        self.assertEqual((run.state, run.done_count), ("done", total + 1))
        self.assertTrue(self._tier(late), "a customer added during the pass is classified too")

    def test_scheduled_pass_ranks_against_one_snapshot(self):
        Run = self.env["customer.class.run"].sudo()
        Run.search([("state", "=", "running")]).write({"state": "done"})
        run = Run.create({"company_id": self.company.id, "date_to": self.as_of})
        total = self._customer_count()
        Snapshot = self.env["customer.class.run.metrics"].sudo()
        run._process_batch(1)
        snapshot = Snapshot.search([("run_id", "=", run.id), ("window_months", "=", 12)])
        self.assertEqual(len(snapshot), total, "one snapshot row per customer of the pass")
        self.assertEqual(snapshot.filtered(lambda row: row.partner_id == self.big.id).value_tier, "A")
        self.assertGreater(self.small.id, run.last_partner_id)
        # Small sells a lot once the pass has started: the pass still ranks
        # everybody as it found them; the next classification sees it.
        self._invoice(self.small, "2026-06-01", 100000)
        # A customer that did not exist when the snapshot was taken is
        # classified on the ledger as it is.
        newcomer = self.env["res.partner"].create({"name": "Newcomer", "is_company": True})
        self._invoice(newcomer, "2026-06-02", 100000)
        while run.state == "running":
            run._process_batch(1)
        self.assertEqual(self._tier(self.small), self.tier_c)
        self.assertEqual(self._tier(self.big), self.tier_a)
        self.assertEqual(self._tier(newcomer), self.tier_a)
        self.assertFalse(Snapshot.search([("run_id", "=", run.id)]), "the snapshot goes with the finished pass")
        self._wizard().action_apply()
        self.assertEqual(self._tier(self.small), self.tier_a)

    # ------------------------------------------------------------ documents

    def test_classes_sharing_a_name_are_told_apart_by_their_dimension(self):
        """Value Tier "A" and Credit Grade "A" side by side (a customer's and
        a document's class tags, journal items grouped by class, exports)
        carry their dimension's name; a field of one dimension shows and
        tracks the short name, and imports what it exports."""
        grade_a = self.ref("account_customer_ledger.class_credit_grade_a")
        retail = self.ref("account_customer_ledger.class_customer_type_retail")
        self.assertEqual(
            [cls.display_name for cls in self.tier_a | grade_a | retail],
            ["Value Tier: A", "Credit Grade: A", "Retail"],
        )
        Partner = self.env["res.partner"].with_company(self.company)
        self.manager.groups_id |= self.ref("base.group_partner_manager")
        self.env.cr.precommit.clear()
        # As in the partner form: a fresh context, which tracks.
        self.env(user=self.manager, context={"allowed_company_ids": self.company.ids})["res.partner"].browse(
            self.big.id
        ).write({"value_tier_id": self.tier_a.id, "credit_grade_id": grade_a.id, "customer_type_id": retail.id})
        self.env.flush_all()
        self.env.cr.precommit.run()  # mail tracking is written at commit
        self.env.invalidate_all()
        # As the partner form (its Value Tier field) and list (all classes) read them.
        short = Partner.fields_get(["value_tier_id"])["value_tier_id"]["context"]
        [read] = Partner.browse(self.big.id).web_read(
            {
                "value_tier_id": {"fields": {"display_name": {}}, "context": short},
                "customer_class_ids": {"fields": {"display_name": {}}},
            }
        )
        self.assertEqual(read["value_tier_id"]["display_name"], "A")
        self.assertEqual(
            {tag["display_name"] for tag in read["customer_class_ids"]}, {"Value Tier: A", "Credit Grade: A", "Retail"}
        )
        tracked = self.big.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "value_tier_id")
        self.assertEqual(tracked.mapped("new_value_char"), ["A"])
        invoice = self._invoice(self.big, "2026-12-01", 50)
        groups = self.env["account.move.line"].web_read_group(
            [("move_id", "=", invoice.id), ("display_type", "=", "product")],
            ["price_subtotal:sum"],
            ["customer_class_ids"],
        )["groups"]
        labels = {group["customer_class_ids"][1]: group["price_subtotal"] for group in groups}
        self.assertEqual(labels, {"Value Tier: A": 50, "Credit Grade: A": 50, "Retail": 50})
        # The history grouped by class (its pivot) spans dimensions: the long name.
        groups = self.env["customer.class.history"].web_read_group(
            [("partner_id", "=", self.big.id)], ["new_class_id"], ["new_class_id"]
        )["groups"]
        self.assertIn("Value Tier: A", [group["new_class_id"][1] for group in groups])
        # Grouped by a field of one dimension, the groups go by the short name.
        [group] = self.env["account.invoice.report"].web_read_group(
            [("move_id", "=", invoice.id)], ["price_subtotal:sum"], ["credit_grade_id"]
        )["groups"]
        self.assertEqual((group["credit_grade_id"][1], group["price_subtotal"]), ("A", 50))
        groups = Partner.web_read_group([("id", "in", self.customers.ids)], ["value_tier_id"], ["value_tier_id"])
        self.assertIn(
            ((self.tier_a.id, "A"), 1), [(g["value_tier_id"], g["value_tier_id_count"]) for g in groups["groups"]]
        )
        exported = Partner.browse(self.big.id).export_data(["value_tier_id", "credit_grade_id"])["datas"]
        self.assertEqual(exported, [["Value Tier: A", "Credit Grade: A"]])
        result = Partner.with_user(self.manager).load(
            ["name", "is_company", "value_tier_id", "credit_grade_id"], [["Copy Co", "1", *exported[0]]]
        )
        self.assertFalse(result["messages"])
        copy = Partner.browse(result["ids"])
        self.assertEqual((copy.value_tier_id, copy.credit_grade_id), (self.tier_a, grade_a))
        # A class renamed so that no other dimension shares its names any more.
        grade_a.name = "AA"
        (self.tier_a | grade_a).invalidate_recordset(["display_name"])
        self.assertEqual([cls.display_name for cls in self.tier_a | grade_a], ["Value Tier: A", "Credit Grade: AA"])
        for grade in self.env["customer.class"].search([("dimension_id.code", "=", "credit_grade")]):
            grade.name = f"Grade {grade.code.upper()}"
        (self.tier_a | grade_a).invalidate_recordset(["display_name"])
        self.assertEqual([cls.display_name for cls in self.tier_a | grade_a], ["A", "Grade A"])

    def test_classes_frozen_on_posted_documents(self):
        self._wizard().action_apply()
        invoice = self._invoice(self.big, "2026-12-01", 50)
        refund = self._invoice(self.big, "2026-12-02", 10, move_type="out_refund")
        for move in invoice | refund:
            self.assertEqual(move.value_tier_id, self.tier_a)
            self.assertIn(self.tier_a, move.customer_class_ids)
            self.assertEqual(set(move.line_ids.mapped("value_tier_id")), {self.tier_a})
        self.big.with_user(self.manager).with_company(self.company).value_tier_id = self.tier_b
        later = self._invoice(self.big, "2026-12-03", 70)
        self.env.invalidate_all()
        self.assertEqual(invoice.value_tier_id, self.tier_a, "reclassifying never rewrites posted documents")
        self.assertEqual(later.value_tier_id, self.tier_b)
        groups = self.env["account.invoice.report"].read_group(
            [("move_id", "in", (invoice | refund | later).ids)], ["price_subtotal:sum"], ["value_tier_id"]
        )
        totals = {g["value_tier_id"][0]: g["price_subtotal"] for g in groups}
        self.assertEqual(totals, {self.tier_a.id: 40, self.tier_b.id: 70})
        # The credit grade, stamped in a column of its own.
        grade_a, grade_b = (
            self.ref("account_customer_ledger.class_credit_grade_a"),
            self.ref("account_customer_ledger.class_credit_grade_b"),
        )
        big = self.big.with_user(self.manager).with_company(self.company)
        big.credit_grade_id = grade_a
        graded = self._invoice(self.big, "2026-12-04", 30)
        big.credit_grade_id = grade_b
        regraded = self._invoice(self.big, "2026-12-05", 20, move_type="out_refund")
        big.credit_grade_id = grade_a
        groups = self.env["account.invoice.report"]._read_group(
            [("move_id", "in", (invoice | graded | regraded).ids)], ["credit_grade_id"], ["price_subtotal:sum"]
        )
        self.assertEqual(dict(groups), {grade_a: 30, grade_b: -20, self.env["customer.class"]: 50})
        self.assertEqual(set(regraded.line_ids.mapped("credit_grade_id")), {grade_b}, "journal items carry it")
        # Documents posted before the grade had a column get it on update,
        # from the classes stamped on them.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET credit_grade_id = NULL WHERE id IN %s", [tuple((graded | regraded).ids)]
        )
        self.env.cr.execute(
            "UPDATE account_move_line SET credit_grade_id = NULL WHERE move_id IN %s", [tuple((graded | regraded).ids)]
        )
        script = load_script("account_customer_ledger/migrations/18.0.1.0.2/post-migrate.py", "post_migrate")
        script.migrate(self.env.cr, "18.0.1.0.1")
        self.env.invalidate_all()
        self.assertEqual((graded | regraded).mapped("credit_grade_id"), grade_a | grade_b)
        self.assertEqual(set(regraded.line_ids.mapped("credit_grade_id")), {grade_b})
        self.assertFalse(invoice.credit_grade_id, "posted before the customer had a grade")

    def test_revenue_by_class_report(self):
        self._wizard().action_apply()
        Report = self.env["customer.class.revenue.report"]
        groups = Report.read_group(
            [("partner_id", "in", self.customers.ids), ("dimension_id", "=", self.tier_dim.id)],
            ["revenue:sum", "amount_residual:sum"],
            ["class_id"],
        )
        totals = {g["class_id"][0]: (g["revenue"], g["amount_residual"]) for g in groups}
        self.assertEqual(totals, {self.tier_a.id: (9000, 9000), self.tier_b.id: (800, 800), self.tier_c.id: (200, 200)})
        # The list shows each document once per dimension, and a row read
        # again by its id is the same document and dimension.
        rows = Report.search([("partner_id", "=", self.big.id)])
        pairs = [(row.move_id, row.dimension_id) for row in rows]
        self.assertEqual(len(set(pairs)), len(pairs))
        self.assertEqual({dimension for _move, dimension in pairs}, set(self.big.customer_class_ids.dimension_id))
        self.env.invalidate_all()
        self.assertEqual([(row.move_id, row.dimension_id) for row in Report.browse(rows.ids)], pairs)

    def test_revenue_by_class_at_posting(self):
        """At posting, revenue stays with the class the document was posted
        under; the current basis follows the customer's class today."""
        self._wizard().action_apply()
        first = self._invoice(self.small, "2026-12-01", 100)
        self.small.with_user(self.manager).with_company(self.company).value_tier_id = self.tier_a
        second = self._invoice(self.small, "2026-12-02", 40, move_type="out_refund")
        self.env.flush_all()
        Report = self.env["customer.class.revenue.report"]

        def totals(xmlid):
            action = self.env["ir.actions.act_window"]._for_xml_id(f"account_customer_ledger.{xmlid}")
            groups = Report.with_context(**safe_eval(action["context"]))._read_group(
                [("partner_id", "=", self.small.id), ("dimension_id", "=", self.tier_dim.id)],
                ["class_id"],
                ["revenue:sum"],
            )
            return dict(groups)

        self.assertEqual(
            totals("customer_class_revenue_report_posting_action"),
            {self.tier_c: 100, self.tier_a: -40},
            "the invoice posted before the customer had a class counts in none",
        )
        self.assertEqual(totals("customer_class_revenue_report_action"), {self.tier_a: 200 + 100 - 40})
        # Every dimension the stamp holds, each row read back by its id.
        posting = Report.with_context(customer_class_basis="posting")
        rows = posting.search([("move_id", "in", (first | second).ids)])
        pairs = [(row.move_id, row.class_id) for row in rows]
        self.assertEqual(set(pairs), {(move, cls) for move in first | second for cls in move.customer_class_ids})
        self.env.invalidate_all()
        self.assertEqual([(row.move_id, row.class_id) for row in posting.browse(rows.ids)], pairs)
        self.assertFalse(set(rows.ids) & set(Report.search([("move_id", "in", (first | second).ids)]).ids))

    # ------------------------------------------------------------ companies and access

    def test_two_companies_kept_apart(self):
        other = self.setup_other_company(name="Classification other company")["company"]
        whale = self.env["res.partner"].create({"name": "Whale"})
        self._invoice(whale, "2026-06-01", 100000, company=other)
        self._invoice(self.big, "2026-06-01", 10, company=other)
        self._wizard().action_apply()
        self._wizard(
            user=self.env.user, company_id=other.id, partner_ids=[Command.set((whale | self.big).ids)]
        ).with_company(other).action_apply()
        self.assertEqual(self._tier(self.big), self.tier_a)
        self.assertEqual(self._tier(self.big, other), self.tier_c)
        self.assertEqual(self._tier(whale, other), self.tier_a)
        self.assertFalse(self._tier(whale))
        self.assertEqual(self.big.with_company(other).customer_class_ids, self.tier_c)
        # Read in one company, then in the other, without a fresh cache.
        self.assertIn(self.tier_a, self.big.customer_class_ids)
        self.assertEqual(self.big.with_company(other).customer_class_ids, self.tier_c)
        # A user of the first company does not see the other company's log.
        logs = self.env["customer.class.history"].with_user(self.user).search([("partner_id", "=", self.big.id)])
        self.assertEqual(logs.company_id, self.company)

    def test_merged_customers_keep_one_class_per_dimension(self):
        """Merging duplicate customers (Contacts' Merge action, by a user who
        may edit contacts but not classes) leaves the customer kept with one
        class per dimension in every company: its own where it had one, the
        merged customer's otherwise; the history of both is kept on it."""
        other = self.setup_other_company(name="Merge other company")["company"]
        self._invoice(self.mid, "2026-06-01", 500, company=other)
        self._wizard().action_apply()
        self._wizard(user=self.env.user, company_id=other.id, partner_ids=[Command.set(self.mid.ids)]).with_company(
            other
        ).action_apply()
        wholesale = self.ref("account_customer_ledger.class_customer_type_wholesale")
        self.mid.with_user(self.manager).customer_type_id = wholesale
        buyer = self.env["res.partner"].create({"name": "Mid buyer", "parent_id": self.mid.id})
        self.assertEqual(self._tier(buyer), self.tier_b)
        logged = self._history(self.big | self.mid)
        self._merge_as_contact_manager(self.big | self.mid, self.big)
        self.assertFalse(self.mid.exists())
        self.assertEqual(self._tier(self.big), self.tier_a, "the customer kept keeps its own class")
        self.assertEqual(self.big.customer_type_id, wholesale, "and takes the merged one's where it had none")
        self.assertEqual(self._tier(self.big, other), self.tier_a, "in every company")
        assignments = self.env["customer.class.assignment"].search([("partner_id", "=", self.big.id)])
        self.assertEqual(
            {(a.company_id, a.dimension_id, a.class_id) for a in assignments},
            {
                (self.company, self.tier_dim, self.tier_a),
                (self.company, wholesale.dimension_id, wholesale),
                (other, self.tier_dim, self.tier_a),
            },
        )
        self.assertTrue(assignments.filtered(lambda a: a.class_id == wholesale).locked)
        self.assertEqual(buyer.parent_id, self.big)
        self.assertEqual(
            (self._tier(buyer), buyer.customer_type_id), (self.tier_a, wholesale), "its contacts show them"
        )
        history = self._history(self.big)
        self.assertLessEqual(logged, history, "the history of both customers is kept")
        taken = history - logged
        self.assertEqual(taken.new_class_id, wholesale, "taking the merged customer's class over is logged")
        self.assertIn("Mid Co", taken.reason)
        self.assertEqual(taken.user_id.login, "ledger_contact_merger", "by who merged")
        self.assertEqual(
            self.big.with_context(allowed_company_ids=self.company.ids).customer_class_history_count, len(history)
        )

    def _shipped_conditions(self):
        rules = self.env["customer.class.rule"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "account_customer_ledger"), ("model", "=", "customer.class.rule")])
            .mapped("res_id")
        )
        return {
            rule.name: sorted(
                rule.condition_ids.mapped(lambda c: (c.metric, c.has_min, c.min_value, c.has_max, c.max_value))
            )
            for rule in rules
        }

    def test_installing_again_keeps_the_shipped_rules_conditions(self):
        """Installing the addon over itself (``-i`` again) reloads the
        shipped rules as they are shipped, without a second copy of each
        condition; the update script drops copies left by earlier versions."""
        before = self._shipped_conditions()
        self.assertEqual(len(before["Tier A: first 80 % of revenue"]), 1)
        convert_file(
            self.env, "account_customer_ledger", "data/customer_class_data.xml", {}, mode="init", noupdate=True
        )
        self.assertEqual(self._shipped_conditions(), before)
        tier_a = self.ref("account_customer_ledger.rule_value_tier_a")
        own = self.env["customer.class.rule.condition"].create(
            [
                {"rule_id": tier_a.id, "metric": "value_tier_score", "min_value": 3},
                {"rule_id": tier_a.id, "metric": "revenue", "min_value": 10},
                {"rule_id": tier_a.id, "metric": "revenue", "min_value": 20},
            ]
        )
        script = load_script("account_customer_ledger/migrations/18.0.1.0.1/post-migrate.py", "post_migrate")
        script.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(
            tier_a.condition_ids.mapped(lambda c: (c.metric, c.min_value)),
            [("value_tier_score", 3), ("revenue", 10), ("revenue", 20)],
            "the copy goes, different ranges stay",
        )
        self.assertFalse(own[0].exists())

    def test_class_in_use_is_archived_not_deleted(self):
        """Deleting a class would take it off its customers and rewrite the
        history and the posted documents: it is refused, saying why."""
        self._wizard().action_apply()
        with self.assertRaisesRegex(
            UserError, "Class B cannot be deleted: customers hold it,? (and )?the classification history records it"
        ):
            self.tier_b.with_user(self.manager).unlink()
        dimension, gold, silver = self._dimension()
        bronze = self.env["customer.class"].create({"name": "Bronze", "code": "bronze", "dimension_id": dimension.id})
        self.big._set_customer_class(dimension, gold)
        invoice = self._invoice(self.big, "2026-12-01", 10)
        self.big._set_customer_class(dimension, silver)
        with self.assertRaises(UserError) as refused:
            (bronze | gold).with_user(self.manager).unlink()
        self.assertEqual(
            str(refused.exception),
            "Class Gold cannot be deleted: the classification history records it and posted documents carry it. "
            "Archive it instead: it stays where it is named and is no longer given.",
        )
        self.assertIn(gold, invoice.customer_class_ids)
        bronze.with_user(self.manager).unlink()
        self.assertFalse(bronze.exists())

    def test_archived_dimension_leaves_the_screens(self):
        """A company that does not band its customers by size archives the
        dimension (a shipped one is not deleted): its field leaves the partner form, the journal items list
        and the searches that group by it, and comes back when restored."""
        size = self.env.ref("account_customer_ledger.dimension_size_band")
        Partner, Item = self.env["res.partner"], self.env["account.move.line"]

        def screens():
            form = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
            search = Partner.get_views([(False, "search")])["views"]["search"]["arch"]
            items = Item.get_views([(self.env.ref("account.view_move_line_tree").id, "list")])["views"]["list"]
            analysis = self.env["account.invoice.report"].get_views([(False, "search")])["views"]["search"]
            return (
                etree.fromstring(form).xpath("//field[@name='size_band_id']")[0].get("invisible"),
                "'group_by': 'size_band_id'" in search,
                etree.fromstring(items["arch"]).xpath("//field[@name='size_band_id']")[0].get("column_invisible"),
                "'group_by': 'size_band_id'" in analysis["arch"],
                "'group_by': 'value_tier_id'" in search,
            )

        self.assertEqual(screens(), (None, True, None, True, True))
        with self.assertRaisesRegex(UserError, "Dimension Size Band comes with Customer Ledger and cannot be deleted"):
            size.with_user(self.manager).unlink()
        size.with_user(self.manager).active = False
        self.assertEqual(screens(), ("1", False, "1", False, True), "only the archived dimension leaves")
        size.with_user(self.manager).active = True
        self.assertEqual(screens(), (None, True, None, True, True))

    def test_rule_of_one_company(self):
        """A rule for one company classifies that company's customers only;
        rules without a company classify everybody's. Users see the rules of
        their companies and the shared ones."""
        other = self.setup_other_company(name="Rules other company")["company"]
        self._invoice(self.big, "2026-06-01", 600, company=other)
        dimension, gold, silver = self._dimension()
        own_rule, shared_rule = self.env["customer.class.rule"].create(
            [
                self._revenue_rule("Other company: 500+", gold, 500, company_id=other.id, sequence=1),
                self._revenue_rule("Anywhere: 100+", silver, 100, sequence=2),
            ]
        )
        dims = [Command.set(dimension.ids)]
        self._wizard(dimension_ids=dims).action_apply()
        self._wizard(
            user=self.env.user, company_id=other.id, dimension_ids=dims, partner_ids=[Command.set(self.big.ids)]
        ).with_company(other).action_apply()
        big = self.big.with_company(self.company)
        self.assertEqual(big[dimension.partner_field], silver, "9,000 here, but the 500+ rule is the other company's")
        self.assertEqual(big.with_company(other)[dimension.partner_field], gold)
        self.assertEqual(
            self.env["customer.class.history"]
            .search([("partner_id", "=", self.big.id), ("dimension_id", "=", dimension.id)])
            .mapped(lambda line: (line.company_id, line.rule_id)),
            [(other, own_rule), (self.company, shared_rule)],
        )
        visible = self.env["customer.class.rule"].with_user(self.user).search([("dimension_id", "=", dimension.id)])
        self.assertEqual(visible, shared_rule)

    def test_access_plain_user(self):
        self._wizard().action_apply()
        user_env = self.env(user=self.user)
        big = self.big.with_env(user_env).with_company(self.company)
        self.assertEqual(big.value_tier_id, self.tier_a, "a plain user reads classes")
        self.assertTrue(user_env["customer.class.assignment"].search([("partner_id", "=", self.big.id)]))
        # Customers by Class: how many customers each class holds.
        action = user_env["ir.actions.act_window"]._for_xml_id(
            "account_customer_ledger.customer_class_assignment_action"
        )
        by_class = user_env[action["res_model"]]._read_group(
            [("partner_id", "in", self.customers.ids), ("dimension_id", "=", self.tier_dim.id)],
            ["class_id"],
            ["__count"],
        )
        self.assertEqual(dict(by_class), {self.tier_a: 1, self.tier_b: 1, self.tier_c: 2})
        history = user_env["customer.class.history"].search([("partner_id", "=", self.big.id)])
        self.assertTrue(history)
        self.assertIn("9,000", history.metrics_html, "a plain user reads the metrics behind a change")
        with self.assertRaises(AccessError):
            user_env["customer.class.rule"].browse(self.ref("account_customer_ledger.rule_value_tier_a").id).write(
                {"sequence": 1}
            )
        with self.assertRaises(AccessError):
            user_env["customer.class.rule"].create(
                {"name": "Mine", "dimension_id": self.tier_dim.id, "class_id": self.tier_a.id}
            )
        with self.assertRaises(AccessError):
            self._wizard(user=self.user)
        with self.assertRaises(UserError):
            history.write({"reason": "changed"})
        with self.assertRaises(UserError):
            history.unlink()
        with self.assertRaises(AccessError):
            big.value_tier_id = self.tier_c

    def test_history_is_immutable_for_managers(self):
        self._wizard().action_apply()
        history = self._history(self.big).with_user(self.manager)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            history.write({"reason": "changed"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            history.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            history.snapshot_id.sudo().write({"metrics": {"revenue": 1}})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            history.snapshot_id.sudo().unlink()


@tagged("post_install", "-at_install")
class TestClassificationRace(TransactionCase):
    """Two workers classifying the same customer at the same moment."""

    as_of = date(2026, 12, 31)

    def test_dimension_added_while_partners_are_read_waits_briefly(self):
        """While another transaction has read the partner table (a
        classification batch), adding a dimension gives up after a few
        seconds with a clear message instead of stalling every partner
        screen behind it; nothing is created, and it works once the other
        transaction ends."""
        company_id = self.env.ref("base.main_company").id
        try:
            with committed_env(self.registry, company_id) as busy_env:
                busy_env.cr.execute("SELECT count(*) FROM res_partner")
                with committed_env(self.registry, company_id) as env:
                    with self.assertRaisesRegex(UserError, "try again"):
                        env["customer.class.dimension"].create({"name": "Busy dimension", "code": "busy_dim"})
                    env.cr.rollback()
                # A failed request resets the registry, as here.
                self.registry.reset_changes()
            with committed_env(self.registry, company_id) as env:
                self.assertFalse(env["customer.class.dimension"].search([("code", "=", "busy_dim")]))
                self.assertFalse([name for name in env["res.partner"]._fields if name.startswith("x_customer_class_")])
                dimension = env["customer.class.dimension"].create({"name": "Busy dimension", "code": "busy_dim"})
                self.assertIn(dimension.partner_field, env["res.partner"]._fields)
        finally:
            with committed_env(self.registry, company_id) as env:
                env["customer.class.dimension"].search([("code", "=", "busy_dim")]).unlink()

    def test_concurrent_classifications_log_one_change(self):
        """Each worker reads the classes, then writes; neither sees the
        other's assignment. The second must fail with a serialization
        error (which Odoo retries: the retry finds nothing left to change),
        not with a unique-key violation or a second logged change."""
        company_id = self.env.ref("base.main_company").id  # committed, unlike the test's own records
        dimension_ids = [
            self.env.ref("account_customer_ledger.dimension_value_tier").id,
            self.env.ref("account_customer_ledger.dimension_region").id,
        ]
        with committed_env(self.registry, company_id) as env:
            partner_id = (
                env["res.partner"]
                .create({"name": "Race Customer", "is_company": True, "country_id": env.ref("base.cn").id})
                .id
            )

        def classify(env):
            classifier = env["customer.classifier"]
            dimensions = env["customer.class.dimension"].browse(dimension_ids)
            proposals = classifier._propose(dimensions, env["res.partner"].browse(partner_id), env.company, self.as_of)
            return len(classifier._apply(proposals, env.company))

        try:
            outcome = race(self.registry, company_id, classify)
            self.assertEqual(sorted(outcome, key=str), [0, 2], "one worker classifies, the other's retry finds it done")
            with committed_env(self.registry, company_id) as env:
                domain = [("partner_id", "=", partner_id), ("company_id", "=", company_id)]
                self.assertEqual(len(env["customer.class.assignment"].search(domain)), 2)
                self.assertEqual(len(env["customer.class.history"].search(domain)), 2, "each change logged once")
                self.assertEqual(
                    env["res.partner"].browse(partner_id).with_company(company_id).region_class_id,
                    env.ref("account_customer_ledger.class_region_cn"),
                )
        finally:
            with committed_env(self.registry, company_id) as env:
                self._delete_committed_customer(env, partner_id)

    @staticmethod
    def _delete_committed_customer(env, partner_id):
        """Delete a customer a test committed, with the classification
        history it would leave behind (which nobody deletes otherwise)."""
        for table in ("customer_class_history", "customer_class_snapshot"):
            env.execute_query(SQL("DELETE FROM %s WHERE partner_id = %s", SQL.identifier(table), partner_id))
        env["res.partner"].browse(partner_id).unlink()

    def _classify_committed(self, company_id, dimension_id, partner_id):
        """Classify one customer in one dimension in a transaction of its own,
        committed: one class changes."""
        with committed_env(self.registry, company_id) as env:
            classifier = env["customer.classifier"]
            proposals = classifier._propose(
                env["customer.class.dimension"].browse(dimension_id),
                env["res.partner"].browse(partner_id),
                env.company,
                self.as_of,
            )
            self.assertEqual(len(classifier._apply(proposals, env.company)), 1)

    def test_class_set_by_hand_while_a_classification_commits(self):
        """A manager's transaction began before a classification of the
        same new customer committed: setting the class by hand fails with a
        serialization error (Odoo retries it), never with a unique-key
        violation; the retry locks the manager's class over the rules'."""
        company_id = self.env.ref("base.main_company").id
        region = self.env.ref("account_customer_ledger.dimension_region")
        cn, apac = (self.env.ref(f"account_customer_ledger.class_region_{code}") for code in ("cn", "apac"))
        with committed_env(self.registry, company_id) as env:
            partner_id = (
                env["res.partner"]
                .create({"name": "Race Customer", "is_company": True, "country_id": env.ref("base.cn").id})
                .id
            )
        try:
            with committed_env(self.registry, company_id) as manual_env:
                manual_env.cr.execute("SELECT 1")  # the manager's transaction begins
                self._classify_committed(company_id, region.id, partner_id)
                partner = manual_env["res.partner"].browse(partner_id)
                with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                    partner.write({"region_class_id": apac.id})
                manual_env.cr.rollback()
            with committed_env(self.registry, company_id) as env:  # Odoo's retry
                env["res.partner"].browse(partner_id).write({"region_class_id": apac.id})
            with committed_env(self.registry, company_id) as env:
                domain = [("partner_id", "=", partner_id), ("company_id", "=", company_id)]
                assignment = env["customer.class.assignment"].search(domain)
                self.assertEqual((assignment.class_id.id, assignment.locked), (apac.id, True))
                history = env["customer.class.history"].search(domain, order="id")
                self.assertEqual(
                    [(h.old_class_id.id, h.new_class_id.id) for h in history], [(False, cn.id), (cn.id, apac.id)]
                )
        finally:
            with committed_env(self.registry, company_id) as env:
                self._delete_committed_customer(env, partner_id)

    def test_class_of_added_dimension_set_by_hand_while_a_classification_commits(self):
        """As above, in a dimension an administrator added (its partner
        field made when it was created, dropped with it): the manager's
        change fails with a serialization error, not a unique-key violation
        or a change logged twice."""
        company_id = self.env.ref("base.main_company").id
        with committed_env(self.registry, company_id) as env:
            dimension = env["customer.class.dimension"].create({"name": "Race dimension", "code": "race_dim"})
            gold, silver = env["customer.class"].create(
                [{"name": name, "code": name.lower(), "dimension_id": dimension.id} for name in ("Gold", "Silver")]
            )
            dimension.fallback_class_id = gold
            partner_id = env["res.partner"].create({"name": "Race Customer 2", "is_company": True}).id
            ids = dimension.id, gold.id, silver.id
        try:
            with committed_env(self.registry, company_id) as manual_env:
                manual_env.cr.execute("SELECT 1")  # the manager's transaction begins
                self._classify_committed(company_id, ids[0], partner_id)
                partner = manual_env["res.partner"].browse(partner_id)
                race_dimension, race_silver = manual_env["customer.class.dimension"].browse(ids[0]), ids[2]
                with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                    partner._set_customer_class(race_dimension, manual_env["customer.class"].browse(race_silver))
                manual_env.cr.rollback()
            with committed_env(self.registry, company_id) as env:  # Odoo's retry
                env["res.partner"].browse(partner_id)._set_customer_class(
                    env["customer.class.dimension"].browse(ids[0]), env["customer.class"].browse(ids[2])
                )
            with committed_env(self.registry, company_id) as env:
                domain = [("partner_id", "=", partner_id), ("company_id", "=", company_id)]
                assignment = env["customer.class.assignment"].search(domain)
                self.assertEqual((assignment.class_id.id, assignment.locked), (ids[2], True))
                history = env["customer.class.history"].search(domain, order="id")
                self.assertEqual(
                    [(h.old_class_id.id, h.new_class_id.id) for h in history], [(False, ids[1]), (ids[1], ids[2])]
                )
        finally:
            with committed_env(self.registry, company_id) as env:
                self._delete_committed_customer(env, partner_id)
                env["customer.class.dimension"].browse(ids[0]).unlink()

    def test_scheduled_batch_that_clashes_is_done_again_at_once(self):
        """The scheduled job's transaction began before a classification of
        the same customer committed: its batch clashes (a serialization
        failure) and is done again at once on the committed classes, so the
        pass goes on and no change is logged twice."""
        company_id = self.env.ref("base.main_company").id
        with committed_env(self.registry, company_id) as env:
            Run = env["customer.class.run"]
            self.assertFalse(Run.search([("state", "=", "running")]), "no other pass may run meanwhile")
            partner = env["res.partner"].create(
                {"name": "Race Customer", "is_company": True, "customer_rank": 1, "country_id": env.ref("base.cn").id}
            )
            partner_id = partner.id
            # A pass whose only customer left is this one.
            run_id = Run.create({"company_id": company_id, "date_to": self.as_of, "last_partner_id": partner_id - 1}).id
        try:
            with committed_env(self.registry, company_id) as job_env:
                job_env.cr.execute("SELECT 1")  # the job's transaction begins
                with committed_env(self.registry, company_id) as env:
                    classifier = env["customer.classifier"]
                    dimensions = env["customer.class.dimension"].search([("automatic", "=", True)])
                    proposals = classifier._propose(
                        dimensions, env["res.partner"].browse(partner_id), env.company, self.as_of
                    )
                    changed = len(classifier._apply(proposals, env.company))
                    self.assertEqual(changed, len([p for p in proposals if p["new_class_id"]]))
                    self.assertGreater(changed, 0)
                Run = job_env["customer.class.run"]
                with (
                    self.assertRaises(psycopg2.errors.SerializationFailure),
                    job_env.cr.savepoint(),
                    mute_logger("odoo.sql_db"),
                ):
                    Run.browse(run_id)._process_batch(10)  # the batch clashes in this transaction
                with mute_logger("odoo.sql_db"):
                    self.assertEqual(Run._cron_reclassify(batch_size=10), 0, "the job did it again at once")
            with committed_env(self.registry, company_id) as env:
                run = env["customer.class.run"].browse(run_id)
                self.assertEqual((run.state, run.done_count, run.changed_count), ("done", 1, 0))
                history = env["customer.class.history"].search([("partner_id", "=", partner_id)])
                self.assertEqual(len(history), changed, "each change logged once")
        finally:
            with committed_env(self.registry, company_id) as env:
                env["customer.class.run"].browse(run_id).unlink()
                self._delete_committed_customer(env, partner_id)
