from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import LedgerTestCommon


@tagged("post_install", "-at_install")
class TestClassReceivable(LedgerTestCommon):
    """Receivables by class at each month's end, on hand-made documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.tier_dim = ref("account_customer_ledger.dimension_value_tier")
        cls.tier_a = ref("account_customer_ledger.class_value_tier_a")
        cls.tier_b = ref("account_customer_ledger.class_value_tier_b")
        cls.user = cls._company_user("ledger_receivable_user")
        Partner = cls.env["res.partner"]
        cls.north, cls.south, cls.plain = Partner.create(
            [{"name": name, "is_company": True} for name in ("North Co", "South Co", "Plain Co")]
        )
        cls.north_buyer = Partner.create({"name": "North buyer", "parent_id": cls.north.id})
        cls.north.with_company(cls.company).value_tier_id = cls.tier_a
        cls.south.with_company(cls.company).value_tier_id = cls.tier_b
        # North (A): 1,000 in January, paid in February; 250.55 in February
        # to one of its contacts, which counts for the company.
        cls._invoice(cls.north, "2026-01-10", 1000, pay_on="2026-02-05")
        cls._invoice(cls.north_buyer, "2026-02-20", 250.55)
        # South (B): 300 in December 2025 (before the report), a 50 credit
        # note in January, 700 in March.
        cls._invoice(cls.south, "2025-12-15", 300)
        cls._invoice(cls.south, "2026-01-31", 50, move_type="out_refund")
        cls._invoice(cls.south, "2026-03-01", 700)
        # Plain Co holds no tier: 80 in February.
        cls._invoice(cls.plain, "2026-02-01", 80)

    def _report(self, date_from="2026-01-01", date_to="2026-03-15", user=None, dimension=None, basis="current"):
        wizard = (
            self.env["customer.class.receivable"]
            .with_user(user or self.env.user)
            .with_company(self.company)
            .create(
                {
                    "dimension_id": (dimension or self.tier_dim).id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "basis": basis,
                }
            )
        )
        action = wizard.action_show()
        lines = wizard.env[action["res_model"]].search(action["domain"])
        return wizard, {
            (line.date, line.class_id): (line.opening_balance, line.debit, line.credit, line.closing_balance)
            for line in lines
        }

    def _receivable_balance(self, on):
        """The receivable accounts' balance on ``on``, as the general ledger
        gives it."""
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", on),
            ],
            [],
            ["balance:sum"],
        )
        return groups[0][0]

    def test_month_end_balances_by_class(self):
        _wizard, rows = self._report()
        jan, feb, mar = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)
        none = self.env["customer.class"]
        self.assertEqual(
            rows,
            {
                (jan, self.tier_a): (0, 1000, 0, 1000),
                (feb, self.tier_a): (1000, 250.55, 1000, 250.55),
                (mar, self.tier_a): (250.55, 0, 0, 250.55),
                (jan, self.tier_b): (300, 0, 50, 250),
                (feb, self.tier_b): (250, 0, 0, 250),
                (mar, self.tier_b): (250, 700, 0, 950),
                (feb, none): (0, 80, 0, 80),
                (mar, none): (80, 0, 0, 80),
            },
        )
        # Each month's classes add up to the receivable accounts' balance on
        # its closing day.
        for closing_day in (jan, feb, mar):
            total = sum(values[3] for (day, _cls), values in rows.items() if day == closing_day)
            self.assertAlmostEqual(total, self._receivable_balance(closing_day), places=2)

    def test_same_as_the_aged_receivable_on_every_closing_day(self):
        """Each class's closing balance is what the Aged Receivable, by
        class on that day, gives the class: open items after partial and
        later payments, as the aging engine counts them."""
        # South pays 100 of its March invoice in April and half of the rest in
        # May: the March and April rows must still owe what was open then.
        march = self.env["account.move"].search(
            [("partner_id", "=", self.south.id), ("invoice_date", "=", "2026-03-01")]
        )
        for day, amount in (("2026-04-10", 100), ("2026-05-20", 300)):
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=march.ids).create(
                {"payment_date": day, "amount": amount}
            )._create_payments()
        wizard, rows = self._report(date_to="2026-05-31")
        engine = self.env["customer.aging.engine"].with_company(self.company)
        closing_days = sorted({day for day, _cls in rows})
        self.assertEqual(len(closing_days), 5)
        for day in closing_days:
            aged = engine._aged(
                self.company,
                day,
                [30, 60, 90],
                group_by="class",
                dimension=self.tier_dim,
                account_type="asset_receivable",
                company_ids=self.company.ids,
            )
            self.assertEqual(
                {group["key"] or False: group["total"] for group in aged if group["total"]},
                {cls.id: values[3] for (row_day, cls), values in rows.items() if row_day == day and values[3]},
                f"closing on {day}",
            )
        self.assertEqual(rows[date(2026, 5, 31), self.tier_b], (850, 0, 300, 550))
        # A row opens the Aged Receivable of its class on its closing day.
        row = wizard.line_ids.filtered(lambda line: line.date == date(2026, 4, 30) and line.class_id == self.tier_b)
        action = row.action_open_aged_receivable()
        aging = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(
            (aging.as_of, aging.class_ids, aging.company_id), (date(2026, 4, 30), self.tier_b, self.company)
        )
        data = aging._get_report_data()
        self.assertEqual([group["label"] for group in data["groups"]], ["South Co"])
        self.assertEqual(data["total"], 850)
        self.assertIn("South Co", aging.preview)
        # The row of no class opens the customers that hold no tier.
        row = wizard.line_ids.filtered(lambda line: line.date == date(2026, 4, 30) and not line.class_id)
        aging = self.env["customer.aging.report"].browse(row.action_open_aged_receivable()["res_id"])
        data = aging._get_report_data()
        self.assertEqual([(group["label"], group["total"]) for group in data["groups"]], [("Plain Co", 80)])
        self.assertEqual(data["total"], row.closing_balance)

    def test_class_at_posting(self):
        """On the posting basis an invoice's open amount stays with the class
        stamped on it, whatever its customer holds now; a payment counts
        under none until it is applied. Each class's closing balance is the
        open amount, on that day, of the items of the documents stamped
        with it, as the aging engine lists them."""
        self.north.with_company(self.company).value_tier_id = self.tier_b
        late = self._invoice(self.north, "2026-03-05", 400)
        payment_day = "2026-03-10"
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=late.ids).create(
            {"payment_date": payment_day, "amount": 150}
        )._create_payments()
        # An advance South paid in April and applied to nothing yet.
        self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.south.id,
                "amount": 60,
                "date": "2026-04-02",
            }
        ).action_post()
        wizard, rows = self._report(date_to="2026-04-30", basis="posting")
        none = self.env["customer.class"]
        jan, feb, mar, apr = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)
        # North's January invoice (stamped A) was paid in February; its
        # February invoice, to a contact, was stamped A as well.
        self.assertEqual(rows[jan, self.tier_a], (0, 1000, 0, 1000))
        self.assertEqual(rows[feb, self.tier_a], (1000, 250.55, 1000, 250.55))
        # The March invoice is stamped B (North's class by then), 150 of it paid.
        self.assertEqual(rows[mar, self.tier_b], (250, 400 + 700, 150, 1200))
        # The payments count under none until applied: in the same month here.
        self.assertEqual(rows[feb, none], (0, 80 + 1000, 1000, 80))
        self.assertEqual(rows[apr, none], (80, 0, 60, 20))
        engine = self.env["customer.aging.engine"].with_company(self.company)
        for day in (jan, feb, mar, apr):
            open_by_class = {}
            for item in engine._open_items(
                self.company, day, account_type="asset_receivable", company_ids=self.company.ids
            ):
                stamp = self.env["account.move"].browse(item["move_id"]).customer_class_ids & self.tier_dim.class_ids
                open_by_class[stamp] = open_by_class.get(stamp, 0) + item["residual"]
            self.assertEqual(
                {cls: round(amount, 2) for cls, amount in open_by_class.items() if round(amount, 2)},
                {cls: values[3] for (row_day, cls), values in rows.items() if row_day == day and values[3]},
                f"closing on {day}",
            )
            aged = engine._aged(
                self.company,
                day,
                [30],
                group_by="class",
                dimension=self.tier_dim,
                class_basis="posting",
                account_type="asset_receivable",
                company_ids=self.company.ids,
            )
            self.assertEqual(
                {none.browse(group["key"]): group["total"] for group in aged if group["total"]},
                {cls: values[3] for (row_day, cls), values in rows.items() if row_day == day and values[3]},
                f"the Aged Receivable by class stamped at posting, on {day}",
            )
        # A row opens the Aged Receivable of its class as the report counts
        # it: A's March balance is North's February invoice, posted under A
        # (North holds B now).
        row = wizard.line_ids.filtered(lambda line: line.date == mar and line.class_id == self.tier_a)
        action = row.action_open_aged_receivable()
        aging = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((aging.class_ids, aging.class_basis, aging.as_of), (self.tier_a, "posting", mar))
        data = aging._get_report_data()
        self.assertEqual([(group["label"], group["total"]) for group in data["groups"]], [("North Co", 250.55)])
        self.assertEqual(data["total"], rows[mar, self.tier_a][3])
        # The row of no class: Plain Co's invoice, posted without a tier, and
        # South's advance.
        row = wizard.line_ids.filtered(lambda line: line.date == apr and not line.class_id)
        aging = self.env["customer.aging.report"].browse(row.action_open_aged_receivable()["res_id"])
        data = aging._get_report_data()
        self.assertEqual(
            [(group["label"], group["total"]) for group in data["groups"]], [("Plain Co", 80), ("South Co", -60)]
        )
        self.assertEqual(data["total"], rows[apr, none][3])
        # On the current basis all of North's receivables are B's now.
        _wizard, rows = self._report(date_from="2026-03-01", date_to="2026-04-30")
        self.assertEqual(rows[apr, self.tier_b], (250.55 + 250 + 700 + 400 - 150, 0, 60, 1390.55))

    def test_current_class_and_other_dimension(self):
        """A customer's whole history moves with the class it holds now; a
        dimension nobody holds puts everything under no class."""
        self.north.with_company(self.company).value_tier_id = self.tier_b
        _wizard, rows = self._report(date_from="2026-03-01")
        none = self.env["customer.class"]
        self.assertEqual(
            rows,
            {(date(2026, 3, 15), self.tier_b): (500.55, 700, 0, 1200.55), (date(2026, 3, 15), none): (80, 0, 0, 80)},
        )
        region = self.env.ref("account_customer_ledger.dimension_region")
        _wizard, rows = self._report(date_from="2026-03-01", dimension=region)
        self.assertEqual(rows, {(date(2026, 3, 15), none): (580.55, 700, 0, 1280.55)})

    def test_companies_apart_and_drafts_left_out(self):
        """Each company's receivables under the class the customer holds
        there; a company the user does not work in, and drafts, stay out."""
        other = self.setup_other_company(name="Receivables other company")["company"]
        self.env.user.company_ids |= other
        self._invoice(self.north, "2026-03-02", 5000, company=other)
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.north.id,
                "invoice_date": "2026-03-03",
                "invoice_line_ids": [
                    Command.create({"name": "Goods", "quantity": 1, "price_unit": 999, "tax_ids": []})
                ],
            }
        )
        self.assertEqual(draft.state, "draft")
        wizard, rows = self._report(date_from="2026-03-01")
        self.assertEqual(rows[date(2026, 3, 15), self.tier_a], (250.55, 0, 0, 250.55))
        self.assertEqual(wizard.line_ids.company_id, self.company)
        both = wizard.with_context(allowed_company_ids=[self.company.id, other.id])
        both.action_show()
        in_other = both.line_ids.filtered(lambda line: line.company_id == other)
        self.assertEqual(
            [(line.class_id, line.opening_balance, line.debit, line.closing_balance) for line in in_other],
            [(self.env["customer.class"], 0, 5000, 5000)],
            "North Co holds no tier in the other company",
        )
        self.assertEqual(len(both.line_ids - in_other), len(rows))

    def test_a_branch_apart_from_its_parent(self):
        """A branch's items count under its own company and the class the
        customer holds in the branch; its row opens the Aged Receivable of
        the branch's items alone, which gives the row's balance."""
        (branch,) = self._branches("Receivables Branch")
        self.north.with_company(branch).value_tier_id = self.tier_b
        self._invoice(self.north, "2026-02-10", 500, company=branch)
        wizard = (
            self.env["customer.class.receivable"]
            .with_context(allowed_company_ids=[self.company.id, branch.id])
            .create({"dimension_id": self.tier_dim.id, "date_from": "2026-03-01", "date_to": "2026-03-15"})
        )
        wizard.action_show()
        self.assertEqual(
            {(line.company_id, line.class_id): line.closing_balance for line in wizard.line_ids},
            {
                (self.company, self.tier_a): 250.55,
                (self.company, self.tier_b): 950,
                (self.company, self.env["customer.class"]): 80,
                (branch, self.tier_b): 500,
            },
        )
        row = wizard.line_ids.filtered(lambda line: line.company_id == branch)
        action = row.action_open_aged_receivable()
        aging = self.env[action["res_model"]].browse(action["res_id"])
        data = aging._get_report_data()
        # North Co owes the parent company 250.55 as well, under A there.
        self.assertEqual([(group["label"], group["total"]) for group in data["groups"]], [("North Co", 500)])
        self.assertEqual(data["companies"], "Receivables Branch")

    def test_empty_months_and_rerun(self):
        """A month without any move still shows the balances carried into
        it; showing the report again replaces its rows."""
        wizard, rows = self._report(date_from="2026-04-01", date_to="2026-05-31")
        self.assertEqual(rows[date(2026, 5, 31), self.tier_b], (950, 0, 0, 950))
        self.assertEqual(len(rows), 6)
        wizard.action_show()
        self.assertEqual(len(wizard.line_ids), 6)

    def test_dates_the_wrong_way_round(self):
        with self.assertRaisesRegex(UserError, "From date on or before the To date"):
            self._report(date_from="2026-04-01", date_to="2026-03-31")

    def test_access(self):
        """An invoicing user runs it and reads only the rows of the reports
        they ran; a user without accounting rights cannot."""
        wizard, rows = self._report(user=self.user)
        self.assertTrue(rows)
        colleague = self._company_user("ledger_receivable_colleague")
        Line = self.env["customer.class.receivable.line"]
        self.assertFalse(Line.with_user(colleague).search([("report_id", "=", wizard.id)]))
        clerk = self._company_user("ledger_receivable_clerk", groups=None)
        with self.assertRaises(AccessError):
            self._report(user=clerk)
