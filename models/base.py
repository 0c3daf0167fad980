from odoo import models
from odoo.models import parse_read_group_spec

from .customer_class import SHORT_NAME, holds_one_dimension


class Base(models.AbstractModel):
    _inherit = "base"

    def _read_group_postprocess_groupby(self, groupby_spec, raw_values):
        """Groups by a field of one dimension's classes (partners by Value
        Tier) are labelled with the short class name the field shows: "A",
        not "Value Tier: A"."""
        values = super()._read_group_postprocess_groupby(groupby_spec, raw_values)
        if holds_one_dimension(self._fields[parse_read_group_spec(groupby_spec)[0]]):
            return (value.with_context(**SHORT_NAME) for value in values)
        return values
