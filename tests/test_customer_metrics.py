from datetime import date

from odoo import Command, fields
from odoo.tests import tagged

from ..models.customer_metrics import window_start
from .common import LedgerTestCommon


@tagged("post_install", "-at_install")
class TestCustomerMetrics(LedgerTestCommon):
    """Known answers for the metrics behind classification."""

    date_from = date(2026, 1, 1)
    date_to = date(2026, 12, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        Partner = cls.env["res.partner"]
        cls.p1, cls.p2, cls.p3, cls.p4, cls.p5 = Partner.create([{"name": f"Metrics {i}"} for i in range(1, 6)])
        cls.p1_invoice = cls._invoice(cls.p1, "2026-01-10", 1000)
        cls._invoice(cls.p1, "2026-03-01", 500, pay_on="2026-03-01")
        cls._pay(cls.p1_invoice, "2026-01-30")
        cls._invoice(cls.p2, "2026-06-01", 300)
        cls._invoice(cls.p2, "2026-06-05", 100, move_type="out_refund")
        cls._invoice(cls.p3, "2026-02-01", 5000)
        cls._invoice(cls.p3, "2026-11-01", 2000)
        cls._invoice(cls.p3, "2026-12-01", 1000)
        # 600 EUR at 2 EUR per company unit: 300 in company currency.
        cls._invoice(cls.p4, "2026-06-01", 600, currency=cls.eur)
        cls._invoice(cls.p5, "2025-06-01", 500)

    def _metrics(self, **kwargs):
        return self.env["customer.metrics"]._compute_metrics(self.company, self.date_from, self.date_to, **kwargs)

    def test_revenue_counts_and_dates(self):
        metrics = self._metrics()
        m1 = metrics[self.p1.id]
        self.assertAlmostEqual(m1["revenue"], 1500)
        self.assertEqual(m1["invoice_count"], 2)
        self.assertEqual(m1["first_invoice_date"], date(2026, 1, 10))
        self.assertEqual(m1["last_invoice_date"], date(2026, 3, 1))
        self.assertAlmostEqual(m1["average_invoice"], 750)
        self.assertAlmostEqual(metrics[self.p2.id]["revenue"], 200, msg="credit notes reduce revenue")
        self.assertEqual(metrics[self.p2.id]["invoice_count"], 1)
        self.assertAlmostEqual(metrics[self.p4.id]["revenue"], 300, msg="converted at the document's rate")
        self.assertAlmostEqual(metrics[self.p5.id]["revenue"], 0)
        self.assertAlmostEqual(metrics[self.p5.id]["lifetime_revenue"], 500)

    def test_open_balance_and_lateness(self):
        metrics = self._metrics()
        # 1000 paid 20 days late, 500 paid on its due date.
        self.assertAlmostEqual(metrics[self.p1.id]["avg_days_late"], 20 * 1000 / 1500, places=4)
        self.assertAlmostEqual(metrics[self.p1.id]["open_balance"], 0)
        self.assertAlmostEqual(metrics[self.p3.id]["open_balance"], 8000)
        self.assertAlmostEqual(metrics[self.p2.id]["open_balance"], 200, msg="credit note offsets the invoice")
        self.assertIsNone(metrics[self.p3.id]["avg_days_late"])

    def test_pareto_tiers_boundary_at_80_percent(self):
        metrics = self._metrics()
        # Window revenue 10,000: P3 makes exactly the first 80 % alone.
        self.assertEqual(metrics[self.p3.id]["value_tier"], "A")
        self.assertEqual(metrics[self.p1.id]["value_tier"], "B")  # 80 % -> 95 %
        self.assertEqual(metrics[self.p4.id]["value_tier"], "C")  # starts at 95 %
        self.assertEqual(metrics[self.p2.id]["value_tier"], "C")
        self.assertEqual(metrics[self.p5.id]["value_tier"], "C", "no revenue in the window")
        self.assertAlmostEqual(metrics[self.p3.id]["contribution"], 80)
        self.assertAlmostEqual(sum(m["contribution"] for m in metrics.values() if m["revenue"] > 0), 100)

    def test_rfm_scores_share_ties(self):
        metrics = self._metrics()
        scores = {
            p: (metrics[p.id]["r_score"], metrics[p.id]["f_score"], metrics[p.id]["m_score"])
            for p in (self.p1, self.p2, self.p3, self.p4)
        }
        self.assertEqual(scores[self.p3], (5, 5, 5))
        self.assertEqual(scores[self.p1], (2, 4, 4))
        # P2 and P4 last bought on the same day with one invoice each: same R and F.
        self.assertEqual(scores[self.p2], (4, 3, 2))
        self.assertEqual(scores[self.p4], (4, 3, 3))
        self.assertIsNone(metrics[self.p5.id]["r_score"], "inactive in the window: not scored")

    def test_quintile_edges(self):
        company = self.setup_other_company(name="Quintile company")["company"]
        customers = self.env["res.partner"].create([{"name": f"Quintile {i}"} for i in range(10)])
        for index, partner in enumerate(customers, start=1):
            self._invoice(partner, "2026-05-01", 100 * index, company=company)
        metrics = self.env["customer.metrics"]._compute_metrics(company, self.date_from, self.date_to)
        self.assertEqual([metrics[p.id]["m_score"] for p in customers], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        self.assertEqual({metrics[p.id]["r_score"] for p in customers}, {5}, "all tied on recency")
        # A selection is still ranked among all the company's customers.
        some = self.env["customer.metrics"]._compute_metrics(
            company, self.date_from, self.date_to, partner_ids=customers[:2].ids
        )
        self.assertEqual([some[p.id]["m_score"] for p in customers[:2]], [1, 1])
        self.assertEqual(set(some), set(customers[:2].ids))

    def test_scope_and_companies_kept_apart(self):
        other = self.setup_other_company(name="Metrics other company")["company"]
        self._invoice(self.p1, "2026-04-01", 99999, company=other)
        metrics = self._metrics(partner_ids=[self.p1.id, self.p5.id])
        self.assertEqual(set(metrics), {self.p1.id, self.p5.id})
        self.assertAlmostEqual(metrics[self.p1.id]["revenue"], 1500)
        elsewhere = self.env["customer.metrics"]._compute_metrics(other, self.date_from, self.date_to)
        self.assertAlmostEqual(elsewhere[self.p1.id]["revenue"], 99999)
        self.assertEqual(elsewhere[self.p1.id]["value_tier"], "A")

    def test_selection_has_the_figures_of_the_whole_ledger(self):
        # Before the window, through a contact: in the customer's figures of all time.
        contact = self.env["res.partner"].create({"name": "Metrics 5 buyer", "parent_id": self.p5.id})
        self._invoice(contact, "2025-03-01", 250)
        whole = self._metrics()
        # A selection whose ids do not fill their range (with a gap), and one that does.
        for selection in (self.p1 | self.p5 | self.p3, self.p1 | self.p2 | self.p3):
            some = self._metrics(partner_ids=selection.ids)
            self.assertEqual(set(some), set(selection.ids))
            for partner in selection:
                self.assertEqual(some[partner.id], whole[partner.id], partner.name)
        self.assertAlmostEqual(some[self.p1.id]["avg_days_late"], 20 * 1000 / 1500, places=4)
        self.assertAlmostEqual(some[self.p3.id]["open_balance"], 8000)
        alone = self._metrics(partner_ids=self.p5.ids)[self.p5.id]
        self.assertEqual(alone, whole[self.p5.id], "not invoiced in the window: ranked as in the whole ledger")
        self.assertAlmostEqual(alone["lifetime_revenue"], 750)
        self.assertEqual(alone["first_invoice_date"], date(2025, 3, 1))
        self.assertEqual(alone["last_invoice_date"], date(2025, 6, 1))

    def test_invoices_of_a_contact_that_moved_follow_it(self):
        """Odoo moves a contact's documents to the company it joins: the
        figures of a few customers (a form) and of the whole ledger alike
        count them for the new company and no longer for the former one."""
        buyer = self.env["res.partner"].create({"name": "Metrics 3 buyer", "parent_id": self.p3.id})
        self._invoice(buyer, "2025-04-01", 400)  # before the window: an all-time figure
        self._invoice(buyer, "2026-05-01", 700, due="2026-05-31")  # open and overdue on the window's end
        before = self._metrics(partner_ids=self.p3.ids)[self.p3.id]
        self.assertAlmostEqual(before["revenue"], 8700)
        buyer.parent_id = self.p1
        whole = self._metrics()
        self.assertAlmostEqual(whole[self.p3.id]["revenue"], 8000)
        self.assertAlmostEqual(whole[self.p1.id]["revenue"], 2200)
        self.assertAlmostEqual(whole[self.p1.id]["lifetime_revenue"], 2600)
        for partner in (self.p1, self.p3):
            self.assertEqual(self._metrics(partner_ids=partner.ids)[partner.id], whole[partner.id], partner.name)
        credit = self.env["customer.metrics"]._compute_credit_metrics(
            self.company, self.date_from, self.date_to, self.p1.ids
        )[self.p1.id]
        # The 700 is all that is open, and past due; of three invoices, it
        # and the 1,000 paid 20 days late were late.
        self.assertAlmostEqual(credit["overdue_ratio"], 100)
        self.assertAlmostEqual(credit["late_share"], 100 * 2 / 3)

    def test_figures_as_of_a_past_date(self):
        """Classified as of an earlier date, a customer's open balance,
        overdue share, oldest overdue item, late share and credit use are
        those of that date: a payment applied later had not paid yet, and
        today's draft invoices were not there."""
        customer = self.env["res.partner"].create({"name": "Metrics paid in two"})
        customer.with_company(self.company).write({"customer_credit_policy": "fixed", "credit_limit": 2000.0})
        invoice = self._invoice(customer, "2026-04-01", 1000, due="2026-04-30")
        for day, amount in (("2026-04-10", 400), ("2026-06-10", 600)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": day, "amount": amount})._create_payments()
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": "2026-04-02",
                "invoice_line_ids": [Command.create({"name": "Draft", "price_unit": 500, "tax_ids": []})],
            }
        )
        Metrics = self.env["customer.metrics"]

        def on(day):
            day = date.fromisoformat(day)
            start = window_start(day, 12)
            figures = Metrics._compute_metrics(self.company, start, day, partner_ids=customer.ids)[customer.id]
            whole = Metrics._compute_metrics(self.company, start, day)[customer.id]
            self.assertEqual(figures, whole, "a customer alone as in the whole ledger")
            credit = Metrics._compute_credit_metrics(self.company, start, day, customer.ids)[customer.id]
            aged = self.env["customer.aging.engine"]._open_items(self.company, day, partner_ids=customer.ids)
            self.assertAlmostEqual(figures["open_balance"], sum(item["residual"] for item in aged))
            return figures["open_balance"], credit

        balance, credit = on("2026-04-05")
        self.assertAlmostEqual(balance, 1000)
        self.assertEqual((credit["late_share"], credit["overdue_ratio"]), (0, 0), "not due yet")
        self.assertAlmostEqual(credit["utilisation"], 50)
        balance, credit = on("2026-04-20")
        self.assertAlmostEqual(balance, 600)
        self.assertAlmostEqual(credit["utilisation"], 30)
        balance, credit = on("2026-05-15")
        self.assertAlmostEqual(balance, 600)
        self.assertEqual((credit["late_share"], credit["overdue_ratio"]), (100, 100))
        self.assertEqual(credit["max_days_overdue"], 15)
        balance, credit = on("2026-07-01")
        self.assertAlmostEqual(balance, 0)
        self.assertEqual((credit["overdue_ratio"], credit["max_days_overdue"], credit["utilisation"]), (0, 0, 0))
        self.assertEqual(credit["late_share"], 100, "paid in full 41 days after its due date")
        # Today, the exposure the posting check uses: the draft invoice.
        today = fields.Date.context_today(customer)
        credit = Metrics._compute_credit_metrics(self.company, window_start(today, 12), today, customer.ids)
        self.assertAlmostEqual(credit[customer.id]["utilisation"], 25)

    def test_clv_projection(self):
        metrics = self._metrics()
        # Lifetime 8,000 plus three more years at the window's 8,000 a year.
        self.assertAlmostEqual(metrics[self.p3.id]["clv"], 8000 + 3 * 8000)
