from odoo import models
from odoo.tools import SQL

from ..models.res_partner_credit import CREDIT_SETTINGS


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging duplicate contacts (Contacts' Merge action) keeps one class
    per dimension and company on the customer kept, and its credit
    settings, whoever merges."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Settle classes and credit settings before the merge moves what
        refers to the merged partners onto the kept one (it would otherwise
        drop all classes of a merged customer whenever one clashes with the
        kept one's), then show the kept customer's classes on its contacts,
        those it took over included."""
        self.env["customer.class.assignment"]._merge_customers(src_partners, dst_partner)
        src_partners._merge_credit_settings(dst_partner)
        result = super()._update_foreign_keys(src_partners, dst_partner)
        dimensions = self.env["customer.class.dimension"].with_context(active_test=False).search([])
        dimensions._mirror_classes_on_partners(dst_partner.commercial_partner_id)
        self._align_merged_ledger_fields(src_partners, dst_partner)
        return result

    def _align_merged_ledger_fields(self, src_partners, dst_partner):
        """Give the merged partners the kept one's classes and credit
        settings, in every company: the merge then copies onto the kept
        partner the values it already holds, which changes nothing and
        needs no classification or credit right."""
        Partner = self.env["res.partner"]
        fnames = [*Partner._customer_class_fields(), *CREDIT_SETTINGS]
        Partner.flush_model(fnames)
        self.env.execute_query(
            SQL(
                "UPDATE res_partner m SET %s FROM res_partner k WHERE k.id = %s AND m.id = ANY(%s)",
                SQL(", ").join(SQL("%s = k.%s", SQL.identifier(f), SQL.identifier(f)) for f in fnames),
                dst_partner.id,
                src_partners.ids,
            )
        )
        Partner.invalidate_model(fnames)
