from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        """Once the addon's terms are loaded in a language (installed with
        it, or added to the database later), the classification reasons
        written before read in that language too."""
        result = super()._load_module_terms(modules, langs, overwrite=overwrite, imported_module=imported_module)
        if "account_customer_ledger" in modules and "customer.classifier" in self.env:
            for lang in langs:
                self.env["customer.classifier"]._reword_reasons(lang)
        return result
