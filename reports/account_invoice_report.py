from lxml.builder import E

from odoo import api, fields, models
from odoo.tools import SQL

from ..models.account_move import MOVE_CLASS_FIELDS
from ..models.customer_class import SHORT_NAME
from ..models.customer_class_dimension import PARTNER_FIELD_PREFIX


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    customer_type_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    value_tier_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    rfm_segment_id = fields.Many2one("customer.class", string="Behaviour Segment", readonly=True, context=SHORT_NAME)
    size_band_id = fields.Many2one("customer.class", readonly=True, context=SHORT_NAME)
    region_class_id = fields.Many2one("customer.class", string="Region", readonly=True, context=SHORT_NAME)
    credit_grade_id = fields.Many2one(
        "customer.class",
        readonly=True,
        context=SHORT_NAME,
        help="The customer's credit grade when the document was posted.",
    )

    _depends = {
        "account.move": [*MOVE_CLASS_FIELDS, "customer_class_ids"],
    }

    @api.model
    def _select(self) -> SQL:
        """The shipped dimensions are stamped in columns of their own; the
        classes of the dimensions an administrator added are read from the
        document's stamped classes by the dimension's field name, only when
        a query uses them."""
        stamped = [
            SQL(
                """(SELECT MIN(stamp.class_id)
                      FROM account_move_customer_class_rel stamp
                      JOIN customer_class stamp_class ON stamp_class.id = stamp.class_id
                      JOIN customer_class_dimension stamp_dimension
                           ON stamp_dimension.id = stamp_class.dimension_id
                     WHERE stamp.move_id = move.id AND stamp_dimension.partner_field = %s) AS %s""",
                fname,
                SQL.identifier(fname),
            )
            for fname in self._stamped_class_fields()
        ]
        return SQL(
            "%s, %s",
            super()._select(),
            SQL(", ").join([SQL.identifier("move", fname) for fname in MOVE_CLASS_FIELDS] + stamped),
        )

    @api.model
    def _stamped_class_fields(self):
        """Class fields read from the stamped classes: the custom fields of
        the dimensions an administrator added."""
        return sorted(
            fname
            for fname, field in self._fields.items()
            if fname.startswith(PARTNER_FIELD_PREFIX) and field.comodel_name == "customer.class"
        )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """A group-by in the search for each dimension an administrator
        added, after the shipped ones."""
        arch, view = super()._get_view(view_id, view_type, **options)
        anchor = arch.find(".//filter[@name='group_by_credit_grade']") if view_type == "search" else None
        if anchor is not None:
            for dimension in reversed(self.env["res.partner"]._added_class_dimensions()):
                if dimension.partner_field in self._fields:
                    anchor.addnext(
                        E.filter(
                            name=f"group_by_{dimension.partner_field}",
                            string=dimension.name,
                            context=repr({"group_by": dimension.partner_field}),
                        )
                    )
        return arch, view
