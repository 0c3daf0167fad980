from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .customer_aging import DEFAULT_AGING_BUCKETS, parse_buckets

CREDIT_WEIGHT_FIELDS = {
    "avg_days_late": "customer_credit_weight_days_late",
    "late_share": "customer_credit_weight_late_share",
    "overdue_ratio": "customer_credit_weight_overdue",
    "dso": "customer_credit_weight_dso",
    "max_days_overdue": "customer_credit_weight_oldest",
    "utilisation": "customer_credit_weight_utilisation",
}

NON_NEGATIVE_SETTINGS = (
    "customer_credit_overdue_tolerance",
    "customer_credit_overdue_amount",
    "customer_statement_reminder_days",
    *CREDIT_WEIGHT_FIELDS.values(),
)

LEDGER_SETTINGS = (
    "customer_credit_mode",
    "customer_credit_overdue_tolerance",
    "customer_credit_block_overdue",
    "customer_credit_overdue_amount",
    "customer_credit_net_unapplied",
    *CREDIT_WEIGHT_FIELDS.values(),
    "customer_aging_buckets",
    "customer_statement_reminder_days",
    "customer_statement_request_confirmation",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    customer_credit_mode = fields.Selection(
        [("off", "Off"), ("warn", "Warn and log"), ("block", "Block")],
        string="Credit Control",
        default="block",
        required=True,
        help="What happens when posting a customer invoice breaks a credit rule: nothing, a logged warning, "
        "or the posting is refused.",
    )
    customer_credit_overdue_tolerance = fields.Integer(
        string="Overdue Tolerance (days)",
        default=0,
        help="Items are counted as overdue only once they are more than this many days past due.",
    )
    customer_credit_block_overdue = fields.Boolean(
        string="Block on Overdue",
        help="Refuse new invoices to customers whose overdue items beyond the tolerance exceed the amount below.",
    )
    customer_credit_overdue_amount = fields.Monetary(
        string="Overdue Amount Allowed",
        currency_field="currency_id",
        help="Overdue items beyond the tolerance may add up to this amount before invoicing is refused.",
    )
    customer_credit_net_unapplied = fields.Boolean(
        string="Net Unapplied Credits",
        help="Subtract unapplied payments and open credit notes from the exposure.",
    )
    customer_credit_weight_days_late = fields.Integer(string="Weight: average days late", default=25)
    customer_credit_weight_late_share = fields.Integer(string="Weight: share paid late", default=15)
    customer_credit_weight_overdue = fields.Integer(string="Weight: overdue ratio", default=20)
    customer_credit_weight_dso = fields.Integer(string="Weight: DSO", default=10)
    customer_credit_weight_oldest = fields.Integer(string="Weight: longest overdue", default=15)
    customer_credit_weight_utilisation = fields.Integer(string="Weight: limit utilisation", default=15)

    def _customer_credit_score_weights(self):
        self.ensure_one()
        return {metric: max(self[fname], 0) for metric, fname in CREDIT_WEIGHT_FIELDS.items()}

    customer_aging_buckets = fields.Char(
        string="Aging Buckets",
        default=DEFAULT_AGING_BUCKETS,
        required=True,
        help="Last day of each aging bucket after Current, separated by commas: 30,60,90,120 gives Current, "
        "1-30, 31-60, 61-90, 91-120 and over 120 days.",
    )

    def _customer_ledger_lang(self):
        """The language the scheduled jobs write this company's notes in:
        its own contact's, else the current one (a job's context has none,
        and Odoo would name models and values in English)."""
        self.ensure_one()
        return self.partner_id.lang or self.env.lang

    def _customer_ledger_group(self):
        """The company's whole group: its top company and every branch
        under it, archived ones included, which share the receivable
        accounts (as sudo records)."""
        self.ensure_one()
        # Walked through the branches' cached relation: a statement run or a
        # report asks for it once per customer.
        group = level = self.sudo().root_id
        while level:
            level = level.all_child_ids
            group |= level
        return group

    def _customer_ledger_readable_group(self):
        """The companies of the group whose items the current user may read
        in reports: the whole group for one allowed in all of it (and for
        scheduled actions), only the allowed ones otherwise, as Odoo's own
        journal-item lists show them."""
        group = self._customer_ledger_group()
        if self.env.su:
            return group
        return group & self.env.user.sudo().company_ids

    @api.constrains("customer_aging_buckets")
    def _check_customer_aging_buckets(self):
        for company in self:
            parse_buckets(company.customer_aging_buckets, self.env)

    @api.constrains(*NON_NEGATIVE_SETTINGS)
    def _check_customer_ledger_numbers(self):
        """Day counts, amounts and weights below zero mean nothing; weights
        that are all zero would give every customer the best grade."""
        for company in self:
            for fname in NON_NEGATIVE_SETTINGS:
                if company[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s cannot be negative (%(company)s): enter 0 or more.",
                            setting=self._fields[fname]._description_string(self.env),
                            company=company.name,
                        )
                    )
            if not any(company[fname] for fname in CREDIT_WEIGHT_FIELDS.values()):
                raise ValidationError(
                    self.env._(
                        "At least one credit score weight must be above 0 (%(company)s): with none, every customer "
                        "would get the best credit grade.",
                        company=company.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(
            [self._normalize_aging_buckets(self._with_parent_ledger_settings(vals)) for vals in vals_list]
        )

    def write(self, vals):
        vals = self._normalize_aging_buckets(vals)
        followers = self._ledger_setting_followers(vals)
        result = super().write(vals)
        for branches, changes in followers.items():
            branches.write(changes)
        return result

    def _ledger_setting_followers(self, vals):
        """{branches: the changed ledger settings they follow}: a direct
        branch whose setting still equals its parent's follows the parent's
        change; one that set its own value keeps it. Read before the write;
        a branch's own write passes the change on to its branches in turn.
        Done as superuser: the parent's settings drive its branches, whoever
        may change them; archived branches follow too."""
        changed = [fname for fname in LEDGER_SETTINGS if fname in vals]
        companies = self.sudo().with_context(active_test=False)
        followers = defaultdict(companies.browse)
        for company in companies:
            for branch in company.child_ids - self:
                changes = tuple(
                    (fname, vals[fname])
                    for fname in changed
                    if branch[fname] == company[fname] and branch[fname] != vals[fname]
                )
                if changes:
                    followers[changes] |= branch
        return {branches: dict(changes) for changes, branches in followers.items()}

    def _with_parent_ledger_settings(self, vals):
        """A new branch starts with its parent company's credit, aging and
        statement settings, except those given; it changes them in its own
        settings afterwards. (Taken where Odoo copies the root company's
        delegated fields to a new branch: from the values' parent.)"""
        parent = self.browse(vals.get("parent_id")).sudo()
        if not parent:
            return vals
        return {**{fname: parent[fname] for fname in LEDGER_SETTINGS}, **vals}

    def _normalize_aging_buckets(self, vals):
        """Bucket days are stored as ``30,60,90`` however they were typed:
        the live aging analysis splits them in SQL."""
        if vals.get("customer_aging_buckets"):
            days = parse_buckets(vals["customer_aging_buckets"], self.env)
            vals = dict(vals, customer_aging_buckets=",".join(str(day) for day in days))
        return vals

    customer_statement_reminder_days = fields.Integer(
        string="Confirmation Reminder (days)",
        default=7,
        help="Remind customers who have not answered a balance confirmation after this many days (0: never).",
    )
    customer_statement_follow_up_user_id = fields.Many2one(
        "res.users",
        string="Statement Follow-up",
        domain="[('share', '=', False)]",
        help="Gets the to-dos of periodic statements (a disputed balance, a signed reply not returned) and of "
        "statements whose sender has left. Empty: the customer's salesperson, else the first accounting "
        "administrator.",
    )
    customer_statement_request_confirmation = fields.Boolean(
        string="Monthly Statements Ask for Confirmation",
        help="The monthly statements of opted-in customers ask them to confirm their balance.",
    )
