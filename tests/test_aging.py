import io
from datetime import date, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LedgerTestCommon


@tagged("post_install", "-at_install")
class TestAging(LedgerTestCommon):
    """Aged receivable with known answers."""

    as_of = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Aging Co", "is_company": True})
        cls.engine = cls.env["customer.aging.engine"]
        cls.bounds = [30, 60, 90, 120]

    def _due_invoice(self, amount, days_overdue, partner=None, currency=None):
        """An invoice dated five days before its due date, due
        ``days_overdue`` days before the as-of date."""
        due = self.as_of - timedelta(days=days_overdue)
        return self._invoice(partner or self.customer, due - timedelta(days=5), amount, currency=currency, due=due)

    def _aged(self, as_of=None, **kwargs):
        kwargs.setdefault("partner_ids", self.customer.ids)
        return self.engine._aged(self.company, as_of or self.as_of, self.bounds, **kwargs)

    def _pay(self, move, payment_date, amount=None):
        vals = {"payment_date": payment_date}
        if amount is not None:
            vals["amount"] = amount
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            vals
        )._create_payments()

    def test_bucket_boundaries(self):
        for amount, days in ((1, 0), (2, 1), (4, 30), (8, 31), (16, 120), (32, 121)):
            self._due_invoice(amount, days)
        (row,) = self._aged()
        # Current, 1-30, 31-60, 61-90, 91-120, over 120
        self.assertEqual(row["buckets"], [1.0, 6.0, 8.0, 0.0, 16.0, 32.0])
        self.assertEqual(row["total"], 63.0)
        by_invoice_date = self._aged(basis="invoice")[0]["buckets"]
        self.assertEqual(by_invoice_date, [0.0, 3.0, 12.0, 0.0, 0.0, 48.0], "five days older by invoice date")

    def test_past_dates_with_later_payments(self):
        invoice = self._invoice(self.customer, date(2026, 1, 10), 1000.0)
        self._pay(invoice, date(2026, 1, 20), amount=300.0)
        self._pay(invoice, date(2026, 2, 10))
        later = self._invoice(self.customer, date(2026, 3, 1), 50.0)
        self.assertEqual(invoice.payment_state, "paid")

        def total(as_of):
            rows = self._aged(as_of=as_of)
            return rows[0]["total"] if rows else 0.0

        self.assertEqual(total(date(2026, 1, 9)), 0.0, "documents dated after the as-of date are left out")
        self.assertEqual(total(date(2026, 1, 15)), 1000.0, "paid later: open on the date")
        self.assertEqual(total(date(2026, 1, 25)), 700.0, "a later partial payment is added back")
        self.assertEqual(total(date(2026, 2, 15)), 0.0)
        self.assertEqual(total(date(2026, 3, 1)), 50.0)
        items = self.engine._open_items(self.company, date(2026, 1, 25), partner_ids=self.customer.ids)
        self.assertEqual([(item["move_id"], item["residual"]) for item in items], [(invoice.id, 700.0)])
        self.assertEqual(items[0]["days"], 15)
        self.assertTrue(later)

    def test_credit_notes_and_unapplied_payments(self):
        self._due_invoice(500.0, 10)
        self._invoice(self.customer, self.as_of, 120.0, move_type="out_refund")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 80.0,
                "date": self.as_of,
            }
        )
        payment.action_post()
        (row,) = self._aged()
        # Credit items age by their own date like any other: both are current.
        self.assertEqual(row["buckets"], [-200.0, 500.0, 0.0, 0.0, 0.0, 0.0])
        self.assertEqual(row["total"], 300.0)

    def test_foreign_currency_beside_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._due_invoice(400.0, 45, currency=eur)
        (row,) = self._aged()
        self.assertEqual(row["buckets"][2], 200.0)
        self.assertEqual(row["total_currency"], {eur.id: 400.0})
        (by_currency,) = self._aged(group_by="currency")
        self.assertEqual(by_currency["key"], eur.id)

    def test_exchange_difference_ties_to_the_ledger_on_every_date(self):
        """A foreign invoice paid in full at another rate: the payment closes
        it in euros, and Odoo's exchange difference entry (dated at the end
        of the period when the payment is registered in a past period) closes
        the rest in company currency. In between, the difference is still on
        the receivable account, so it stays open here too."""
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0), ("2026-02-01", 2.5)])
        invoice = self._invoice(self.customer, date(2026, 1, 10), 401.0, currency=eur)
        self._pay(invoice, date(2026, 2, 10))
        self.assertEqual(invoice.payment_state, "paid")
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertTrue(exchange, "the payment at another rate books an exchange difference")

        def open_items(as_of):
            items = self.engine._open_items(self.company, as_of, partner_ids=self.customer.ids)
            return [(item["move_id"], item["residual"], item["residual_currency"]) for item in items]

        def ledger(as_of):
            lines = self.env["account.move.line"].search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("date", "<=", as_of),
                ]
            )
            return self.company.currency_id.round(sum(lines.mapped("balance")))

        self.assertEqual(open_items(date(2026, 2, 9)), [(invoice.id, 200.5, 401.0)])
        self.assertEqual(ledger(date(2026, 2, 9)), 200.5)
        if exchange.date > date(2026, 2, 10):
            self.assertEqual(open_items(date(2026, 2, 10)), [(invoice.id, 40.1, 0.0)])
            self.assertEqual(self._aged(as_of=date(2026, 2, 10))[0]["total"], ledger(date(2026, 2, 10)))
            self.assertEqual(self._aged(as_of=date(2026, 2, 10))[0]["total_currency"], {eur.id: 0.0})
        self.assertEqual(open_items(exchange.date), [])
        self.assertEqual(self._aged(as_of=exchange.date), [])
        self.assertEqual(ledger(exchange.date), 0.0)

    def test_companies_kept_apart(self):
        other = self.setup_other_company(name="Aging other company")["company"]
        self.env.user.company_ids |= other
        self._due_invoice(100.0, 5)
        self._invoice(self.customer, self.as_of - timedelta(days=2), 700.0, company=other)
        self.assertEqual(self._aged()[0]["total"], 100.0)
        rows = self.engine._aged(other, self.as_of, self.bounds, partner_ids=self.customer.ids)
        self.assertEqual(rows[0]["total"], 700.0)

    def test_a_company_and_its_branches_share_aging_and_statements(self):
        """A branch shares its parent's accounts, so the parent's advance
        payment can settle the branch's invoice (the reconciliation then
        belongs to the branch, the invoice's side). The aging and the
        statements of either company cover the group: before the invoice,
        the payment is the customer's open credit; after it, only what is
        still owed, and a statement's closing balance is its aging's total."""
        branch = self._branches("Aging Branch")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 300.0,
                "date": date(2026, 1, 5),
            }
        )
        payment.action_post()
        invoice, unpaid = (
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": branch.id,
                    "partner_id": self.customer.id,
                    "invoice_date": day,
                    "invoice_date_due": day,
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            for day, amount in ((date(2026, 1, 20), 300.0), (date(2026, 1, 25), 200.0))
        )
        (invoice | unpaid).action_post()
        (payment.move_id.line_ids | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(payment.company_id, self.company)
        self.assertEqual(invoice.line_ids.matched_credit_ids.company_id, branch)

        for company in (self.company, branch):
            for as_of, total in ((date(2026, 1, 10), -300.0), (date(2026, 1, 20), None), (date(2026, 1, 31), 200.0)):
                rows = self.engine._aged(company, as_of, self.bounds, partner_ids=self.customer.ids)
                self.assertEqual([row["total"] for row in rows], [total] if total else [], f"{company.name} {as_of}")
            figures = self.env["customer.statement.engine"]._figures(
                company, self.customer, date(2026, 1, 1), date(2026, 1, 31), bounds=self.bounds
            )
            self.assertEqual(
                [(line["kind"], line["debit"], line["credit"], line["balance"]) for line in figures["lines"]],
                [("payment", 0.0, 300.0, -300.0), ("invoice", 300.0, 0.0, 0.0), ("invoice", 200.0, 0.0, 200.0)],
            )
            self.assertEqual(figures["closing"], 200.0)
            self.assertEqual(sum(figures["aging"]), 200.0, "the aging at the end date gives the closing balance")
        wizard = self.env["customer.aging.report"].create(
            {"company_id": branch.id, "as_of": date(2026, 1, 31), "partner_ids": [Command.set(self.customer.ids)]}
        )
        data = wizard._get_report_data()
        self.assertEqual(data["companies"], f"Aging Branch, {self.company.name}")
        self.assertEqual(data["total"], 200.0)
        # Chosen branches alone: the branch's items, still settled by the
        # parent's payment; the parent's, whose payment is applied.
        self.assertTrue(wizard.has_branches)
        for as_of, branches, total in (
            (date(2026, 1, 10), branch, 0.0),
            (date(2026, 1, 31), branch, 200.0),
            (date(2026, 1, 10), self.company, -300.0),
            (date(2026, 1, 31), self.company, 0.0),
        ):
            wizard.write({"as_of": as_of, "branch_ids": [Command.set(branches.ids)]})
            data = wizard._get_report_data()
            self.assertEqual((data["companies"], data["total"]), (branches.name, total), f"{branches.name} {as_of}")
        # An accountant allowed in the branch only reads the branch's items,
        # as Odoo's journal items show them to such a user: the parent's
        # payment is no open credit of theirs, the branch's invoices are
        # still settled by it.
        clerk = new_test_user(
            self.env,
            login="ledger_aging_branch_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        for as_of, total in ((date(2026, 1, 10), 0.0), (date(2026, 1, 20), 0.0), (date(2026, 1, 31), 200.0)):
            wizard = (
                self.env["customer.aging.report"]
                .with_user(clerk)
                .with_company(branch)
                .create(
                    {
                        "company_id": branch.id,
                        "as_of": as_of,
                        "partner_ids": [Command.set(self.customer.ids)],
                        "show_detail": True,
                    }
                )
            )
            data = wizard._get_report_data()
            self.assertEqual(data["total"], total, as_of)
            self.assertEqual(
                {item["move_name"] for group in data["groups"] for item in group["items"]},
                {unpaid.name} if total else set(),
            )
        self.assertEqual(
            data["companies"], "Aging Branch (the group's other companies are left out: you may not access them)"
        )
        # Choosing the parent company changes nothing: the clerk still reads the branch alone.
        wizard.company_id = self.company
        data = wizard._get_report_data()
        self.assertEqual(
            (data["companies"], data["total"]),
            ("Aging Branch (the group's other companies are left out: you may not access them)", 200.0),
        )
        # A company of another group keeps its items to itself.
        other = self.setup_other_company(name="Aging unrelated company")["company"]
        with self.assertRaisesRegex(ValidationError, "Aging unrelated company: not a branch of"):
            self.env["customer.aging.report"].create({"company_id": self.company.id, "branch_ids": other.ids})
        self.assertEqual(self.engine._aged(other, date(2026, 1, 31), self.bounds, partner_ids=self.customer.ids), [])

    def test_group_by_class_and_salesperson(self):
        tier_a = self.env.ref("account_customer_ledger.class_value_tier_a")
        other = self.env["res.partner"].create({"name": "Other Aging Co", "is_company": True})
        self.customer.with_company(self.company).sudo().value_tier_id = tier_a
        self._due_invoice(100.0, 5)
        self._due_invoice(40.0, 5, partner=other)
        rows = self.engine._aged(
            self.company,
            self.as_of,
            self.bounds,
            group_by="class",
            dimension=tier_a.dimension_id,
            partner_ids=(self.customer | other).ids,
        )
        self.assertEqual({row["key"]: row["total"] for row in rows}, {tier_a.id: 100.0, None: 40.0})
        rows = self.engine._aged(
            self.company, self.as_of, self.bounds, group_by="salesperson", partner_ids=(self.customer | other).ids
        )
        self.assertEqual({row["key"]: row["total"] for row in rows}, {self.env.user.id: 140.0})

    def test_classes_stamped_at_posting(self):
        """By the class stamped at posting, an item counts under the class
        its invoice was posted with, whatever its customer holds now, and
        a payment under none; by the class held now, all under today's."""
        tier_a = self.env.ref("account_customer_ledger.class_value_tier_a")
        tier_b = self.env.ref("account_customer_ledger.class_value_tier_b")
        self.customer.with_company(self.company).sudo().value_tier_id = tier_a
        first = self._due_invoice(100.0, 5)
        self.customer.with_company(self.company).sudo().value_tier_id = tier_b
        second = self._due_invoice(40.0, 45)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 30,
                "date": self.as_of - timedelta(days=1),
            }
        )
        payment.action_post()

        def totals(class_basis):
            rows = self._aged(group_by="class", dimension=tier_a.dimension_id, class_basis=class_basis)
            return {row["key"]: row["total"] for row in rows}

        self.assertEqual(totals("current"), {tier_b.id: 110.0})
        self.assertEqual(totals("posting"), {tier_a.id: 100.0, tier_b.id: 40.0, None: -30.0})
        wizard = self.env["customer.aging.report"].create(
            {
                "as_of": self.as_of,
                "group_by": "class",
                "dimension_id": tier_a.dimension_id.id,
                "class_basis": "posting",
                "partner_ids": [Command.set(self.customer.ids)],
                "show_detail": True,
            }
        )
        data = wizard._get_report_data()
        self.assertEqual(
            [
                (group["label"], group["total"], [item["move_id"] for item in group["items"]])
                for group in data["groups"]
            ],
            [
                ("Value Tier: A", 100.0, first.ids),
                ("Value Tier: B", 40.0, second.ids),
                ("Unclassified", -30.0, payment.move_id.ids),
            ],
        )
        self.assertIn("classes by: Class stamped at posting", data["heading"])
        # By the class held now, every item is under B, the detail as well.
        wizard.class_basis = "current"
        data = wizard._get_report_data()
        self.assertEqual(
            [
                (group["label"], group["total"], {item["move_id"] for item in group["items"]})
                for group in data["groups"]
            ],
            [("Value Tier: B", 110.0, {first.id, second.id, payment.move_id.id})],
        )
        wizard.class_basis = "posting"
        # Filtered by A: by the class held now nobody is A any more; by the
        # class stamped at posting, the invoice posted under A is.
        wizard.write({"group_by": "customer", "class_ids": [Command.set(tier_a.ids)], "partner_ids": [Command.clear()]})
        data = wizard._get_report_data()
        self.assertEqual([(group["label"], group["total"]) for group in data["groups"]], [("Aging Co", 100.0)])
        wizard.class_basis = "current"
        self.assertEqual(wizard._get_report_data()["groups"], [])
        # Without a class: a customer holding no tier now; by the class
        # stamped at posting, the payment, posted under none. With A as well:
        # either.
        unclassified = self.env["res.partner"].create({"name": "Untiered Co", "is_company": True})
        self._due_invoice(25.0, 5, partner=unclassified)
        wizard.write({"class_ids": [Command.clear()], "unclassified": True, "dimension_id": tier_a.dimension_id.id})

        def customers(class_basis, class_ids=()):
            wizard.write({"class_basis": class_basis, "class_ids": [Command.set(class_ids)]})
            return [(group["label"], group["total"]) for group in wizard._get_report_data()["groups"]]

        self.assertEqual(customers("current"), [("Untiered Co", 25.0)])
        self.assertEqual(customers("posting"), [("Untiered Co", 25.0), ("Aging Co", -30.0)])
        self.assertEqual(customers("posting", tier_a.ids), [("Aging Co", 70.0), ("Untiered Co", 25.0)])
        self.assertEqual(customers("current", tier_b.ids), [("Aging Co", 110.0), ("Untiered Co", 25.0)])
        wizard.dimension_id = False
        with self.assertRaisesRegex(UserError, "Choose the classification dimension"):
            wizard._get_report_data()

    def test_wizard_screen_pdf_and_xlsx_agree(self):
        self._due_invoice(100.0, 0)
        self._due_invoice(250.5, 45)
        wizard = self.env["customer.aging.report"].create(
            {
                "as_of": self.as_of,
                "partner_ids": [Command.set(self.customer.ids)],
                "show_detail": True,
                "buckets": "30,60",
            }
        )
        data = wizard._get_report_data()
        self.assertEqual(data["columns"], ["Current", "1-30", "31-60", "Over 60"])
        self.assertEqual(data["totals"], [100.0, 0.0, 250.5, 0.0])
        self.assertEqual(len(data["groups"][0]["items"]), 2)
        wizard.action_show()
        self.assertIn("Aging Co", wizard.preview)
        self.assertIn("250.50", wizard.preview)
        currency = self.company.currency_id.name
        self.assertIn(f"aging basis: Due date · amounts in {currency}", wizard.preview)
        self.assertIn("· 05/16/2026 · 45 d<", wizard.preview)
        # Read in Chinese, the heading and each item's age are Chinese
        # sentences, punctuation included.
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)
        chinese = wizard.with_context(lang="zh_CN")
        chinese.action_show()
        self.assertIn(f"账龄计算基准：到期日 · 金额币种：{currency}", chinese.preview)
        self.assertIn("· 2026年05月16日 · 45 天<", chinese.preview)
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_customer_ledger.action_report_customer_aging", wizard.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        sheet = openpyxl.load_workbook(io.BytesIO(wizard._render_xlsx(data))).active
        rows = list(sheet.iter_rows(values_only=True))
        header = rows.index(next(r for r in rows if r[1] == "Current"))
        customer_row = rows[header + 1]
        self.assertEqual(customer_row[0], "Aging Co")
        self.assertEqual(list(customer_row[1:6]), [100.0, 0.0, 250.5, 0.0, 350.5])
        # The workbook says what the screen says: the heading, and each
        # item's due date and age.
        self.assertEqual(rows[1][0], data["heading"])
        self.assertIn("aging basis: Due date", rows[1][0])
        self.assertTrue(any(r[0] and r[0].endswith(" · 05/16/2026 · 45 d") for r in rows[header + 2 :]))
        total_row = next(r for r in rows if r[0] == "Total")
        self.assertEqual(list(total_row[1:6]), [*data["totals"], data["total"]])
        action = wizard.action_export_xlsx()
        self.assertIn("/web/content/", action["url"])

    def test_screen_shows_the_largest_rows_and_counts_them_all(self):
        """A ledger's thousands of customers would make a page no browser
        displays: the screen lists the largest (a limit of 500, two here),
        says so, and its totals, like the PDF and the workbook, count every
        customer."""
        small, middle, large = (
            self.env["res.partner"].create({"name": f"{size} Co", "is_company": True})
            for size in ("Small", "Middle", "Large")
        )
        for partner, amount in ((small, 10.0), (middle, 200.0), (large, 3000.0)):
            self._due_invoice(amount, 45, partner=partner)
        wizard = self.env["customer.aging.report"].create(
            {
                "as_of": self.as_of,
                "partner_ids": [Command.set((small | middle | large).ids)],
                "show_detail": True,
                "buckets": "30,60",
            }
        )
        self.patch(type(wizard), "_screen_rows", 2)
        wizard.action_show()
        self.assertIn("Large Co", wizard.preview)
        self.assertIn("Middle Co", wizard.preview)
        self.assertNotIn("Small Co", wizard.preview)
        self.assertIn("Showing the 2 largest of 3 rows", wizard.preview)
        self.assertIn("3,210.00", wizard.preview, "the total counts the customer left out")
        self.assertEqual(wizard.preview.count("45 d<"), 2, "items of the rows shown only")
        everything = wizard._get_report_data()
        self.assertEqual([group["label"] for group in everything["groups"]], ["Large Co", "Middle Co", "Small Co"])
        self.assertFalse(everything["note"])
        # A PDF longer than a request can print (20,000 rows; five here) is
        # refused with what to do instead: three customers and their three
        # items are six rows, the customers alone three.
        self.patch(type(wizard), "_pdf_rows", 5)
        Report = self.env["ir.actions.report"]
        report = "account_customer_ledger.action_report_customer_aging"
        with self.assertRaisesRegex(UserError, "would list 6 rows, more than the 5 printed at once: use XLSX"):
            Report._render_qweb_html(report, wizard.ids)
        wizard.show_detail = False
        self.assertIn("Small Co", Report._render_qweb_html(report, wizard.ids)[0].decode())

    def test_xlsx_writes_a_customers_name_as_text(self):
        """A customer named like a formula is a name in the workbook, not a
        formula that runs when the file is opened."""
        name = '=HYPERLINK("http://pay.example","Pay here")'
        tricky = self.env["res.partner"].create({"name": name, "is_company": True})
        self._due_invoice(10.0, 3, partner=tricky)
        wizard = self.env["customer.aging.report"].create(
            {"as_of": self.as_of, "partner_ids": [Command.set(tricky.ids)]}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(wizard._render_xlsx(wizard._get_report_data()))).active
        cell = next(row[0] for row in sheet.iter_rows() if row[0].value == name)
        self.assertEqual((cell.value, cell.data_type), (name, "s"))

    def test_aged_payables_from_the_same_engine(self):
        def bill(vendor, amount):
            move = self.env["account.move"].create(
                {
                    "move_type": "in_invoice",
                    "partner_id": vendor.id,
                    "invoice_date": self.as_of - timedelta(days=40),
                    "invoice_date_due": self.as_of - timedelta(days=40),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            move.action_post()

        vendor, bigger = (
            self.env["res.partner"].create({"name": name, "is_company": True})
            for name in ("Vendor Co", "Big Vendor Co")
        )
        bill(vendor, 75.0)
        wizard = self.env["customer.aging.report"].create(
            {"as_of": self.as_of, "report_type": "payable", "partner_ids": [Command.set(vendor.ids)]}
        )
        data = wizard._get_report_data()
        self.assertEqual(data["title"], "Aged Payable")
        self.assertEqual(data["totals"], [0.0, 0.0, 75.0, 0.0, 0.0, 0.0])
        # The largest debt first, as the largest customer balance comes first
        # on the aged receivable.
        bill(bigger, 900.0)
        wizard.partner_ids = vendor | bigger
        data = wizard._get_report_data()
        self.assertEqual(
            [(g["label"], g["total"]) for g in data["groups"]], [("Big Vendor Co", 900.0), ("Vendor Co", 75.0)]
        )

    def test_live_analysis_agrees_with_the_engine(self):
        today = fields.Date.context_today(self.env["res.partner"])
        customer = self.env["res.partner"].create({"name": "Live Aging Co", "is_company": True})
        for amount, days in ((10.0, 0), (20.0, 45), (40.0, 200)):
            move = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": today - timedelta(days=days),
                    "invoice_date_due": today - timedelta(days=days),
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            move.action_post()
        self.env.flush_all()
        groups = self.env["customer.aging.analysis"]._read_group(
            [("partner_id", "=", customer.id)], ["bucket"], ["amount_residual:sum"]
        )
        self.assertEqual(dict(groups), {"00: ≤0": 10.0, "02: 31-60": 20.0, "05: >120": 40.0})
        # The pivot, graph and list name the buckets as the aging reports do,
        # in the user's language, in bucket order.
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["account_customer_ledger"], ["zh_CN"], overwrite=True)

        def labels(lang):
            Analysis = self.env["customer.aging.analysis"].with_context(lang=lang)
            return [label for _key, label in Analysis.fields_get(["bucket"])["bucket"]["selection"]]

        self.assertEqual(labels("en_US"), ["Current", "1-30", "31-60", "61-90", "91-120", "Over 120"])
        self.assertEqual(labels("zh_CN"), ["未到期", "1-30", "31-60", "61-90", "91-120", "120 天以上"])
        # Buckets typed with Chinese commas are stored plainly, and read so.
        self.company.customer_aging_buckets = "30，60、90 180"
        self.assertEqual(self.company.customer_aging_buckets, "30,60,90,180")
        self.env.flush_all()
        groups = self.env["customer.aging.analysis"]._read_group(
            [("partner_id", "=", customer.id)], ["bucket"], ["amount_residual:sum"]
        )
        self.assertEqual(dict(groups), {"00: ≤0": 10.0, "02: 31-60": 20.0, "05: >180": 40.0})
        self.assertEqual(labels("zh_CN")[-2:], ["91-180", "180 天以上"])
        # Every bucket the view's query writes has its label.
        selection = dict(self.env["customer.aging.analysis"].fields_get(["bucket"])["bucket"]["selection"])
        self.assertEqual(
            {key: selection.get(key) for key, _amount in groups},
            {"00: ≤0": "Current", "02: 31-60": "31-60", "05: >180": "Over 180"},
        )
        (row,) = self.engine._aged(self.company, today, self.bounds, partner_ids=customer.ids)
        self.assertEqual(row["buckets"], [10.0, 0.0, 20.0, 0.0, 0.0, 40.0])

    def test_filters_by_class_and_account_and_the_partner_button(self):
        tier_a = self.env.ref("account_customer_ledger.class_value_tier_a")
        other = self.env["res.partner"].create({"name": "Unfiltered Co", "is_company": True})
        self.customer.with_company(self.company).sudo().value_tier_id = tier_a
        self._due_invoice(100.0, 5)
        self._due_invoice(40.0, 5, partner=other)
        wizard = self.env["customer.aging.report"].create({"as_of": self.as_of, "class_ids": [Command.set(tier_a.ids)]})
        self.assertEqual([group["label"] for group in wizard._get_report_data()["groups"]], ["Aging Co"])
        receivable = self.company_data["default_account_receivable"]
        other_account = receivable.copy({"code": "121099", "name": "Other receivable"})
        by_account = self.env["customer.aging.report"].create(
            {"as_of": self.as_of, "account_ids": [Command.set(other_account.ids)]}
        )
        self.assertEqual(by_account._get_report_data()["groups"], [])
        action = self.customer.with_context(allowed_company_ids=self.company.ids).action_open_customer_aging()
        wizard = self.env["customer.aging.report"].browse(action["res_id"])
        self.assertEqual(wizard.partner_ids, self.customer)
        self.assertTrue(wizard.show_detail)
        self.assertIn("Aging Co", wizard.preview)

    def test_bad_buckets_refused(self):
        wizard = self.env["customer.aging.report"].create({"as_of": self.as_of, "buckets": "60,30"})
        with self.assertRaises(ValidationError):
            wizard._get_report_data()
        with self.assertRaises(ValidationError):
            self.company.customer_aging_buckets = "abc"

    def test_buckets_typed_with_chinese_commas_or_spaces(self):
        """Full-width and enumeration commas, as Chinese input methods type
        them, or spaces separate bucket days; spaces never join two numbers
        into one."""
        for typed in ("30，60、90", "30 60 90", " 30, 60 ,90 "):
            wizard = self.env["customer.aging.report"].create({"as_of": self.as_of, "buckets": typed})
            self.assertEqual(
                wizard._get_report_data()["columns"],
                ["Current", "1-30", "31-60", "61-90", "Over 90"],
                f"typed {typed!r}",
            )
