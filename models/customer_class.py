from odoo import fields, models


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

    def _compute_display_name(self):
        for record in self:
            record.display_name = record.name
