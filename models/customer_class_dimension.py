from contextlib import contextmanager

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_list

# Partner fields made for the dimensions an administrator adds.
PARTNER_FIELD_PREFIX = "x_customer_class_"
# Seconds a dimension's field waits for the partner table (see
# _altering_partner_table).
PARTNER_TABLE_LOCK_TIMEOUT = 5
# Shipped dimensions whose partner field came after the dimension: given it
# on update.
SHIPPED_PARTNER_FIELDS = {"account_customer_ledger.dimension_credit_grade": "credit_grade_id"}
# Models given a class field for each dimension an administrator adds, with
# what their field has of its own: the partner's holds the current class
# per company, Invoice Analysis reads the class stamped at posting.
CLASS_FIELD_MODELS = {
    "res.partner": {"company_dependent": True, "tracking": 100},
    "account.invoice.report": {},
}

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


@contextmanager
def _altering_partner_table(env):
    """Add or drop a column of the partner table without stalling Odoo.

    Altering a table waits until every transaction that read it ends, and
    meanwhile queues every new reader behind it: a dimension added while a
    long classification batch runs would freeze all partner screens. The
    wait is capped instead; past it, nothing is changed and the user is
    asked to try again."""
    cr = env.cr
    try:
        with cr.savepoint():
            cr.execute(SQL("SET LOCAL lock_timeout = %s", f"{PARTNER_TABLE_LOCK_TIMEOUT}s"))
            yield
    except psycopg2.errors.LockNotAvailable:
        raise UserError(
            env._(
                "Customers are being classified or edited right now, and a dimension's field on the partner "
                "cannot be added or removed meanwhile. Nothing was changed: please try again in a moment."
            )
        ) from None
    cr.execute("SET LOCAL lock_timeout TO DEFAULT")


class CustomerClassDimension(models.Model):
    """A way of classifying customers (type, value tier, segment...).

    A customer holds at most one class per dimension and company, mirrored
    into a company-dependent field of the partner (``partner_field``) so
    that partner lists filter and group by it: the shipped dimensions have
    fields of their own, a dimension an administrator adds gets a custom
    field (``x_customer_class_<id>``) when it is created, dropped with it.
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
    partner_field = fields.Char(
        readonly=True, copy=False, help="Technical: the partner field that mirrors this dimension's class."
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "A dimension code must be unique."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        dimensions = super().create(vals_list)
        dimensions.filtered(lambda dimension: not dimension.partner_field)._create_partner_fields()
        return dimensions

    def copy_data(self, default=None):
        # A duplicate needs a code of its own; it gets its own partner field,
        # and its own classes (copied with the rules, in copy()).
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        for dimension, vals in zip(self, vals_list, strict=True):
            if "code" not in default:
                vals["code"] = f"{dimension.code}_copy"
            if "name" not in default:
                vals["name"] = self.env._("%s (copy)", dimension.name)
            if "fallback_class_id" not in default:
                vals["fallback_class_id"] = False
        return vals_list

    def copy(self, default=None):
        """Duplicate with the classes, the rules (giving the copied classes)
        and the fallback class; customers hold no class in the copy yet."""
        duplicates = super().copy(default=default)
        for dimension, duplicate in zip(self, duplicates, strict=True):
            origin = dimension.with_context(active_test=False)
            classes = dict(zip(origin.class_ids, origin.class_ids.copy({"dimension_id": duplicate.id}), strict=True))
            rules = origin.rule_ids.copy_data({"dimension_id": duplicate.id})
            for rule, vals in zip(origin.rule_ids, rules, strict=True):
                vals["class_id"] = classes[rule.class_id].id
            self.env["customer.class.rule"].create(rules)
            if dimension.fallback_class_id in classes and not (default or {}).get("fallback_class_id"):
                duplicate.fallback_class_id = classes[dimension.fallback_class_id]
        return duplicates

    def write(self, vals):
        result = super().write(vals)
        if "name" in vals:
            self._label_partner_fields()
        elif "active" in vals:
            # The partner form and searches show the active dimensions' fields.
            self.env.registry.clear_cache("templates")
        if vals.get("partner_field"):
            self._mirror_classes_on_partners()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shipped_or_in_use(self):
        """A shipped dimension's field stands in the addon's screens, which
        archiving it clears; deleting it would leave the field there with
        nothing to choose. Deleting a dimension deletes its classes: one
        that customers hold, that the history logs or that posted documents
        carry would vanish from them. Both are archived instead."""
        for dimension in self:
            if dimension.partner_field and not dimension.partner_field.startswith(PARTNER_FIELD_PREFIX):
                raise UserError(
                    self.env._(
                        "Dimension %(dimension)s comes with Customer Ledger and cannot be deleted. Archive it "
                        "instead: it is no longer classified, and its field leaves the customer screens.",
                        dimension=dimension.name,
                    )
                )
        classes = self.with_context(active_test=False).class_ids
        for cls, uses in classes._uses().items():
            raise UserError(
                self.env._(
                    "Dimension %(dimension)s cannot be deleted: its class %(cls)s is in use (%(uses)s). Archive "
                    "the dimension instead: its classes stay where they are named, and it is no longer classified.",
                    dimension=cls.dimension_id.name,
                    cls=cls.name,
                    uses=format_list(self.env, uses),
                )
            )

    def unlink(self):
        own_fields = self._own_partner_fields()
        result = super().unlink()
        # Dropping the column reloads the registry: done once, after the
        # dimensions (and their classes) are gone.
        with _altering_partner_table(self.env):
            own_fields.unlink()
        return result

    def _own_partner_fields(self):
        """The custom fields made for these dimensions, on the partner and on
        Invoice Analysis."""
        names = [d.partner_field for d in self if (d.partner_field or "").startswith(PARTNER_FIELD_PREFIX)]
        if not names:
            return self.env["ir.model.fields"]
        return (
            self.env["ir.model.fields"]
            .sudo()
            .search([("model", "in", list(CLASS_FIELD_MODELS)), ("name", "in", names), ("state", "=", "manual")])
        )

    def _create_partner_fields(self):
        """Give these dimensions a company-dependent class field on the
        partner, tracked and groupable like the shipped ones, and the same
        field on Invoice Analysis, which reads the class stamped on each
        document at posting; one registry reload for all of them."""
        if not self:
            return
        existing = {
            (field.model, field.name)
            for field in self.env["ir.model.fields"]
            .sudo()
            .search([("model", "in", list(CLASS_FIELD_MODELS)), ("name", "=like", f"{PARTNER_FIELD_PREFIX}%")])
        }
        vals_list = []
        for model_name, extra in CLASS_FIELD_MODELS.items():
            model = self.env["ir.model"]._get(model_name)
            for dimension in self:
                name = f"{PARTNER_FIELD_PREFIX}{dimension.id}"
                if (model_name, name) in existing:
                    continue
                vals_list.append(
                    {
                        "model_id": model.id,
                        "name": name,
                        "field_description": dimension.name,
                        "help": self._class_field_help(model_name, dimension),
                        "ttype": "many2one",
                        "relation": "customer.class",
                        "on_delete": "set null",
                        "domain": repr([("dimension_id", "=", dimension.id)]),
                        "copied": False,
                        "state": "manual",
                        **extra,
                    }
                )
        if vals_list:
            with _altering_partner_table(self.env):
                self.env["ir.model.fields"].sudo().create(vals_list)
        for dimension in self:
            dimension.partner_field = f"{PARTNER_FIELD_PREFIX}{dimension.id}"
        self._label_partner_fields()

    def _class_field_help(self, model_name, dimension):
        if model_name == "account.invoice.report":
            return self.env._(
                "Class of the customer in the dimension %(dimension)s when the document was posted.",
                dimension=dimension.name,
            )
        return self.env._(
            "Class of the customer in the dimension %(dimension)s, in the current company. Set by the "
            "classification rules, or by hand (which locks it against reclassification).",
            dimension=dimension.name,
        )

    def _label_partner_fields(self):
        """The custom partner field of a dimension is labelled with the
        dimension's name, in every installed language."""
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        names = {dimension.partner_field: dimension for dimension in self}
        for field in self._own_partner_fields():
            dimension = names[field.name]
            field.update_field_translations(
                "field_description", {lang: dimension.with_context(lang=lang).name for lang in langs}
            )
        # The partner and Invoice Analysis searches list these fields by
        # their labels.
        self.env.registry.clear_cache("templates")

    def _mirror_classes_on_partners(self, customers=None):
        """Copy the classes customers hold into these dimensions' partner
        fields, for every company: one UPDATE per dimension, contacts
        included (they share their company's class). Without ``customers``
        (commercial partners), for all that hold a class, as a dimension
        just given its field needs; with them, for these only, emptying the
        fields of those that hold none."""
        field_map = self._get_partner_field_map()
        Partner = self.env["res.partner"]
        self.env["customer.class.assignment"].flush_model()
        for dimension in self:
            fname = field_map.get(dimension.id)
            if not fname:
                continue
            if customers is None:
                held = SQL(
                    """SELECT partner_id, jsonb_object_agg(company_id::text, class_id) AS classes
                         FROM customer_class_assignment
                        WHERE dimension_id = %s
                        GROUP BY partner_id""",
                    dimension.id,
                )
            else:
                held = SQL(
                    """SELECT c.partner_id,
                              jsonb_object_agg(a.company_id::text, a.class_id) FILTER (WHERE a.id IS NOT NULL)
                                  AS classes
                         FROM unnest(%s::int[]) AS c(partner_id)
                         LEFT JOIN customer_class_assignment a
                                ON a.partner_id = c.partner_id AND a.dimension_id = %s
                        GROUP BY c.partner_id""",
                    customers.ids,
                    dimension.id,
                )
            Partner.flush_model([fname, "commercial_partner_id"])
            self.env.execute_query(
                SQL(
                    """UPDATE res_partner p
                          SET %(col)s = h.classes
                         FROM (%(held)s) h
                        WHERE p.commercial_partner_id = h.partner_id
                          AND p.%(col)s IS DISTINCT FROM h.classes""",
                    col=SQL.identifier(fname),
                    held=held,
                )
            )
            Partner.invalidate_model([fname])

    @api.model
    def _create_missing_partner_fields(self):
        """On install and update: a dimension whose partner field is gone
        (removed by hand, or never made) gets a custom one again, and one
        added before Invoice Analysis had such fields gets its field there."""
        partner_fields = self.env["res.partner"]._fields
        report_fields = self.env["account.invoice.report"]._fields
        dimensions = self.with_context(active_test=False).search([])
        for xmlid, fname in SHIPPED_PARTNER_FIELDS.items():
            shipped = self.env.ref(xmlid, raise_if_not_found=False)
            if shipped in dimensions and shipped.partner_field not in partner_fields:
                shipped.partner_field = fname
        missing = dimensions.filtered(lambda dimension: dimension.partner_field not in partner_fields)
        missing.partner_field = False
        unreported = dimensions.filtered(
            lambda dimension: (
                dimension.partner_field
                and dimension.partner_field.startswith(PARTNER_FIELD_PREFIX)
                and dimension.partner_field not in report_fields
            )
        )
        (missing | unreported)._create_partner_fields()

    @api.constrains("window_months")
    def _check_window_months(self):
        for dimension in self:
            if dimension.window_months <= 0:
                raise ValidationError(
                    self.env._(
                        "The window of %(dimension)s must be at least one month.", dimension=dimension.display_name
                    )
                )

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

    @api.model
    def _get_field_dimension_map(self):
        """{partner field name: dimension id} of the mirrored dimensions."""
        return {fname: dim_id for dim_id, fname in self._get_partner_field_map().items()}
