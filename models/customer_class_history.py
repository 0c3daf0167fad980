from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .customer_class_rule import format_metric
from .customer_classifier import translated_columns


class CustomerClassHistoryImmutable(models.AbstractModel):
    """What the classification history keeps: written once by the
    classifier or a manual change, then never changed nor deleted."""

    _name = "customer.class.history.immutable"
    _description = "Immutable Classification History"

    def write(self, vals):
        if self:
            raise UserError(self.env._("The classification history cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        raise UserError(self.env._("The classification history cannot be deleted."))


class CustomerClassHistory(models.Model):
    """Immutable log of class changes; nobody edits or deletes it."""

    _name = "customer.class.history"
    _inherit = ["customer.class.history.immutable"]
    _description = "Customer Classification History"
    _order = "date desc, id desc"
    # ``date`` and ``user_id`` say when and by whom; rows are never written.
    _log_access = False

    # A customer deleted (one never invoiced) leaves its history behind,
    # under the name it had (``_keep_deleted_customers``).
    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True, readonly=True)
    partner_name = fields.Char(
        string="Deleted Customer", readonly=True, help="The name of the customer, kept when it was deleted."
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True, readonly=True)
    dimension_id = fields.Many2one("customer.class.dimension", required=True, ondelete="cascade", readonly=True)
    old_class_id = fields.Many2one("customer.class", string="From", ondelete="set null", readonly=True)
    new_class_id = fields.Many2one("customer.class", string="To", ondelete="set null", readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    rule_id = fields.Many2one("customer.class.rule", ondelete="set null", readonly=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    reason = fields.Char(readonly=True, translate=True)
    snapshot_id = fields.Many2one(
        "customer.class.snapshot", string="Metrics snapshot", ondelete="cascade", index="btree_not_null", readonly=True
    )
    metrics = fields.Json(related="snapshot_id.metrics")
    revenue = fields.Float(readonly=True, help="Revenue in the window when the change was made.")
    metrics_html = fields.Html(string="Metrics at the time", compute="_compute_metrics_html", sanitize=False)

    @api.model
    def _log_changes(self, vals_list):
        """Create history lines whose ``reason`` is translated
        (``{language: text}``, see ``customer.classifier._translated``):
        each line keeps its reason in every language at once."""
        lines = self.create([{**vals, "reason": False} for vals in vals_list])
        if lines:
            reasons, reason_columns, reason = translated_columns([vals["reason"] for vals in vals_list], "c")
            self.env.execute_query(
                SQL(
                    """UPDATE customer_class_history h SET reason = %s
                         FROM unnest(%s::int[], %s) AS c(id, %s)
                        WHERE h.id = c.id""",
                    reason,
                    lines.ids,
                    reasons,
                    reason_columns,
                )
            )
            lines.invalidate_recordset(["reason"])
        return lines

    @api.model
    def _keep_deleted_customers(self, partners):
        """Before ``partners`` are deleted: their history stays, under their
        names (the only write a history line ever takes)."""
        self.flush_model()
        self.env["res.partner"].flush_model(["complete_name"])
        self.env.execute_query(
            SQL(
                """UPDATE customer_class_history history SET partner_name = partner.complete_name
                     FROM res_partner partner
                    WHERE history.partner_id = partner.id AND partner.id = ANY(%s)""",
                partners.ids,
            )
        )
        self.invalidate_model(["partner_name"])

    @api.depends("metrics")
    def _compute_metrics_html(self):
        """The snapshot as a table, in the rules' order and words."""
        labels = self.env["customer.class.rule.condition"]._fields["metric"]._description_selection(self.env)
        for record in self:
            metrics = record.metrics or {}
            rows = [
                Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>") % (label, format_metric(metrics[key]))
                for key, label in labels
                if metrics.get(key) is not None
            ]
            record.metrics_html = (
                Markup("<table class='table table-sm o_customer_class_metrics'><tbody>%s</tbody></table>")
                % Markup().join(rows)
                if rows
                else False
            )


class CustomerClassSnapshot(models.Model):
    """The metrics of a customer at the moment a classification changed its
    classes, stored once and shared by the history lines of every dimension
    that changed then (a whole ledger's first classification changes four
    dimensions per customer)."""

    _name = "customer.class.snapshot"
    _inherit = ["customer.class.history.immutable"]
    _description = "Customer Classification Metrics Snapshot"
    _order = "date desc, id desc"
    _log_access = False

    partner_id = fields.Many2one("res.partner", ondelete="set null", index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    date = fields.Datetime(required=True, readonly=True)
    metrics = fields.Json(readonly=True)
