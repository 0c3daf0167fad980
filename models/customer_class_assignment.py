from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class CustomerClassAssignment(models.Model):
    """The class a customer holds in one dimension for one company, with
    why it was given and whether it is locked against reclassification."""

    _name = "customer.class.assignment"
    _description = "Customer Class Assignment"
    _order = "partner_id, dimension_id"
    _check_company_auto = True
    # ``date`` and ``user_id`` say when and by whom the class was set; the
    # classifier writes assignments by the hundred thousand.
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)
    dimension_id = fields.Many2one("customer.class.dimension", required=True, ondelete="cascade")
    class_id = fields.Many2one("customer.class", required=True, ondelete="restrict")
    color = fields.Integer(related="class_id.color")
    locked = fields.Boolean(help="Locked classes are left alone by the wizard and the scheduled job.")
    reason = fields.Char(readonly=True, translate=True)
    rule_id = fields.Many2one("customer.class.rule", ondelete="set null", readonly=True)
    user_id = fields.Many2one("res.users", string="Set by", readonly=True)
    date = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "partner_company_dimension_unique",
            "unique(partner_id, company_id, dimension_id)",
            "A customer holds one class per dimension and company.",
        ),
    ]

    @api.model
    def _get_assignments(self, partners, company):
        """{(partner id, dimension id): assignment} for ``company``."""
        records = self.search([("partner_id", "in", partners.ids), ("company_id", "=", company.id)])
        return {(rec.partner_id.id, rec.dimension_id.id): rec for rec in records}

    @api.model
    def _merge_customers(self, merged, kept):
        """Before the customers ``merged`` are merged into ``kept``: in each
        company and dimension, ``kept`` keeps its class or, holding none,
        takes the one most recently set on the merged customers (locked or
        not, with its reason), which its history logs. The merged
        customers' other classes go with them (all of them when ``kept`` is
        a contact of a company)."""
        self.flush_model()
        # Classes belong to commercial partners: a contact kept takes none.
        customer = kept.commercial_partner_id == kept
        rows = customer and self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (a.company_id, a.dimension_id) a.id
                     FROM customer_class_assignment a
                    WHERE a.partner_id = ANY(%(merged)s)
                      AND NOT EXISTS (SELECT FROM customer_class_assignment k
                                       WHERE k.partner_id = %(kept)s AND k.company_id = a.company_id
                                         AND k.dimension_id = a.dimension_id)
                    ORDER BY a.company_id, a.dimension_id, a.date DESC NULLS LAST, a.id DESC""",
                merged=merged.ids,
                kept=kept.id,
            )
        )
        taken = self.sudo().browse([row[0] for row in rows or ()])
        reason = self.env["customer.classifier"]._reason
        self.env["customer.class.history"].sudo()._log_changes(
            [
                {
                    "partner_id": kept.id,
                    "company_id": assignment.company_id.id,
                    "dimension_id": assignment.dimension_id.id,
                    "new_class_id": assignment.class_id.id,
                    "rule_id": assignment.rule_id.id,
                    "reason": reason("merged", customer=assignment.partner_id.display_name),
                }
                for assignment in taken
            ]
        )
        taken.write({"partner_id": kept.id})
        self.sudo().search([("partner_id", "in", merged.ids)]).unlink()

    def action_unlock(self):
        """Hand locked classes back to the rules: the class stays until the
        next classification decides it; the customer's chatter says who
        unlocked what."""
        if not self.env.su and not self.env.user.has_group("account_customer_ledger.group_customer_ledger_manager"):
            raise AccessError(self.env._("Only classification managers can unlock customer classes."))
        locked = self.filtered("locked")
        locked.sudo().write({"locked": False})
        by_partner = locked.grouped("partner_id")
        locked.partner_id._message_log_batch(
            {
                partner.id: Markup("<br/>").join(
                    self.env._(
                        "%(dimension)s: %(cls)s unlocked by %(user)s, the rules decide it from the next classification",
                        dimension=assignment.dimension_id.name,
                        cls=assignment.class_id.name,
                        user=self.env.user.name,
                    )
                    for assignment in assignments
                )
                for partner, assignments in by_partner.items()
            }
        )
        return True
