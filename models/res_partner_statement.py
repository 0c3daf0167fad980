from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_statement_opt_in = fields.Boolean(
        string="Periodic Statements",
        help="Send this customer its statement automatically, by email, after each period.",
    )
    customer_statement_frequency = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly")],
        string="Statement Frequency",
        default="monthly",
    )
    customer_statement_ids = fields.One2many("customer.statement", "partner_id", string="Statements")
    customer_statement_count = fields.Integer(compute="_compute_customer_statement_count")

    @api.depends_context("company")
    def _compute_customer_statement_count(self):
        counts = dict(
            self.env["customer.statement"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.customer_statement_count = counts.get(partner.commercial_partner_id, 0)

    def action_open_customer_statements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_statement_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_group_by_state": 0}
        return action

    def action_customer_statement_wizard(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_statement_send_action")
        action["context"] = {"default_partner_ids": self.commercial_partner_id.ids}
        return action
