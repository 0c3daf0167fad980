import json

from lxml.builder import E

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, format_date, formatLang

from .customer_class import SHORT_NAME
from .customer_class_dimension import PARTNER_FIELD_PREFIX

# Shipped dimensions whose class is mirrored on the partner and stamped on
# the customer's invoices.
CLASS_FIELDS = ("customer_type_id", "value_tier_id", "rfm_segment_id", "size_band_id", "region_class_id")
# The window of the metrics shown on a partner, in months.
LEDGER_WINDOW_MONTHS = 12
# Metrics behind the classes on the Classification tab, in order.
LEDGER_FIGURES = (
    "ledger_revenue",
    "ledger_invoice_count",
    "ledger_average_invoice",
    "ledger_first_invoice_date",
    "ledger_last_invoice_date",
    "ledger_rfm",
    "ledger_clv",
    "ledger_contribution",
    "ledger_open_balance",
    "ledger_avg_days_late",
)


def _class_field(string, dimension_code):
    return fields.Many2one(
        "customer.class",
        string=string,
        company_dependent=True,
        tracking=True,
        domain=[("dimension_id.code", "=", dimension_code)],
        context=SHORT_NAME,
        help="Set by the classification rules, or by hand (which locks it against reclassification).",
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    employee_count = fields.Integer(
        string="Employees",
        help="Headcount of the customer; used to band customers by size.",
    )
    annual_revenue = fields.Monetary(
        currency_field="currency_id",
        help="Yearly turnover of the customer, in company currency; used to band customers by size.",
    )
    customer_type_id = _class_field("Customer Type", "customer_type")
    value_tier_id = _class_field("Value Tier", "value_tier")
    rfm_segment_id = _class_field("Behaviour Segment", "rfm_segment")
    size_band_id = _class_field("Size Band", "size_band")
    region_class_id = _class_field("Region", "region")
    credit_grade_id = _class_field("Credit Grade", "credit_grade")
    customer_class_ids = fields.Many2many(
        "customer.class",
        string="Classes",
        compute="_compute_customer_class_ids",
        search="_search_customer_class_ids",
        help="Classes of the customer in the current company, all dimensions.",
    )
    customer_class_assignment_ids = fields.One2many(
        "customer.class.assignment",
        "partner_id",
        string="Classification",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )
    commercial_class_assignment_ids = fields.One2many(
        related="commercial_partner_id.customer_class_assignment_ids",
        string="Classification of the customer",
        help="The classes of the customer (for a contact, of its company) in the current company, and why.",
    )
    customer_class_history_count = fields.Integer(compute="_compute_customer_class_history_count")
    can_set_customer_class = fields.Boolean(
        compute="_compute_can_set_customer_class",
        help="Technical: the user may set classes by hand (the class fields are read-only otherwise).",
    )
    ledger_revenue = fields.Monetary(string="Revenue (window)", compute="_compute_ledger_metrics")
    ledger_invoice_count = fields.Integer(string="Invoices (window)", compute="_compute_ledger_metrics")
    ledger_first_invoice_date = fields.Date(string="First invoice", compute="_compute_ledger_metrics")
    ledger_last_invoice_date = fields.Date(string="Last invoice", compute="_compute_ledger_metrics")
    ledger_average_invoice = fields.Monetary(string="Average invoice", compute="_compute_ledger_metrics")
    ledger_clv = fields.Monetary(string="Customer lifetime value", compute="_compute_ledger_metrics")
    ledger_contribution = fields.Float(string="Revenue contribution (%)", compute="_compute_ledger_metrics")
    ledger_open_balance = fields.Monetary(string="Open balance", compute="_compute_ledger_metrics")
    ledger_avg_days_late = fields.Float(string="Average days paid late", compute="_compute_ledger_metrics")
    ledger_rfm = fields.Char(string="R / F / M", compute="_compute_ledger_metrics")

    @api.model
    def _from_action_context(self):
        """The partners an action was started on: those selected in a list,
        or the one open in its form; none from a menu."""
        if self.env.context.get("active_model") == "res.partner":
            return self.browse(self.env.context.get("active_ids") or [])
        return self.browse()

    @api.model
    def _customer_class_fields(self):
        """Names of the partner fields that hold a class: the shipped
        dimensions' and those made for the dimensions an administrator
        added."""
        return [*CLASS_FIELDS, "credit_grade_id"] + [
            name for name, field in self._fields.items() if name.startswith(PARTNER_FIELD_PREFIX) and field.manual
        ]

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + self._customer_class_fields()

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The dimensions an administrator added appear where the shipped
        ones do, after them in the dimensions' order: their class fields on
        the partner form's Classification tab, a group-by each in the
        partner search."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            anchor = arch.find(".//group[@name='classes']/field[@name='credit_grade_id']")

            def node(dimension):
                return E.field(
                    name=dimension.partner_field, options="{'no_create': True}", readonly=anchor.get("readonly")
                )

        elif view_type == "search":
            anchor = arch.find(".//filter[@name='group_credit_grade']")

            def node(dimension):
                return E.filter(
                    name=f"group_{dimension.partner_field}",
                    string=dimension.name,
                    context=repr({"group_by": dimension.partner_field}),
                )

        else:
            anchor = None
        if anchor is not None:
            for dimension in reversed(self._added_class_dimensions()):
                anchor.addnext(node(dimension))
        return arch, view

    @api.model
    def _added_class_dimensions(self):
        """Active dimensions an administrator added, with their partner field."""
        return (
            self.env["customer.class.dimension"]
            .sudo()
            .search([("partner_field", "=like", f"{PARTNER_FIELD_PREFIX}%")])
            .filtered(lambda dimension: dimension.partner_field in self._fields)
        )

    @api.depends("commercial_partner_id.customer_class_assignment_ids.class_id")
    @api.depends_context("company")
    def _compute_customer_class_ids(self):
        assignments = self.env["customer.class.assignment"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {}
        for assignment in assignments:
            by_partner.setdefault(assignment.partner_id.id, self.env["customer.class"])
            by_partner[assignment.partner_id.id] |= assignment.class_id
        for partner in self:
            partner.customer_class_ids = by_partner.get(partner.commercial_partner_id.id, False)

    def _search_customer_class_ids(self, operator, value):
        assignments = self.env["customer.class.assignment"]._search(
            [
                ("class_id", operator, value),
                ("company_id", "=", self.env.company.id),
            ]
        )
        return [("commercial_partner_id", "in", assignments.subselect("partner_id"))]

    @api.depends_context("uid")
    def _compute_can_set_customer_class(self):
        self.can_set_customer_class = self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager")

    def _compute_customer_class_history_count(self):
        counts = dict(
            self.env["customer.class.history"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "in", self.env.companies.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.customer_class_history_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends_context("company")
    def _compute_ledger_metrics(self):
        """Metrics behind the classes, for the displayed customers at once."""
        company = self.env.company
        commercial = self.commercial_partner_id.filtered("id")
        values = (
            self.env["customer.classifier"]._get_rule_values(
                commercial, company, fields.Date.context_today(self), LEDGER_WINDOW_MONTHS
            )
            if commercial
            else {}
        )
        for partner in self:
            row = values.get(partner.commercial_partner_id.id, {})
            partner.ledger_revenue = row.get("revenue") or 0.0
            partner.ledger_invoice_count = row.get("invoice_count") or 0
            partner.ledger_first_invoice_date = row.get("first_invoice_date")
            partner.ledger_last_invoice_date = row.get("last_invoice_date")
            partner.ledger_average_invoice = row.get("average_invoice") or 0.0
            partner.ledger_clv = row.get("clv") or 0.0
            partner.ledger_contribution = row.get("contribution") or 0.0
            partner.ledger_open_balance = row.get("open_balance") or 0.0
            partner.ledger_avg_days_late = row.get("avg_days_late") or 0.0
            scores = [row.get(k) for k in ("r_score", "f_score", "m_score")]
            partner.ledger_rfm = " / ".join(str(s) for s in scores) if all(scores) else False

    def get_ledger_figures(self):
        """The metrics behind the classes of this partner's customer in the
        current company, each as ``{name, string, help, value}`` with its
        value worded as the user reads it. The Classification tab asks for
        them once it is opened rather than with the form: the scores, tier
        and contribution rank the customer among all the company's
        customers, which reads the window's documents of them all."""
        self.ensure_one()
        self.check_access("read")
        descriptions = self.fields_get(list(LEDGER_FIGURES), ["string", "help"])
        figures = []
        for fname in LEDGER_FIGURES:
            figures.append(
                {
                    "name": fname,
                    "string": descriptions[fname]["string"],
                    "help": descriptions[fname].get("help") or "",
                    "value": self._ledger_figure_text(fname),
                }
            )
        return figures

    def _ledger_figure_text(self, fname):
        """The value of the metric field ``fname`` worded in the user's
        language, as the form would display it."""
        field, value = self._fields[fname], self[fname]
        if field.type == "monetary":
            return formatLang(self.env, value, currency_obj=self.env.company.currency_id)
        if field.type == "integer":
            return formatLang(self.env, value, digits=0)
        if field.type == "float":
            return formatLang(self.env, value, digits=2)
        if field.type == "date":
            return format_date(self.env, value) if value else ""
        return value or ""

    @api.constrains("employee_count", "annual_revenue")
    def _check_customer_size_figures(self):
        for partner in self:
            if partner.employee_count < 0 or partner.annual_revenue < 0:
                raise ValidationError(
                    self.env._(
                        "%(customer)s: the employees and the annual revenue cannot be negative.",
                        customer=partner.display_name,
                    )
                )

    def _fields_changed_by(self, vals, fnames):
        """The fields of ``fnames`` that writing ``vals`` would change on at
        least one of these partners. Writing back the value a partner holds
        (as the Contacts merge and imports of whole records do) changes
        nothing and needs no particular right."""
        partners = self.sudo()
        changed = []
        for fname in fnames:
            if fname not in vals:
                continue
            field = self._fields[fname]
            new = field.convert_to_record(field.convert_to_cache(vals[fname], partners), partners)
            if any(partner[fname] != new for partner in partners):
                changed.append(fname)
        return changed

    @api.model
    def _check_class_dimensions(self, vals, fnames):
        """Refuse a class given to the field of another dimension (Value
        Tier "A" and Credit Grade "A" share a name, and an import matches
        classes by name)."""
        dimensions = self.env["customer.class.dimension"]._get_field_dimension_map()
        for fname in fnames:
            class_id = self._fields[fname].convert_to_cache(vals.get(fname), self, validate=False)
            customer_class = self.env["customer.class"].sudo().browse(class_id)
            dimension = self.env["customer.class.dimension"].browse(dimensions.get(fname)).sudo()
            if customer_class and dimension and customer_class.dimension_id != dimension:
                raise ValidationError(
                    self.env._(
                        "%(cls)s is a class of %(other)s, not of %(dimension)s: choose one of %(dimension)s.",
                        cls=customer_class.name,
                        other=customer_class.dimension_id.name,
                        dimension=dimension.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        """Classes given when customers are created (imported with their
        customer type, say) are set by hand: they need the same right, and
        are locked and logged as when set afterwards."""
        given = [f for f in self._customer_class_fields() if any(vals.get(f) for vals in vals_list)]
        if (
            given
            and not self.env.su
            and not self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager")
        ):
            raise AccessError(self.env._("Only classification managers can set customer classes."))
        for vals in vals_list:
            self._check_class_dimensions(vals, given)
        partners = super().create(vals_list)
        if given:
            partners._record_manual_classes(given)
        return partners

    def write(self, vals):
        """A class set by hand is locked and logged."""
        manual = [f for f in self._customer_class_fields() if f in vals]
        partners = self
        if manual and not self.env.su:
            if self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager"):
                if set(vals) <= set(manual):
                    # Classification managers set classes without the right
                    # to edit contacts; the change is still tracked and
                    # logged as theirs.
                    partners = self.sudo()
            elif self._fields_changed_by(vals, manual):
                raise AccessError(self.env._("Only classification managers can set customer classes."))
        self._check_class_dimensions(vals, manual)
        result = super(ResPartner, partners).write(vals)
        if manual:
            self._record_manual_classes(manual)
        if "parent_id" in vals:
            self._settle_classes_of_moved_partners()
        return result

    def unlink(self):
        """A customer deleted keeps its classification history, under its name."""
        self.env["customer.class.history"]._keep_deleted_customers(self)
        return super().unlink()

    def _settle_classes_of_moved_partners(self):
        """After these partners were given another company, or none.
        Customers that became contacts of a company hold no classes of
        their own any more (their company's show on them): their classes
        go, in every company, and the history says why. Contacts that left
        their company show the classes they hold themselves, not their
        former company's."""
        contacts = self.filtered(lambda partner: partner.commercial_partner_id != partner)
        independent = self - contacts
        if independent:
            dimensions = self.env["customer.class.dimension"].with_context(active_test=False).search([])
            dimensions._mirror_classes_on_partners(independent)
        assignments = self.env["customer.class.assignment"].sudo().search([("partner_id", "in", contacts.ids)])
        if not assignments:
            return
        reason = self.env["customer.classifier"]._reason
        self.env["customer.class.history"].sudo()._log_changes(
            [
                {
                    "partner_id": assignment.partner_id.id,
                    "company_id": assignment.company_id.id,
                    "dimension_id": assignment.dimension_id.id,
                    "old_class_id": assignment.class_id.id,
                    "reason": reason("contact", company=assignment.partner_id.commercial_partner_id.display_name),
                }
                for assignment in assignments
            ]
        )
        assignments.unlink()
        self.invalidate_recordset(
            ["customer_class_assignment_ids", "commercial_class_assignment_ids", "customer_class_ids"]
        )

    def _record_manual_classes(self, fnames):
        # Write the partners' class fields before their assignments: when a
        # classification changed these customers after this transaction
        # began, the row update fails with a serialization error (retried by
        # Odoo on the new classes) before any assignment clashes with one
        # the classification inserted.
        self.flush_recordset(fnames)
        dimensions = self.env["customer.class.dimension"]._get_field_dimension_map()
        partners = self.filtered(lambda p: p == p.commercial_partner_id)
        for fname in fnames:
            dimension = self.env["customer.class.dimension"].browse(dimensions.get(fname))
            if dimension:
                partners._record_manual_class(dimension, {partner: partner[fname] for partner in partners})

    def _record_manual_class(self, dimension, new_classes):
        """Give the commercial partners of ``new_classes`` (``{partner:
        class}``, an empty class removes it) their class in ``dimension``
        for the current company by hand: locked, with who set it and when,
        and logged. Returns ``{partner: (old class, new class)}`` of the
        partners whose class changed.

        The classes are written in one statement. A new assignment is
        inserted or, when a classification inserted one since this
        transaction began, refused with a serialization failure (which Odoo
        retries on the new classes) rather than a duplicate."""
        company = self.env.company
        Assignment = self.env["customer.class.assignment"]
        assignments = Assignment._get_assignments(self.browse([p.id for p in new_classes]), company)
        now = fields.Datetime.now()
        reason = self.env["customer.classifier"]._reason(
            "set", user=self.env.user.name, date=fields.Date.to_string(fields.Date.context_today(self))
        )
        history, changed, set_rows = [], {}, []
        removed = Assignment
        for partner, new_class in new_classes.items():
            assignment = assignments.get((partner.id, dimension.id))
            old_class = assignment.class_id if assignment else self.env["customer.class"]
            if new_class == old_class:
                continue
            if new_class:
                set_rows.append((partner.id, new_class.id))
            else:
                removed |= assignment
            changed[partner] = (old_class, new_class)
            history.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "dimension_id": dimension.id,
                    "old_class_id": old_class.id,
                    "new_class_id": new_class.id,
                    "date": now,
                    "user_id": self.env.uid,
                    "reason": reason,
                }
            )
        removed.sudo().unlink()
        if set_rows:
            Assignment.flush_model()
            self.env.execute_query(
                SQL(
                    """INSERT INTO customer_class_assignment
                              (partner_id, company_id, dimension_id, class_id, locked, reason, user_id, date)
                       SELECT s.partner_id, %(company)s, %(dimension)s, s.class_id, TRUE, %(reason)s::jsonb, %(uid)s,
                              %(now)s
                         FROM unnest(%(partners)s::int[], %(classes)s::int[]) AS s(partner_id, class_id)
                           ON CONFLICT (partner_id, company_id, dimension_id) DO UPDATE
                              SET class_id = EXCLUDED.class_id, locked = TRUE, reason = EXCLUDED.reason,
                                  rule_id = NULL, user_id = EXCLUDED.user_id, date = EXCLUDED.date""",
                    company=company.id,
                    dimension=dimension.id,
                    reason=json.dumps(reason),
                    uid=self.env.uid,
                    now=now,
                    partners=[partner_id for partner_id, _class_id in set_rows],
                    classes=[class_id for _partner_id, class_id in set_rows],
                )
            )
        Assignment.invalidate_model()
        self.invalidate_model(
            ["customer_class_assignment_ids", "commercial_class_assignment_ids", "customer_class_ids"]
        )
        self.env["customer.class.history"].sudo()._log_changes(history)
        return changed

    def _set_customer_class(self, dimension, customer_class):
        """Set ``customer_class`` (or none) in ``dimension`` by hand on the
        commercial partners of these partners, in the current company. A
        dimension mirrored on the partner is written to its field, which
        tracks it; a dimension whose field is gone (removed by hand, until
        the next update makes it again) has its change noted in the
        chatter."""
        partners = self.commercial_partner_id
        fname = dimension.partner_field
        if fname and fname in self._fields:
            partners.write({fname: customer_class.id})
            return
        changed = partners._record_manual_class(dimension, dict.fromkeys(partners, customer_class))
        partners.browse([partner.id for partner in changed])._message_log_batch(
            {
                partner.id: self.env._(
                    "%(dimension)s: %(old)s → %(new)s, set by hand",
                    dimension=dimension.name,
                    old=old.name or "-",
                    new=new.name or "-",
                )
                for partner, (old, new) in changed.items()
            }
        )

    def action_unlock_customer_classes(self):
        """Unlock the classes the selected customers hold in the current
        company, all dimensions."""
        assignments = self.env["customer.class.assignment"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("locked", "=", True),
            ]
        )
        assignments.action_unlock()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s locked classes unlocked.", count=len(assignments)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_customer_class_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_customer_ledger.customer_class_history_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_group_by_dimension": 0}
        return action
