from odoo import models

from .customer_class import SHORT_NAME
from .customer_class_dimension import PARTNER_FIELD_PREFIX


class IrModelFields(models.Model):
    _inherit = "ir.model.fields"

    def _instanciate_attrs(self, field_data):
        """The class field made for a dimension an administrator added holds
        the classes of that one dimension: like the shipped dimensions'
        fields, it shows them by their short name."""
        attrs = super()._instanciate_attrs(field_data)
        if (
            attrs
            and field_data["ttype"] == "many2one"
            and field_data["relation"] == "customer.class"
            and field_data["name"].startswith(PARTNER_FIELD_PREFIX)
        ):
            attrs["context"] = SHORT_NAME
        return attrs
