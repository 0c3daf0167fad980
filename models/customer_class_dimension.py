from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Metrics a classification rule can test, with how a reason shows them.
RULE_METRICS = [
    ("revenue", "Revenue in window"),
    ("invoice_count", "Invoices in window"),
    ("average_invoice", "Average invoice"),
    ("lifetime_revenue", "Lifetime revenue"),
    ("clv", "Customer lifetime value"),
    ("contribution", "Revenue contribution (%)"),
    ("open_balance", "Open balance"),
    ("avg_days_late", "Average days paid late"),
    ("r_score", "Recency score (1-5)"),
    ("f_score", "Frequency score (1-5)"),
    ("m_score", "Monetary score (1-5)"),
    ("value_tier_score", "Value tier score (A=3, B=2, C=1)"),
    ("days_since_last_invoice", "Days since last invoice"),
    ("customer_age_days", "Days since first invoice"),
    ("employee_count", "Employees"),
    ("annual_revenue", "Annual revenue (partner field)"),
    ("credit_score", "Credit score (0-100)"),
    ("late_share", "Invoices paid late (%)"),
    ("overdue_ratio", "Overdue share of open receivable (%)"),
    ("dso", "Days sales outstanding"),
    ("max_days_overdue", "Longest overdue (days)"),
    ("utilisation", "Credit limit utilisation (%)"),
]


class CustomerClassDimension(models.Model):
    """A way of classifying customers (type, value tier, segment...).

    A customer holds at most one class per dimension and company. The
    shipped dimensions mirror their class into a company-dependent field of
    the partner (``partner_field``), so partner lists can group by it.
    """

    _name = "customer.class.dimension"
    _description = "Customer Classification Dimension"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    automatic = fields.Boolean(
        default=True,
        help="Classified by its rules in the wizard and the scheduled job. Otherwise classes are only set by hand.",
    )
    window_months = fields.Integer(string="Window (months)", default=12, help="Months of history the metrics cover.")
    class_ids = fields.One2many("customer.class", "dimension_id", string="Classes")
    rule_ids = fields.One2many("customer.class.rule", "dimension_id", string="Rules")
    fallback_class_id = fields.Many2one(
        "customer.class",
        domain="[('dimension_id', '=', id)]",
        help="Class given when no rule matches; empty leaves such customers unclassified.",
    )
    partner_field = fields.Char(readonly=True, help="Technical: the partner field that mirrors this dimension's class.")

    _sql_constraints = [
        ("code_unique", "unique(code)", "A dimension code must be unique."),
    ]

    @api.constrains("fallback_class_id")
    def _check_fallback_class(self):
        for dimension in self.filtered("fallback_class_id"):
            fallback = dimension.fallback_class_id
            if fallback.dimension_id != dimension:
                raise ValidationError(
                    self.env._(
                        "The fallback class %(cls)s of %(dimension)s belongs to another dimension.",
                        cls=fallback.name,
                        dimension=dimension.name,
                    )
                )
            if not fallback.active:
                raise ValidationError(
                    self.env._(
                        "The fallback class %(cls)s of %(dimension)s is archived: restore it or choose another.",
                        cls=fallback.name,
                        dimension=dimension.name,
                    )
                )

    @api.model
    def _get_partner_field_map(self):
        """{dimension id: partner field name} of the mirrored dimensions."""
        return {
            dim.id: dim.partner_field
            for dim in self.with_context(active_test=False).search([("partner_field", "!=", False)])
            if dim.partner_field in self.env["res.partner"]._fields
        }
