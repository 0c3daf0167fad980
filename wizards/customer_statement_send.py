import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


def _last_month_start(env):
    today = fields.Date.context_today(env["res.partner"])
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _last_month_end(env):
    today = fields.Date.context_today(env["res.partner"])
    return today.replace(day=1) - timedelta(days=1)


class CustomerStatementSend(models.TransientModel):
    """Customer statements for a selection of customers or a class:
    print (one PDF per customer), export XLSX, or send by email, optionally
    asking the customers to confirm their balance."""

    _name = "customer.statement.send"
    _description = "Customer Statements"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    scope = fields.Selection(
        [("selection", "Selected customers"), ("class", "Customers of classes")],
        required=True,
        default="selection",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", default=lambda self: self.env["res.partner"]._from_action_context()
    )
    class_ids = fields.Many2many("customer.class", string="Classes")
    date_from = fields.Date(string="From", required=True, default=lambda self: _last_month_start(self.env))
    date_to = fields.Date(string="To", required=True, default=lambda self: _last_month_end(self.env))
    currency_mode = fields.Selection(
        [("company", "Company currency"), ("customer", "Customer's invoicing currency")],
        string="Currency",
        required=True,
        default="company",
    )
    request_confirmation = fields.Boolean(
        string="Ask to Confirm the Balance",
        help="Sent: the email carries a link where the customer confirms or disputes the balance, without logging "
        "in. Printed: the PDF ends with a reply to sign, seal and return.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'customer.statement')]",
        default=lambda self: self.env.ref(
            "account_customer_ledger.mail_template_customer_statement", raise_if_not_found=False
        ),
    )
    statement_ids = fields.Many2many("customer.statement", string="Statements", readonly=True)
    failed_ids = fields.Many2many(
        "customer.statement", "customer_statement_send_failed_rel", string="Failed to Send", readonly=True
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The statement period ends before it starts."))

    def _customers(self):
        self.ensure_one()
        if self.scope == "class":
            if not self.class_ids:
                raise UserError(self.env._("Choose at least one class."))
            partners = (
                self.env["customer.class.assignment"]
                .sudo()
                .search([("class_id", "in", self.class_ids.ids), ("company_id", "=", self.company_id.id)])
                .partner_id
            )
            partners = self.env["res.partner"].browse(partners.ids)
        else:
            partners = self.partner_ids.commercial_partner_id
        if not partners:
            raise UserError(self.env._("Choose the customers to make statements for."))
        return partners

    def _make_statements(self):
        self.ensure_one()
        statements = (
            self.env["customer.statement"]
            .with_company(self.company_id)
            ._create_for(self._customers(), self.company_id, self.date_from, self.date_to, self.currency_mode)
        )
        self.statement_ids = statements
        return statements

    def action_print(self):
        """The statements as one PDF. Asking for confirmation, they await the
        customers' answers on the printed reply slip (recorded with Record
        Answer): nothing is emailed, so no reminder goes out either."""
        statements = self._make_statements()
        report = self.env.ref("account_customer_ledger.action_report_customer_statement")
        if self.request_confirmation:
            statements._set_confirmation({"confirmation_state": "requested"})
            report = report.with_context(customer_statement_on_paper=True)
        return report.report_action(statements)

    def action_export_xlsx(self):
        statements = self._make_statements()
        content = statements._render_xlsx()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._("Customer statements %s.xlsx", self.date_to),
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def action_send(self):
        statements = self._make_statements()
        if len(statements) > statements._send_now_limit:
            return statements._queue_sending(self.request_confirmation, self.template_id)
        failed = statements._send(request_confirmation=self.request_confirmation, template=self.template_id)
        self.failed_ids = failed
        sent = len(statements) - len(failed)
        if not failed:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": self.env._("%s statements sent.", sent),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("account_customer_ledger.customer_statement_send_view_result").id, "form")],
            "target": "new",
        }


class CustomerStatementPdf(models.AbstractModel):
    _name = "report.account_customer_ledger.report_customer_statement"
    _description = "Customer Statement PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        statements = self.env["customer.statement"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "customer.statement",
            "docs": statements,
            # In each customer's language: document kinds and bucket names.
            "statement_data": {
                statement.id: statement.with_context(
                    lang=statement.partner_id.lang or self.env.lang
                )._get_statement_data()
                for statement in statements
            },
        }
