from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from .customer_class_rule import join_clauses, join_sentences

EXPOSURE_KEYS = ("open_receivable", "overdue", "unapplied", "draft", "exposure")


class CustomerCreditEngine(models.AbstractModel):
    """Credit exposure of customers and the check made when a customer
    invoice is posted.

    Exposure (company currency, commercial partner level):
    posted open receivables (positive residuals on every receivable
    account) + draft customer invoices, minus unapplied payments and open
    credit notes when the company nets them, over the company's whole
    group (its top company and every branch: they share the receivable
    accounts and the currency). Everything a posting check
    needs is read with a constant number of queries, whatever the number
    of open items.
    """

    _name = "customer.credit.engine"
    _description = "Customer Credit Engine"

    # ------------------------------------------------------------------
    # Exposure
    # ------------------------------------------------------------------
    @api.model
    def _exposure_query(self, company, partner_ids=None, today=None, exclude_move_ids=(), as_of=None):
        """One grouped query: a row per commercial partner with its open
        receivable, overdue part, unapplied credits and draft invoices, in
        the company's whole group; the tolerance and the netting are the
        company's own. With ``as_of`` (a past date), what was open on that
        date instead, as the aged receivable reckons it, and no drafts (those
        of that date are not known)."""
        today = as_of or today or fields.Date.context_today(self)
        overdue_before = today - timedelta(days=max(company.customer_credit_overdue_tolerance, 0))
        if partner_ids is None:
            line_scope = draft_scope = SQL("TRUE")
        else:
            ids = list(partner_ids)
            line_scope = SQL(
                "line.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))", ids
            )
            draft_scope = SQL("move.commercial_partner_id = ANY(%s)", ids)
        if exclude_move_ids:
            draft_scope = SQL("%s AND move.id != ALL(%s)", draft_scope, list(exclude_move_ids))
        if as_of:
            open_lines = self.env["customer.aging.engine"]._items_query(company, as_of, partner_ids)
            draft_scope = SQL("FALSE")
        else:
            open_lines = SQL(
                """SELECT partner.commercial_partner_id AS partner_id, line.amount_residual AS residual,
                          COALESCE(line.date_maturity, line.date) AS date_maturity
                     FROM account_move_line line
                     JOIN account_account account ON account.id = line.account_id
                     JOIN res_partner partner ON partner.id = line.partner_id
                    WHERE line.company_id = ANY(%s)
                      AND line.parent_state = 'posted'
                      AND account.account_type = 'asset_receivable'
                      AND NOT line.reconciled
                      AND %s""",
                company._customer_ledger_group().ids,
                line_scope,
            )
        net = company.customer_credit_net_unapplied
        return SQL(
            """
            WITH items AS (
                SELECT line.partner_id,
                       COALESCE(SUM(line.residual) FILTER (WHERE line.residual > 0), 0) AS open_receivable,
                       COALESCE(SUM(line.residual) FILTER (
                           WHERE line.residual > 0 AND line.date_maturity < %(overdue_before)s), 0) AS overdue,
                       COALESCE(-SUM(line.residual) FILTER (WHERE line.residual < 0), 0) AS unapplied
                  FROM (%(open_lines)s) line
                 GROUP BY line.partner_id
            ),
            drafts AS (
                SELECT move.commercial_partner_id AS partner_id, SUM(move.amount_total_signed) AS draft
                  FROM account_move move
                 WHERE move.company_id = ANY(%(group)s)
                   AND move.state = 'draft'
                   AND move.move_type = 'out_invoice'
                   AND %(draft_scope)s
                 GROUP BY move.commercial_partner_id
            )
            SELECT COALESCE(items.partner_id, drafts.partner_id) AS partner_id,
                   COALESCE(items.open_receivable, 0) AS open_receivable,
                   COALESCE(items.overdue, 0) AS overdue,
                   COALESCE(items.unapplied, 0) AS unapplied,
                   COALESCE(drafts.draft, 0) AS draft,
                   COALESCE(items.open_receivable, 0) + COALESCE(drafts.draft, 0)
                       - CASE WHEN %(net)s THEN COALESCE(items.unapplied, 0) ELSE 0 END AS exposure
              FROM items
              FULL JOIN drafts ON drafts.partner_id = items.partner_id
            """,
            group=company._customer_ledger_group().ids,
            overdue_before=overdue_before,
            open_lines=open_lines,
            draft_scope=draft_scope,
            net=bool(net),
        )

    @api.model
    def _get_exposure(self, company, partner_ids=None, today=None, exclude_move_ids=(), as_of=None):
        """``{commercial partner id: {open_receivable, overdue, unapplied,
        draft, exposure}}`` for ``partner_ids`` (all customers if None); see
        :meth:`_exposure_query` for ``as_of``."""
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(self._exposure_query(company, partner_ids, today, exclude_move_ids, as_of))
        exposure = {}
        for row in self.env.cr.dictfetchall():
            partner_id = row.pop("partner_id")
            exposure[partner_id] = {key: float(row[key]) for key in EXPOSURE_KEYS}
        return exposure

    @api.model
    def _banner(self, move):
        """(text, level) shown on a draft customer invoice: the available
        credit before it and whether posting it would be refused."""
        company = move.company_id
        partner = move.commercial_partner_id
        currency = company.currency_id
        exclude = [move._origin.id] if move._origin.id else []
        figures = self._get_exposure(company, partner.ids, exclude_move_ids=exclude).get(partner.id)
        figures = dict(figures or self._empty_exposure())
        limit, hold, _source = self._get_limits(company, partner)[partner.id]
        amount = move.amount_total_signed
        figures["draft"] += amount
        figures["exposure"] += amount
        reasons = self._breaches(company, figures, limit, hold)
        if limit is None and not reasons:
            return False, "info"
        parts = []
        if limit is not None:
            parts.append(
                self.env._(
                    "Available credit for %(customer)s: %(available)s of %(limit)s; this invoice %(amount)s.",
                    customer=partner.display_name,
                    available=format_amount(self.env, limit - figures["exposure"] + amount, currency),
                    limit=format_amount(self.env, limit, currency),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        if reasons:
            broken = join_clauses(self.env, (text for _code, text in reasons))
            exceptions = self.env["customer.credit.exception"].sudo()._find_valid(company, partner)[partner.id]
            exception = exceptions._first_covering(amount)
            if exception:
                parts.append(self.env._("Credit exception %s covers this invoice.", exception.name))
                parts.append(self.env._("Without it: %s.", broken))
                return join_sentences(self.env, parts), "info"
            verb = (
                self.env._("will be logged")
                if company.customer_credit_mode == "warn"
                else self.env._("will be refused")
            )
            parts.append(self.env._("Posting %(verb)s: %(reasons)s.", verb=verb, reasons=broken))
            return join_sentences(self.env, parts), "danger"
        return join_sentences(self.env, parts), "info"

    @api.model
    def _empty_exposure(self):
        return dict.fromkeys(EXPOSURE_KEYS, 0.0)

    # ------------------------------------------------------------------
    # Limits
    # ------------------------------------------------------------------
    @api.model
    def _credit_chain(self, company):
        """The company, then its parent companies up to the top one: where
        a branch's credit settings come from when it has none of its own."""
        return company.sudo().parent_ids[::-1]

    @api.model
    def _limits_query(self, company, partner_ids=None, scope=None, with_grade=True):
        """One query: a row per commercial partner with its effective limit
        in ``company`` (NULL for no limit), the company whose hold holds it
        (NULL if none), and where the limit comes from: the company whose
        own limit or "no limit" applies, else the class (and its company).

        In a branch, an own limit or "no limit" of the branch applies, else
        the nearest parent company's; without either, the limit of the
        customer's credit grade, else of its first class (by dimension
        sequence) that sets one, in the branch or else in the nearest parent
        company that classified it. A hold in the company or in any parent
        company holds the customer. Without ``with_grade``, the limit the
        customer would have if the credit grade set none."""
        chain = self._credit_chain(company)
        Partner = self.env["res.partner"]

        def setting(fname, link, cast, default):
            fallback = Partner._fields[fname].get_company_dependent_fallback(Partner.sudo().with_company(link))
            value = SQL("(p.%s ->> %s)", SQL.identifier(fname), str(link.id))
            if cast:
                value = SQL("CAST(%s AS %s)", value, SQL(cast))
            return SQL("COALESCE(%s, %s)", value, fallback or default)

        policies = [setting("customer_credit_policy", link, None, "default") for link in chain]
        limit_company = SQL(" ").join(
            SQL("WHEN %s IN ('fixed', 'none') THEN %s", policy, link.id)
            for link, policy in zip(chain, policies, strict=True)
        )
        own_limit = SQL(" ").join(
            SQL(
                "WHEN %(policy)s = 'none' THEN NULL WHEN %(policy)s = 'fixed' THEN %(limit)s",
                policy=policy,
                limit=setting("credit_limit", link, "numeric", 0.0),
            )
            for link, policy in zip(chain, policies, strict=True)
        )
        hold_company = SQL(" ").join(
            SQL("WHEN %s THEN %s", setting("customer_credit_hold", link, "boolean", False), link.id) for link in chain
        )
        if scope is None:
            scope = SQL("TRUE") if partner_ids is None else SQL("p.id = ANY(%s)", list(partner_ids))
        return SQL(
            """
            WITH class_limit AS (
                SELECT DISTINCT ON (assignment.partner_id)
                       assignment.partner_id, cls.id AS class_id, cls.credit_limit, assignment.company_id
                  FROM customer_class_assignment assignment
                  JOIN customer_class cls ON cls.id = assignment.class_id
                  JOIN customer_class_dimension dim ON dim.id = cls.dimension_id
                 WHERE assignment.company_id = ANY(%(chain)s)
                   AND cls.use_credit_limit
                   AND (%(with_grade)s OR dim.code IS DISTINCT FROM 'credit_grade')
                 ORDER BY assignment.partner_id, array_position(%(chain)s, assignment.company_id),
                          dim.code = 'credit_grade' DESC, dim.sequence, dim.id
            ),
            own AS (
                SELECT p.id AS partner_id,
                       CASE %(limit_company)s END AS limit_company_id,
                       CASE %(own_limit)s END AS own_limit,
                       CASE %(hold_company)s END AS hold_company_id
                  FROM res_partner p
                 WHERE p.id = p.commercial_partner_id
                   AND %(scope)s
            )
            SELECT own.partner_id,
                   CASE WHEN own.limit_company_id IS NULL THEN class_limit.credit_limit
                        ELSE own.own_limit END AS credit_limit,
                   own.limit_company_id,
                   CASE WHEN own.limit_company_id IS NULL THEN class_limit.class_id END AS class_id,
                   CASE WHEN own.limit_company_id IS NULL THEN class_limit.company_id END AS class_company_id,
                   own.hold_company_id
              FROM own
              LEFT JOIN class_limit ON class_limit.partner_id = own.partner_id
            """,
            chain=chain.ids,
            limit_company=limit_company,
            own_limit=own_limit,
            hold_company=hold_company,
            scope=scope,
            with_grade=with_grade,
        )

    @api.model
    def _get_limits(self, company, partners, with_grade=True):
        """``{commercial partner id: (limit or None, holding company or
        False, source)}`` in ``company`` (see ``_limits_query``)."""
        if not partners:
            return {}
        self.env["res.partner"].flush_model()
        self.env["customer.class.assignment"].flush_model()
        self.env["customer.class"].flush_model()
        self.env.cr.execute(self._limits_query(company, partners.ids, with_grade=with_grade))
        rows = self.env.cr.dictfetchall()
        classes = self.env["customer.class"].browse([row["class_id"] for row in rows if row["class_id"]])
        names = dict(zip(classes.ids, classes.mapped("display_name"), strict=True))
        Company = self.env["res.company"].sudo()
        limits = {}
        for row in rows:
            if row["limit_company_id"]:
                origin = row["limit_company_id"]
                if row["credit_limit"] is None:
                    source = self.env._("No limit")
                else:
                    source = self.env._("Customer limit")
            elif row["class_id"]:
                origin = row["class_company_id"]
                source = self.env._("Class %s", names[row["class_id"]])
            else:
                origin = company.id
                source = self.env._("No limit")
            if origin != company.id:
                source = self.env._("%(limit)s, set in %(company)s", limit=source, company=Company.browse(origin).name)
            limit = float(row["credit_limit"]) if row["credit_limit"] is not None else None
            hold = Company.browse(row["hold_company_id"]) if row["hold_company_id"] else False
            limits[row["partner_id"]] = (limit, hold, source)
        return limits

    @api.model
    def _over_limit_partner_ids(self, company):
        """Commercial partners whose exposure exceeds their limit in
        ``company``: exposure and limits of every customer in one query."""
        for model in ("account.move", "account.move.line", "res.partner", "customer.class.assignment"):
            self.env[model].flush_model()
        digits = company.currency_id.decimal_places
        query = SQL(
            """
            WITH exposure AS (%(exposure)s), limits AS (%(limits)s)
            SELECT exposure.partner_id
              FROM exposure
              JOIN limits ON limits.partner_id = exposure.partner_id
             WHERE limits.credit_limit IS NOT NULL
               AND ROUND(exposure.exposure - limits.credit_limit, %(digits)s) > 0
            """,
            exposure=self._exposure_query(company),
            limits=self._limits_query(company, scope=SQL("p.id IN (SELECT partner_id FROM exposure)")),
            digits=digits,
        )
        return [row["partner_id"] for row in self.env["customer.metrics"]._execute_without_jit(query)]

    # ------------------------------------------------------------------
    # Posting check
    # ------------------------------------------------------------------
    @api.model
    def _check_invoices(self, moves):
        """Check customer invoices about to be posted; raise UserError when
        one breaks a credit rule and no exception covers it."""
        moves = moves.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
        for company in moves.company_id:
            if company.customer_credit_mode == "off":
                continue
            company_moves = moves.filtered(lambda m, c=company: m.company_id == c)
            self._check_company_invoices(company, company_moves)

    @api.model
    def _lock_customers(self, partners):
        """Serialise posting for these customers: the row update makes a
        concurrent transaction that posts for the same customer wait, then
        fail with a serialization error (Odoo retries it, and the retry sees
        this posting), so two postings cannot both pass on stale figures."""
        if partners:
            self.env.cr.execute(
                SQL("UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)", sorted(partners.ids))
            )

    @api.model
    def _check_company_invoices(self, company, moves):
        partners = moves.commercial_partner_id
        limits = self._get_limits(company, partners)
        controlled = partners.filtered(
            lambda p: limits[p.id][0] is not None or limits[p.id][1] or company.customer_credit_block_overdue
        )
        if not controlled:
            return
        self._lock_customers(controlled)
        exposure = self._get_exposure(company, controlled.ids)
        exceptions = self.env["customer.credit.exception"].sudo()._find_valid(company, controlled)
        for partner in controlled:
            partner_moves = moves.filtered(lambda m, p=partner: m.commercial_partner_id == p)
            figures = exposure.get(partner.id) or self._empty_exposure()
            limit, hold, _source = limits[partner.id]
            amount = sum(partner_moves.mapped("amount_total_signed"))
            reasons = self._breaches(company, figures, limit, hold)
            if not reasons:
                continue
            snapshot = dict(figures, limit=limit, amount=amount)
            exception = exceptions[partner.id]._first_covering(amount)
            if exception:
                exception._consume(amount, partner_moves, snapshot)
                continue
            note = self._block_note(company, partner, partner_moves, figures, amount)
            if company.customer_credit_mode == "warn":
                self.env["customer.credit.log"]._record(
                    "warned", company, partner, snapshot, moves=partner_moves, note=note
                )
                continue
            self.env["customer.credit.log"]._record_blocked(company, partner, snapshot, partner_moves, note)
            # The poster's language is one of the note's, or words it as English does.
            raise UserError(note.get(self.env.lang) or note["en_US"])

    @api.model
    def _block_note(self, company, partner, moves, figures, amount):
        """The message of a refused or warned posting in each language the
        log keeps (``{language: text}``, see
        ``customer.classifier._translated``): whoever reads the credit log
        reads it in their own language, as the poster read it in theirs."""

        def word(env):
            engine = self.with_env(env)
            limit, hold, source = engine._get_limits(company, partner)[partner.id]
            reasons = engine._breaches(company, figures, limit, hold)
            return engine._block_message(
                partner.with_env(env),
                moves.with_env(env),
                figures,
                (limit, source, amount),
                reasons,
                company.currency_id,
            )

        return self.env["customer.classifier"]._translated(word)

    @api.model
    def _breaches(self, company, figures, limit, hold):
        """The credit rules these figures break, as (code, text) pairs."""
        currency = company.currency_id
        reasons = []
        if hold == company:
            reasons.append(("hold", self.env._("the customer is on credit hold")))
        elif hold:
            reasons.append(("hold", self.env._("the customer is on credit hold in %s", hold.name)))
        if limit is not None and currency.compare_amounts(figures["exposure"], limit) > 0:
            reasons.append(
                (
                    "limit",
                    self.env._(
                        "the exposure after posting, %(exposure)s, exceeds the credit limit of %(limit)s",
                        exposure=format_amount(self.env, figures["exposure"], currency),
                        limit=format_amount(self.env, limit, currency),
                    ),
                )
            )
        if (
            company.customer_credit_block_overdue
            and currency.compare_amounts(figures["overdue"], company.customer_credit_overdue_amount) > 0
        ):
            reasons.append(
                (
                    "overdue",
                    self.env._(
                        "items more than %(days)s days overdue add up to %(overdue)s, "
                        "more than the %(allowed)s allowed",
                        days=company.customer_credit_overdue_tolerance,
                        overdue=format_amount(self.env, figures["overdue"], currency),
                        allowed=format_amount(self.env, company.customer_credit_overdue_amount, currency),
                    ),
                )
            )
        return reasons

    @api.model
    def _block_message(self, partner, moves, figures, limit_info, reasons, currency):
        limit, source, amount_posted = limit_info

        def amount(value):
            return format_amount(self.env, value, currency)

        draft = self.env._("Draft")
        lines = [
            self.env._(
                "%(documents)s cannot be posted for %(customer)s: %(reasons)s.",
                documents=", ".join(moves.mapped(lambda m: m.name if m.name and m.name != "/" else draft)),
                customer=partner.display_name,
                reasons=join_clauses(self.env, (text for _code, text in reasons)),
            ),
            self.env._(
                "Open receivables %(open)s, of which overdue %(overdue)s; draft invoices (this one included) "
                "%(draft)s; unapplied credits %(unapplied)s; exposure %(exposure)s.",
                open=amount(figures["open_receivable"]),
                overdue=amount(figures["overdue"]),
                draft=amount(figures["draft"]),
                unapplied=amount(figures["unapplied"]),
                exposure=amount(figures["exposure"]),
            ),
        ]
        if limit is not None:
            lines.append(
                self.env._(
                    "Credit limit %(limit)s (%(origin)s); available credit before this posting %(available)s.",
                    limit=amount(limit),
                    origin=source,
                    available=amount(limit - figures["exposure"] + amount_posted),
                )
            )
        lines.append(
            self.env._(
                "Collect a payment, reduce the invoice, or ask a credit manager for a credit exception "
                "(Customer Ledger > Credit Control > Credit Exceptions)."
            )
        )
        return "\n".join(lines)
