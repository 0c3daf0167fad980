import re

from odoo import api, models
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

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """An archived dimension leaves the screens that show its classes:
        its field on forms and in lists, its group-by in searches (the
        shipped dimensions' fields stand in the views; those of the
        dimensions an administrator adds are only put in while active)."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type not in ("form", "list", "search"):
            return arch, view
        fnames = [name for name, field in self._fields.items() if holds_one_dimension(field)]
        if not fnames:
            return arch, view
        archived = (
            self.env["customer.class.dimension"]
            .sudo()
            .with_context(active_test=False)
            .search([("active", "=", False), ("partner_field", "in", fnames)])
            .mapped("partner_field")
        )
        for fname in archived:
            if view_type == "search":
                grouping = re.compile(rf"""['"]group_by['"]\s*:\s*['"]{fname}['"]""")
                for node in arch.xpath(f"//field[@name='{fname}'] | //filter[@context]"):
                    if node.tag == "field" or grouping.search(node.get("context")):
                        node.getparent().remove(node)
            else:
                attribute = "column_invisible" if view_type == "list" else "invisible"
                for node in arch.xpath(f"//field[@name='{fname}']"):
                    node.set(attribute, "1")
        return arch, view
