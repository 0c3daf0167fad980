from odoo.tests import tagged
from odoo.tests.common import TransactionCase


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
