from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    customer_credit_mode = fields.Selection(
        [("off", "Off"), ("warn", "Warn and log"), ("block", "Block")],
        string="Credit Control",
        default="block",
        required=True,
        help="What happens when posting a customer invoice breaks a credit rule: nothing, a logged warning, "
        "or the posting is refused.",
    )
    customer_credit_overdue_tolerance = fields.Integer(
        string="Overdue Tolerance (days)",
        default=0,
        help="Items are counted as overdue only once they are more than this many days past due.",
    )
    customer_credit_block_overdue = fields.Boolean(
        string="Block on Overdue",
        help="Refuse new invoices to customers whose overdue items beyond the tolerance exceed the amount below.",
    )
    customer_credit_overdue_amount = fields.Monetary(
        string="Overdue Amount Allowed",
        currency_field="currency_id",
        help="Overdue items beyond the tolerance may add up to this amount before invoicing is refused.",
    )
    customer_credit_net_unapplied = fields.Boolean(
        string="Net Unapplied Credits",
        help="Subtract unapplied payments and open credit notes from the exposure.",
    )
