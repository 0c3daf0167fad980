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
