"""Statements made before statements kept their figures get them from the
ledger on the day of the update: from then on they show what they show now,
whatever is posted later, and their form says when the ledger no longer
agrees."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    cr.execute("SELECT id FROM customer_statement WHERE figures IS NULL ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    env = api.Environment(cr, SUPERUSER_ID, {})
    for statement in env["customer.statement"].browse(ids):
        statement.figures = statement._ledger_figures()
