from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from odoo.addons.account_customer_ledger.models import ledger_plan

from .common import LedgerTestCommon


@tagged("post_install", "-at_install")
class TestOrmPlanExecution(LedgerTestCommon):
    """Running a plan through the ORM gives exactly the planned balances."""

    def test_plan_through_orm_matches_plan(self):
        plan = self._small_bulk_plan()
        result = self.generator._execute_plan_orm(plan, self.company, payments_as="entry")
        self.assertEqual(self.generator._check_ledger_consistency(self.company), [])
        paid = {}
        for payment in plan.payments:
            for doc_key, amount in payment.allocations:
                paid[doc_key] = paid.get(doc_key, 0) + amount
        for doc in plan.documents:
            move = result["documents"][doc.key]
            self.assertAlmostEqual(move.amount_total, doc.amount)
            self.assertAlmostEqual(move.amount_residual, doc.amount - paid.get(doc.key, 0), places=2)
        balance, residual = self.generator._receivable_totals(self.company)
        self.assertAlmostEqual(balance, residual, places=2)
        expected = sum(d.amount for d in plan.documents) - sum(p.amount for p in plan.payments)
        self.assertAlmostEqual(balance, expected, places=2)


@tagged("post_install", "-at_install")
class TestDemoPlanThroughOrm(LedgerTestCommon):
    def test_every_document_settles_as_planned(self):
        """Credit notes, instalments and grouped payments land on the
        invoices the plan meant, to the cent."""
        plan = ledger_plan.build_demo_plan(self.anchor, customers=25, months=10, seed=3)
        self.assertTrue(any(len(p.allocations) > 1 for p in plan.payments), "grouped payments")
        self.assertTrue(any(d.refund for d in plan.documents), "credit notes")
        result = self.generator._execute_plan_orm(plan, self.company)
        settled = {}
        for doc in plan.documents:
            if doc.refund:
                settled[doc.origin] = settled.get(doc.origin, 0) + doc.amount
        for payment in plan.payments:
            for doc_key, amount in payment.allocations:
                settled[doc_key] = settled.get(doc_key, 0) + amount
        for doc in plan.documents:
            move = result["documents"][doc.key]
            expected = 0.0 if doc.refund else doc.amount - settled.get(doc.key, 0)
            if doc.draft:
                self.assertEqual(move.state, "draft")
                continue
            self.assertAlmostEqual(move.amount_residual, expected, places=2, msg=f"document {doc.key}")
        unapplied = [p for p in plan.payments if not p.allocations]
        self.assertTrue(unapplied)
        for payment in unapplied:
            self.assertFalse(result["payments"][payment.key].reconciled_invoice_ids)
        self.assertEqual(self.generator._check_ledger_consistency(self.company), [])


@tagged("post_install", "-at_install")
class TestSqlGeneratorMatchesOrm(LedgerTestCommon):
    """The bulk SQL generator writes what Odoo's own posting and
    reconciliation write for the same plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_sql = cls.setup_other_company(name="SQL ledger company")["company"]
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        Rate = cls.env["res.currency.rate"]
        for company in (cls.company, cls.company_sql):
            Rate.search([("currency_id", "=", cls.eur.id), ("company_id", "=", company.id)]).unlink()
            Rate.create({"name": "2017-01-01", "rate": 2.0, "currency_id": cls.eur.id, "company_id": company.id})

    def _snapshot(self, move_keys, plan, result_moves):
        """Comparable values of the documents and payments of a plan."""
        snapshot = {}
        for kind, key in move_keys:
            move = result_moves[(kind, key)]
            snapshot[(kind, key)] = {
                "move": {
                    name: move[name]
                    for name in (
                        "move_type",
                        "state",
                        "date",
                        "invoice_date",
                        "invoice_date_due",
                        "amount_untaxed",
                        "amount_tax",
                        "amount_total",
                        "amount_residual",
                        "amount_untaxed_signed",
                        "amount_tax_signed",
                        "amount_total_signed",
                        "amount_total_in_currency_signed",
                        "amount_residual_signed",
                        "payment_state",
                        "invoice_currency_rate",
                        "invoice_partner_display_name",
                    )
                }
                | {"currency": move.currency_id.name, "partner": move.partner_id.name},
                "lines": sorted(
                    (
                        line.account_id.account_type,
                        line.display_type,
                        line.debit,
                        line.credit,
                        line.balance,
                        line.amount_currency,
                        line.amount_residual,
                        line.amount_residual_currency,
                        line.reconciled,
                        bool(line.full_reconcile_id),
                        (line.matching_number or "")[:1] == "P",
                        bool(line.matching_number),
                        line.date_maturity,
                        line.currency_id.name,
                        line.partner_id.name,
                    )
                    for line in move.line_ids
                ),
                "partials": sorted(
                    (p.amount, p.debit_amount_currency, p.credit_amount_currency, p.max_date, bool(p.full_reconcile_id))
                    for p in move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
                ),
            }
        return snapshot

    def test_sql_generator_equals_orm_on_same_plan(self):
        plan = self._small_bulk_plan(customers=8, invoices=60, seed=5)
        currencies = {"foreign": self.eur}
        self.assertTrue(any(c.currency == "foreign" for c in plan.customers))
        self.assertTrue(
            any(len([p for p in plan.payments if p.allocations[0][0] == d.key]) == 2 for d in plan.documents)
        )

        orm = self.generator._execute_plan_orm(plan, self.company, currencies=currencies, payments_as="entry")
        orm_moves = {("document", k): m for k, m in orm["documents"].items()}
        orm_moves |= {("payment", k): m for k, m in orm["payments"].items()}

        stats = self.generator.with_company(self.company_sql)._execute_plan_sql(
            plan, self.company_sql, currencies=currencies
        )
        sql_moves = {key: self.env["account.move"].browse(mid) for key, mid in stats["move_ids"].items()}
        self.assertEqual(stats["invoices"], len(plan.documents))
        self.assertEqual(stats["payments"], len(plan.payments))

        keys = sorted(orm_moves)
        self.assertEqual(keys, sorted(sql_moves))
        expected = self._snapshot(keys, plan, orm_moves)
        written = self._snapshot(keys, plan, sql_moves)
        for key in keys:
            self.assertEqual(written[key], expected[key], f"{key} differs")
        self.assertEqual(self.generator._check_ledger_consistency(self.company_sql), [])
        self.assertEqual(
            self.generator._receivable_totals(self.company_sql), self.generator._receivable_totals(self.company)
        )

    def test_sql_generator_records_pass_odoo_recompute(self):
        """Recomputing the stored fields with Odoo's own code changes nothing."""
        plan = self._small_bulk_plan(customers=5, invoices=30, seed=9)
        stats = self.generator._execute_plan_sql(plan, self.company_sql, currencies={"foreign": self.eur})
        moves = self.env["account.move"].browse(list(stats["move_ids"].values()))
        fields_to_check = {
            "account.move": ["amount_total", "amount_residual", "amount_residual_signed", "payment_state"],
            "account.move.line": ["amount_residual", "amount_residual_currency", "reconciled", "matching_number"],
        }
        stored = {
            "account.move": moves.read(fields_to_check["account.move"]),
            "account.move.line": moves.line_ids.read(fields_to_check["account.move.line"]),
        }
        for model, records in (("account.move", moves), ("account.move.line", moves.line_ids)):
            for name in fields_to_check[model]:
                if name == "matching_number":
                    continue
                self.env.add_to_compute(records._fields[name], records)
            records._recompute_recordset()
        self.assertEqual(moves.read(fields_to_check["account.move"]), stored["account.move"])
        self.assertEqual(moves.line_ids.read(fields_to_check["account.move.line"]), stored["account.move.line"])
        # Odoo's own numbering of the reconciliation graphs gives the same numbers.
        self.env["account.partial.reconcile"]._update_matching_number(moves.line_ids)
        self.assertEqual(
            moves.line_ids.read(["matching_number"]),
            [{"id": row["id"], "matching_number": row["matching_number"]} for row in stored["account.move.line"]],
        )


@tagged("post_install", "-at_install")
class TestOpenSharePlan(LedgerTestCommon):
    """A ledger of mostly open invoices for the aging benchmark."""

    def test_open_share_leaves_that_share_open(self):
        plan = ledger_plan.build_bulk_plan(self.anchor, 20, 600, seed=3, open_share=0.85)
        paid = {}
        for payment in plan.payments:
            for key, amount in payment.allocations:
                paid[key] = paid.get(key, 0.0) + amount
        amounts = {document.key: document.amount for document in plan.documents}
        settled = [key for key, amount in paid.items() if round(amount - amounts[key], 2) == 0]
        partial = [key for key, amount in paid.items() if round(amount - amounts[key], 2) < 0]
        self.assertTrue(0.10 <= len(settled) / len(amounts) <= 0.20, len(settled))
        self.assertTrue(partial, "some open invoices are partially paid")
        self.assertTrue(all(amount <= amounts[key] for key, amount in paid.items()))


@tagged("post_install", "-at_install")
class TestDemoCurrencies(LedgerTestCommon):
    def test_one_rate_a_month_whatever_the_day(self):
        """The demo's rates fall on the first day of each calendar month, one
        a month, whichever day the demo is installed: on the last day of a
        month, two of them once fell on the same day and the install
        stopped on the rates' unique key."""
        Rate = self.env["res.currency.rate"]
        for today, first in ((date(2026, 12, 31), date(2024, 11, 1)), (date(2027, 3, 31), date(2025, 2, 1))):
            with self.subTest(today=today):
                currencies = self.generator._prepare_demo_currencies(self.company, today)
                foreign = [c for code, c in currencies.items() if code != self.company.currency_id.name]
                self.assertTrue(foreign)
                expected = {first + relativedelta(months=n) for n in range(26)}
                for currency in foreign:
                    days = Rate.search(
                        [("company_id", "=", self.company.id), ("currency_id", "=", currency.id)]
                    ).mapped("name")
                    self.assertTrue(expected <= set(days), currency.name)
                    self.assertFalse(
                        {day for day in days if first <= day <= today} - expected,
                        "no rate on another day of those months",
                    )
