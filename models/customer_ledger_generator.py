import io
import logging
import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.translate import _lt

from . import ledger_plan

_logger = logging.getLogger(__name__)

# Units of each currency for one US dollar: the starting point of the demo
# exchange rates, which then drift a little every month.
USD_RATES = {"USD": 1.0, "CNY": 7.2, "HKD": 7.8, "SGD": 1.35, "EUR": 0.92, "JPY": 150.0}

SALESPEOPLE = (
    ("王磊", "ledger.sales.wang"),
    ("Sophie Martin", "ledger.sales.martin"),
    ("李娜", "ledger.sales.li"),
    ("David Chen", "ledger.sales.chen"),
)
# Demo tags and products are named in every installed language, as a
# company working in that language would have named them.
KIND_TAGS = {
    "retail": _lt("Retail"),
    "wholesale": _lt("Wholesale"),
    "distributor": _lt("Distributor"),
    "key_account": _lt("Key Account"),
}
PRODUCTS = (
    (_lt("Office supplies"), "consu"),
    (_lt("Industrial components"), "consu"),
    (_lt("Packaged food"), "consu"),
    (_lt("Installation service"), "service"),
    (_lt("Maintenance contract"), "service"),
)
BATCH = 500
DEMO_EMAIL_DOMAIN = "customer-ledger.example"


class CustomerLedgerGenerator(models.AbstractModel):
    """Builds ledgers from :mod:`ledger_plan` plans.

    The demo data runs a plan through the ORM, exactly as users would create
    the documents; :meth:`_execute_plan_orm` is also what the tests use as the
    reference for the bulk SQL generator.
    """

    _name = "customer.ledger.generator"
    _description = "Customer Ledger Data Generator"

    # ------------------------------------------------------------ demo

    @api.model
    def _generate_demo(self, customers=200, seed=2024):
        """Create the demo ledger of the current company (once)."""
        if self.env.ref("account_customer_ledger.demo_ledger_marker", raise_if_not_found=False):
            return False
        company = self.env.company
        if not company.chart_template:
            _logger.warning("Demo ledger skipped: company %s has no chart of accounts", company.name)
            return False
        today = fields.Date.context_today(self)
        currencies = self._prepare_demo_currencies(company, today)
        digits = {code: cur.decimal_places for code, cur in currencies.items()}
        plan = ledger_plan.build_demo_plan(today, customers=customers, seed=seed, digits=digits)
        self._ensure_demo_languages(plan)
        # Odoo reads a module's translations only after its demo data: read
        # the addon's now, so that the demo explains its classes in every
        # installed language (the shipped rules' names and the metrics'
        # labels the reasons quote are among them).
        self.env["ir.module.module"]._get("account_customer_ledger")._update_translations()
        result = self._execute_plan_orm(plan, company, currencies=currencies, demo=True)
        # Notes, requests and answers written as the company's staff would
        # write them, in the company's language (as the scheduled jobs do).
        staff = self.with_context(lang=company._customer_ledger_lang())
        staff._classify_demo(company, result)
        staff._credit_demo(company, result)
        staff._statement_demo(company, result)
        # Only the marker gets an xml id: uninstalling the addon must leave
        # the customers and their accounting documents alone.
        marker = self._get_demo_record("res.partner.category", _lt("Customer Ledger demo"))
        self._register_demo_xmlids([("demo_ledger_marker", marker)])
        _logger.info(
            "Demo ledger: %s customers, %s documents, %s payments",
            len(result["partners"]),
            len(result["documents"]),
            len(result["payments"]),
        )
        return True

    @api.model
    def _classify_demo(self, company, result):
        """Show classification at work: customer type by rules on the demo
        kind tags, every automatic dimension classified, one type set by
        hand (locked), and the scheduled reclassification turned on."""
        Rule = self.env["customer.class.rule"]
        dimension = self.env.ref("account_customer_ledger.dimension_customer_type")
        tags = self._get_demo_kind_tags()
        rules = Rule.create(
            [
                {
                    "name": self.env._("Demo: %(tag)s tag", tag=self.env._(KIND_TAGS[kind])),
                    "dimension_id": dimension.id,
                    "class_id": self.env.ref(f"account_customer_ledger.class_customer_type_{kind}").id,
                    "sequence": 100 + index,
                    "partner_domain": repr([("category_id", "in", tags[kind].ids)]),
                }
                for index, kind in enumerate(KIND_TAGS)
            ]
        )
        # Named in every installed language, as the reasons that quote them.
        translated = self.env["customer.classifier"]._translated
        for rule, kind in zip(rules, KIND_TAGS, strict=True):
            rule.update_field_translations(
                "name", translated(lambda env, kind=kind: env._("Demo: %(tag)s tag", tag=env._(KIND_TAGS[kind])))
            )
        dimension.automatic = True
        dimensions = self.env["customer.class.dimension"].search([("automatic", "=", True)])
        partners = self.env["res.partner"].concat(*result["partners"].values())
        classifier = self.env["customer.classifier"].with_company(company)
        classifier._apply(classifier._propose(dimensions, partners, company), company)
        # A salesperson's own judgement, kept by reclassification.
        wholesale = partners.filtered(lambda p: tags["wholesale"] in p.category_id)[:1]
        wholesale.with_company(company).customer_type_id = self.env.ref(
            "account_customer_ledger.class_customer_type_key_account"
        )
        # The demo history is generated at once: stamp its documents as if
        # the customers had held today's classes when they were posted.
        self.env["account.move"].concat(*result["documents"].values())._stamp_customer_classes()
        self.env.ref("account_customer_ledger.ir_cron_reclassify_customers").active = True

    @api.model
    def _statement_demo(self, company, result):
        """Statements of last month for a few customers: two balance
        confirmations awaiting an answer and one the customer disputed (as
        from the link in the email); monthly statements turned on for four
        other customers, which the monthly job sends at its first run (for
        the same customers, it would send a second statement of the month)."""
        Statement = self.env["customer.statement"].with_company(company)
        date_from, date_to = Statement._previous_month()
        partners = self.env["res.partner"].concat(*result["partners"].values())
        with_receivables = Statement._with_receivables(partners.filtered("is_company"), company, date_to)
        customers = with_receivables[:4]
        with_receivables[4:8].write({"customer_statement_opt_in": True})
        statements = Statement._create_for(customers, company, date_from, date_to)
        for statement in statements[:3]:
            statement._portal_ensure_token()
            statement._set_confirmation({"confirmation_state": "requested"})
        # The administrator follows up the statements: the dispute's to-do is
        # in the demo user's activities.
        company.customer_statement_follow_up_user_id = self.env.ref("base.user_admin")
        if len(statements) >= 3:
            disputed = statements[2]
            disputed._answer(
                False,
                amount=disputed.currency_id.round(disputed.closing_balance * 0.9),
                comment=self.env._("Our last payment is not on the statement."),
            )

    @api.model
    def _credit_demo(self, company, result):
        """Show credit control at work: default limits by credit grade, one
        customer with its own limit, one without limit, one on hold, a
        granted and a requested exception, and the overdue rule on."""
        limits = {"a": 500000.0, "b": 200000.0, "c": 80000.0, "d": 20000.0, "e": 0.0}
        for code, limit in limits.items():
            self.env.ref(f"account_customer_ledger.class_credit_grade_{code}").write(
                {"use_credit_limit": True, "credit_limit": limit}
            )
        company.write(
            {
                "customer_credit_block_overdue": True,
                "customer_credit_overdue_tolerance": 15,
                "customer_credit_overdue_amount": 50000.0,
            }
        )
        partners = self.env["res.partner"].concat(*result["partners"].values()).with_company(company)
        grade = {
            assignment.partner_id: assignment.class_id.code
            for assignment in self.env["customer.class.assignment"].search(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "=", company.id),
                    ("dimension_id.code", "=", "credit_grade"),
                ]
            )
        }
        good = partners.filtered(lambda p: grade.get(p) in ("a", "b"))
        poor = partners.filtered(lambda p: grade.get(p) in ("d", "e"))
        good[:1].write({"customer_credit_policy": "fixed", "credit_limit": 750000.0})
        good[1:2].write({"customer_credit_policy": "none"})
        poor[:1].write({"customer_credit_hold": True})
        today = fields.Date.context_today(self)
        Exception_ = self.env["customer.credit.exception"].with_company(company)
        if poor[1:2]:
            Exception_.create(
                {
                    "partner_id": poor[1].id,
                    "company_id": company.id,
                    "reason": self.env._("Season order secured by a bank guarantee"),
                    "max_amount": 30000.0,
                    "date_expiry": today + timedelta(days=30),
                    "state": "approved",
                }
            )
        if poor[2:3]:
            Exception_.create(
                {
                    "partner_id": poor[2].id,
                    "company_id": company.id,
                    "reason": self.env._("Customer promised to settle the overdue invoices next week"),
                    "max_amount": 10000.0,
                    "date_expiry": today + timedelta(days=14),
                }
            )

    @api.model
    def _register_demo_xmlids(self, pairs):
        self.env["ir.model.data"].create(
            [
                {
                    "module": "account_customer_ledger",
                    "name": name,
                    "model": record._name,
                    "res_id": record.id,
                    "noupdate": True,
                }
                for name, record in pairs
            ]
        )

    @api.model
    def _ensure_demo_languages(self, plan):
        langs = {customer.lang for customer in plan.customers}
        for code in langs:
            self.env["res.lang"]._activate_lang(code)

    @api.model
    def _prepare_demo_currencies(self, company, today, months=25):
        """Activate the demo's foreign currencies and give them monthly
        company rates drifting from a realistic starting point: one on the
        first day of each of the ``months`` calendar months before ``today``'s
        and of ``today``'s own."""
        rng = random.Random(7)
        codes = sorted({c[2] for c in ledger_plan.COUNTRIES.values()})
        Currency = self.env["res.currency"].with_context(active_test=False)
        currencies = {cur.name: cur for cur in Currency.search([("name", "in", codes)])}
        company_code = company.currency_id.name
        base = USD_RATES.get(company_code, 1.0)
        existing = {
            (rate.currency_id.id, rate.name)
            for rate in self.env["res.currency.rate"].search(
                [
                    ("company_id", "=", company.id),
                    ("currency_id", "in", [c.id for c in currencies.values()]),
                ]
            )
        }
        rate_vals = []
        for code, currency in sorted(currencies.items()):
            if code == company_code:
                continue
            if not currency.active:
                currency.active = True
            rate = USD_RATES.get(code, 1.0) / base
            for month in range(months, -1, -1):
                day = today.replace(day=1) - relativedelta(months=month)
                rate *= 1 + rng.uniform(-0.02, 0.02)
                if (currency.id, day) not in existing:
                    rate_vals.append(
                        {
                            "name": day,
                            "rate": rate,
                            "currency_id": currency.id,
                            "company_id": company.id,
                        }
                    )
        self.env["res.currency.rate"].create(rate_vals)
        return currencies

    # ------------------------------------------------------------ ORM execution

    @api.model
    def _get_generator_journals(self, company):
        Journal = self.env["account.journal"]
        sale = Journal.search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        bank = Journal.search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        if not sale or not bank:
            raise UserError(
                self.env._(
                    "Company %(company)s needs a sales journal and a bank journal: install a chart of accounts first.",
                    company=company.name,
                )
            )
        return sale, bank

    @api.model
    def _create_plan_partners(self, plan, company, demo=False):
        Partner = self.env["res.partner"]
        countries = {
            c.code: c
            for c in self.env["res.country"].search(
                [("code", "in", list({c.country for c in plan.customers if c.country}))]
            )
        }
        states = {
            (s.country_id.code, s.code): s
            for s in self.env["res.country.state"].search([("country_id", "in", [c.id for c in countries.values()])])
        }
        active_langs = set(self.env["res.lang"].search([]).mapped("code"))
        salespeople = self._get_demo_salespeople(company) if demo else self.env["res.users"]
        industries = self.env["res.partner.industry"].search([], limit=6, order="id")
        tags = self._get_demo_kind_tags() if demo else {}
        vals_list = []
        for customer in plan.customers:
            vals = {
                "name": customer.name,
                "is_company": customer.is_company,
                "customer_rank": 1,
                "company_id": False,
                "email": f"ar.{customer.key:04d}@{DEMO_EMAIL_DOMAIN}" if demo else False,
            }
            if customer.country in countries:
                vals["country_id"] = countries[customer.country].id
                state = states.get((customer.country, customer.state))
                vals["state_id"] = state.id if state else False
            if customer.lang in active_langs:
                vals["lang"] = customer.lang
            if salespeople:
                vals["user_id"] = salespeople[customer.salesperson % len(salespeople)].id
            if demo and customer.is_company:
                vals["employee_count"] = customer.employees
                if industries:
                    vals["industry_id"] = industries[customer.industry % len(industries)].id
            if tags:
                vals["category_id"] = [Command.set(tags[customer.kind].ids)]
            vals_list.append(vals)
        partners = Partner.create(vals_list)
        return dict(zip([c.key for c in plan.customers], partners, strict=True))

    @api.model
    def _get_demo_salespeople(self, company):
        group = self.env.ref("account.group_account_invoice")
        users = self.env["res.users"]
        for name, login in SALESPEOPLE:
            user = users.search([("login", "=", login)], limit=1)
            if not user:
                user = users.with_context(no_reset_password=True).create(
                    {
                        "name": name,
                        "login": login,
                        "email": f"{login}@{DEMO_EMAIL_DOMAIN}",
                        "company_id": company.id,
                        "company_ids": [Command.link(company.id)],
                        "groups_id": [Command.link(group.id)],
                    }
                )
            users |= user
        return users

    @api.model
    def _get_demo_record(self, model, name, vals=None):
        """The record of ``model`` named ``name`` (a lazy translation) in
        English, else a new one named in every installed language."""
        Model = self.env[model].with_context(lang="en_US")
        english = Model.env._(name)
        record = Model.search([("name", "=", english)], limit=1)
        if not record:
            record = Model.create({"name": english, **(vals or {})})
            record.update_field_translations("name", self.env["customer.classifier"]._translated(name))
        return record.with_env(self.env)

    @api.model
    def _get_demo_kind_tags(self):
        return {kind: self._get_demo_record("res.partner.category", name) for kind, name in KIND_TAGS.items()}

    @api.model
    def _get_demo_products(self):
        templates = self.env["product.template"]
        for name, kind in PRODUCTS:
            templates |= self._get_demo_record("product.template", name, {"type": kind, "taxes_id": [Command.clear()]})
        return templates.product_variant_id

    @api.model
    def _execute_plan_orm(self, plan, company, currencies=None, demo=False, payments_as="payment"):
        """Create the plan's partners, documents and payments with the ORM
        and reconcile them; return dicts from plan keys to records.

        ``currencies`` maps the plan's currency codes to records (a code that
        is missing or equal to the company currency means company currency).
        ``payments_as`` is ``"payment"`` (account.payment records, as users
        register them) or ``"entry"`` (bank journal entries).
        """
        self = self.with_company(company)
        currencies = currencies or {}
        sale_journal, bank_journal = self._get_generator_journals(company)
        partners = self._create_plan_partners(plan, company, demo=demo)
        products = self._get_demo_products() if demo else self.env["product.product"]

        def currency_of(code):
            return currencies.get(code) or company.currency_id

        documents = {}
        ordered = sorted(plan.documents, key=lambda d: (d.date, d.refund, d.key))
        for start in range(0, len(ordered), BATCH):
            chunk = ordered[start : start + BATCH]
            moves = self.env["account.move"].create(
                [
                    self._prepare_plan_move_vals(
                        doc, partners, currency_of(doc.currency), sale_journal, products, documents
                    )
                    for doc in chunk
                ]
            )
            documents.update(zip([d.key for d in chunk], moves, strict=True))
            self.env["account.move"].browse([documents[d.key].id for d in chunk if not d.draft]).action_post()

        # Credit notes settle their invoice first, as Odoo does on reversal.
        plan_lines = []
        for doc in ordered:
            if doc.refund and not doc.draft and doc.origin in documents:
                plan_lines.append(
                    self._receivable_lines(documents[doc.key]) + self._receivable_lines(documents[doc.origin])
                )
        if plan_lines:
            self.env["account.move.line"]._reconcile_plan(plan_lines)

        payments = {}
        ordered_pay = sorted(plan.payments, key=lambda p: (p.date, p.key))
        for start in range(0, len(ordered_pay), BATCH):
            chunk = ordered_pay[start : start + BATCH]
            if payments_as == "payment":
                records = self.env["account.payment"].create(
                    [
                        {
                            "payment_type": "inbound",
                            "partner_type": "customer",
                            "partner_id": partners[p.customer].id,
                            "amount": p.amount,
                            "currency_id": currency_of(p.currency).id,
                            "date": p.date,
                            "journal_id": bank_journal.id,
                            "memo": ", ".join(documents[k].name or "" for k, _a in p.allocations if k in documents)
                            or False,
                        }
                        for p in chunk
                    ]
                )
                records.action_post()
            else:
                records = self.env["account.move"].create(
                    [
                        self._prepare_plan_payment_entry_vals(
                            p, partners, currency_of(p.currency), bank_journal, company
                        )
                        for p in chunk
                    ]
                )
                records.action_post()
            payments.update(zip([p.key for p in chunk], records, strict=True))
            for round_ in self._reconciliation_rounds(chunk):
                plan_lines = []
                for pay in round_:
                    record = payments[pay.key]
                    move = record.move_id if payments_as == "payment" else record
                    lines = self._receivable_lines(move)
                    for doc_key, _amount in pay.allocations:
                        lines |= self._receivable_lines(documents[doc_key])
                    plan_lines.append(lines)
                self.env["account.move.line"]._reconcile_plan(plan_lines)
        return {"partners": partners, "documents": documents, "payments": payments}

    @api.model
    def _reconciliation_rounds(self, payments):
        """Split payments (in date order) into rounds in which no document is
        settled twice: ``_reconcile_plan`` batches all lines of one call, so
        an instalment must wait for the round after the earlier one."""
        rounds, current, seen = [], [], set()
        for pay in payments:
            if not pay.allocations:
                continue
            keys = {doc_key for doc_key, _amount in pay.allocations}
            if keys & seen:
                rounds.append(current)
                current, seen = [], set()
            current.append(pay)
            seen |= keys
        if current:
            rounds.append(current)
        return rounds

    @api.model
    def _receivable_lines(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )

    @api.model
    def _prepare_plan_move_vals(self, doc, partners, currency, journal, products, documents):
        partner = partners[doc.customer]
        digits = currency.decimal_places
        if products and doc.amount >= 100:
            first = round(doc.amount * 0.6, digits)
            amounts = [first, round(doc.amount - first, digits)]
        else:
            amounts = [doc.amount]
        lines = []
        for index, amount in enumerate(amounts):
            line = {"quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]}
            if products:
                line["product_id"] = products[(doc.key + index) % len(products)].id
            else:
                line["name"] = self.env._("Goods")
            lines.append(Command.create(line))
        vals = {
            "move_type": "out_refund" if doc.refund else "out_invoice",
            "partner_id": partner.id,
            "invoice_date": doc.date,
            "date": doc.date,
            "currency_id": currency.id,
            "journal_id": journal.id,
            "invoice_line_ids": lines,
            "invoice_user_id": partner.user_id.id or self.env.uid,
        }
        if doc.refund:
            if doc.origin in documents:
                vals["reversed_entry_id"] = documents[doc.origin].id
        else:
            vals["invoice_date_due"] = doc.due_date
        return vals

    @api.model
    def _prepare_plan_payment_entry_vals(self, payment, partners, currency, journal, company):
        partner = partners[payment.customer]
        receivable = partner.with_company(company).property_account_receivable_id
        balance = currency._convert(payment.amount, company.currency_id, company, payment.date)
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": payment.date,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "line_ids": [
                Command.create(
                    {
                        "account_id": journal.default_account_id.id,
                        "partner_id": partner.id,
                        "currency_id": currency.id,
                        "amount_currency": payment.amount,
                        "balance": balance,
                    }
                ),
                Command.create(
                    {
                        "account_id": receivable.id,
                        "partner_id": partner.id,
                        "currency_id": currency.id,
                        "amount_currency": -payment.amount,
                        "balance": -balance,
                    }
                ),
            ],
        }

    # ------------------------------------------------------------ SQL execution

    @api.model
    def _generate_large_ledger(self, customers, invoices, seed=42, company=None, foreign="EUR", open_share=None):
        """Entry point of ``make ledger``: a bulk plan written with SQL."""
        company = company or self.env.company
        if customers <= 0 or invoices < customers:
            raise UserError(self.env._("Ask for at least one customer and at least one invoice per customer."))
        today = fields.Date.context_today(self)
        foreign_currency = self._prepare_bulk_foreign_currency(company, foreign, today)
        plan = ledger_plan.build_bulk_plan(today, customers, invoices, seed=seed, open_share=open_share)
        stats = self._execute_plan_sql(plan, company, currencies={"foreign": foreign_currency})
        for table in ("res_partner", "account_move", "account_move_line", "account_partial_reconcile"):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        stats.pop("move_ids")
        return stats

    @api.model
    def _prepare_bulk_foreign_currency(self, company, code, today):
        """One fixed company rate for ``code`` over the whole plan period."""
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if not currency or currency == company.currency_id:
            return company.currency_id
        currency.active = True
        start = today - timedelta(days=3650)
        Rate = self.env["res.currency.rate"]
        if not Rate.search_count([("currency_id", "=", currency.id), ("company_id", "=", company.id)]):
            Rate.create(
                {
                    "name": start,
                    "currency_id": currency.id,
                    "company_id": company.id,
                    "rate": USD_RATES.get(code, 1.0) / USD_RATES.get(company.currency_id.name, 1.0),
                }
            )
        return currency

    @api.model
    def _execute_plan_sql(self, plan, company, currencies=None, chunk=20000):
        """Write a bulk plan (see :func:`ledger_plan.build_bulk_plan`) with COPY.

        The result obeys the invariants Odoo keeps: balanced moves, residuals
        equal to balance minus partial reconciliations, full reconciliations
        exactly where a group is settled, Odoo's matching numbers and payment
        states. Payments are bank journal entries. Foreign-currency invoices
        are paid in one payment at a single company rate, so no exchange
        difference arises; the plan is refused otherwise.
        """
        currencies = currencies or {}
        self = self.with_company(company)
        company_currency = company.currency_id
        sale_journal, bank_journal = self._get_generator_journals(company)
        receivable = company.partner_id.with_company(company).property_account_receivable_id
        income = sale_journal.default_account_id
        bank_account = bank_journal.default_account_id
        start_date = min(d.date for d in plan.documents)
        rates = {}
        for code in {d.currency for d in plan.documents}:
            currency = currencies.get(code) or company_currency
            rates[code] = (currency, self._get_fixed_rate(currency, company, start_date, plan.anchor))
        self._check_sql_plan(plan, rates)

        self.env.flush_all()
        stats = {"customers": 0, "invoices": 0, "payments": 0, "journal_items": 0, "partials": 0}
        partner_ids = self._insert_plan_partners(plan, company)
        partner_names = {c.key: c.name for c in plan.customers}
        stats["customers"] = len(partner_ids)
        payments_by_doc = {}
        for payment in plan.payments:
            payments_by_doc.setdefault(payment.allocations[0][0], []).append(payment)
        documents = sorted(plan.documents, key=lambda d: (d.date, d.key))
        numbering = {journal.id: self._next_sequence_numbers(journal) for journal in (sale_journal, bank_journal)}
        move_ids = {}
        for start in range(0, len(documents), chunk):
            docs = documents[start : start + chunk]
            pays = sorted((p for d in docs for p in payments_by_doc.get(d.key, ())), key=lambda p: (p.date, p.key))
            ctx = {
                "company": company,
                "company_currency": company_currency,
                "rates": rates,
                "partners": partner_ids,
                "partner_names": partner_names,
                "receivable": receivable,
                "income": income,
                "bank_account": bank_account,
                "sale_journal": sale_journal,
                "bank_journal": bank_journal,
                "numbering": numbering,
            }
            chunk_stats = self._write_sql_chunk(docs, pays, ctx, move_ids)
            for key, value in chunk_stats.items():
                stats[key] += value
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        stats["move_ids"] = move_ids
        return stats

    @api.model
    def _get_fixed_rate(self, currency, company, start, end):
        """Company currency per unit of ``currency``, refused when it changes
        between ``start`` and ``end``."""
        if currency == company.currency_id:
            return 1.0
        changes = self.env["res.currency.rate"].search_count(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "in", [company.root_id.id, company.id, False]),
                ("name", ">", start),
                ("name", "<=", end),
            ]
        )
        if changes:
            raise UserError(
                self.env._(
                    "The bulk generator needs one %(currency)s rate for the whole period; "
                    "remove the rates after %(date)s.",
                    currency=currency.name,
                    date=start,
                )
            )
        return self.env["res.currency"]._get_conversion_rate(currency, company.currency_id, company, start)

    @api.model
    def _check_sql_plan(self, plan, rates):
        paid = {}
        for payment in plan.payments:
            if len(payment.allocations) != 1:
                raise UserError(self.env._("The bulk generator pays exactly one invoice per payment."))
            doc_key, amount = payment.allocations[0]
            paid.setdefault(doc_key, []).append(amount)
        for doc in plan.documents:
            if doc.refund or doc.draft:
                raise UserError(self.env._("The bulk generator writes posted invoices only."))
            currency, rate = rates[doc.currency]
            parts = paid.get(doc.key, [])
            if currency.compare_amounts(sum(parts), doc.amount) > 0:
                raise UserError(self.env._("A planned invoice is paid more than its amount."))
            if rate != 1.0 and parts and (len(parts) > 1 or currency.compare_amounts(parts[0], doc.amount)):
                raise UserError(self.env._("Foreign-currency invoices are paid in one full payment or left open."))

    @api.model
    def _insert_plan_partners(self, plan, company):
        now = fields.Datetime.now()
        uid = self.env.uid
        cr = self.env.cr
        cr.execute("SELECT nextval('res_partner_id_seq') FROM generate_series(1, %s)", [len(plan.customers)])
        ids = [row[0] for row in cr.fetchall()]
        rows = [
            (
                pid,
                c.name,
                c.name,
                pid,
                c.name if c.is_company else None,
                c.is_company,
                True,
                "contact",
                1,
                0,
                c.lang,
                "ask",
                True,
                uid,
                uid,
                now,
                now,
            )
            for pid, c in zip(ids, plan.customers, strict=True)
        ]
        self._copy_rows(
            "res_partner",
            (
                "id",
                "name",
                "complete_name",
                "commercial_partner_id",
                "commercial_company_name",
                "is_company",
                "active",
                "type",
                "customer_rank",
                "supplier_rank",
                "lang",
                "autopost_bills",
                "partner_share",
                "create_uid",
                "write_uid",
                "create_date",
                "write_date",
            ),
            rows,
        )
        return dict(zip([c.key for c in plan.customers], ids, strict=True))

    @api.model
    def _next_sequence_numbers(self, journal):
        """Next free number per sequence prefix of ``journal``."""
        self.env.cr.execute(
            "SELECT sequence_prefix, MAX(sequence_number) FROM account_move WHERE journal_id = %s "
            "GROUP BY sequence_prefix",
            [journal.id],
        )
        return {"code": journal.code, "next": {prefix: number + 1 for prefix, number in self.env.cr.fetchall()}}

    @api.model
    def _take_name(self, numbering, date):
        prefix = f"{numbering['code']}/{date.year}/"
        number = numbering["next"].get(prefix, 1)
        numbering["next"][prefix] = number + 1
        return prefix, number, f"{prefix}{number:05d}"

    @api.model
    def _reserve_ids(self, sequence, count):
        if not count:
            return []
        self.env.cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", sequence, count))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _write_sql_chunk(self, docs, pays, ctx, move_ids):
        company = ctx["company"]
        company_currency = ctx["company_currency"]
        uid = self.env.uid
        now = fields.Datetime.now()
        # Odoo dates the "due date" of a plain journal entry on the day it is written.
        today = fields.Date.context_today(self)
        sale_journal, bank_journal = ctx["sale_journal"], ctx["bank_journal"]

        def to_company(code, amount):
            currency, rate = ctx["rates"][code]
            if currency == company_currency:
                return currency, amount
            return currency, company_currency.round(amount * rate)

        move_id_list = self._reserve_ids("account_move_id_seq", len(docs) + len(pays))
        line_id_list = self._reserve_ids("account_move_line_id_seq", 2 * (len(docs) + len(pays)))
        partial_id_list = self._reserve_ids("account_partial_reconcile_id_seq", len(pays))

        # Settlement per invoice: payments in date order, residual after each.
        pays_by_doc = {}
        for pay in pays:
            pays_by_doc.setdefault(pay.allocations[0][0], []).append(pay)

        moves, lines, partials = [], [], []
        full_reconciles = []
        doc_lines = {}
        move_iter = iter(move_id_list)
        line_iter = iter(line_id_list)
        partial_iter = iter(partial_id_list)
        for doc in docs:
            currency, balance = to_company(doc.currency, doc.amount)
            partner_id = ctx["partners"][doc.customer]
            move_id = next(move_iter)
            move_ids[("document", doc.key)] = move_id
            prefix, number, name = self._take_name(ctx["numbering"][sale_journal.id], doc.date)
            paid_currency = sum(p.allocations[0][1] for p in pays_by_doc.get(doc.key, ()))
            residual_currency = currency.round(doc.amount - paid_currency)
            residual = (
                residual_currency
                if currency == company_currency
                else (0.0 if currency.is_zero(residual_currency) else balance)
            )
            if currency.is_zero(residual_currency):
                payment_state = "paid"
            elif pays_by_doc.get(doc.key):
                payment_state = "partial"
            else:
                payment_state = "not_paid"
            rate = 1.0 / ctx["rates"][doc.currency][1]
            moves.append(
                {
                    "id": move_id,
                    "name": name,
                    "sequence_prefix": prefix,
                    "sequence_number": number,
                    "journal_id": sale_journal.id,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "partner_id": partner_id,
                    "commercial_partner_id": partner_id,
                    "move_type": "out_invoice",
                    "date": doc.date,
                    "invoice_date": doc.date,
                    "invoice_date_due": doc.due_date,
                    "payment_reference": name,
                    "amount_untaxed": doc.amount,
                    "amount_tax": 0.0,
                    "amount_total": doc.amount,
                    "amount_residual": residual_currency,
                    "amount_untaxed_signed": balance,
                    "amount_untaxed_in_currency_signed": doc.amount,
                    "amount_tax_signed": 0.0,
                    "amount_total_signed": balance,
                    "amount_total_in_currency_signed": doc.amount,
                    "amount_residual_signed": residual,
                    "payment_state": payment_state,
                    "invoice_currency_rate": rate,
                    "invoice_partner_display_name": ctx["partner_names"][doc.customer],
                }
            )
            product_line, receivable_line = next(line_iter), next(line_iter)
            doc_lines[doc.key] = receivable_line
            common = {
                "move_id": move_id,
                "journal_id": sale_journal.id,
                "company_id": company.id,
                "company_currency_id": company_currency.id,
                "currency_id": currency.id,
                "partner_id": partner_id,
                "move_name": name,
                "date": doc.date,
                "invoice_date": doc.date,
            }
            lines.append(
                {
                    **common,
                    "id": product_line,
                    "account_id": ctx["income"].id,
                    "display_type": "product",
                    "name": "Goods",
                    "sequence": 10,
                    "quantity": 1.0,
                    "price_unit": doc.amount,
                    "price_subtotal": doc.amount,
                    "price_total": doc.amount,
                    "discount": 0.0,
                    "debit": 0.0,
                    "credit": balance,
                    "balance": -balance,
                    "amount_currency": -doc.amount,
                    "amount_residual": 0.0,
                    "amount_residual_currency": 0.0,
                    "reconciled": False,
                    "date_maturity": None,
                }
            )
            lines.append(
                {
                    **common,
                    "id": receivable_line,
                    "account_id": ctx["receivable"].id,
                    "display_type": "payment_term",
                    "name": name,
                    "sequence": 10,
                    "quantity": None,
                    "price_unit": None,
                    "price_subtotal": None,
                    "price_total": None,
                    "discount": 0.0,
                    "debit": balance,
                    "credit": 0.0,
                    "balance": balance,
                    "amount_currency": doc.amount,
                    "amount_residual": residual,
                    "amount_residual_currency": residual_currency,
                    "reconciled": currency.is_zero(residual_currency),
                    "date_maturity": doc.due_date,
                }
            )
            if currency.is_zero(residual_currency) and pays_by_doc.get(doc.key):
                full_reconciles.append(doc.key)

        pay_lines = {}
        for pay in pays:
            currency, balance = to_company(pay.currency, pay.amount)
            partner_id = ctx["partners"][pay.customer]
            move_id = next(move_iter)
            move_ids[("payment", pay.key)] = move_id
            prefix, number, name = self._take_name(ctx["numbering"][bank_journal.id], pay.date)
            moves.append(
                {
                    "id": move_id,
                    "name": name,
                    "sequence_prefix": prefix,
                    "sequence_number": number,
                    "journal_id": bank_journal.id,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "partner_id": partner_id,
                    "commercial_partner_id": partner_id,
                    "move_type": "entry",
                    "date": pay.date,
                    "invoice_date": None,
                    "invoice_date_due": today,
                    "payment_reference": None,
                    "amount_untaxed": 0.0,
                    "amount_tax": 0.0,
                    "amount_total": pay.amount,
                    "amount_residual": 0.0,
                    "amount_untaxed_signed": 0.0,
                    "amount_untaxed_in_currency_signed": 0.0,
                    "amount_tax_signed": 0.0,
                    "amount_total_signed": balance,
                    "amount_total_in_currency_signed": pay.amount,
                    "amount_residual_signed": 0.0,
                    "payment_state": "not_paid",
                    "invoice_currency_rate": None,
                    "invoice_partner_display_name": ctx["partner_names"][pay.customer],
                }
            )
            bank_line, receivable_line = next(line_iter), next(line_iter)
            pay_lines[pay.key] = receivable_line
            common = {
                "move_id": move_id,
                "journal_id": bank_journal.id,
                "company_id": company.id,
                "company_currency_id": company_currency.id,
                "currency_id": currency.id,
                "partner_id": partner_id,
                "move_name": name,
                "date": pay.date,
                "invoice_date": None,
                "display_type": "product",
                "sequence": 10,
                "quantity": None,
                "price_unit": None,
                "price_subtotal": None,
                "price_total": None,
                "discount": 0.0,
                "date_maturity": None,
                "name": None,
            }
            lines.append(
                {
                    **common,
                    "id": bank_line,
                    "account_id": ctx["bank_account"].id,
                    "debit": balance,
                    "credit": 0.0,
                    "balance": balance,
                    "amount_currency": pay.amount,
                    "amount_residual": balance,
                    "amount_residual_currency": pay.amount,
                    "reconciled": False,
                }
            )
            lines.append(
                {
                    **common,
                    "id": receivable_line,
                    "account_id": ctx["receivable"].id,
                    "debit": 0.0,
                    "credit": balance,
                    "balance": -balance,
                    "amount_currency": -pay.amount,
                    "amount_residual": 0.0,
                    "amount_residual_currency": 0.0,
                    "reconciled": True,
                }
            )

        full_ids = dict(
            zip(full_reconciles, self._reserve_ids("account_full_reconcile_id_seq", len(full_reconciles)), strict=True)
        )
        line_full = {}
        matching = {}
        for doc in docs:
            doc_pays = pays_by_doc.get(doc.key, [])
            if not doc_pays:
                continue
            full_id = full_ids.get(doc.key)
            group = [doc_lines[doc.key]] + [pay_lines[p.key] for p in doc_pays]
            partial_ids = []
            for pay in doc_pays:
                currency, balance = to_company(pay.currency, pay.amount)
                partial_id = next(partial_iter)
                partial_ids.append(partial_id)
                partials.append(
                    (
                        partial_id,
                        doc_lines[doc.key],
                        pay_lines[pay.key],
                        full_id,
                        currency.id,
                        currency.id,
                        company.id,
                        max(doc.date, pay.date),
                        balance,
                        pay.amount,
                        pay.amount,
                        uid,
                        uid,
                        now,
                        now,
                    )
                )
            for line_id in group:
                line_full[line_id] = full_id
                matching[line_id] = str(full_id) if full_id else f"P{min(partial_ids)}"

        self._copy_rows(
            "account_full_reconcile",
            ("id", "create_uid", "write_uid", "create_date", "write_date"),
            [(fid, uid, uid, now, now) for fid in full_ids.values()],
        )
        move_columns = (
            "id",
            "name",
            "sequence_prefix",
            "sequence_number",
            "journal_id",
            "company_id",
            "currency_id",
            "partner_id",
            "commercial_partner_id",
            "move_type",
            "date",
            "invoice_date",
            "invoice_date_due",
            "payment_reference",
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_residual",
            "amount_untaxed_signed",
            "amount_untaxed_in_currency_signed",
            "amount_tax_signed",
            "amount_total_signed",
            "amount_total_in_currency_signed",
            "amount_residual_signed",
            "payment_state",
            "invoice_currency_rate",
            "invoice_partner_display_name",
        )
        self._copy_rows(
            "account_move",
            (
                *move_columns,
                "state",
                "auto_post",
                "checked",
                "posted_before",
                "made_sequence_gap",
                "is_move_sent",
                "is_storno",
                "always_tax_exigible",
                "is_manually_modified",
                "create_uid",
                "write_uid",
                "create_date",
                "write_date",
            ),
            [
                tuple(m[c] for c in move_columns)
                + (
                    "posted",
                    "no",
                    True,
                    True,
                    False,
                    False,
                    False,
                    False,
                    False,
                    uid,
                    uid,
                    now,
                    now,
                )
                for m in moves
            ],
        )
        line_columns = (
            "id",
            "move_id",
            "journal_id",
            "company_id",
            "company_currency_id",
            "currency_id",
            "partner_id",
            "move_name",
            "date",
            "invoice_date",
            "account_id",
            "display_type",
            "name",
            "sequence",
            "quantity",
            "price_unit",
            "price_subtotal",
            "price_total",
            "discount",
            "debit",
            "credit",
            "balance",
            "amount_currency",
            "amount_residual",
            "amount_residual_currency",
            "reconciled",
            "date_maturity",
        )
        self._copy_rows(
            "account_move_line",
            (
                *line_columns,
                "full_reconcile_id",
                "matching_number",
                "parent_state",
                "tax_tag_invert",
                "discount_amount_currency",
                "discount_balance",
                "is_imported",
                "create_uid",
                "write_uid",
                "create_date",
                "write_date",
            ),
            [
                tuple(line[c] for c in line_columns)
                + (
                    line_full.get(line["id"]),
                    matching.get(line["id"]),
                    "posted",
                    False,
                    0.0,
                    0.0,
                    False,
                    uid,
                    uid,
                    now,
                    now,
                )
                for line in lines
            ],
        )
        self._copy_rows(
            "account_partial_reconcile",
            (
                "id",
                "debit_move_id",
                "credit_move_id",
                "full_reconcile_id",
                "debit_currency_id",
                "credit_currency_id",
                "company_id",
                "max_date",
                "amount",
                "debit_amount_currency",
                "credit_amount_currency",
                "create_uid",
                "write_uid",
                "create_date",
                "write_date",
            ),
            partials,
        )
        return {
            "invoices": len(docs),
            "payments": len(pays),
            "journal_items": len(lines),
            "partials": len(partials),
        }

    @api.model
    def _copy_rows(self, table, columns, rows):
        """COPY ``rows`` (tuples in ``columns`` order) into ``table``."""
        if not rows:
            return

        def text(value):
            if value is None:
                return "\\N"
            if value is True:
                return "t"
            if value is False:
                return "f"
            return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(text, row)))
            buffer.write("\n")
        buffer.seek(0)
        query = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table), SQL(", ").join(map(SQL.identifier, columns)))
        self.env.cr._obj.copy_expert(query.code, buffer)

    # ------------------------------------------------------------ checks

    @api.model
    def _check_ledger_consistency(self, company):
        """Return the receivable invariants of ``company`` that do not hold,
        as a list of messages (empty when the ledger is sound)."""
        self.env.flush_all()
        cr = self.env.cr
        problems = []
        cr.execute(
            """
            SELECT move.name, SUM(line.balance)
              FROM account_move move JOIN account_move_line line ON line.move_id = move.id
             WHERE move.company_id = %s AND move.state = 'posted'
             GROUP BY move.id HAVING ROUND(SUM(line.balance), 6) != 0
             LIMIT 5
        """,
            [company.id],
        )
        problems += [f"unbalanced move {name}: {total}" for name, total in cr.fetchall()]
        cr.execute(
            """
            WITH parts AS (
                SELECT debit_move_id AS line_id, amount FROM account_partial_reconcile
                UNION ALL
                SELECT credit_move_id, -amount FROM account_partial_reconcile
            )
            SELECT line.id, line.balance, line.amount_residual, COALESCE(SUM(parts.amount), 0)
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              LEFT JOIN parts ON parts.line_id = line.id
             WHERE line.company_id = %s AND line.parent_state = 'posted' AND account.reconcile
             GROUP BY line.id
            HAVING ROUND(line.balance - COALESCE(SUM(parts.amount), 0) - line.amount_residual, 6) != 0
             LIMIT 5
        """,
            [company.id],
        )
        problems += [
            f"line {line_id}: balance {bal} - reconciled {rec} != residual {res}"
            for line_id, bal, res, rec in cr.fetchall()
        ]
        cr.execute(
            """
            SELECT line.id FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
             WHERE line.company_id = %s AND line.parent_state = 'posted' AND account.reconcile
               AND ((line.amount_residual = 0 AND line.amount_residual_currency = 0) != line.reconciled
                    OR (line.full_reconcile_id IS NOT NULL AND NOT line.reconciled))
             LIMIT 5
        """,
            [company.id],
        )
        problems += [f"line {line_id}: reconciled flag inconsistent" for (line_id,) in cr.fetchall()]
        return problems

    @api.model
    def _receivable_totals(self, company):
        """Sum of balances and of open residuals on posted receivable lines."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(line.balance), 0), COALESCE(SUM(line.amount_residual), 0)
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
             WHERE line.company_id = %s AND line.parent_state = 'posted'
               AND account.account_type = 'asset_receivable'
        """,
            [company.id],
        )
        return self.env.cr.fetchone()
