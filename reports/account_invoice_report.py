from odoo import api, fields, models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    customer_type_id = fields.Many2one("customer.class", readonly=True)
    value_tier_id = fields.Many2one("customer.class", readonly=True)
    rfm_segment_id = fields.Many2one("customer.class", string="Behaviour Segment", readonly=True)
    size_band_id = fields.Many2one("customer.class", readonly=True)
    region_class_id = fields.Many2one("customer.class", string="Region", readonly=True)

    _depends = {
        "account.move": ["customer_type_id", "value_tier_id", "rfm_segment_id", "size_band_id", "region_class_id"],
    }

    @api.model
    def _select(self) -> SQL:
        return SQL(
            """%s,
                move.customer_type_id, move.value_tier_id, move.rfm_segment_id,
                move.size_band_id, move.region_class_id""",
            super()._select(),
        )
