from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    employee_count = fields.Integer(
        string="Employees",
        help="Headcount of the customer; used to band customers by size.",
    )
