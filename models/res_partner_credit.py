from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .customer_credit_exception import CREDIT_MANAGER_GROUP
from .res_partner import LEDGER_WINDOW_MONTHS

CREDIT_GROUPS = "account.group_account_invoice,account.group_account_readonly"
CREDIT_SETTINGS = ("credit_limit", "customer_credit_policy", "customer_credit_hold")


def _credit_figure(string, help=None):
    return fields.Monetary(
        string=string,
        help=help,
        currency_field="customer_credit_currency_id",
        compute="_compute_customer_credit",
        groups=CREDIT_GROUPS,
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo's own per-company limit is the customer's fixed limit; changes
    # to it are tracked like the other credit settings.
    credit_limit = fields.Float(tracking=True)
    customer_credit_policy = fields.Selection(
        [("default", "From class or grade"), ("fixed", "Own limit"), ("none", "No limit")],
        string="Credit Limit Policy",
        company_dependent=True,
        tracking=True,
        groups=CREDIT_GROUPS,
        help="Own limit: the amount below, where 0 allows no credit at all. No limit: never blocked by amount. "
        "From class or grade: the default limit of the customer's credit grade or class, if one sets it.",
    )
    customer_credit_hold = fields.Boolean(
        string="Credit Hold",
        company_dependent=True,
        tracking=True,
        groups=CREDIT_GROUPS,
        help="Until the hold is lifted, new invoices for this customer are refused unless a credit exception covers "
        "them (only logged where credit control warns).",
    )
    customer_credit_currency_id = fields.Many2one("res.currency", compute="_compute_customer_credit_company")
    customer_credit_mode = fields.Selection(
        selection=lambda self: self.env["res.company"]._fields["customer_credit_mode"].selection,
        string="Credit Control",
        compute="_compute_customer_credit_company",
        help="What the current company does with an invoice that breaks a credit rule.",
    )
    customer_credit_has_limit = fields.Boolean(
        string="Has Credit Limit", compute="_compute_customer_credit", groups=CREDIT_GROUPS
    )
    customer_credit_limit_source = fields.Char(
        string="Limit From", compute="_compute_customer_credit", groups=CREDIT_GROUPS
    )
    customer_credit_held_in = fields.Char(
        string="On Credit Hold In",
        compute="_compute_customer_credit",
        search="_search_customer_credit_held_in",
        groups=CREDIT_GROUPS,
        help="The parent company whose credit hold holds the customer in this branch too.",
    )
    customer_credit_limit = _credit_figure("Effective Credit Limit")
    customer_credit_open = _credit_figure("Open Receivables")
    customer_credit_overdue = _credit_figure("Overdue")
    customer_credit_draft = _credit_figure("Draft Invoices")
    customer_credit_unapplied = _credit_figure("Unapplied Credits")
    customer_credit_exposure = _credit_figure(
        "Credit Exposure",
        help="Open receivables and draft invoices, less unapplied credits when the company nets them, in the "
        "current company and every company of its group (the top company and all its branches, which share the "
        "receivable accounts).",
    )
    customer_credit_available = _credit_figure("Available Credit")
    customer_credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_customer_credit",
        search="_search_customer_credit_over_limit",
        groups=CREDIT_GROUPS,
    )
    customer_credit_exception_ids = fields.Many2many(
        "customer.credit.exception",
        string="Valid Credit Exceptions",
        compute="_compute_customer_credit_exception_ids",
        groups=CREDIT_GROUPS,
        help="Granted, unexpired exceptions that would let this customer's invoices through in the current "
        "company, in the order postings use them: the company's own, then its parent companies'.",
    )

    customer_credit_score = fields.Float(
        string="Credit Score",
        compute="_compute_customer_credit_score",
        digits=(16, 1),
        groups=CREDIT_GROUPS,
        help="0-100 from how the customer paid over the last 12 months; the credit grade follows from it.",
    )

    @api.depends_context("company")
    def _compute_customer_credit_score(self):
        """The credit score from how each displayed customer paid, without
        the ranked metrics, which the score does not use."""
        commercial = self.commercial_partner_id.filtered("id")
        scores = (
            self.env["customer.classifier"]._get_credit_scores(
                commercial, self.env.company, fields.Date.context_today(self), LEDGER_WINDOW_MONTHS
            )
            if commercial
            else {}
        )
        for partner in self:
            partner.customer_credit_score = scores.get(partner.commercial_partner_id.id, 0.0)

    @api.depends_context("company")
    def _compute_customer_credit_company(self):
        for partner in self:
            partner.customer_credit_currency_id = self.env.company.currency_id
            partner.customer_credit_mode = self.env.company.customer_credit_mode

    @api.depends_context("company")
    def _compute_customer_credit(self):
        """Figures of the commercial partner in the current company (its
        exposure over the company's whole group), for all displayed
        partners with two queries."""
        company = self.env.company
        commercial = self.commercial_partner_id.filtered("id")
        engine = self.env["customer.credit.engine"]
        exposure = engine._get_exposure(company, commercial.ids) if commercial else {}
        limits = engine._get_limits(company, commercial)
        currency = company.currency_id
        for partner in self:
            key = partner.commercial_partner_id.id
            figures = exposure.get(key) or engine._empty_exposure()
            limit, hold, source = limits.get(key, (None, False, self.env._("No limit")))
            partner.customer_credit_held_in = hold.name if hold and hold != company else False
            partner.customer_credit_open = figures["open_receivable"]
            partner.customer_credit_overdue = figures["overdue"]
            partner.customer_credit_draft = figures["draft"]
            partner.customer_credit_unapplied = figures["unapplied"]
            partner.customer_credit_exposure = figures["exposure"]
            partner.customer_credit_has_limit = limit is not None
            partner.customer_credit_limit_source = source
            partner.customer_credit_limit = limit or 0.0
            partner.customer_credit_available = (limit - figures["exposure"]) if limit is not None else 0.0
            partner.customer_credit_over_limit = (
                limit is not None and currency.compare_amounts(figures["exposure"], limit) > 0
            )

    @api.depends_context("company")
    def _compute_customer_credit_exception_ids(self):
        commercial = self.commercial_partner_id.filtered("id")
        valid = self.env["customer.credit.exception"].sudo()._find_valid(self.env.company, commercial)
        for partner in self:
            partner.customer_credit_exception_ids = valid[partner.commercial_partner_id.id]

    def _search_customer_credit_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on Over Credit Limit."))
        ids = set()
        for company in self.env.companies:
            ids.update(self.env["customer.credit.engine"]._over_limit_partner_ids(company))
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", list(ids))]

    def _search_customer_credit_held_in(self, operator, value):
        """Customers on credit hold in a parent company of the current one
        and not in the current one itself (which its own hold shows)."""
        if operator not in ("=", "!=") or value is not False:
            raise NotImplementedError(self.env._("Unsupported search on On Credit Hold In."))
        parents = self.env["customer.credit.engine"]._credit_chain(self.env.company)[1:]
        held = self.browse()
        for parent in parents:
            held |= self.with_company(parent).sudo().search([("customer_credit_hold", "=", True)])
        if held:
            held -= self.sudo().search([("id", "in", held.ids), ("customer_credit_hold", "=", True)])
        return [("commercial_partner_id", "in" if operator == "!=" else "not in", held.ids)]

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self:
            if partner.credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "%(customer)s: a credit limit cannot be negative. Enter 0 to allow no credit at all, or "
                        "choose No limit.",
                        customer=partner.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        """Only credit managers create customers with a limit, a policy or a
        hold (an import, say); the company's default limit and policy, which
        the form fills in, are no setting of the customer's own."""
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER_GROUP):
            default_limit = self._fields["credit_limit"].get_company_dependent_fallback(self)
            default_policy = self._fields["customer_credit_policy"].get_company_dependent_fallback(self)
            if any(
                vals.get("customer_credit_policy") not in (None, False, default_policy)
                or vals.get("customer_credit_hold")
                or (vals.get("credit_limit") or 0.0) not in (0.0, default_limit)
                for vals in vals_list
            ):
                raise AccessError(self.env._("Only credit managers can change credit limits and credit holds."))
        return super().create(vals_list)

    def write(self, vals):
        credit = [fname for fname in CREDIT_SETTINGS if fname in vals]
        if credit and not self.env.su:
            if not self.env.user.has_group(CREDIT_MANAGER_GROUP):
                if self._fields_changed_by(vals, credit):
                    raise AccessError(self.env._("Only credit managers can change credit limits and credit holds."))
            elif set(vals) <= set(CREDIT_SETTINGS):
                # Credit managers set limits without the right to edit
                # contacts; the change is still tracked as theirs.
                return super(ResPartner, self.sudo()).write(vals)
        return super().write(vals)

    def _merge_credit_settings(self, kept):
        """Before these customers are merged into ``kept``: in each company
        where ``kept`` has no limit or policy of its own, it takes those of
        the first of these that has; a credit hold on any of them holds it
        too (merging never lifts a hold). Changes are tracked on ``kept``."""
        self.flush_model(CREDIT_SETTINGS)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, credit_limit, customer_credit_policy, customer_credit_hold FROM res_partner"
                " WHERE id = ANY(%s)",
                (self | kept).ids,
            )
        )
        own = {row[0]: dict(zip(CREDIT_SETTINGS, (values or {} for values in row[1:]), strict=True)) for row in rows}
        kept_own = own[kept.id]
        merged = [own[partner.id] for partner in self]
        for key in sorted({key for settings in merged for values in settings.values() for key in values}):
            vals = {}
            if key not in kept_own["credit_limit"] and key not in kept_own["customer_credit_policy"]:
                donor = next(
                    (s for s in merged if key in s["credit_limit"] or key in s["customer_credit_policy"]), None
                )
                if donor:
                    vals.update(
                        {
                            fname: donor[fname][key]
                            for fname in ("credit_limit", "customer_credit_policy")
                            if key in donor[fname]
                        }
                    )
            if not kept_own["customer_credit_hold"].get(key) and any(
                s["customer_credit_hold"].get(key) for s in merged
            ):
                vals["customer_credit_hold"] = True
            if vals:
                kept.with_company(int(key)).sudo().write(vals)

    # ------------------------------------------------------------------
    # Breakdown: the documents behind each figure
    # ------------------------------------------------------------------
    def _credit_lines_action(self, name, extra_domain):
        self.ensure_one()
        partner = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [(self.env.ref("account.view_move_line_tree").id, "list"), (False, "form")],
            "domain": [
                ("partner_id", "child_of", partner.id),
                ("company_id", "in", self.env.company._customer_ledger_group().ids),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                *extra_domain,
            ],
            "context": {"create": False, "search_default_group_by_move": 0},
        }

    def action_open_credit_open_items(self):
        return self._credit_lines_action(self.env._("Open Receivables"), [("amount_residual", ">", 0)])

    def action_open_credit_overdue_items(self):
        company = self.env.company
        limit = fields.Date.subtract(
            fields.Date.context_today(self), days=max(company.customer_credit_overdue_tolerance, 0)
        )
        return self._credit_lines_action(
            self.env._("Overdue Items"), [("amount_residual", ">", 0), ("date_maturity", "<", limit)]
        )

    def action_open_credit_unapplied(self):
        return self._credit_lines_action(self.env._("Unapplied Credits"), [("amount_residual", "<", 0)])

    def action_open_credit_drafts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "in", self.env.company._customer_ledger_group().ids),
            ("state", "=", "draft"),
            ("move_type", "=", "out_invoice"),
        ]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    def action_open_credit_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_credit_log_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def action_open_customer_aging(self):
        """The customer's aged receivable today, item by item."""
        self.ensure_one()
        wizard = self.env["customer.aging.report"].create(
            {
                "company_id": self.env.company.id,
                "partner_ids": [fields.Command.set(self.commercial_partner_id.ids)],
                "show_detail": True,
            }
        )
        return wizard.action_show()

    def action_request_credit_exception(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Exception"),
            "res_model": "customer.credit.exception",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.env.company.id,
            },
        }
