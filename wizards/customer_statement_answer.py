from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerStatementAnswer(models.TransientModel):
    """The customer's answer to a balance confirmation that came back on
    paper, by email or by phone rather than through the portal page: the
    accountant records it, with the signed and sealed reply if there is
    one, and it counts as if the customer had answered online."""

    _name = "customer.statement.answer"
    _description = "Record Customer's Balance Confirmation"

    statement_id = fields.Many2one("customer.statement", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="statement_id.currency_id")
    closing_balance = fields.Monetary(related="statement_id.closing_balance", string="Balance on the Statement")
    answer = fields.Selection(
        [("agree", "Agrees with the balance"), ("dispute", "Disagrees")],
        required=True,
        default="agree",
    )
    amount = fields.Monetary(
        string="Customer's Balance",
        help="The balance the customer agrees with. When it is the statement's own, say in the comment what the "
        "customer disputes.",
    )
    comment = fields.Text(string="Customer's Comment")
    reply_file = fields.Binary(string="Signed Reply", attachment=False, help="The scanned reply, signed and sealed.")
    reply_filename = fields.Char()

    @api.onchange("answer")
    def _onchange_answer(self):
        if self.answer == "dispute" and not self.amount:
            self.amount = self.closing_balance

    def action_record(self):
        self.ensure_one()
        statement = self.statement_id
        if self.answer == "dispute" and not statement._dispute_is_explained(self.amount, self.comment):
            raise UserError(
                self.env._(
                    "The customer's balance equals the statement's: say in the comment what the customer disputes, "
                    "or record that the customer agrees."
                )
            )
        attachments = self.env["ir.attachment"]
        if self.reply_file:
            attachments = attachments.create(
                {
                    "name": self.reply_filename or self.env._("Signed reply %s", statement.name),
                    "datas": self.reply_file,
                    "res_model": statement._name,
                    "res_id": statement.id,
                }
            )
        statement._answer(
            self.answer == "agree",
            amount=self.amount if self.answer == "dispute" else None,
            comment=self.comment,
            attachments=attachments,
        )
        return {"type": "ir.actions.act_window_close"}
