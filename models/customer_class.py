from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_list

# The context of a field that holds the classes of one dimension: they go by
# their own name there, without their dimension's (see display_name).
SHORT_NAME = {"customer_class_short_name": True}


def holds_one_dimension(field):
    """Whether ``field`` holds the classes of one dimension: it asks for
    their short name (``SHORT_NAME``)."""
    return (
        field.type == "many2one"
        and field.comodel_name == "customer.class"
        and bool(field.context.get("customer_class_short_name"))
    )


class CustomerClass(models.Model):
    _name = "customer.class"
    _description = "Customer Class"
    _order = "dimension_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    dimension_id = fields.Many2one("customer.class.dimension", required=True, ondelete="cascade", index=True)
    color = fields.Integer()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    use_credit_limit = fields.Boolean(
        string="Sets Credit Limit",
        help="Customers of this class whose limit comes from their class get the credit limit below.",
    )
    credit_limit = fields.Float(
        string="Default Credit Limit",
        digits="Account",
        help="In the invoicing company's currency. 0 means no credit at all; for no limit, leave "
        "'Sets Credit Limit' unticked.",
    )

    _sql_constraints = [
        ("code_dimension_unique", "unique(dimension_id, code)", "A class code must be unique in its dimension."),
    ]

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for record in self:
            if record.credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The default credit limit of %(class)s cannot be negative: enter 0 for no credit at all, or "
                        "untick Sets Credit Limit.",
                        **{"class": record.display_name},
                    )
                )

    @api.constrains("active")
    def _check_archived_classes_unused(self):
        """A class that an active rule gives, or that is a dimension's
        fallback, stays active: the classifier would keep handing it out."""
        archived = self.filtered(lambda c: not c.active)
        if not archived:
            return
        rules = self.env["customer.class.rule"].search([("class_id", "in", archived.ids)])
        dimensions = self.env["customer.class.dimension"].search([("fallback_class_id", "in", archived.ids)])
        for record in archived:
            givers = rules.filtered(lambda r, c=record: r.class_id == c).mapped("name") + [
                self.env._("the fallback of %(dimension)s", dimension=dimension.name)
                for dimension in dimensions.filtered(lambda d, c=record: d.fallback_class_id == c)
            ]
            if givers:
                raise ValidationError(
                    self.env._(
                        "Class %(cls)s cannot be archived while %(givers)s still give it: archive or change "
                        "those rules, or choose another fallback class, first.",
                        cls=record.name,
                        givers=", ".join(givers),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_use(self):
        """A class that customers hold, that the history logs or that posted
        documents carry is archived, not deleted: deleting it would take it
        off those customers and rewrite the log and the frozen documents."""
        for cls, uses in self._uses().items():
            raise UserError(
                self.env._(
                    "Class %(cls)s cannot be deleted: %(uses)s. Archive it instead: it stays where it is "
                    "named and is no longer given.",
                    cls=cls.name,
                    uses=format_list(self.env, uses),
                )
            )

    def _uses(self):
        """What keeps each of these classes: {class: [uses, worded]}, in the
        order of their ids, for the classes in use only."""
        self.env["customer.class.assignment"].flush_model(["class_id"])
        self.env["customer.class.history"].flush_model(["old_class_id", "new_class_id"])
        self.env["account.move"].flush_model(["customer_class_ids"])
        uses = [
            self.env._("customers hold it"),
            self.env._("the classification history records it"),
            self.env._("posted documents carry it"),
        ]
        rows = self.env.execute_query(
            SQL(
                """SELECT c.id,
                          EXISTS(SELECT FROM customer_class_assignment a WHERE a.class_id = c.id),
                          EXISTS(SELECT FROM customer_class_history h WHERE h.old_class_id = c.id)
                              OR EXISTS(SELECT FROM customer_class_history h WHERE h.new_class_id = c.id),
                          EXISTS(SELECT FROM account_move_customer_class_rel r WHERE r.class_id = c.id)
                     FROM customer_class c
                    WHERE c.id = ANY(%s)
                    ORDER BY c.id""",
                self.ids,
            )
        )
        return {
            self.browse(class_id): [use for use, flag in zip(uses, flags, strict=True) if flag]
            for class_id, *flags in rows
            if any(flags)
        }

    @api.depends("name", "dimension_id.name")
    @api.depends_context("lang", "customer_class_short_name")
    def _compute_display_name(self):
        """Where classes of several dimensions stand side by side (tags on
        customers and documents, group headers, pickers), the classes of a
        dimension that shares a class name with another (Value Tier "A" and
        Credit Grade "A") are named with their dimension. A field of one
        dimension asks for the short name with the
        ``customer_class_short_name`` context."""
        sharing = set()
        if not self.env.context.get("customer_class_short_name"):
            groups = (
                self.sudo()
                .with_context(active_test=False)
                ._read_group([], ["name"], ["dimension_id:array_agg"], having=[("dimension_id:count_distinct", ">", 1)])
            )
            sharing = {dimension_id for _name, dimension_ids in groups for dimension_id in dimension_ids}
        for record in self:
            if record.dimension_id.id in sharing:
                record.display_name = record._qualified_name(record.dimension_id, record.name)
            else:
                record.display_name = record.name

    @api.model
    def _qualified_name(self, dimension, name):
        return self.env._("%(dimension)s: %(cls)s", dimension=dimension.name, cls=name)

    @api.model
    def _strip_dimension_name(self, dimension_id, name):
        """``name`` without the name of the dimension ``dimension_id`` put
        before it by display_name."""
        prefix = self._qualified_name(self.env["customer.class.dimension"].browse(dimension_id), "")
        return name[len(prefix) :] if name.startswith(prefix) else name

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Within one dimension when the context names it (the import of a
        partner's class column: classes of different dimensions share
        names)."""
        dimension_id = self.env.context.get("customer_class_dimension_id")
        if dimension_id:
            args = [*(args or []), ("dimension_id", "=", dimension_id)]
        return super().name_search(name=name, args=args, operator=operator, limit=limit)
