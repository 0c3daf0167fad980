from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_list


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
        off those customers and rewrite the log and the frozen documents.
        (Deleting a whole dimension removes its classes with everything that
        names them, on purpose.)"""
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
        for class_id, *flags in rows:
            found = [use for use, flag in zip(uses, flags, strict=True) if flag]
            if found:
                raise UserError(
                    self.env._(
                        "Class %(cls)s cannot be deleted: %(uses)s. Archive it instead: it stays where it is "
                        "named and is no longer given.",
                        cls=self.browse(class_id).name,
                        uses=format_list(self.env, found),
                    )
                )

    def _compute_display_name(self):
        for record in self:
            record.display_name = record.name

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Within one dimension when the context names it (the import of a
        partner's class column: classes of different dimensions share
        names)."""
        dimension_id = self.env.context.get("customer_class_dimension_id")
        if dimension_id:
            args = [*(args or []), ("dimension_id", "=", dimension_id)]
        return super().name_search(name=name, args=args, operator=operator, limit=limit)
