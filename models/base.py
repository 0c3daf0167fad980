from odoo import models
from odoo.models import parse_read_group_spec


class Base(models.AbstractModel):
    _inherit = "base"

    def _read_group_postprocess_groupby(self, groupby_spec, raw_values):
        """Groups by a field of one dimension's classes (partners by Value
        Tier) are labelled with the short class name the field shows: "A",
        not "Value Tier: A"."""
        values = super()._read_group_postprocess_groupby(groupby_spec, raw_values)
        field = self._fields[parse_read_group_spec(groupby_spec)[0]]
        if field.type == "many2one" and field.comodel_name == "customer.class" and field.context:
            return (value.with_context(**field.context) for value in values)
        return values
