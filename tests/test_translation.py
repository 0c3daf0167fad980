import ast
from pathlib import Path

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase
from odoo.tools.translate import code_translations

ADDON = Path(__file__).resolve().parent.parent


def _code_texts():
    """``(file, line, text)`` of every literal text the addon's Python code
    translates for its user (``_()``, ``env._()``, ``_lt()``)."""
    for path in sorted(ADDON.glob("**/*.py")):
        if "tests" in path.relative_to(ADDON).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            text = node.args[0]
            if name in ("_", "_lt") and isinstance(text, ast.Constant) and isinstance(text.value, str):
                yield path.relative_to(ADDON), node.lineno, text.value


@tagged("post_install", "-at_install")
class TestChineseTranslation(TransactionCase):
    def test_menu_and_fields_in_chinese(self):
        """A user working in Chinese sees the app as 客户账务."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        menu = self.env.ref("account_customer_ledger.menu_customer_ledger_root").with_context(lang="zh_CN")
        self.assertEqual(menu.name, "客户账务")
        field = self.env["ir.model.fields"]._get("res.partner", "employee_count").with_context(lang="zh_CN")
        self.assertEqual(field.field_description, "员工人数")

    def test_every_message_of_the_code_reads_in_chinese(self):
        """No English words inside a Chinese message: every text the code
        translates has its Chinese in the addon's translations, where Odoo
        looks it up (an error, a banner, a reason, a report's label)."""
        chinese = code_translations.get_python_translations("account_customer_ledger", "zh_CN")
        texts = list(_code_texts())
        self.assertGreater(len(texts), 100)
        untranslated = [f"{path}:{line}: {text}" for path, line, text in texts if not chinese.get(text)]
        self.assertEqual(untranslated, [])

    def test_classification_in_chinese(self):
        """Classes, dimensions and the reasons of a classification read in Chinese."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        zh = self.env(context={"lang": "zh_CN"})
        self.assertEqual(zh.ref("account_customer_ledger.dimension_rfm_segment").name, "行为分群（RFM）")
        self.assertEqual(zh.ref("account_customer_ledger.class_rfm_segment_champions").name, "重要价值客户")
        self.assertEqual(zh.ref("account_customer_ledger.class_customer_type_key_account").name, "大客户（VIP）")
        field = zh["ir.model.fields"]._get("res.partner", "value_tier_id")
        self.assertEqual(field.field_description, "价值等级")
        reason = zh["customer.classifier"].env._("no rule matched: fallback class")
        self.assertEqual(reason, "无规则匹配：使用默认客户类别")

    def test_background_classification_notice_in_chinese(self):
        """A manager working in Chinese is told in Chinese, though the scheduler works in English."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        manager = new_test_user(
            self.env, login="ledger_zh_manager", groups="base.group_user,account.group_account_manager", lang="zh_CN"
        )
        customer = self.env["res.partner"].create({"name": "客户甲", "is_company": True, "customer_rank": 1})
        run = self.env["customer.class.run"].create(
            {
                "origin": "wizard",
                "user_id": manager.id,
                "company_id": self.env.company.id,
                "date_to": "2026-12-31",
                "dimension_ids": [Command.set(self.env.ref("account_customer_ledger.dimension_value_tier").ids)],
                "partner_ids": [Command.set(customer.ids)],
                "all_customers": False,
            }
        )
        while run.state == "running":
            run.with_context(lang="en_US")._process_batch(10)
        notice = self.env["mail.message"].search([("model", "=", run._name), ("res_id", "=", run.id)])
        self.assertEqual(notice.subject, "客户分类已完成")
        self.assertIn("已分类 1 个客户", notice.body)
        # The customer's note in the manager's language, as the wizard would
        # have written it at once; the class's reason in each reader's.
        assignment = self.env["customer.class.assignment"].search([("partner_id", "=", customer.id)])
        self.assertRegex(assignment.with_context(lang=manager.lang).reason, "^(匹配规则|无规则匹配)")
        self.assertRegex(assignment.with_context(lang="en_US").reason, "^(rule |no rule matched)")
        self.assertIn("客户已重新分类：", customer.message_ids[0].body)

    def test_scheduled_pass_notes_in_the_company_language(self):
        """The scheduler works in English; a company whose contact speaks
        Chinese reads the scheduled pass's chatter notes in Chinese, and
        each user reads its reasons in their own language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        company = self.env["res.company"].create({"name": "上海客户账务有限公司"})
        company.partner_id.lang = "zh_CN"
        customer = self.env["res.partner"].create({"name": "客户乙", "is_company": True, "customer_rank": 1})
        Run = self.env["customer.class.run"].sudo().with_context(lang=None)
        Run.search([("state", "=", "running")]).write({"state": "done"})
        run = Run.create({"company_id": company.id, "date_to": "2026-12-31"})
        while run.state == "running":
            run._process_batch(1000)
        assignments = self.env["customer.class.assignment"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", company.id)]
        )
        self.assertTrue(assignments)
        for assignment in assignments:
            self.assertRegex(assignment.with_context(lang="zh_CN").reason, "^(匹配规则|无规则匹配)")
            self.assertRegex(assignment.with_context(lang="en_US").reason, "^(rule |no rule matched)")
        self.assertIn("客户已重新分类：", customer.message_ids[0].body)
        # The company's contact in English: the notes are English, the
        # reasons still read in Chinese by whoever works in Chinese.
        company.partner_id.lang = "en_US"
        other = self.env["res.partner"].create({"name": "Customer C", "is_company": True, "customer_rank": 1})
        run = Run.create({"company_id": company.id, "date_to": "2026-12-31"})
        while run.state == "running":
            run._process_batch(1000)
        assignments = self.env["customer.class.assignment"].search(
            [("partner_id", "=", other.id), ("company_id", "=", company.id)]
        )
        self.assertTrue(assignments)
        for assignment in assignments:
            self.assertRegex(assignment.with_context(lang="zh_CN").reason, "^(匹配规则|无规则匹配)")
        self.assertIn("Customer reclassified:", other.message_ids[0].body)
