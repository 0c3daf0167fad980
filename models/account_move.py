from collections import defaultdict

from odoo import api, fields, models
from odoo.tools.sql import column_exists, create_column, create_index

from .customer_class import SHORT_NAME
from .res_partner import CLASS_FIELDS

CUSTOMER_DOCUMENT_TYPES = ("out_invoice", "out_refund")
# The shipped dimensions' classes stamped in columns of their own on posted
# documents and their journal items.
MOVE_CLASS_FIELDS = (*CLASS_FIELDS, "credit_grade_id")


def _class_stamp(string):
    return fields.Many2one(
        "customer.class",
        string=string,
        readonly=True,
        copy=False,
        index="btree_not_null",
        context=SHORT_NAME,
        help="The customer's class when the document was posted; later reclassification leaves it unchanged.",
    )


def _create_columns_without_compute(cr, table, fnames):
    """Add the columns of new stored fields empty, so that installing on a
    large ledger does not compute them for every existing row (documents
    posted before the install carry no class)."""
    for fname in fnames:
        if not column_exists(cr, table, fname):
            create_column(cr, table, fname, "int4")


class AccountMove(models.Model):
    _inherit = "account.move"

    customer_type_id = _class_stamp("Customer Type")
    value_tier_id = _class_stamp("Value Tier")
    rfm_segment_id = _class_stamp("Behaviour Segment")
    size_band_id = _class_stamp("Size Band")
    region_class_id = _class_stamp("Region")
    credit_grade_id = _class_stamp("Credit Grade")
    customer_class_ids = fields.Many2many(
        "customer.class",
        "account_move_customer_class_rel",
        "move_id",
        "class_id",
        string="Customer Classes",
        readonly=True,
        copy=False,
        help="All the customer's classes when the document was posted.",
    )

    def _auto_init(self):
        _create_columns_without_compute(self.env.cr, self._table, MOVE_CLASS_FIELDS)
        return super()._auto_init()

    def init(self):
        result = super().init()
        # A customer's draft invoices count towards its credit exposure: the
        # check at posting looks them up for one customer, which without
        # this (small) index scans every move's state.
        create_index(
            self.env.cr,
            "account_move_customer_draft_invoice_idx",
            self._table,
            ["commercial_partner_id"],
            where="state = 'draft' AND move_type = 'out_invoice'",
        )
        return result

    customer_credit_banner = fields.Text(
        string="Credit Banner",
        compute="_compute_customer_credit_banner",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    customer_credit_banner_level = fields.Selection(
        [("info", "Info"), ("danger", "Danger")], compute="_compute_customer_credit_banner"
    )

    @api.depends("partner_id", "company_id", "state", "move_type", "amount_total_signed")
    def _compute_customer_credit_banner(self):
        """Available credit on draft customer invoices, before posting."""
        engine = self.env["customer.credit.engine"]
        for move in self:
            move.customer_credit_banner = False
            move.customer_credit_banner_level = "info"
            if (
                move.state != "draft"
                or move.move_type != "out_invoice"
                or not move.commercial_partner_id.id
                or move.company_id.customer_credit_mode == "off"
            ):
                continue
            move.customer_credit_banner, move.customer_credit_banner_level = engine._banner(move)

    def _post(self, soft=True):
        self.env["customer.credit.engine"]._check_invoices(self)
        posted = super()._post(soft=soft)
        posted.filtered(lambda m: m.move_type in CUSTOMER_DOCUMENT_TYPES)._stamp_customer_classes()
        return posted

    def _stamp_customer_classes(self):
        """Freeze the customer's classes in the document's company on it."""
        if not self:
            return
        Assignment = self.env["customer.class.assignment"].sudo()
        field_map = self.env["customer.class.dimension"]._get_partner_field_map()
        assignments = Assignment.search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        classes = defaultdict(lambda: self.env["customer.class"])
        for assignment in assignments:
            classes[(assignment.partner_id.id, assignment.company_id.id)] |= assignment.class_id
        groups = defaultdict(lambda: self.env["account.move"])
        for move in self:
            held = classes[(move.commercial_partner_id.id, move.company_id.id)]
            vals = dict.fromkeys(MOVE_CLASS_FIELDS, False)
            for cls in held:
                fname = field_map.get(cls.dimension_id.id)
                if fname in vals:
                    vals[fname] = cls.id
            vals["customer_class_ids"] = tuple(sorted(held.ids))
            groups[tuple(sorted(vals.items()))] |= move
        for key, moves in groups.items():
            vals = dict(key)
            vals["customer_class_ids"] = [fields.Command.set(list(vals["customer_class_ids"]))]
            moves.sudo().write(vals)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    customer_type_id = fields.Many2one(related="move_id.customer_type_id", store=True, string="Customer Type")
    value_tier_id = fields.Many2one(related="move_id.value_tier_id", store=True, string="Value Tier")
    rfm_segment_id = fields.Many2one(related="move_id.rfm_segment_id", store=True, string="Behaviour Segment")
    size_band_id = fields.Many2one(related="move_id.size_band_id", store=True, string="Size Band")
    region_class_id = fields.Many2one(related="move_id.region_class_id", store=True, string="Region")
    credit_grade_id = fields.Many2one(related="move_id.credit_grade_id", store=True, string="Credit Grade")
    # Every dimension's class, those an administrator added included: read
    # and searched through the document, not stored again on each item.
    customer_class_ids = fields.Many2many(related="move_id.customer_class_ids", string="Customer Classes")

    def _auto_init(self):
        _create_columns_without_compute(self.env.cr, self._table, MOVE_CLASS_FIELDS)
        return super()._auto_init()
