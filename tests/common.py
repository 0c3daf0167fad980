import threading
from contextlib import contextmanager
from datetime import date

import psycopg2.errors

from odoo import Command, api
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.account_customer_ledger.models import ledger_plan


class LedgerTestCommon(AccountTestInvoicingCommon):
    """Company with a chart of accounts plus helpers to run ledger plans."""

    anchor = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.generator = cls.env["customer.ledger.generator"]
        cls.company = cls.company_data["company"]

    @classmethod
    def _small_bulk_plan(cls, customers=6, invoices=40, seed=11):
        return ledger_plan.build_bulk_plan(cls.anchor, customers, invoices, seed=seed)

    @classmethod
    def _invoice(
        cls, partner, invoice_date, amount, move_type="out_invoice", currency=None, pay_on=None, company=None, due=None
    ):
        """Post a tax-free document, due on its own date unless ``due``."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": due or invoice_date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []}),
                    ],
                }
            )
        )
        move.action_post()
        if pay_on:
            cls._pay(move, pay_on)
        return move

    @classmethod
    def _pay(cls, move, payment_date):
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": payment_date}
        )._create_payments()

    def _branches(self, *names):
        """Branches of the company with these names (sorted by name), with
        their accounting set up and allowed to the test user."""
        self.company.write({"child_ids": [Command.create({"name": name}) for name in names]})
        self.env.cr.precommit.run()  # the branches' accounting set-up
        branches = self.company.child_ids.sorted("name")
        self.env.user.company_ids |= branches
        return branches

    @classmethod
    def _company_user(cls, login, groups="account.group_account_invoice"):
        """An internal user of the company alone, with ``groups`` besides."""
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{groups}" if groups else "base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _contact_manager(self, login, groups="account.group_account_invoice"):
        """A user of the company who may create, edit and merge contacts,
        with ``groups`` besides and no ledger right unless given."""
        return new_test_user(
            self.env,
            login=login,
            groups=f"base.group_user,base.group_partner_manager,{groups}",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )

    def _merge_as_contact_manager(self, partners, kept):
        """Merge ``partners`` into ``kept`` with Contacts' merge, as a user
        who may merge contacts and invoice but holds no ledger right."""
        merger = self._contact_manager("ledger_contact_merger")
        self.env["base.partner.merge.automatic.wizard"].with_user(merger)._merge(partners.ids, kept.with_user(merger))
        self.env.invalidate_all()


@contextmanager
def committed_env(registry, company_id):
    """A superuser environment on a cursor of its own, committed on
    leaving: for tests of concurrent transactions, which cannot see the
    test's own uncommitted records."""
    with registry.cursor() as cr:
        yield api.Environment(cr, api.SUPERUSER_ID, {"allowed_company_ids": [company_id]})


def race(registry, company_id, body, workers=2, tries=3):
    """Run ``body(env)`` in ``workers`` threads at the same moment, each in a
    transaction of its own whose snapshot is taken before any of them
    starts; what ``body`` did is committed when it returns. A serialization
    failure is retried as Odoo retries a request. Returns, in the order the
    workers end, what ``body`` returned or the name of the exception that
    stopped it."""
    barrier = threading.Barrier(workers)
    outcome = []

    def worker():
        result = None
        for attempt in range(tries):
            with committed_env(registry, company_id) as env:
                env.cr.execute("SELECT 1")  # the transaction's snapshot is taken here
                if attempt == 0:
                    barrier.wait(timeout=30)
                try:
                    result = body(env)
                    break
                except psycopg2.errors.SerializationFailure:
                    env.cr.rollback()
                    result = "serialization failure"
                except Exception as exc:  # reported to the caller
                    env.cr.rollback()
                    result = type(exc).__name__
                    break
        outcome.append(result)

    threads = [threading.Thread(target=worker) for _i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome
