import logging

from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

CREDIT_EVENTS = [
    ("blocked", "Posting blocked"),
    ("warned", "Warned, posted"),
    ("exception_requested", "Exception requested"),
    ("exception_granted", "Exception granted"),
    ("exception_refused", "Exception refused"),
    ("exception_used", "Exception used"),
]


class CustomerCreditLog(models.Model):
    """Immutable record of every credit decision, with the exposure as it
    stood at that moment. Nobody edits or deletes its lines."""

    _name = "customer.credit.log"
    _description = "Customer Credit Log"
    _order = "create_date desc, id desc"
    _rec_name = "event"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    # A customer deleted (one never invoiced) leaves its lines, by name.
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True, ondelete="set null")
    partner_name = fields.Char(string="Customer Name", readonly=True)
    event = fields.Selection(CREDIT_EVENTS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, ondelete="set null")
    document = fields.Char(readonly=True, help="Reference of the document when the decision was made.")
    exception_id = fields.Many2one("customer.credit.exception", readonly=True, ondelete="set null")
    amount = fields.Monetary(string="Document Amount", readonly=True)
    credit_limit = fields.Monetary(readonly=True)
    has_limit = fields.Boolean(readonly=True)
    open_receivable = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True)
    draft = fields.Monetary(string="Draft Invoices", readonly=True)
    unapplied = fields.Monetary(string="Unapplied Credits", readonly=True)
    exposure = fields.Monetary(readonly=True)
    # The decision's message in every installed language (see
    # ``customer.credit.engine._block_note``); a person's words as written.
    note = fields.Text(readonly=True, translate=True)

    def write(self, vals):
        if self:
            raise UserError(self.env._("Credit log lines cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Credit log lines cannot be deleted."))

    @api.model
    def _values(self, event, company, partner, snapshot, moves=None, note=None, exception=None):
        snapshot = snapshot or {}
        limit = snapshot.get("limit")
        return {
            "event": event,
            "company_id": company.id,
            "partner_id": partner.id,
            "partner_name": partner.display_name,
            "move_id": moves[:1].id if moves and len(moves) == 1 else False,
            "document": ", ".join(m.name or "" for m in moves) if moves else False,
            "exception_id": exception.id if exception else False,
            "amount": snapshot.get("amount", 0.0),
            "credit_limit": limit or 0.0,
            "has_limit": limit is not None,
            "open_receivable": snapshot.get("open_receivable", 0.0),
            "overdue": snapshot.get("overdue", 0.0),
            "draft": snapshot.get("draft", 0.0),
            "unapplied": snapshot.get("unapplied", 0.0),
            "exposure": snapshot.get("exposure", 0.0),
            "note": note["en_US"] if isinstance(note, dict) else note,
            "user_id": self.env.uid,
        }

    @staticmethod
    def _translate_note(line, note):
        """Give the new ``line`` its ``note`` in each language, when it is
        worded in several (``{language: text}``): stored as such, since a
        line takes no write."""
        if isinstance(note, dict) and len(note) > 1:
            line.flush_recordset(["note"])
            line.env.execute_query(
                SQL("UPDATE %s SET note = %s WHERE id = %s", SQL.identifier(line._table), Json(note), line.id)
            )
            line.invalidate_recordset(["note"])
        return line

    @api.model
    def _record(self, event, company, partner, snapshot, moves=None, note=None, exception=None):
        """Log a decision in the current transaction."""
        line = self.sudo().create(self._values(event, company, partner, snapshot, moves, note, exception))
        return self._translate_note(line, note)

    @api.model
    def _record_blocked(self, company, partner, snapshot, moves, note):
        """Log a refused posting in its own transaction: the posting's
        transaction is rolled back by the refusal, the log line stays.
        References to records the refused transaction has not committed yet
        are left out (their names stay in the line)."""
        vals = self._values("blocked", company, partner, snapshot, moves, note)
        try:
            with self.env.registry.cursor() as cr:
                for fname, table in (("partner_id", "res_partner"), ("move_id", "account_move")):
                    if vals[fname]:
                        cr.execute(SQL("SELECT 1 FROM %s WHERE id = %s", SQL.identifier(table), vals[fname]))
                        if not cr.fetchone():
                            vals[fname] = False
                env = self.env(cr=cr, su=True)
                self._translate_note(env[self._name].create(vals), note)
        except Exception:
            # The refusal matters more than its log line: never let a failing
            # log hide the message the user must read.
            _logger.exception("Could not log the refused posting for %s", partner.display_name)
