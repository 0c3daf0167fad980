from odoo import api, fields, models
from odoo.tools import SQL

from .customer_classifier import translated_columns


def proposed_changes(proposals):
    """The proposals that change a class, locked ones included (a preview
    shows them, marked; Apply leaves them alone)."""
    return [p for p in proposals if p["new_class_id"] != p["old_class_id"]]


class CustomerClassChange(models.AbstractModel):
    """A class change that a preview proposes: the lines of the Classify
    Customers wizard and of a preview run in the background."""

    _name = "customer.class.change"
    _description = "Proposed Class Change"
    _order = "dimension_id, partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    old_class_id = fields.Many2one("customer.class", string="Now", readonly=True)
    new_class_id = fields.Many2one("customer.class", string="Proposed", readonly=True)
    reason = fields.Char(readonly=True, translate=True)
    locked = fields.Boolean(readonly=True, help="Locked: the current class stays.")

    @api.model
    def _insert_changes(self, changes, values):
        """Insert ``changes`` (proposals) in one statement, each row with the
        ``values`` (``{column: value}``) of its owner: a first
        classification of a whole ledger proposes four changes per
        customer."""
        if not changes:
            return
        self.flush_model()
        uid, now = self.env.uid, fields.Datetime.now()
        columns = list(values)
        reasons, reason_columns, reason = translated_columns([c["reason"] for c in changes], "c")
        self.env.execute_query(
            SQL(
                """INSERT INTO %(table)s
                          (%(columns)s, partner_id, dimension_id, old_class_id, new_class_id, reason, locked,
                           create_uid, create_date, write_uid, write_date)
                   SELECT %(values)s, c.partner_id, c.dimension_id, c.old_class_id, c.new_class_id, %(reason)s,
                          c.locked, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(partners)s::int[], %(dimensions)s::int[], %(old)s::int[], %(new)s::int[],
                                 %(locked)s::bool[], %(reasons)s)
                          AS c(partner_id, dimension_id, old_class_id, new_class_id, locked, %(reason_columns)s)""",
                table=SQL.identifier(self._table),
                columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                values=SQL(", ").join(SQL("%s", values[column]) for column in columns),
                uid=uid,
                now=now,
                partners=[c["partner_id"] for c in changes],
                dimensions=[c["dimension_id"] for c in changes],
                old=[c["old_class_id"] or None for c in changes],
                new=[c["new_class_id"] or None for c in changes],
                reasons=reasons,
                reason_columns=reason_columns,
                reason=reason,
                locked=[bool(c["locked"]) for c in changes],
            )
        )
        self.invalidate_model()


class CustomerClassCount(models.AbstractModel):
    """How many customers a class holds before and after a preview's
    changes, customers without a class counted as *Unclassified*."""

    _name = "customer.class.count"
    _description = "Classes Before and After"
    _order = "dimension_id, class_id"

    dimension_id = fields.Many2one("customer.class.dimension", readonly=True)
    class_id = fields.Many2one("customer.class", string="Customer class", readonly=True)
    class_label = fields.Char(string="Class", compute="_compute_class_label")
    before = fields.Integer(readonly=True)
    after = fields.Integer(readonly=True)

    @api.depends("class_id")
    def _compute_class_label(self):
        for line in self:
            line.class_label = line.class_id.name or self.env._("Unclassified")

    @api.model
    def _count_proposals(self, proposals):
        """``{(dimension id, class id or False): [before, after]}``; a
        locked customer keeps its class."""
        counts = {}
        for p in proposals:
            final = p["old_class_id"] if p["locked"] else p["new_class_id"]
            for class_id, index in ((p["old_class_id"], 0), (final, 1)):
                # Customers without a class count too: the ones a change
                # leaves without one show where they go.
                counts.setdefault((p["dimension_id"], class_id or False), [0, 0])[index] += 1
        return counts
