import base64
import io
import re
from datetime import date, timedelta
from unittest.mock import patch

import openpyxl

from odoo import SUPERUSER_ID, Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.migration import load_script
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_amount

from .common import LedgerTestCommon


class StatementCommon:
    @classmethod
    def _statement_customer(cls, env, name, email="billing@example.com"):
        return env["res.partner"].create({"name": name, "is_company": True, "email": email, "lang": "en_US"})

    @classmethod
    def _post_document(cls, env, partner, invoice_date, amount, move_type="out_invoice", currency=None):
        move = env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date,
                "currency_id": (currency or env.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestStatement(LedgerTestCommon, StatementCommon):
    """Statements with known answers, sending and the scheduled actions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.customer = cls._statement_customer(env, "Statement Co")
        cls.sep = cls._post_document(env, cls.customer, date(2026, 9, 5), 1000.0)
        cls._post_document(env, cls.customer, date(2026, 10, 10), 500.0)
        cls._post_document(env, cls.customer, date(2026, 10, 12), 100.0, move_type="out_refund")
        cls._pay_amount(cls.sep, date(2026, 10, 20), 600.0)
        cls._post_document(env, cls.customer, date(2026, 11, 3), 70.0)

    @classmethod
    def _pay_amount(cls, move, payment_date, amount, currency=None):
        values = {"payment_date": payment_date, "amount": amount}
        if currency:
            values["currency_id"] = currency.id
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            values
        )._create_payments()

    def _statement(self, partner=None, **kwargs):
        return self.env["customer.statement"]._create_for(
            partner or self.customer, self.company, date(2026, 10, 1), date(2026, 10, 31), **kwargs
        )

    def test_opening_movements_closing_tie_to_the_ledger(self):
        statement = self._statement()
        data = statement._get_statement_data()
        self.assertEqual(data["opening"], 1000.0)
        self.assertEqual(
            [(line["kind"], line["debit"], line["credit"], line["balance"]) for line in data["lines"]],
            [("invoice", 500.0, 0.0, 1500.0), ("credit_note", 0.0, 100.0, 1400.0), ("payment", 0.0, 600.0, 800.0)],
        )
        self.assertEqual(data["opening"] + data["total_debit"] - data["total_credit"], data["closing"])
        self.assertEqual(statement.closing_balance, 800.0)
        ledger = sum(
            self.env["account.move.line"]
            .search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("date", "<=", "2026-10-31"),
                ]
            )
            .mapped("balance")
        )
        self.assertEqual(statement.closing_balance, ledger)
        # Aging at the end date: 400 left of September's invoice (56 days),
        # October's 500 less the 100 credit note (21 and 19 days).
        self.assertEqual(data["aging"], [0.0, 400.0, 400.0, 0.0, 0.0, 0.0])
        self.assertEqual(sum(data["aging"]), data["closing"])

    def test_statement_keeps_its_figures_when_the_ledger_changes(self):
        """What was printed, sent and asked to be confirmed stays what the
        statement shows; the form says when the ledger no longer agrees."""
        statement = self._statement()
        self.assertFalse(statement.ledger_changed)
        sent = statement._get_statement_data()
        self._post_document(self.env, self.customer, date(2026, 10, 15), 50.0, move_type="out_refund")
        self.company.customer_aging_buckets = "15,45"
        statement.invalidate_recordset(["ledger_changed", "ledger_closing_balance"])

        kept = statement._get_statement_data()
        self.assertEqual(kept["closing"], 800.0)
        self.assertEqual(kept["lines"], sent["lines"])
        self.assertEqual(kept["aging"], sent["aging"])
        self.assertEqual(kept["aging_labels"], sent["aging_labels"], "the buckets it was made with")
        self.assertTrue(statement.ledger_changed)
        self.assertEqual(statement.ledger_closing_balance, 750.0)
        xlsx = openpyxl.load_workbook(io.BytesIO(statement._render_xlsx()))
        values = [cell for row in xlsx.active.iter_rows(values_only=True) for cell in row]
        self.assertIn(800.0, values)
        self.assertNotIn(750.0, values)

        remade = self._statement()
        self.assertEqual(remade.closing_balance, 750.0)
        self.assertFalse(remade.ledger_changed)
        self.assertEqual(remade._get_statement_data()["aging_labels"][1], "1-15")

        # A statement made before statements kept their figures gets the
        # ledger's of the day of the update, then keeps them.
        self.env.flush_all()
        self.env.cr.execute("UPDATE customer_statement SET figures = NULL WHERE id = %s", [statement.id])
        self.env.invalidate_all()
        script = load_script("account_customer_ledger/migrations/18.0.1.0.3/post-migrate.py", "post_migrate")
        script.migrate(self.env.cr, "18.0.1.0.2")
        self.env.invalidate_all()
        self.assertEqual(statement._get_statement_data()["closing"], 750.0)
        self.assertFalse(statement.ledger_changed)
        self._post_document(self.env, self.customer, date(2026, 10, 16), 5.0)
        statement.invalidate_recordset(["ledger_changed", "ledger_closing_balance"])
        self.assertEqual(statement._get_statement_data()["closing"], 750.0)
        self.assertEqual(statement.ledger_closing_balance, 755.0)

    def test_disputed_balance_read_in_the_customers_language(self):
        statement = self._statement()
        parse = statement._parse_customer_amount
        for typed, value in (
            ("1,234.56", 1234.56),
            ("850", 850.0),
            ("$ 850.00", 850.0),
            ("-100", -100.0),
            ("\u2212100", -100.0),
            ("8a50", None),
            ("12,34", None),
            ("", None),
        ):
            self.assertEqual(parse(typed), value, typed)
        self.assertEqual(statement._amount_example(), "1,234.56")

        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.lang = "zh_CN"
        self.assertEqual(parse("１２３４．５６"), 1234.56, "full-width digits of a Chinese input method")
        self.assertEqual(parse("￥1，234.5元"), 1234.5)

        self.env["res.lang"]._activate_lang("de_DE")
        self.customer.lang = "de_DE"
        self.assertEqual(parse("1.234,56"), 1234.56)
        self.assertEqual(parse("850,5"), 850.5)
        self.assertIsNone(parse("850.50"), "never read as 85,050")
        self.assertEqual(statement._amount_example(), "1.234,56")

    def test_xlsx_reads_back_the_statement(self):
        statement = self._statement()
        data = statement._get_statement_data()
        sheet = openpyxl.load_workbook(io.BytesIO(statement._render_xlsx())).active
        rows = list(sheet.iter_rows(values_only=True))
        opening = next(r for r in rows if r[0] == "Opening balance")
        closing = next(r for r in rows if r[0] == "Closing balance")
        self.assertEqual(opening[7], data["opening"])
        self.assertEqual((closing[5], closing[6], closing[7]), (500.0, 700.0, 800.0))
        balances = [r[7] for r in rows[rows.index(opening) + 1 : rows.index(closing)]]
        self.assertEqual(balances, [line["balance"] for line in data["lines"]])
        aging = rows[rows.index(closing) + 4]
        self.assertEqual(list(aging[1:7]), data["aging"])

    def test_xlsx_writes_names_and_references_as_text(self):
        """A customer's name or a document's reference that starts like a
        formula or reads like a link stays the text it is in the workbook:
        nothing runs or opens when the customer's statement is opened."""
        name = '=HYPERLINK("http://pay.example","Pay here")'
        customer = self._statement_customer(self.env, name)
        invoice = self._post_document(self.env, customer, date(2026, 10, 5), 120.0)
        invoice.ref = "=1+2"
        payment = self._post_document(self.env, customer, date(2026, 10, 6), 20.0, move_type="out_refund")
        payment.ref = "https://pay.example/refund"
        sheet = openpyxl.load_workbook(io.BytesIO(self._statement(customer)._render_xlsx())).active
        self.assertEqual((sheet.cell(1, 3).value, sheet.cell(1, 3).data_type), (name, "s"))
        cells = {sheet.cell(row, 2).value: sheet.cell(row, 4) for row in range(6, 8)}
        self.assertEqual((cells[invoice.name].value, cells[invoice.name].data_type), ("=1+2", "s"))
        self.assertEqual(cells[payment.name].value, "https://pay.example/refund")
        self.assertIsNone(cells[payment.name].hyperlink)

    def test_statement_in_the_customers_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        customer = self._statement_customer(self.env, "Euro Co")
        self._post_document(self.env, customer, date(2026, 10, 5), 300.0, currency=eur)
        statement = self._statement(customer, currency_mode="customer")
        self.assertEqual(statement.currency_id, eur)
        self.assertEqual(statement.closing_balance, 300.0)
        self.assertEqual(statement._get_statement_data()["aging"][1], 300.0)
        in_company_currency = self._statement(customer)
        self.assertEqual(in_company_currency.closing_balance, 150.0)

    def test_exchange_difference_is_named_and_ties_in_both_currencies(self):
        """A euro invoice paid in full at a later rate, in euros or in
        company currency: the same figures in both statements."""
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0), ("2026-10-15", 2.5)])
        for paid_in, paid in ((eur, 301.0), (self.company.currency_id, 120.4)):
            with self.subTest(paid_in=paid_in.name):
                customer = self._statement_customer(self.env, f"Euro Rate Co ({paid_in.name})")
                invoice = self._post_document(self.env, customer, date(2026, 10, 5), 301.0, currency=eur)
                self._pay_amount(invoice, date(2026, 10, 20), paid, paid_in)
                self.assertEqual(invoice.payment_state, "paid")

                data = self._statement(customer)._get_statement_data()
                self.assertEqual(
                    [(line["kind"], line["kind_label"], line["debit"], line["credit"]) for line in data["lines"]],
                    [
                        ("invoice", "Invoice", 150.5, 0.0),
                        ("payment", "Payment", 0.0, 120.4),
                        ("exchange", "Exchange Difference", 0.0, 30.1),
                    ],
                )
                self.assertEqual(data["closing"], 0.0)
                in_euros = self._statement(customer, currency_mode="customer")._get_statement_data()
                self.assertEqual(
                    [(line["kind"], line["debit"], line["credit"]) for line in in_euros["lines"]],
                    [("invoice", 301.0, 0.0), ("payment", 0.0, 301.0)],
                    "the payment for the euros it settled; the exchange difference moves nothing in euros",
                )
                self.assertEqual(in_euros["closing"], 0.0)
                self.assertEqual(sum(in_euros["aging"]), 0.0)

    def test_payments_in_another_currency_count_as_applied_in_the_statements_currency(self):
        """A euro invoice paid in company currency, and a company-currency
        invoice settled by a euro payment: the euro statement lists what each
        applied in euros, on the day it was applied, and its balance is the
        euro items' open amount, as its aging says."""
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        customer = self._statement_customer(self.env, "Mixed Currency Co")
        company_currency = self.company.currency_id
        september = self._post_document(self.env, customer, date(2026, 9, 10), 400.0, currency=eur)
        # 50 in company currency before the period: 100 euros of September's invoice.
        self._pay_amount(september, date(2026, 9, 25), 50.0, company_currency)
        october = self._post_document(self.env, customer, date(2026, 10, 5), 300.0, currency=eur)
        # 100 in company currency within it: 200 euros of October's.
        self._pay_amount(october, date(2026, 10, 20), 100.0, company_currency)
        # A company-currency invoice settled in full by a 60-euro payment.
        local = self._post_document(self.env, customer, date(2026, 10, 2), 30.0)
        self._pay_amount(local, date(2026, 10, 25), 60.0, eur)
        self.assertEqual(local.payment_state, "paid")

        statement = self._statement(customer, currency_mode="customer")
        self.assertEqual(statement.currency_id, eur)
        data = statement._get_statement_data()
        self.assertEqual(data["opening"], 300.0, "400 invoiced less the 100 euros paid in September")
        self.assertEqual(
            sorted((str(line["date"]), line["kind"], line["debit"], line["credit"]) for line in data["lines"]),
            [
                ("2026-10-05", "invoice", 300.0, 0.0),
                ("2026-10-20", "payment", 0.0, 200.0),
                ("2026-10-25", "invoice", 60.0, 0.0),
                ("2026-10-25", "payment", 0.0, 60.0),
            ],
        )
        self.assertEqual(data["opening"] + data["total_debit"] - data["total_credit"], data["closing"])
        described = {line["reference"]: line["description"] for line in data["lines"]}
        self.assertEqual(
            described[local.name],
            f"{format_amount(self.env, 30.0, company_currency)} applied",
            "the company-currency invoice, with what of it the euros settled",
        )
        self.assertIn(f"{format_amount(self.env, 100.0, company_currency)} applied", described.values())
        self.assertEqual(data["closing"], 400.0)
        self.assertEqual(sum(data["aging"]), data["closing"], "the balance is the euro items' open amount")
        self.assertEqual(
            data["closing"],
            sum((september | october).mapped("amount_residual")),
            "what the euro invoices still wait for",
        )
        self.assertEqual(self._statement(customer).closing_balance, 200.0, "company currency: 380 invoiced, 180 paid")

    def test_send_attaches_in_chatter_and_lists_failures(self):
        silent = self._statement_customer(self.env, "No Mail Co", email=False)
        self._post_document(self.env, silent, date(2026, 10, 5), 10.0)
        wizard = self.env["customer.statement.send"].create(
            {
                "partner_ids": [Command.set((self.customer | silent).ids)],
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
                "request_confirmation": True,
            }
        )
        with patch.object(type(self.env["customer.statement"]), "_render_pdf", lambda self: b"%PDF-1.4 test"):
            result = wizard.action_send()
        self.assertEqual(result["res_model"], "customer.statement.send", "failures are shown")
        self.assertEqual(wizard.failed_ids.partner_id, silent)
        self.assertIn("no email", wizard.failed_ids.failure_reason)
        sent = wizard.statement_ids - wizard.failed_ids
        self.assertEqual(sent.state, "sent")
        self.assertEqual(sent.confirmation_state, "requested")
        self.assertTrue(sent.access_token)
        message = self.customer.message_ids.filtered(lambda m: m.attachment_ids)[:1]
        self.assertEqual(message.attachment_ids, sent.attachment_id)
        self.assertIn(sent.get_portal_url(), message.body)

    def test_many_statements_are_sent_in_the_background(self):
        """Sending more statements than a request can print (a limit of
        twenty; two here) queues them: the accountant is told so at once,
        and the scheduled action sends them in batches, resuming after an
        interruption, as the accountant who queued them, failures listed."""
        accountant = new_test_user(
            self.env,
            "statement_queuer",
            groups="account.group_account_invoice,base.group_partner_manager",
            name="Queuing Accountant",
        )
        customers = [self.customer]
        for index in range(2):
            customers.append(self._statement_customer(self.env, f"Queued Co {index}"))
        customers.append(self._statement_customer(self.env, "Queued No Mail Co", email=False))
        partners = self.env["res.partner"].concat(*customers)
        for partner in partners[1:]:
            self._post_document(self.env, partner, date(2026, 10, 5), 10.0)
        Statement = type(self.env["customer.statement"])
        self.patch(Statement, "_send_now_limit", 2)
        self.patch(Statement, "_render_pdf", lambda self: b"%PDF-1.4 test")
        wizard = (
            self.env["customer.statement.send"]
            .with_user(accountant)
            .create(
                {
                    "partner_ids": [Command.set(partners.ids)],
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "request_confirmation": True,
                }
            )
        )
        result = wizard.action_send()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("4 statements queued", result["params"]["message"])
        statements = wizard.statement_ids.sudo()
        self.assertEqual(set(statements.mapped("state")), {"queued"})
        self.assertFalse(self.customer.message_ids.filtered("attachment_ids"), "nothing sent within the request")
        progress = []
        self.patch(
            type(self.env["ir.cron"]),
            "_notify_progress",
            lambda self, done, remaining: progress.append((done, remaining)),
        )
        Statement = self.env["customer.statement"]
        Statement._cron_send_queued(batch_size=3)
        self.assertEqual(statements.mapped("state").count("queued"), 1, "the rest waits for the next call")
        Statement._cron_send_queued(batch_size=3)
        Statement._cron_send_queued(batch_size=3)
        self.assertEqual(progress, [(3, 1), (1, 0), (0, 0)])
        failed = statements.filtered(lambda st: st.state == "failed")
        self.assertEqual(failed.partner_id.name, "Queued No Mail Co")
        self.assertIn("no email", failed.failure_reason)
        sent = statements - failed
        self.assertEqual(set(sent.mapped("state")), {"sent"})
        self.assertEqual(set(sent.mapped("confirmation_state")), {"requested"})
        message = self.customer.message_ids.filtered("attachment_ids")[:1]
        self.assertEqual(message.author_id, accountant.partner_id, "sent as the accountant who queued them")
        self.assertIn(sent.filtered(lambda st: st.partner_id == self.customer).get_portal_url(), message.body)
        notices = self.env["mail.message"].search(
            [("partner_ids", "in", accountant.partner_id.ids), ("subject", "=", "Queued statements sent")]
        )
        self.assertEqual(len(notices), 1, "told once, when the last queued statement is done")
        self.assertIn("3 of the 4 statements you queued were sent", notices.body)
        self.assertIn("1 could not be sent", notices.body)
        # Statements made by someone else and queued from the list go out in
        # the name of who queued them.
        colleague = new_test_user(
            self.env, "statement_colleague", groups="account.group_account_invoice,base.group_partner_manager"
        )
        sent.with_user(colleague).action_send()
        self.assertEqual(set(sent.mapped("queued_by")), {colleague})
        Statement._cron_send_queued(batch_size=3)
        message = self.customer.message_ids.filtered("attachment_ids")[:1]
        self.assertEqual(message.author_id, colleague.partner_id)

    def test_queued_statements_of_a_user_who_lost_the_rights_fail_without_blocking_the_queue(self):
        """Statements queued by an accountant whose invoicing rights are
        taken away before they are sent are not sent in that name: they fail
        with the reason, and the statements queued after them by someone
        else are sent."""
        Statement = type(self.env["customer.statement"])
        self.patch(Statement, "_send_now_limit", 1)
        self.patch(Statement, "_render_pdf", lambda self: b"%PDF-1.4 test")
        self.patch(type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: None)
        queued = {}
        for login in ("leaving_accountant", "staying_accountant"):
            accountant = new_test_user(
                self.env, login, groups="account.group_account_invoice,base.group_partner_manager", name=login
            )
            partners = self.env["res.partner"]
            for index in range(2):
                partners |= self._statement_customer(self.env, f"{login} customer {index}")
                self._post_document(self.env, partners[-1], date(2026, 10, 5), 10.0)
            wizard = (
                self.env["customer.statement.send"]
                .with_user(accountant)
                .create(
                    {"partner_ids": [Command.set(partners.ids)], "date_from": "2026-10-01", "date_to": "2026-10-31"}
                )
            )
            wizard.action_send()
            queued[login] = (accountant, wizard.statement_ids.sudo())
        leaving, first = queued["leaving_accountant"]
        staying, second = queued["staying_accountant"]
        self.assertEqual(set((first | second).mapped("state")), {"queued"})
        leaving.groups_id -= self.env.ref("account.group_account_invoice")
        self.env["customer.statement"]._cron_send_queued(batch_size=10)
        self.assertEqual(set(first.mapped("state")), {"failed"})
        self.assertIn("Queued by leaving_accountant, who may no longer send statements", first[0].failure_reason)
        self.assertFalse(first.partner_id.message_ids.filtered("attachment_ids"), "nothing sent in the name")
        self.assertEqual(set(second.mapped("state")), {"sent"})
        messages = second.partner_id.message_ids.filtered("attachment_ids")
        self.assertEqual(messages.author_id, staying.partner_id)

    def test_reminders_and_answers(self):
        statement = self._statement()
        with patch.object(type(statement), "_render_pdf", lambda self: b"%PDF-1.4 test"):
            statement._send(request_confirmation=True)
            statement.last_sent_on = fields.Datetime.now() - timedelta(days=8)
            self.env["customer.statement"]._cron_send_reminders()
        self.assertEqual(statement.reminder_count, 1)
        statement._answer(False, amount=750.0, comment="One payment is missing")
        self.assertEqual(statement.confirmation_state, "disputed")
        self.assertEqual(statement.difference, 50.0)
        self.assertTrue(statement.activity_ids)
        auditor = new_test_user(self.env, "ledger_statement_auditor", groups="account.group_account_readonly")
        with self.assertRaises(AccessError):
            statement.with_user(auditor).action_resolve()
        self.assertEqual(statement.confirmation_state, "disputed", "reading statements does not resolve them")
        statement.action_resolve()
        self.assertEqual(statement.confirmation_state, "resolved")
        with self.assertRaisesRegex(UserError, "was sent to the customer .* and cannot be deleted"):
            statement.unlink()
        with self.assertRaisesRegex(UserError, "keeps the customer, period and figures it was made with"):
            statement.write({"closing_balance": 750.0})
        self.assertEqual(statement.difference, 50.0)
        # Nobody answers in the customer's stead but through Record Answer.
        accountant = new_test_user(self.env, "ledger_statement_writer", groups="account.group_account_invoice")
        with self.assertRaisesRegex(UserError, "cannot be written otherwise"):
            statement.with_user(accountant).write({"confirmation_state": "confirmed", "confirmed_amount": 800.0})
        self.assertEqual((statement.confirmation_state, statement.confirmed_amount), ("resolved", 750.0))
        self.assertTrue(statement.exists())
        draft = self._statement()
        draft.unlink()
        self.assertFalse(draft.exists(), "one never sent nor asking for an answer can go")

    def test_answer_received_on_paper_is_recorded_with_the_signed_reply(self):
        """An accountant records the answer that came back signed and sealed:
        a dispute with the customer's balance, then, once settled, the
        customer's agreement; the scanned reply is kept on the statement.
        A statement not awaiting an answer cannot get one, and a
        disagreement at the statement's own balance must say what the
        customer disputes."""
        statement = self._statement()
        accountant = new_test_user(
            self.env, login="ledger_statement_accountant", groups="base.group_user,account.group_account_invoice"
        )
        with self.assertRaisesRegex(UserError, "not awaiting an answer"):
            statement.with_user(accountant).action_record_answer()
        statement._set_confirmation({"confirmation_state": "requested"})
        action = statement.with_user(accountant).action_record_answer()
        Answer = self.env[action["res_model"]].with_user(accountant).with_context(**action["context"])
        same = Answer.create({"answer": "dispute", "amount": statement.closing_balance})
        with self.assertRaisesRegex(UserError, "say in the comment what the customer disputes"):
            same.action_record()
        self.assertEqual(statement.confirmation_state, "requested")
        same.comment = "Invoice INV/0042 was never delivered"
        same.action_record()
        self.assertEqual(
            (statement.confirmation_state, statement.confirmed_amount, statement.difference),
            ("disputed", 800.0, 0.0),
        )
        self.assertIn("agrees with the balance of", statement.message_ids[:1].body)
        self.assertIn("but disputes items of the statement", statement.message_ids[:1].body)
        scan = base64.b64encode(b"%PDF-1.4 signed and sealed")
        Answer.create(
            {
                "answer": "dispute",
                "amount": 750.0,
                "comment": "Payment of 20 Oct not in our books",
                "reply_file": scan,
                "reply_filename": "reply.pdf",
            }
        ).action_record()
        self.assertEqual(
            (statement.confirmation_state, statement.confirmed_amount, statement.difference),
            ("disputed", 750.0, 50.0),
        )
        self.assertEqual(statement.customer_comment, "Payment of 20 Oct not in our books")
        note = statement.message_ids.filtered("attachment_ids")[:1]
        self.assertIn("disputes the balance", note.body)
        self.assertEqual(
            (note.attachment_ids.name, note.attachment_ids.raw), ("reply.pdf", b"%PDF-1.4 signed and sealed")
        )
        self.assertEqual(note.author_id, accountant.partner_id, "the chatter says who recorded it")
        Answer.create({"answer": "agree"}).action_record()
        self.assertEqual((statement.confirmation_state, statement.confirmed_amount), ("confirmed", 800.0))

    def test_pdf_with_confirmation_has_a_reply_to_sign(self):
        """A statement that asks for confirmation prints a reply slip with
        the balance to agree or dispute and room for signature and seal, in
        the customer's language; one that does not ask has none."""
        Report = self.env["ir.actions.report"]
        report = "account_customer_ledger.action_report_customer_statement"
        plain = self._statement()
        self.assertNotIn("Balance Confirmation Reply", Report._render_qweb_html(report, plain.ids)[0].decode())
        plain._set_confirmation({"confirmation_state": "requested"})
        html = Report._render_qweb_html(report, plain.ids)[0].decode()
        reply = html[html.index("Balance Confirmation Reply") :]
        self.assertIn("800.00", reply)
        self.assertRegex(reply, r"<th>As of</th>\s*<td><span[^>]*>10/31/2026</span>")
        self.assertIn("This balance does not agree with our books.", reply)
        self.assertEqual(len(re.findall(r">Statement Co</p>\s*<p>Signature and company seal:</p>", reply)), 2)
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.customer.lang = "zh_CN"
        html = Report._render_qweb_html(report, plain.ids)[0].decode()
        reply = html[html.index("对账确认回执") :]
        self.assertEqual(len(re.findall(r">Statement Co</p>\s*<p>签字及盖章：</p>", reply)), 2)
        self.assertRegex(
            reply, r"<th>截止日期</th>\s*<td><span[^>]*>2026年10月31日</span>", "the balance's date on a row of its own"
        )

    def test_printed_request_awaits_the_reply_on_paper(self):
        """Printing statements that ask for confirmation marks them awaiting
        an answer, without emailing anyone, and the PDF asks for the signed
        reply slip rather than an online answer; once the reminder delay has
        passed without it, the accountant gets one to-do to follow it up."""
        wizard = self.env["customer.statement.send"].create(
            {
                "partner_ids": [Command.set(self.customer.ids)],
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
                "request_confirmation": True,
            }
        )
        action = wizard.with_context(discard_logo_check=True).action_print()
        statement = wizard.statement_ids
        self.assertEqual((statement.confirmation_state, statement.state), ("requested", "draft"))
        self.assertFalse(statement.last_sent_on, "nothing emailed, so no reminder is due")
        html = (
            self.env["ir.actions.report"]
            .with_context(**action["context"])
            ._render_qweb_html("account_customer_ledger.action_report_customer_statement", statement.ids)[0]
            .decode()
        )
        text = " ".join(html.split())
        self.assertIn("sign it, seal it and return it to us", text)
        self.assertNotIn("from the link in our email", text)
        self.assertIn("Balance Confirmation Reply", text)

        Statement = self.env["customer.statement"]
        Statement._cron_send_reminders()
        self.assertFalse(statement.activity_ids, "not due before the company's reminder delay")
        self.env.cr.execute(
            "UPDATE customer_statement SET create_date = create_date - interval '8 days' WHERE id = %s", [statement.id]
        )
        statement.invalidate_recordset()
        for _run in range(2):
            Statement._cron_send_reminders()
        self.assertEqual(
            statement.activity_ids.mapped("summary"), ["Signed balance confirmation of Statement Co not returned"]
        )
        self.assertEqual(
            (statement.reminder_count, statement.last_sent_on), (1, False), "followed up once, not emailed"
        )

    def test_reminders_go_out_in_batches(self):
        customers = [self._statement_customer(self.env, f"Reminded Co {index}") for index in range(3)]
        customers.append(self._statement_customer(self.env, "Unreachable Co", email=False))
        statements = self.env["customer.statement"]
        for customer in customers:
            self._post_document(self.env, customer, date(2026, 10, 5), 10.0)
            statements |= self._statement(customer)
        statements._set_confirmation(
            {"confirmation_state": "requested", "last_sent_on": fields.Datetime.now() - timedelta(days=8)}
        )
        unreachable = statements[-1]
        unreachable.last_sent_on = fields.Datetime.now() - timedelta(days=9)
        progress = []
        with (
            patch.object(type(statements), "_render_pdf", lambda self: b"%PDF-1.4 test"),
            patch.object(
                type(self.env["ir.cron"]),
                "_notify_progress",
                lambda self, done, remaining: progress.append((done, remaining)),
            ),
        ):
            self.env["customer.statement"]._cron_send_reminders(batch_size=2)
            self.assertEqual(statements.mapped("reminder_count"), [1, 0, 0, 0], "oldest request first")
            self.env["customer.statement"]._cron_send_reminders(batch_size=2)
            self.env["customer.statement"]._cron_send_reminders(batch_size=2)
        self.assertEqual(statements.mapped("reminder_count"), [1, 1, 1, 0], "each reminded once, none twice")
        self.assertEqual(unreachable.state, "failed")
        self.assertIn("no email", unreachable.failure_reason)
        self.assertEqual(progress, [(1, 2), (2, 1), (0, 0)], "the failed one is tried after the others")

    def test_monthly_statements_resume_after_interruption(self):
        today = fields.Date.context_today(self.env["res.partner"])
        month_end = today.replace(day=1) - timedelta(days=1)
        customers = self.env["res.partner"]
        for index in range(3):
            customer = self._statement_customer(self.env, f"Monthly Co {index}")
            customer.customer_statement_opt_in = True
            self._post_document(self.env, customer, month_end, 10.0 + index)
            customers |= customer
        # As the scheduler runs it: as the superuser, over every company.
        Statement = self.env["customer.statement"].sudo()
        progress = []
        with (
            patch.object(type(Statement), "_render_pdf", lambda self: b"%PDF-1.4 test"),
            patch.object(
                type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: progress.append(remaining)
            ),
        ):
            Statement._cron_send_monthly_statements(batch_size=2)
            made = Statement.search([("partner_id", "in", customers.ids)])
            self.assertEqual(len(made), 2)
            Statement._cron_send_monthly_statements(batch_size=2)
            Statement._cron_send_monthly_statements(batch_size=2)
        made = Statement.search([("partner_id", "in", customers.ids)])
        self.assertEqual(len(made), 3, "one statement per customer, none twice")
        self.assertEqual(set(made.mapped("date_to")), {month_end})
        self.assertEqual(made.mapped("state"), ["sent"] * 3)

    def test_periodic_statement_from_the_top_company_covers_its_branches(self):
        """A customer who bought from a branch gets one periodic statement,
        from the branch's top company, with the branch's invoice: not one
        from each company of the group."""
        branch = self._branches("Statement Branch")
        month_end = fields.Date.context_today(self.env["res.partner"]).replace(day=1) - timedelta(days=1)
        customer = self._statement_customer(self.env, "Branch Buyer")
        customer.customer_statement_opt_in = True
        invoice = self._post_document(self.env["account.move"].with_company(branch).env, customer, month_end, 45.0)
        self.assertEqual(invoice.company_id, branch)
        Statement = self.env["customer.statement"].sudo()
        with (
            patch.object(type(Statement), "_render_pdf", lambda self: b"%PDF-1.4 test"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: None),
        ):
            for _call in range(3):
                Statement._cron_send_monthly_statements()
        made = Statement.search([("partner_id", "=", customer.id)])
        self.assertEqual(made.company_id, self.company)
        self.assertEqual(len(made), 1)
        self.assertEqual(made.closing_balance, 45.0)
        self.assertEqual([line["reference"] for line in made.figures["lines"]], [invoice.name])

    def test_scheduled_statements_write_in_the_companys_language(self):
        """The scheduler's jobs have no language of their own: the chatter of
        the statements they make and remind reads in the company's language
        (an English customer's statement for a company working in Chinese),
        a to-do in its user's, never half in English."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.company.partner_id.lang = "zh_CN"
        self.company.customer_statement_request_confirmation = True
        month_end = fields.Date.context_today(self.env["res.partner"]).replace(day=1) - timedelta(days=1)
        customer = self._statement_customer(self.env, "English Buyer")
        customer.customer_statement_opt_in = True
        self._post_document(self.env, customer, month_end, 30.0)
        # As the scheduler calls a job: no language in the context.
        Statement = self.env(context={})["customer.statement"]
        with (
            patch.object(type(Statement), "_render_pdf", lambda self: b"%PDF-1.4 test"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: None),
        ):
            Statement._cron_send_monthly_statements()
            self.env.flush_all()
            statement = Statement.search([("partner_id", "=", customer.id)])
            self.env.cr.precommit.run()  # the chatter's tracking, written as the job's transaction commits
            notes = statement.with_context(lang="en_US").message_ids.sorted("id")
            self.assertEqual(notes[0].body, "<p>客户对账单 创建</p>")
            changes = notes.tracking_value_ids.mapped(lambda v: (v.old_value_char, v.new_value_char))
            self.assertIn(("未发送", "已发送"), changes)
            self.assertIn(("未请求", "等待答复"), changes)
            statement.last_sent_on -= timedelta(days=8)
            Statement._cron_send_reminders()
            self.env.cr.precommit.run()
        self.assertEqual(statement.reminder_count, 1)

    def test_periodic_statements_come_from_the_company_and_disputes_reach_a_person(self):
        """A periodic statement is emailed in the company's name, not the
        scheduler's (OdooBot). The customer's dispute, answered online in
        English, is noted in the company's language and becomes a to-do for
        the company's Statement Follow-up user in that user's language;
        without one, for the customer's salesperson. A statement sent by hand
        goes back to who sent it, or, once that user has left, the same way."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.company.partner_id.write({"lang": "zh_CN", "email": "accounts@statement-co.example.com"})
        self.company.customer_statement_request_confirmation = True

        def colleague(login, lang="en_US"):
            return new_test_user(
                self.env,
                login,
                groups="base.group_user,account.group_account_invoice",
                lang=lang,
                company_id=self.company.id,
                company_ids=[Command.set(self.company.ids)],
            )

        follower, salesperson, sender = colleague("statement_follower", "zh_CN"), colleague("sp"), colleague("sender")
        self.company.customer_statement_follow_up_user_id = follower
        month_end = fields.Date.context_today(self.env["res.partner"]).replace(day=1) - timedelta(days=1)
        customer = self._statement_customer(self.env, "Disputing Buyer")
        customer.write({"customer_statement_opt_in": True, "user_id": salesperson.id})
        self._post_document(self.env, customer, month_end, 30.0)
        # As the scheduler calls a job: as the superuser, no language in the context.
        Statement = self.env(user=SUPERUSER_ID, context={})["customer.statement"]
        public = self.env.ref("base.public_user")

        def dispute(statement):
            statement._set_confirmation({"confirmation_state": "requested"})
            statement.with_user(public).sudo().with_context(lang="en_US")._answer(
                False, amount=10.0, comment="Goods not received"
            )
            return statement.activity_ids

        with (
            patch.object(type(Statement), "_render_pdf", lambda self: b"%PDF-1.4 test"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress", lambda self, done, remaining: None),
        ):
            Statement._cron_send_monthly_statements()
        periodic = Statement.search([("partner_id", "=", customer.id)])
        email = customer.message_ids.filtered("attachment_ids")
        self.assertEqual(email.author_id, self.company.partner_id)
        self.assertIn("accounts@statement-co.example.com", email.email_from)
        todo = dispute(periodic)
        self.assertEqual((todo.user_id, todo.summary), (follower, "Disputing Buyer 对余额有异议"))
        self.assertIn("客户对余额有异议", periodic.message_ids[:1].body, "noted in the company's language")
        self.company.customer_statement_follow_up_user_id = False
        automatic = self._statement(customer, automatic=True)
        self.assertEqual(dispute(automatic).user_id, salesperson)
        by_hand = Statement.with_user(sender)._create_for(customer, self.company, date(2026, 10, 1), date(2026, 10, 31))
        self.assertEqual(dispute(by_hand.sudo()).user_id, sender)
        sender.active = False
        gone = Statement.with_user(sender)._create_for(customer, self.company, date(2026, 9, 1), date(2026, 9, 30))
        self.assertEqual(dispute(gone.sudo()).user_id, salesperson)

    def test_pdf_renders_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        self.customer.lang = "zh_CN"
        statement = self._statement()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_customer_ledger.action_report_customer_statement", statement.ids)[0]
            .decode()
        )
        self.assertTrue("客户对账单" in html and "期初余额" in html, "the statement reads in Chinese")
        self.assertIn('<th class="text-end">贷方</th>', html, "the credit column in accounting terms")
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_customer_ledger.action_report_customer_statement", statement.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))


@tagged("post_install", "-at_install")
class TestBalanceConfirmationPortal(HttpCase, StatementCommon):
    """The customer answers from the link, without logging in; a token
    never opens another customer's statement."""

    def test_page_reads_in_the_customers_language(self):
        """The confirmation page is all in the customer's language, as its
        statement and email are, whatever language the browser asked for."""
        env = self.env
        env["res.lang"]._activate_lang("zh_CN")
        env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        customer = self._statement_customer(env, "上海客户甲有限公司")
        customer.lang = "zh_CN"
        self._post_document(env, customer, date.today() - timedelta(days=3), 900.0)
        statement = env["customer.statement"]._create_for(
            customer, env.company, date.today() - timedelta(days=30), date.today()
        )
        statement._set_confirmation({"confirmation_state": "requested"})
        statement._portal_ensure_token()
        self.opener.cookies["frontend_lang"] = "en_US"
        text = self.url_open(statement.get_portal_url()).text
        for words in ("对账确认", "期初余额", "未到期", "我确认此余额", "提出异议"):
            self.assertIn(words, text)
        for words in ("Balance confirmation", "Opening balance", "I confirm this balance"):
            self.assertNotIn(words, text)

    def test_confirm_and_dispute_by_token(self):
        env = self.env
        first = self._statement_customer(env, "Portal Co")
        second = self._statement_customer(env, "Other Portal Co")
        for partner, amount in ((first, 900.0), (second, 50.0)):
            self._post_document(env, partner, date.today() - timedelta(days=3), amount)
        Statement = env["customer.statement"]
        period = (date.today() - timedelta(days=30), date.today())
        mine = Statement._create_for(first, env.company, *period)
        theirs = Statement._create_for(second, env.company, *period)
        (mine | theirs)._set_confirmation({"confirmation_state": "requested"})
        mine._portal_ensure_token()
        theirs._portal_ensure_token()

        self._post_document(env, first, date.today() - timedelta(days=2), 100.0)
        page = self.url_open(mine.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Portal Co", page.text)
        self.assertIn("900.00", page.text)
        self.assertFalse("1,000.00" in page.text, "the page shows the statement as it was sent")

        stolen = self.url_open(f"/my/ledger/statement/{theirs.id}?access_token={mine.access_token}")
        self.assertNotIn("Other Portal Co", stolen.text)
        self.assertNotIn("50.00", stolen.text.split("o_customer_statement_portal")[-1])

        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

        def dispute(amount, comment=""):
            return self.url_open(
                f"/my/ledger/statement/{mine.id}/answer",
                data={
                    "csrf_token": csrf,
                    "access_token": mine.access_token,
                    "answer": "dispute",
                    "amount": amount,
                    "comment": comment,
                },
            )

        self.assertIn("as a number, for example: 1,234.56", dispute("8a50").text)
        mine.invalidate_recordset()
        self.assertEqual(mine.confirmation_state, "requested", "a typo records nothing")
        self.assertIn("say in the comment what you dispute", dispute("900", "  ").text)
        mine.invalidate_recordset()
        self.assertEqual(mine.confirmation_state, "requested", "a dispute of nothing named records nothing")
        typed = dispute("85O", "Credit note CN/7 of 12 Oct is missing")
        self.assertIn("as a number", typed.text)
        self.assertIn(">Credit note CN/7 of 12 Oct is missing</textarea>", typed.text, "the comment is kept")
        self.assertIn('value="85O"', typed.text, "the amount is kept to be corrected")
        answer = dispute("850", "Credit note missing")
        self.assertEqual(answer.status_code, 200)
        mine.invalidate_recordset()
        self.assertEqual(mine.confirmation_state, "disputed")
        self.assertEqual(mine.confirmed_amount, 850.0)
        self.assertEqual(mine.difference, 50.0)
        self.assertEqual(mine.customer_comment, "Credit note missing")

        forged = self.url_open(
            f"/my/ledger/statement/{theirs.id}/answer",
            data={"csrf_token": csrf, "access_token": mine.access_token, "answer": "confirm"},
        )
        self.assertIn(forged.status_code, (200, 303))
        theirs.invalidate_recordset()
        self.assertEqual(theirs.confirmation_state, "requested", "another customer's token changes nothing")
