import ast

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..models.customer_class_change import proposed_changes
from ..models.customer_class_run import (
    BACKGROUND_THRESHOLD_PARAM,
    DEFAULT_BACKGROUND_THRESHOLD,
    DEFAULT_PREVIEW_BACKGROUND_THRESHOLD,
    PREVIEW_BACKGROUND_THRESHOLD_PARAM,
    int_param,
    preview_limit,
)


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
        default=lambda self: self.env["res.partner"]._from_action_context(),
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
    # Shown in the form: how many customers Apply and Preview take at once.
    background_threshold = fields.Integer(default=lambda self: self._get_background_threshold(), readonly=True)
    preview_background_threshold = fields.Integer(
        default=lambda self: self._get_preview_background_threshold(), readonly=True
    )
    run_id = fields.Many2one("customer.class.run", string="Background run", readonly=True)
    run_mode = fields.Selection(related="run_id.mode")
    queued_count = fields.Integer(related="run_id.total_count", string="Queued customers")

    @api.model
    def _get_background_threshold(self):
        return int_param(self.env, BACKGROUND_THRESHOLD_PARAM, DEFAULT_BACKGROUND_THRESHOLD)

    @api.model
    def _get_preview_background_threshold(self):
        return int_param(self.env, PREVIEW_BACKGROUND_THRESHOLD_PARAM, DEFAULT_PREVIEW_BACKGROUND_THRESHOLD)

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
        """Show what would change; writes no class. A scope larger than the
        preview's background threshold is previewed by a background run,
        which holds the result."""
        self.ensure_one()
        self._check_rights()
        partners = self._get_partners()
        if len(partners) > self._get_preview_background_threshold():
            return self._queue(partners, mode="preview")
        proposals = self._get_proposals(partners)
        self.line_ids.unlink()
        self.summary_ids.unlink()
        changes = proposed_changes(proposals)
        listed = self._changes_to_list(changes)
        self.env["customer.classify.line"]._insert_changes(listed, {"wizard_id": self.id})
        self.invalidate_recordset(["line_ids"])
        self.env["customer.classify.summary"].create(self._prepare_summary_vals(proposals))
        self.write({"state": "preview", "change_count": len(changes), "listed_count": len(listed)})
        return self._reopen()

    def _changes_to_list(self, changes):
        """At most the preview's line limit of ``changes``, shared evenly
        among the dimensions: nobody reads 400,000 lines, and writing them
        would double the preview of a whole ledger. The summary still
        counts every change."""
        limit = preview_limit(self.env)
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

    def _prepare_summary_vals(self, proposals):
        return [
            {"wizard_id": self.id, "dimension_id": dim_id, "class_id": class_id, "before": before, "after": after}
            for (dim_id, class_id), (before, after) in self.env["customer.class.count"]
            ._count_proposals(proposals)
            .items()
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

    def _queue(self, partners, mode="apply"):
        """Hand the classification (or its preview) to the background job;
        nothing is written to the customers in this request."""
        vals = {
            "origin": "wizard",
            "mode": mode,
            "user_id": self.env.uid,
            "company_id": self.company_id.id,
            "date_to": self.date_to,
            "window_months": self.window_months,
            "dimension_ids": [Command.set(self.dimension_ids.ids)],
        }
        partner_ids = None if self.scope == "all" else partners.ids
        run = self.env["customer.class.run"].sudo()._queue(vals, partner_ids)
        self.write({"run_id": run.id, "state": "queued"})
        return self._reopen()

    def action_open_runs(self):
        return self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_class_run_action")

    def action_open_run(self):
        """The wizard's background run, in its form."""
        self.ensure_one()
        action = self.action_open_runs()
        return action | {"res_id": self.run_id.id, "view_mode": "form", "views": [(False, "form")]}

    def _reopen(self):
        """The wizard again, under its own title, in its next state."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Classify Customers"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class CustomerClassifyLine(models.TransientModel):
    _name = "customer.classify.line"
    _inherit = ["customer.class.change"]
    _description = "Classify Customers: Change"

    wizard_id = fields.Many2one("customer.classify", required=True, ondelete="cascade")


class CustomerClassifySummary(models.TransientModel):
    _name = "customer.classify.summary"
    _inherit = ["customer.class.count"]
    _description = "Classify Customers: Summary"

    wizard_id = fields.Many2one("customer.classify", required=True, ondelete="cascade")
