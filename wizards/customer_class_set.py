from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CustomerClassSet(models.TransientModel):
    """Set a class by hand on customers, in any dimension: the shipped ones
    and those an administrator added, on many customers at once."""

    _name = "customer.class.set"
    _description = "Set Customer Class"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        default=lambda self: self.env["res.partner"]._from_action_context(),
    )
    dimension_id = fields.Many2one("customer.class.dimension", required=True)
    class_id = fields.Many2one(
        "customer.class",
        domain="[('dimension_id', '=', dimension_id)]",
        help="Empty: the customers lose their class in this dimension.",
    )

    @api.onchange("dimension_id")
    def _onchange_dimension_id(self):
        if self.class_id.dimension_id != self.dimension_id:
            self.class_id = False

    def action_set(self):
        """Set the class on the customers' commercial partners in the current
        company: locked against reclassification, logged and noted."""
        self.ensure_one()
        if not self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager"):
            raise AccessError(self.env._("Only classification managers can set customer classes."))
        if self.class_id and self.class_id.dimension_id != self.dimension_id:
            raise UserError(
                self.env._(
                    "%(cls)s is a class of %(other)s, not of %(dimension)s.",
                    cls=self.class_id.name,
                    other=self.class_id.dimension_id.name,
                    dimension=self.dimension_id.name,
                )
            )
        partners = self.partner_ids.commercial_partner_id
        partners._set_customer_class(self.dimension_id, self.class_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(dimension)s set on %(count)s customers, locked.",
                    dimension=self.dimension_id.name,
                    count=len(partners),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
