from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date

CREDIT_MANAGER_GROUP = "account_customer_ledger.group_customer_credit_manager"
# What the exception records of its decision and use: written by the
# postings and the decisions themselves, or by a credit manager.
RECORDED_FIELDS = {"used_amount", "requested_by", "approved_by", "approved_on"}


class CustomerCreditException(models.Model):
    """A recorded, expiring permission to invoice a customer beyond its
    credit rules. Anyone may request one; only a credit manager grants it."""

    _name = "customer.credit.exception"
    _description = "Customer Credit Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, default=lambda self: self._new_reference(), copy=False
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
        help="The exception covers invoices of this company and of its branches.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    reason = fields.Text(required=True, tracking=True)
    max_amount = fields.Monetary(
        string="Maximum Amount",
        tracking=True,
        help="Total of invoices this exception may let through; empty means any amount until it expires.",
    )
    used_amount = fields.Monetary(readonly=True, copy=False)
    remaining_amount = fields.Monetary(compute="_compute_remaining_amount")
    date_expiry = fields.Date(string="Valid Until", required=True, tracking=True)
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("refused", "Refused"),
            ("used", "Used up"),
        ],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    requested_by = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    approved_by = fields.Many2one("res.users", readonly=True, copy=False)
    approved_on = fields.Datetime(readonly=True, copy=False)
    log_ids = fields.One2many("customer.credit.log", "exception_id", string="Credit Log")
    in_current_companies = fields.Boolean(
        compute="_compute_in_current_companies",
        search="_search_in_current_companies",
        help="The exception belongs to one of the selected companies: a parent company's exceptions are only read "
        "from its branches.",
    )

    _sql_constraints = [
        (
            "max_amount_positive",
            "CHECK(max_amount IS NULL OR max_amount >= 0)",
            "The maximum amount cannot be negative.",
        ),
    ]

    @api.depends("max_amount", "used_amount")
    def _compute_remaining_amount(self):
        for exception in self:
            exception.remaining_amount = exception.max_amount - exception.used_amount if exception.max_amount else 0.0

    @api.depends("company_id")
    @api.depends_context("allowed_company_ids")
    def _compute_in_current_companies(self):
        for exception in self:
            exception.in_current_companies = exception.company_id in self.env.companies

    def _search_in_current_companies(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on In Current Companies."))
        positive = (operator == "=") == value
        return [("company_id", "in" if positive else "not in", self.env.companies.ids)]

    def _check_decidable(self):
        """A clear refusal where the record rules would only say that the
        exception cannot be changed: it belongs to a company not selected."""
        for exception in self.filtered(lambda e: not e.in_current_companies):
            if exception.company_id in self.env.user.company_ids:
                message = self.env._("%(exception)s belongs to %(company)s: select that company to grant or refuse it.")
            else:
                message = self.env._(
                    "%(exception)s belongs to %(company)s: only a credit manager of that company can grant or "
                    "refuse it."
                )
            raise UserError(message % {"exception": exception.name, "company": exception.company_id.sudo().name})

    @api.constrains("reason")
    def _check_reason(self):
        for exception in self:
            if not (exception.reason or "").strip():
                raise ValidationError(self.env._("A credit exception needs a reason."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_logged(self):
        """Every exception is in the credit log from its request on: deleting
        it would leave the log's lines naming no exception."""
        for exception in self:
            raise UserError(
                self.env._(
                    "Credit exception %s is in the credit log and cannot be deleted. Refuse it while it is "
                    "requested; a granted one ends on its Valid Until date, which a credit manager may bring "
                    "forward.",
                    exception.name,
                )
            )

    @api.model
    def _new_reference(self):
        """What the reference reads until the request is saved and numbered."""
        return self.env._("New Request")

    @api.model
    def _is_credit_manager(self):
        return self.env.su or self.env.user.has_group(CREDIT_MANAGER_GROUP)

    @api.model_create_multi
    def create(self, vals_list):
        granting = [vals for vals in vals_list if vals.get("state", "requested") != "requested"]
        if granting and not self._is_credit_manager():
            raise AccessError(self.env._("Only a credit manager can grant a credit exception; request one instead."))
        # Empty values and the requester being oneself are what a new
        # request has anyway.
        self._check_recorded_fields(
            {
                fname
                for vals in vals_list
                for fname in RECORDED_FIELDS & set(vals)
                if vals[fname] and (fname, vals[fname]) != ("requested_by", self.env.uid)
            }
        )
        for vals in vals_list:
            if vals.get("name") in (None, False, "/", self._new_reference()):
                vals["name"] = self.env["ir.sequence"].next_by_code("customer.credit.exception") or "/"
            if vals.get("partner_id"):
                vals["partner_id"] = self.env["res.partner"].browse(vals["partner_id"]).commercial_partner_id.id
        exceptions = super().create(vals_list)
        for exception in exceptions:
            if exception.state == "approved":
                exception.sudo().write({"approved_by": self.env.uid, "approved_on": fields.Datetime.now()})
                exception._log("exception_granted")
            else:
                exception._log("exception_requested")
                exception._ask_credit_managers()
        return exceptions

    def write(self, vals):
        self._check_recorded_fields(set(vals))
        protected = {"partner_id", "company_id", "max_amount", "date_expiry", "reason", "state"}
        if protected & set(vals) and not self._is_credit_manager():
            if any(exception.state != "requested" or exception.requested_by != self.env.user for exception in self):
                raise AccessError(self.env._("Only a credit manager can change a credit exception once it is decided."))
            if vals.get("state", "requested") != "requested":
                raise AccessError(self.env._("Only a credit manager can grant or refuse a credit exception."))
        return super().write(vals)

    @api.model
    def _check_recorded_fields(self, fnames):
        """Nobody but a credit manager sets what an exception has let through
        or who requested and granted it: a request that started as used
        below zero would let more through than granted."""
        if RECORDED_FIELDS & fnames and not self._is_credit_manager():
            raise AccessError(
                self.env._(
                    "Only a credit manager can change what a credit exception has let through and who requested "
                    "or granted it."
                )
            )

    def _ask_credit_managers(self):
        group = self.env.ref(CREDIT_MANAGER_GROUP, raise_if_not_found=False)
        users = group.sudo().users if group else self.env["res.users"]
        for exception in self:
            managers = users.filtered(lambda u, c=exception.company_id: c in u.company_ids)
            if not managers:
                exception.sudo().message_post(
                    body=self.env._(
                        "No credit manager is allowed in %s: nobody can decide this request until an administrator "
                        "gives one access to that company.",
                        exception.company_id.name,
                    )
                )
            for manager in managers:
                # Worded in the manager's language, not the requester's.
                env = self.with_context(lang=manager.lang or self.env.lang).env
                exception.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=env._("Credit exception requested for %s", exception.partner_id.display_name),
                    note=exception.reason,
                    user_id=manager.id,
                )

    def action_approve(self):
        if not self._is_credit_manager():
            raise AccessError(self.env._("Only a credit manager can grant a credit exception."))
        self._check_decidable()
        for exception in self:
            if exception.state != "requested":
                raise UserError(self.env._("Only a requested exception can be granted."))
            if exception.date_expiry < fields.Date.context_today(self):
                raise UserError(
                    self.env._(
                        "%(exception)s expired on %(date)s: set a later Valid Until date before granting it.",
                        exception=exception.name,
                        date=format_date(self.env, exception.date_expiry),
                    )
                )
            exception.write({"state": "approved", "approved_by": self.env.uid, "approved_on": fields.Datetime.now()})
            exception.activity_feedback(["mail.mail_activity_data_todo"])
            exception._log("exception_granted")
            exception._tell_requester(granted=True)

    def action_refuse(self):
        if not self._is_credit_manager():
            raise AccessError(self.env._("Only a credit manager can refuse a credit exception."))
        self._check_decidable()
        for exception in self:
            if exception.state != "requested":
                raise UserError(self.env._("Only a requested exception can be refused."))
            exception.write({"state": "refused"})
            exception.activity_unlink(["mail.mail_activity_data_todo"])
            exception._log("exception_refused")
            exception._tell_requester(granted=False)

    def _tell_requester(self, granted):
        """Tell who requested the exception, in Odoo's inbox and in their
        language, that a credit manager decided it (not when they decided it
        themselves)."""
        self.ensure_one()
        requester = self.requested_by
        if not requester.active or requester.share or requester == self.env.user:
            return
        env = self.with_context(lang=requester.lang or self.env.lang).env
        values = {"exception": self.name, "customer": self.partner_id.display_name, "manager": self.env.user.name}
        if not granted:
            body = env._("%(manager)s refused credit exception %(exception)s for %(customer)s.", **values)
        elif self.max_amount:
            body = env._(
                "%(manager)s granted credit exception %(exception)s for %(customer)s: invoices up to %(amount)s "
                "may be posted until %(date)s.",
                amount=format_amount(env, self.max_amount, self.currency_id),
                date=format_date(env, self.date_expiry),
                **values,
            )
        else:
            body = env._(
                "%(manager)s granted credit exception %(exception)s for %(customer)s: invoices may be posted "
                "until %(date)s.",
                date=format_date(env, self.date_expiry),
                **values,
            )
        self.sudo().message_notify(
            partner_ids=requester.partner_id.ids,
            subject=env._("Credit exception %s decided", self.name),
            body=body,
            model_description=env._("Credit Exception"),
        )

    def _log(self, event, moves=None, snapshot=None, company=None):
        for exception in self:
            partner = exception.partner_id
            figures = snapshot
            if figures is None:
                engine = self.env["customer.credit.engine"]
                figures = engine._get_exposure(exception.company_id, partner.ids).get(partner.id)
                figures = dict(figures or engine._empty_exposure())
                limit = engine._get_limits(exception.company_id, partner)[partner.id][0]
                figures.update(limit=limit, amount=exception.max_amount)
            self.env["customer.credit.log"]._record(
                event,
                company or exception.company_id,
                partner,
                figures,
                moves=moves,
                note=exception.reason,
                exception=exception,
            )

    @api.model
    def _find_valid(self, company, partners):
        """{commercial partner id: its granted, unexpired exceptions} that
        apply to invoices of this company: its own, then those of its
        parent companies (a branch takes its parents' credit settings),
        nearest company first, then the one that expires first. A customer
        without any gets an empty recordset."""
        today = fields.Date.context_today(self)
        chain = self.env["customer.credit.engine"]._credit_chain(company)
        rank = {member.id: position for position, member in enumerate(chain)}
        found = defaultdict(self.browse)
        for exception in self.search(
            [
                ("company_id", "in", chain.ids),
                ("partner_id", "in", partners.ids),
                ("state", "=", "approved"),
                ("date_expiry", ">=", today),
            ],
            order="date_expiry, id",
        ).sorted(lambda e: rank[e.company_id.id]):
            found[exception.partner_id.id] |= exception
        return found

    def _first_covering(self, amount):
        """The first of these exceptions that still covers ``amount``."""
        return next((exception for exception in self if exception._covers(amount)), self.browse())

    def _covers(self, amount):
        self.ensure_one()
        if not self.max_amount:
            return True
        return self.currency_id.compare_amounts(self.used_amount + amount, self.max_amount) <= 0

    def _consume(self, amount, moves, snapshot):
        """Count ``amount`` posted under this exception and log it in the
        company of the posted ``moves`` (a branch may use its parent's)."""
        self.ensure_one()
        vals = {"used_amount": self.used_amount + amount}
        if self.max_amount and self.currency_id.compare_amounts(vals["used_amount"], self.max_amount) >= 0:
            vals["state"] = "used"
        self.sudo().write(vals)
        self.sudo()._log("exception_used", moves=moves, snapshot=snapshot, company=moves.company_id[:1])
