from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerClass(models.Model):
    _name = "customer.class"
    _description = "Customer Class"
    _order = "dimension_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    dimension_id = fields.Many2one("customer.class.dimension", required=True, ondelete="cascade", index=True)
    color = fields.Integer()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    use_credit_limit = fields.Boolean(
        string="Sets Credit Limit",
        help="Customers of this class whose limit comes from their class get the credit limit below.",
    )
    credit_limit = fields.Float(
        string="Default Credit Limit",
        digits="Account",
        help="In the invoicing company's currency. 0 means no credit at all; for no limit, leave "
        "'Sets Credit Limit' unticked.",
    )

    _sql_constraints = [
        ("code_dimension_unique", "unique(dimension_id, code)", "A class code must be unique in its dimension."),
    ]

    @api.constrains("active")
    def _check_archived_classes_unused(self):
        """A class that an active rule gives, or that is a dimension's
        fallback, stays active: the classifier would keep handing it out."""
        archived = self.filtered(lambda c: not c.active)
        if not archived:
            return
        rules = self.env["customer.class.rule"].search([("class_id", "in", archived.ids)])
        dimensions = self.env["customer.class.dimension"].search([("fallback_class_id", "in", archived.ids)])
        for record in archived:
            givers = rules.filtered(lambda r, c=record: r.class_id == c).mapped("name") + [
                self.env._("the fallback of %(dimension)s", dimension=dimension.name)
                for dimension in dimensions.filtered(lambda d, c=record: d.fallback_class_id == c)
            ]
            if givers:
                raise ValidationError(
                    self.env._(
                        "Class %(cls)s cannot be archived while %(givers)s still give it: archive or change "
                        "those rules, or choose another fallback class, first.",
                        cls=record.name,
                        givers=", ".join(givers),
                    )
                )

    def _compute_display_name(self):
        for record in self:
            record.display_name = record.name
