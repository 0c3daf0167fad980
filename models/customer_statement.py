import base64
import logging
import os
import tempfile
import unicodedata
from datetime import timedelta

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .customer_aging import XLSX_OPTIONS, parse_buckets

_logger = logging.getLogger(__name__)

MAX_REMINDERS = 3
# What a statement says, fixed when it is made: printed, sent and confirmed
# as it was made.
STATEMENT_CONTENT = {
    "partner_id",
    "company_id",
    "currency_id",
    "date_from",
    "date_to",
    "opening_balance",
    "closing_balance",
    "figures",
}
# The balance confirmation: asked when the statement is sent or printed,
# answered by the customer (or recorded from its reply), resolved by the
# accountants' button; never written otherwise.
CONFIRMATION_FIELDS = {"confirmation_state", "confirmed_amount", "customer_comment", "answered_on"}


class CustomerStatement(models.Model):
    """A customer statement as produced for a period: printed, sent, and
    optionally a balance confirmation request (对账确认) the customer
    answers from a link, without logging in."""

    _name = "customer.statement"
    _description = "Customer Statement"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    # Statements sent within the request; more are queued (_send_or_queue).
    _send_now_limit = 20

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    opening_balance = fields.Monetary(readonly=True)
    closing_balance = fields.Monetary(readonly=True, help="Balance on the end date, as the statement shows it.")
    figures = fields.Json(
        readonly=True,
        copy=False,
        help="Every line, balance and aging amount as the statement was made: printed, sent and confirmed "
        "as they were, whatever is posted or reconciled afterwards.",
    )
    ledger_closing_balance = fields.Monetary(
        string="Closing Balance in the Ledger Now",
        compute="_compute_ledger_closing_balance",
        help="The balance on the end date from the journal items posted today.",
    )
    ledger_changed = fields.Boolean(compute="_compute_ledger_closing_balance")
    state = fields.Selection(
        [("draft", "Not sent"), ("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")],
        string="Sending",
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    failure_reason = fields.Text(readonly=True)
    # How a queued statement is to be sent (see _queue_sending).
    queued_template_id = fields.Many2one("mail.template", readonly=True, ondelete="set null")
    queued_confirmation = fields.Boolean(readonly=True)
    queued_by = fields.Many2one(
        "res.users", string="Queued by", readonly=True, help="Queued statements are sent in this user's name."
    )
    queued_on = fields.Datetime(string="Queued on", readonly=True)
    automatic = fields.Boolean(readonly=True, help="Sent by the monthly statements of opted-in customers.")
    attachment_id = fields.Many2one("ir.attachment", string="Statement PDF", readonly=True)
    confirmation_state = fields.Selection(
        [
            ("none", "Not requested"),
            ("requested", "Awaiting answer"),
            ("confirmed", "Confirmed"),
            ("disputed", "Disputed"),
            ("resolved", "Resolved"),
        ],
        string="Balance Confirmation",
        default="none",
        required=True,
        readonly=True,
        tracking=True,
    )
    confirmed_amount = fields.Monetary(
        string="Customer's Balance", readonly=True, help="The balance the customer agrees with."
    )
    difference = fields.Monetary(compute="_compute_difference", store=True)
    customer_comment = fields.Text(readonly=True)
    answered_on = fields.Datetime(readonly=True)
    reminder_count = fields.Integer(readonly=True)
    last_sent_on = fields.Datetime(readonly=True)
    resolution_note = fields.Text()

    @api.depends("partner_id", "date_from", "date_to")
    def _compute_name(self):
        for statement in self:
            statement.name = self.env._(
                "%(customer)s %(start)s – %(end)s",
                customer=statement.partner_id.display_name or "",
                start=statement.date_from or "",
                end=statement.date_to or "",
            )

    @api.depends("closing_balance", "confirmed_amount", "confirmation_state")
    def _compute_difference(self):
        for statement in self:
            answered = statement.confirmation_state in ("confirmed", "disputed", "resolved")
            statement.difference = statement.closing_balance - statement.confirmed_amount if answered else 0.0

    @api.depends("partner_id", "company_id", "currency_id", "date_from", "date_to", "closing_balance")
    def _compute_ledger_closing_balance(self):
        for statement in self:
            now = statement._ledger_figures(statement.figures["aging_bounds"])
            statement.ledger_closing_balance = now["closing"]
            statement.ledger_changed = now != statement.figures

    def write(self, vals):
        # A statement made before statements kept their figures gets them
        # once (see the 18.0.1.0.3 migration).
        if STATEMENT_CONTENT & set(vals) and any(statement.figures for statement in self):
            raise UserError(
                self.env._(
                    "A statement keeps the customer, period and figures it was made with. Make a new statement instead."
                )
            )
        if CONFIRMATION_FIELDS & set(vals) and not self.env.su:
            raise UserError(
                self.env._(
                    "A balance confirmation is asked by sending or printing the statement and answered by the "
                    "customer or with Record Answer; it cannot be written otherwise."
                )
            )
        return super().write(vals)

    def _set_confirmation(self, vals):
        """Write the balance confirmation (see ``CONFIRMATION_FIELDS``), as
        the steps that ask, answer and resolve it do, for a user who may
        change these statements (the portal answers as the superuser)."""
        self.check_access("write")
        self.sudo().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_received(self):
        """A statement sent to the customer, or that asks it to confirm its
        balance, is what the customer received and answers (对账): it is
        kept, as the confirmation's evidence."""
        for statement in self:
            if statement.state == "sent" or statement.confirmation_state != "none":
                raise UserError(
                    self.env._(
                        "Statement %s was sent to the customer or asks it to confirm its balance, and cannot be "
                        "deleted: it is kept as the customer received it.",
                        statement.name,
                    )
                )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for statement in self:
            statement.access_url = f"/my/ledger/statement/{statement.id}"
        return result

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------
    def _ledger_figures(self, bounds=None):
        """The statement's figures as the ledger gives them now."""
        self.ensure_one()
        return self.env["customer.statement.engine"]._figures(
            self.company_id,
            self.partner_id,
            self.date_from,
            self.date_to,
            self.currency_id,
            bounds or parse_buckets(self.company_id.customer_aging_buckets, self.env),
        )

    def _get_statement_data(self):
        """The statement as it was made, in the current language."""
        self.ensure_one()
        return self.env["customer.statement.engine"]._present(
            self.company_id, self.partner_id, self.date_from, self.date_to, self.figures
        )

    @api.model
    def _create_for(self, partners, company, date_from, date_to, currency_mode="company", automatic=False):
        """One statement per commercial partner, with its balances."""
        if date_from > date_to:
            raise UserError(self.env._("The statement period ends before it starts."))
        engine = self.env["customer.statement.engine"]
        bounds = parse_buckets(company.customer_aging_buckets, self.env)
        vals_list = []
        for partner in partners.commercial_partner_id:
            currency = self._customer_currency(partner, company) if currency_mode == "customer" else None
            figures = engine._figures(company, partner, date_from, date_to, currency, bounds)
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "currency_id": figures["currency_id"],
                    "date_from": date_from,
                    "date_to": date_to,
                    "opening_balance": figures["opening"],
                    "closing_balance": figures["closing"],
                    "figures": figures,
                    "automatic": automatic,
                }
            )
        return self.create(vals_list)

    @api.model
    def _customer_currency(self, partner, company):
        """The currency of the customer's latest posted invoice."""
        move = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "in", company._customer_ledger_group().ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ],
            order="invoice_date desc, id desc",
            limit=1,
        )
        return move.currency_id or company.currency_id

    def _render_xlsx(self):
        """One sheet per statement, written in constant memory."""
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            workbook = xlsxwriter.Workbook(path, XLSX_OPTIONS)
            bold = workbook.add_format({"bold": True})
            money = workbook.add_format({"num_format": "#,##0.00"})
            date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
            used = set()
            for statement in self:
                data = statement._get_statement_data()
                title = "".join(ch for ch in (statement.partner_id.display_name or "") if ch not in "[]:*?/\\")[:28]
                name, index = title or "Statement", 1
                while name.lower() in used:
                    index += 1
                    name = f"{title[:25]} {index}"
                used.add(name.lower())
                sheet = workbook.add_worksheet(name)
                sheet.set_column(0, 0, 12)
                sheet.set_column(1, 3, 22)
                sheet.set_column(4, 7, 14)
                sheet.write(0, 0, self.env._("Customer Statement"), bold)
                sheet.write(0, 2, statement.partner_id.display_name)
                sheet.write(1, 0, self.env._("Period"))
                sheet.write(1, 2, f"{statement.date_from} – {statement.date_to}")
                sheet.write(1, 4, data["currency"].name)
                headers = [
                    self.env._("Date"),
                    self.env._("Document"),
                    self.env._("Type"),
                    self.env._("Reference"),
                    self.env._("Due Date"),
                    self.env._("Debit"),
                    self.env._("Credit"),
                    self.env._("Balance"),
                ]
                for col, title_text in enumerate(headers):
                    sheet.write(3, col, title_text, bold)
                sheet.write(4, 0, self.env._("Opening balance"), bold)
                sheet.write_number(4, 7, data["opening"], money)
                row = 5
                for line in data["lines"]:
                    sheet.write_datetime(row, 0, fields.Datetime.to_datetime(line["date"]), date_format)
                    sheet.write(row, 1, line["reference"] or "")
                    sheet.write(row, 2, line["kind_label"])
                    sheet.write(row, 3, line["description"] or "")
                    if line["date_maturity"]:
                        sheet.write_datetime(row, 4, fields.Datetime.to_datetime(line["date_maturity"]), date_format)
                    sheet.write_number(row, 5, line["debit"], money)
                    sheet.write_number(row, 6, line["credit"], money)
                    sheet.write_number(row, 7, line["balance"], money)
                    row += 1
                sheet.write(row, 0, self.env._("Closing balance"), bold)
                sheet.write_number(row, 5, data["total_debit"], money)
                sheet.write_number(row, 6, data["total_credit"], money)
                sheet.write_number(row, 7, data["closing"], money)
                row += 2
                sheet.write(row, 0, self.env._("Aging on %s", statement.date_to), bold)
                row += 1
                for col, label in enumerate(data["aging_labels"]):
                    sheet.write(row, col + 1, label, bold)
                    sheet.write_number(row + 1, col + 1, data["aging"][col], money)
            workbook.close()
            with open(path, "rb") as handle_in:
                return handle_in.read()
        finally:
            os.unlink(path)

    def _render_pdf(self):
        self.ensure_one()
        report = self.env.ref("account_customer_ledger.action_report_customer_statement")
        content, _kind = (
            self.env["ir.actions.report"]
            .with_context(lang=self.partner_id.lang or self.env.lang)
            ._render_qweb_pdf(report, self.ids)
        )
        return content

    # ------------------------------------------------------------------
    # Sending and confirmation
    # ------------------------------------------------------------------
    def _send(self, request_confirmation=False, template=None):
        """Send each statement to its customer by email, attached in the
        customer's chatter. Failures are recorded on the statement, never
        dropped; returns the failed statements."""
        template = template or self.env.ref("account_customer_ledger.mail_template_customer_statement")
        failed = self.browse()
        for statement in self:
            try:
                with self.env.cr.savepoint():
                    statement._send_one(template, request_confirmation)
            except Exception as error:  # recorded on the statement for the accountant, never dropped
                _logger.info("Statement %s not sent: %s", statement.display_name, error)
                failed |= statement._record_failure(str(error))
        return failed

    def _author_id(self):
        """Who the customer gets the statement from: the user who sends it or,
        sent by a scheduled action (no person), the company, when it has an
        email address; None leaves Odoo's default."""
        user = self.env.user
        if user.active and user._is_internal():
            return None
        company_partner = self.company_id.partner_id
        return company_partner.id if company_partner.email else None

    def _record_failure(self, reason):
        """Mark these statements Failed with ``reason``, whatever the rights
        of the user who sent them: the failure must be kept even when those
        rights are what failed."""
        self.sudo().write({"state": "failed", "failure_reason": reason})
        return self

    def _send_one(self, template, request_confirmation):
        self.ensure_one()
        partner = self.partner_id
        recipients = partner.child_ids.filtered(lambda c: c.type == "invoice" and c.email) or partner
        if not any(recipients.mapped("email")):
            raise UserError(self.env._("%s has no email address.", partner.display_name))
        if request_confirmation:
            self._portal_ensure_token()
            self._set_confirmation({"confirmation_state": "requested"})
        content = self._render_pdf()
        filename = self.env._("Statement %(customer)s %(end)s.pdf", customer=partner.display_name, end=self.date_to)
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(content),
                "res_model": "res.partner",
                "res_id": partner.id,
                "mimetype": "application/pdf",
            }
        )
        rendered = template._generate_template(self.ids, ("subject", "body_html"))[self.id]
        partner.with_context(mail_post_autofollow=False).message_post(
            body=rendered["body_html"],
            subject=rendered["subject"],
            author_id=self._author_id(),
            partner_ids=recipients.ids,
            attachment_ids=attachment.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.write(
            {
                "state": "sent",
                "failure_reason": False,
                "attachment_id": attachment.id,
                "last_sent_on": fields.Datetime.now(),
            }
        )

    def action_send(self):
        return self._send_or_queue(request_confirmation=False)

    def action_request_confirmation(self):
        return self._send_or_queue(request_confirmation=True)

    def _send_or_queue(self, request_confirmation, template=None):
        """Send these statements now, or, more than ``_send_now_limit`` of
        them (each is a PDF to print), queue them for the scheduled action
        that sends them in batches: a request that printed hundreds of PDFs
        would outlast the web server's time limit and send none. Returns the
        action that tells the user what happened."""
        if len(self) > self._send_now_limit:
            return self._queue_sending(request_confirmation, template)
        return self._failures_notification(self._send(request_confirmation=request_confirmation, template=template))

    def _queue_sending(self, request_confirmation, template=None):
        """Queue these statements for the scheduled action that sends them;
        returns the notification that tells the user so."""
        self.write(
            {
                "state": "queued",
                "failure_reason": False,
                "queued_confirmation": request_confirmation,
                "queued_template_id": template.id if template else False,
                "queued_by": self.env.uid,
                "queued_on": fields.Datetime.now(),
            }
        )
        self.env.ref("account_customer_ledger.ir_cron_customer_statements_queued")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%s statements queued: they are sent in the background, and any that cannot be sent are "
                    "listed under Failed to Send in Statements and Confirmations.",
                    len(self),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_send_queued(self, batch_size=50):
        """Send queued statements, a batch per call, oldest first, as the user
        who queued them (the author of the chatter message, in that user's
        language): a statement stays queued until it is sent or has failed,
        so a killed worker resumes where it stopped. Who queued statements
        is told in Odoo's inbox once the last of them is done."""
        queued = self.search([("state", "=", "queued")], order="id")
        batch = queued[:batch_size]
        groups = batch.grouped(lambda s: (s.company_id, s._queuer(), s.queued_template_id, s.queued_confirmation))
        for (company, user, template, confirmation), statements in groups.items():
            lang = user.lang or company._customer_ledger_lang()
            sender = statements.with_user(user).with_context(lang=lang)
            if not (user.active and company in user.company_ids and sender.has_access("write")):
                # Queued by a user since archived or deprived of the rights:
                # not sent in that name, and not left to block the queue.
                statements.with_context(lang=lang)._record_failure(
                    sender.env._(
                        "Queued by %(user)s, who may no longer send statements of %(company)s: "
                        "send it again from the statement.",
                        user=user.name,
                        company=company.name,
                    )
                )
                continue
            sender.with_company(company)._send(request_confirmation=confirmation, template=template or None)
        for (user, queued_on), _statements in batch.grouped(lambda s: (s._queuer(), s.queued_on)).items():
            self._tell_queue_done(user, queued_on)
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(queued) - len(batch))

    def _queuer(self):
        """Who queued the statement (its author for one queued before the
        addon kept who queued it)."""
        return self.queued_by or self.create_uid

    @api.model
    def _tell_queue_done(self, user, queued_on):
        """Once the statements ``user`` queued at ``queued_on`` are all sent or
        failed, tell that user how many went out, in their language."""
        if not queued_on or not user.active:
            return
        statements = self.search([("queued_by", "=", user.id), ("queued_on", "=", queued_on)])
        if "queued" in statements.mapped("state"):
            return
        env = self.with_context(lang=user.lang).env
        failed = statements.filtered(lambda s: s.state == "failed")
        body = env._(
            "%(sent)s of the %(total)s statements you queued were sent.",
            sent=len(statements.filtered(lambda s: s.state == "sent")),
            total=len(statements),
        )
        if failed:
            body += " " + env._(
                "%(count)s could not be sent: they are listed under Failed to Send in Statements and Confirmations, "
                "with the reason.",
                count=len(failed),
            )
        self.env["mail.thread"].message_notify(
            partner_ids=user.partner_id.ids,
            subject=env._("Queued statements sent"),
            body=body,
        )

    def _failures_notification(self, failed):
        if not failed:
            return True
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Statements not sent"),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", failed.ids)],
        }

    def _customer_lang(self):
        """The language the confirmation page is shown in."""
        Lang = self.env["res.lang"]
        return Lang._lang_get(self.partner_id.lang or self.env.lang) or Lang._lang_get("en_US")

    def _amount_example(self):
        """1234.56 written as the confirmation page's language writes it."""
        return self._customer_lang().format("%.2f", 1234.56, grouping=True)

    def _parse_customer_amount(self, text):
        """The balance as the customer typed it on the confirmation page, in
        the separators of its language (full-width digits and punctuation
        of Chinese input methods, spaces and the currency's symbol allowed);
        None when it is not a number written that way, so that a German
        "850.50" is never read as 85,050."""
        lang = self._customer_lang()
        cleaned = unicodedata.normalize("NFKC", text or "").replace("\u2212", "-")
        for noise in filter(None, (self.currency_id.symbol, self.currency_id.name, "¥", "元", " ")):
            cleaned = cleaned.replace(noise, "")
        thousands, decimal = lang.thousands_sep, lang.decimal_point or "."
        whole, _sep, fraction = cleaned.partition(decimal)
        groups = whole.lstrip("+-").split(thousands) if thousands and thousands != decimal else [whole.lstrip("+-")]
        if not all(group.isdigit() for group in groups) or any(len(group) != 3 for group in groups[1:]):
            return None
        if fraction and not fraction.isdigit():
            return None
        sign = "-" if whole.startswith("-") else ""
        return float(f"{sign}{''.join(groups)}.{fraction or '0'}")

    def _answer(self, agree, amount=None, comment=None, attachments=None):
        """The customer's answer, from the portal or recorded by an
        accountant (with the signed reply in ``attachments``, if any)."""
        self.ensure_one()
        if self.confirmation_state not in ("requested", "disputed"):
            raise UserError(self.env._("This statement is not awaiting an answer."))
        if agree:
            vals = {"confirmation_state": "confirmed", "confirmed_amount": self.closing_balance}
        else:
            if amount is None:
                raise UserError(self.env._("Give the balance you agree with."))
            if not self._dispute_is_explained(amount, comment):
                raise UserError(
                    self.env._(
                        "The balance given equals the statement's: say in the comment what is disputed "
                        "(for example the invoices or payments), or confirm the balance."
                    )
                )
            vals = {"confirmation_state": "disputed", "confirmed_amount": amount}
        vals.update(customer_comment=comment or False, answered_on=fields.Datetime.now())
        self._set_confirmation(vals)
        # The chatter reads in the company's language when the customer
        # answers online, in the accountant's when one records the answer.
        env = self.env
        if not env.user._is_internal():
            env = self.with_context(lang=self.company_id._customer_ledger_lang()).env
        if agree:
            body = env._("The customer confirmed the balance.")
        elif self.currency_id.is_zero(self.difference):
            body = env._(
                "The customer agrees with the balance of %(amount)s but disputes items of the statement.",
                amount=self.currency_id.format(self.confirmed_amount),
            )
        else:
            body = env._(
                "The customer disputes the balance: they agree with %(amount)s (difference %(difference)s).",
                amount=self.currency_id.format(self.confirmed_amount),
                difference=self.currency_id.format(self.difference),
            )
        self.message_post(
            body=body + (f"\n{comment}" if comment else ""), attachment_ids=attachments.ids if attachments else []
        )
        if not agree:
            self._schedule_follow_up(
                lambda env: env._("Balance disputed by %s", self.partner_id.display_name),
            )

    def _follow_up_user(self):
        """Who follows up the customer's answer or silence: who sent the
        statement by hand, while still an active user of its company; for a
        periodic statement, or once that user is gone, the company's
        Statement Follow-up user, else the customer's salesperson, else the
        company's first accounting administrator."""
        self.ensure_one()
        statement = self.sudo()
        company = statement.company_id

        def usable(user):
            return bool(user) and user.active and user._is_internal() and company in user.company_ids

        candidates = [] if statement.automatic else [statement._queuer()]
        candidates += [
            company.customer_statement_follow_up_user_id,
            company.root_id.customer_statement_follow_up_user_id,
            statement.partner_id.user_id,
        ]
        for user in candidates:
            if usable(user):
                return user
        admins = self.env.ref("account.group_account_manager").sudo().users.filtered(usable)
        return admins.sorted("id")[:1]

    def _schedule_follow_up(self, summary, note=None):
        """A to-do on the statement for its follow-up user, worded in that
        user's language (``summary`` and ``note`` give the texts for an
        environment in it)."""
        self.ensure_one()
        user = self._follow_up_user()
        if not user:
            return
        env = self.with_context(lang=user.lang or self.env.lang).env
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary(env),
            note=note(env) if note else "",
            user_id=user.id,
        )

    def _dispute_is_explained(self, amount, comment):
        """A disagreement states another balance or, when the customer
        disputes documents whose total still comes to the statement's
        balance, says in the comment what it disputes."""
        self.ensure_one()
        return bool(self.currency_id.compare_amounts(amount, self.closing_balance) or (comment or "").strip())

    def action_record_answer(self):
        self.ensure_one()
        if self.confirmation_state not in ("requested", "disputed"):
            raise UserError(self.env._("This statement is not awaiting an answer."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Answer"),
            "res_model": "customer.statement.answer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_statement_id": self.id},
        }

    def action_resolve(self):
        for statement in self:
            if statement.confirmation_state != "disputed":
                raise UserError(self.env._("Only a disputed statement can be resolved."))
            statement._set_confirmation({"confirmation_state": "resolved"})

    def action_open_documents(self):
        """The journal items behind the statement's period."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Statement items"),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": [
                ("partner_id", "child_of", self.partner_id.id),
                ("company_id", "in", self.company_id._customer_ledger_group().ids),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("date", "<=", self.date_to),
                "|",
                ("date", ">=", self.date_from),
                ("reconciled", "=", False),
            ],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_reminders(self, batch_size=50):
        """Remind customers who have not answered a confirmation request, a
        batch per call: a reminded statement is not due again before the
        company's delay, so a killed worker resumes where it stopped. One
        that cannot be sent stays due and is tried again on the next day."""
        template = self.env.ref("account_customer_ledger.mail_template_customer_statement_reminder")
        now = fields.Datetime.now()

        def is_due(statement, since="last_sent_on"):
            days = statement.company_id.customer_statement_reminder_days
            return bool(days) and statement[since] <= now - timedelta(days=days)

        self._follow_up_paper_requests(lambda statement: is_due(statement, "create_date"))

        due = self.search(
            [
                ("confirmation_state", "=", "requested"),
                ("reminder_count", "<", MAX_REMINDERS),
                ("last_sent_on", "!=", False),
            ],
            order="last_sent_on, id",
        ).filtered(is_due)
        # Oldest requests first; those that could not be sent after the others.
        due = due.sorted(lambda statement: statement.state == "failed")
        batch = due[:batch_size]
        reminded = batch
        for company, statements in batch.grouped("company_id").items():
            statements = statements.with_context(lang=company._customer_ledger_lang())
            reminded -= statements._send(request_confirmation=True, template=template)
        for statement in reminded:
            statement.reminder_count += 1
        # Nothing reminded ends today's run, so that failures are not retried over and over.
        self.env["ir.cron"]._notify_progress(done=len(reminded), remaining=len(due) - len(batch))

    @api.model
    def _follow_up_paper_requests(self, is_due):
        """A request printed for a signed reply is not emailed, so nothing
        reminds the customer: once it is due, whoever made it gets a to-do,
        once (counted as its reminder)."""
        unanswered = self.search(
            [("confirmation_state", "=", "requested"), ("last_sent_on", "=", False), ("reminder_count", "=", 0)]
        ).filtered(is_due)
        for statement in unanswered:
            statement._schedule_follow_up(
                lambda env, st=statement: env._(
                    "Signed balance confirmation of %s not returned", st.partner_id.display_name
                ),
                lambda env: env._("Call the customer, or send the statement by email for an answer online."),
            )
        unanswered.reminder_count = 1

    @api.model
    def _cron_send_monthly_statements(self, batch_size=50):
        """Last month's statement to every customer who opted in, a batch
        per call, from the top company of each group (a statement covers the
        group's branches); statements already made for the month are
        skipped, so a killed worker resumes where it stopped."""
        date_from, date_to = self._previous_month()
        for company in self.env["res.company"].search([("parent_id", "=", False)]):
            # The statements' chatter in the company's language, not the
            # scheduler's; each PDF and email is in its customer's.
            Statement = self.with_company(company).with_context(lang=company._customer_ledger_lang())
            opted = Statement.env["res.partner"].search(
                [("customer_statement_opt_in", "=", True), ("parent_id", "=", False)]
            )
            quarter_end = date_to.month % 3 == 0
            opted = opted.filtered(lambda p, q=quarter_end: p.customer_statement_frequency == "monthly" or q)
            opted = Statement._with_receivables(opted, company, date_to)
            done = Statement.search(
                [("company_id", "=", company.id), ("date_to", "=", date_to), ("automatic", "=", True)]
            ).partner_id
            todo = opted - done
            if not todo:
                continue
            batch = todo[:batch_size]
            statements = Statement.browse()
            for frequency, start in (("monthly", date_from), ("quarterly", self._previous_quarter_start(date_to))):
                members = batch.filtered(lambda p, f=frequency: p.customer_statement_frequency == f)
                if members:
                    statements |= Statement._create_for(members, company, start, date_to, automatic=True)
            statements._send(request_confirmation=company.customer_statement_request_confirmation)
            self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(todo) - len(batch))
            return

    @api.model
    def _with_receivables(self, partners, company, date_to):
        """The customers among ``partners`` with receivable items in
        ``company``'s group up to ``date_to``."""
        if not partners:
            return partners
        self.env["account.move.line"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT partner.commercial_partner_id
                     FROM account_move_line line
                     JOIN account_account account ON account.id = line.account_id
                     JOIN res_partner partner ON partner.id = line.partner_id
                    WHERE line.company_id = ANY(%s) AND line.parent_state = 'posted'
                      AND account.account_type = 'asset_receivable' AND line.date <= %s
                      AND partner.commercial_partner_id = ANY(%s)""",
                company._customer_ledger_group().ids,
                date_to,
                partners.ids,
            )
        )
        return partners.browse([row[0] for row in rows])

    @api.model
    def _previous_month(self):
        today = fields.Date.context_today(self)
        date_to = today.replace(day=1) - timedelta(days=1)
        return date_to.replace(day=1), date_to

    @api.model
    def _previous_quarter_start(self, date_to):
        return (date_to.replace(day=1) - relativedelta(months=2)).replace(day=1)
