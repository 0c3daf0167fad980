from odoo import api, models

from .customer_class import SHORT_NAME, holds_one_dimension


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    @api.model
    def _create_tracking_values(self, initial_value, new_value, col_name, col_info, record):
        """A tracked field of one dimension's classes (Value Tier) notes its
        classes by their short name, as its form shows them: "A → B", not
        "Value Tier: A → Value Tier: B"."""
        if holds_one_dimension(record._fields[col_name]):
            initial_value = initial_value.with_context(**SHORT_NAME)
            new_value = new_value.with_context(**SHORT_NAME)
        return super()._create_tracking_values(initial_value, new_value, col_name, col_info, record)
