import ast

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..models.customer_class_run import BACKGROUND_THRESHOLD_PARAM, DEFAULT_BACKGROUND_THRESHOLD, int_param

PREVIEW_LIMIT_PARAM = "account_customer_ledger.classify_preview_limit"
DEFAULT_PREVIEW_LIMIT = 10000


class CustomerClassify(models.TransientModel):
    """Classify customers: preview what the rules would change, then apply."""

    _name = "customer.classify"
    _description = "Classify Customers"

    dimension_ids = fields.Many2many(
        "customer.class.dimension",
        string="Dimensions",
        default=lambda self: self.env["customer.class.dimension"].search([("automatic", "=", True)]),
        domain=[("automatic", "=", True)],
        required=True,
    )
    scope = fields.Selection(
        [("all", "All customers"), ("selection", "Selected customers"), ("domain", "Customers matching a filter")],
        default=lambda self: "selection" if self.env.context.get("active_model") == "res.partner" else "all",
        required=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        default=lambda self: self._default_partner_ids(),
    )
    partner_domain = fields.Char(string="Filter", default="[('customer_rank', '>', 0)]")
    window_months = fields.Integer(string="Window (months)", default=12, required=True)
    date_to = fields.Date(string="As of", default=fields.Date.context_today, required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True)
    state = fields.Selection(
        [("draft", "Draft"), ("preview", "Preview"), ("done", "Done"), ("queued", "Queued")], default="draft"
    )
    line_ids = fields.One2many("customer.classify.line", "wizard_id", string="Changes")
    summary_ids = fields.One2many("customer.classify.summary", "wizard_id")
    applied_count = fields.Integer(readonly=True)
    change_count = fields.Integer(string="Changes proposed", readonly=True)
    listed_count = fields.Integer(string="Changes listed", readonly=True)
    background_threshold = fields.Integer(compute="_compute_background_threshold")
    run_id = fields.Many2one("customer.class.run", string="Background run", readonly=True)
    queued_count = fields.Integer(related="run_id.total_count", string="Queued customers")

    def _compute_background_threshold(self):
        threshold = self._get_background_threshold()
        for wizard in self:
            wizard.background_threshold = threshold

    @api.model
    def _get_background_threshold(self):
        return int_param(self.env, BACKGROUND_THRESHOLD_PARAM, DEFAULT_BACKGROUND_THRESHOLD)

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids", []))
        return False

    @api.constrains("window_months")
    def _check_window_months(self):
        for wizard in self:
            if wizard.window_months <= 0:
                raise UserError(self.env._("The window must be at least one month."))

    def _get_partners(self):
        self.ensure_one()
        Partner = self.env["res.partner"].with_company(self.company_id)
        if self.scope == "selection":
            if not self.partner_ids:
                raise UserError(self.env._("Select the customers to classify."))
            return self.partner_ids.commercial_partner_id
        domain = [("customer_rank", ">", 0)]
        if self.scope == "domain":
            try:
                domain = expression.AND([domain, ast.literal_eval(self.partner_domain or "[]")])
                return Partner.search(domain).commercial_partner_id
            except (ValueError, SyntaxError, TypeError, AssertionError) as exc:
                raise UserError(self.env._("The customer filter is not valid: %(error)s", error=exc)) from exc
        return Partner.search(domain + [("parent_id", "=", False)])

    def _check_rights(self):
        if not self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager"):
            raise UserError(self.env._("Only classification managers can classify customers."))

    def _get_proposals(self, partners=None):
        self.ensure_one()
        self._check_rights()
        return self.env["customer.classifier"]._propose(
            self.dimension_ids,
            self._get_partners() if partners is None else partners,
            self.company_id,
            self.date_to,
            self.window_months,
        )

    def action_preview(self):
        """Show what would change; writes no class."""
        self.ensure_one()
        proposals = self._get_proposals()
        self.line_ids.unlink()
        self.summary_ids.unlink()
        changes = [p for p in proposals if p["new_class_id"] != p["old_class_id"]]
        listed = self._changes_to_list(changes)
        self._insert_lines(listed)
        self.env["customer.classify.summary"].create(self._prepare_summary_vals(proposals))
        self.write({"state": "preview", "change_count": len(changes), "listed_count": len(listed)})
        return self._reopen()

    def _changes_to_list(self, changes):
        """At most the preview's line limit of ``changes``, shared evenly
        among the dimensions: nobody reads 400,000 lines, and writing them
        would double the preview of a whole ledger. The summary still
        counts every change."""
        limit = int_param(self.env, PREVIEW_LIMIT_PARAM, DEFAULT_PREVIEW_LIMIT)
        if len(changes) <= limit:
            return changes
        by_dimension = {}
        for change in changes:
            by_dimension.setdefault(change["dimension_id"], []).append(change)
        listed = []
        # Dimensions with fewer changes than their share leave the rest to the others.
        for index, dimension_changes in enumerate(sorted(by_dimension.values(), key=len)):
            share = (limit - len(listed)) // (len(by_dimension) - index)
            listed += dimension_changes[:share]
        return listed

    def _insert_lines(self, changes):
        """The changes as preview lines, in one statement: a first
        classification of a whole ledger proposes four changes per customer."""
        Line = self.env["customer.classify.line"]
        Line.flush_model()
        uid, now = self.env.uid, fields.Datetime.now()
        self.env.execute_query(
            SQL(
                """INSERT INTO customer_classify_line
                          (wizard_id, partner_id, dimension_id, old_class_id, new_class_id, reason, locked,
                           create_uid, create_date, write_uid, write_date)
                   SELECT %(wizard)s, c.*, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(partners)s::int[], %(dimensions)s::int[], %(old)s::int[], %(new)s::int[],
                                 %(reasons)s::varchar[], %(locked)s::bool[]) AS c""",
                wizard=self.id,
                uid=uid,
                now=now,
                partners=[c["partner_id"] for c in changes],
                dimensions=[c["dimension_id"] for c in changes],
                old=[c["old_class_id"] or None for c in changes],
                new=[c["new_class_id"] or None for c in changes],
                reasons=[c["reason"] for c in changes],
                locked=[bool(c["locked"]) for c in changes],
            )
        )
        Line.invalidate_model()
        self.invalidate_recordset(["line_ids"])

    def _prepare_summary_vals(self, proposals):
        counts = {}
        for p in proposals:
            final = p["old_class_id"] if p["locked"] else p["new_class_id"]
            for class_id, index in ((p["old_class_id"], 0), (final, 1)):
                # Customers without a class count too: the ones a change
                # leaves without one show where they go.
                counts.setdefault((p["dimension_id"], class_id or False), [0, 0])[index] += 1
        return [
            {"wizard_id": self.id, "dimension_id": dim_id, "class_id": class_id, "before": before, "after": after}
            for (dim_id, class_id), (before, after) in counts.items()
        ]

    def action_apply(self):
        """Write the classes, leave locked customers alone, log every change.
        A scope larger than the background threshold is queued instead and
        classified in batches by a scheduled action, as the scheduled
        reclassification does."""
        self.ensure_one()
        self._check_rights()
        partners = self._get_partners()
        if len(partners) > self._get_background_threshold():
            return self._queue(partners)
        applied = self.env["customer.classifier"]._apply(self._get_proposals(partners), self.company_id)
        self.applied_count = len(applied)
        self.state = "done"
        return self._reopen()

    def _queue(self, partners):
        """Hand the classification to the background job; nothing is written
        to the customers in this request."""
        vals = {
            "origin": "wizard",
            "user_id": self.env.uid,
            "company_id": self.company_id.id,
            "date_to": self.date_to,
            "window_months": self.window_months,
            "dimension_ids": [Command.set(self.dimension_ids.ids)],
            "all_customers": self.scope == "all",
        }
        Run = self.env["customer.class.run"].sudo()
        if self.scope == "all":
            run = Run.create(vals)
        else:
            ids = sorted(set(partners.ids))
            run = Run.create(vals | {"total_count": len(ids)})
            # One statement for the scope, however large.
            self.env.execute_query(
                SQL(
                    """INSERT INTO customer_class_run_partner_rel (run_id, partner_id)
                       SELECT %s, unnest(%s::int[])""",
                    run.id,
                    ids,
                )
            )
            run.invalidate_recordset(["partner_ids"])
        self.env.ref("account_customer_ledger.ir_cron_classify_queued").sudo()._trigger()
        self.write({"run_id": run.id, "state": "queued"})
        return self._reopen()

    def action_open_runs(self):
        return self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_class_run_action")

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class CustomerClassifyLine(models.TransientModel):
    _name = "customer.classify.line"
    _description = "Classify Customers: Change"
    _order = "dimension_id, partner_id"

    wizard_id = fields.Many2one("customer.classify", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    old_class_id = fields.Many2one("customer.class", string="Now", readonly=True)
    new_class_id = fields.Many2one("customer.class", string="Proposed", readonly=True)
    reason = fields.Char(readonly=True)
    locked = fields.Boolean(readonly=True, help="Locked: the current class stays.")


class CustomerClassifySummary(models.TransientModel):
    _name = "customer.classify.summary"
    _description = "Classify Customers: Summary"
    _order = "dimension_id, class_id"

    wizard_id = fields.Many2one("customer.classify", required=True, ondelete="cascade")
    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    class_id = fields.Many2one("customer.class", string="Customer class", readonly=True)
    class_label = fields.Char(string="Class", compute="_compute_class_label")
    before = fields.Integer(readonly=True)
    after = fields.Integer(readonly=True)

    @api.depends("class_id")
    def _compute_class_label(self):
        for line in self:
            line.class_label = line.class_id.name or self.env._("Unclassified")
