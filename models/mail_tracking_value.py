from odoo import api, models


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    @api.model
    def _create_tracking_values(self, initial_value, new_value, col_name, col_info, record):
        """A tracked field of one dimension's classes (Value Tier) notes its
        classes by their short name, as its form shows them: "A → B", not
        "Value Tier: A → Value Tier: B"."""
        field = record._fields.get(col_name)
        if field is not None and field.type == "many2one" and field.comodel_name == "customer.class" and field.context:
            initial_value = initial_value.with_context(**field.context)
            new_value = new_value.with_context(**field.context)
        return super()._create_tracking_values(initial_value, new_value, col_name, col_info, record)
