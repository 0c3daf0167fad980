from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .customer_class_run import (
    BACKGROUND_THRESHOLD_PARAM,
    BATCH_SIZE_PARAM,
    DEFAULT_BACKGROUND_THRESHOLD,
    DEFAULT_BATCH_SIZE,
    DEFAULT_PREVIEW_BACKGROUND_THRESHOLD,
    PREVIEW_BACKGROUND_THRESHOLD_PARAM,
)

RECLASSIFY_CRON = "account_customer_ledger.ir_cron_reclassify_customers"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    customer_reclassify_active = fields.Boolean(
        string="Scheduled reclassification",
        help="Reclassify every customer by the rules on a schedule, in batches.",
    )
    customer_reclassify_interval_number = fields.Integer(string="Every", default=1)
    customer_reclassify_interval_type = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        string="Interval",
        default="weeks",
    )
    customer_reclassify_batch_size = fields.Integer(
        string="Customers per batch",
        config_parameter=BATCH_SIZE_PARAM,
        default=DEFAULT_BATCH_SIZE,
    )
    customer_classify_background_threshold = fields.Integer(
        string="At once up to",
        config_parameter=BACKGROUND_THRESHOLD_PARAM,
        default=DEFAULT_BACKGROUND_THRESHOLD,
        help="Customers; Apply queues a larger scope.",
    )
    customer_classify_preview_background_threshold = fields.Integer(
        string="Preview at once up to",
        config_parameter=PREVIEW_BACKGROUND_THRESHOLD_PARAM,
        default=DEFAULT_PREVIEW_BACKGROUND_THRESHOLD,
        help="Customers; Preview computes a larger scope in the background.",
    )

    customer_credit_mode = fields.Selection(related="company_id.customer_credit_mode", readonly=False)
    customer_credit_overdue_tolerance = fields.Integer(
        related="company_id.customer_credit_overdue_tolerance", readonly=False
    )
    customer_credit_block_overdue = fields.Boolean(related="company_id.customer_credit_block_overdue", readonly=False)
    customer_credit_overdue_amount = fields.Monetary(
        related="company_id.customer_credit_overdue_amount", readonly=False
    )
    customer_credit_net_unapplied = fields.Boolean(related="company_id.customer_credit_net_unapplied", readonly=False)

    customer_credit_weight_days_late = fields.Integer(
        related="company_id.customer_credit_weight_days_late", readonly=False
    )
    customer_credit_weight_late_share = fields.Integer(
        related="company_id.customer_credit_weight_late_share", readonly=False
    )
    customer_credit_weight_overdue = fields.Integer(related="company_id.customer_credit_weight_overdue", readonly=False)
    customer_credit_weight_dso = fields.Integer(related="company_id.customer_credit_weight_dso", readonly=False)
    customer_credit_weight_oldest = fields.Integer(related="company_id.customer_credit_weight_oldest", readonly=False)
    customer_credit_weight_utilisation = fields.Integer(
        related="company_id.customer_credit_weight_utilisation", readonly=False
    )

    customer_aging_buckets = fields.Char(related="company_id.customer_aging_buckets", readonly=False)
    customer_statement_reminder_days = fields.Integer(
        related="company_id.customer_statement_reminder_days", readonly=False
    )
    customer_statement_follow_up_user_id = fields.Many2one(
        related="company_id.customer_statement_follow_up_user_id", readonly=False
    )
    customer_statement_request_confirmation = fields.Boolean(
        related="company_id.customer_statement_request_confirmation", readonly=False
    )

    @api.constrains(
        "customer_reclassify_interval_number",
        "customer_reclassify_batch_size",
        "customer_classify_background_threshold",
        "customer_classify_preview_background_threshold",
    )
    def _check_classification_numbers(self):
        for settings in self:
            if settings.customer_reclassify_interval_number < 1:
                raise ValidationError(
                    self.env._("Scheduled reclassification: run it every 1 or more days, weeks or months.")
                )
            if settings.customer_reclassify_batch_size < 1:
                raise ValidationError(self.env._("Scheduled reclassification: a batch holds 1 or more customers."))
            if (
                min(
                    settings.customer_classify_background_threshold,
                    settings.customer_classify_preview_background_threshold,
                )
                < 1
            ):
                raise ValidationError(
                    self.env._("Classify Customers: the scopes applied or previewed at once hold 1 or more customers.")
                )

    def get_values(self):
        res = super().get_values()
        cron = self.env.ref(RECLASSIFY_CRON, raise_if_not_found=False)
        if cron:
            cron = cron.sudo()
            res.update(
                customer_reclassify_active=cron.active,
                customer_reclassify_interval_number=cron.interval_number,
                customer_reclassify_interval_type=cron.interval_type
                if cron.interval_type in ("days", "weeks", "months")
                else "weeks",
            )
        return res

    def set_values(self):
        res = super().set_values()
        cron = self.env.ref(RECLASSIFY_CRON, raise_if_not_found=False)
        if cron:
            cron.sudo().write(
                {
                    "active": self.customer_reclassify_active,
                    "interval_number": self.customer_reclassify_interval_number,
                    "interval_type": self.customer_reclassify_interval_type or "weeks",
                }
            )
        return res
