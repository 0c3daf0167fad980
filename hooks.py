"""Module hooks."""

from odoo.tools import SQL


def uninstall_hook(env):
    """Drop the current class assignments before the classes themselves.

    Assignments reference their class with ``ondelete="restrict"`` so that a
    class in use cannot be deleted by hand; on uninstall the whole
    classification goes, so the assignments are removed first and the
    classes, rules and dimensions can then be deleted in any order.
    """
    env.cr.execute(SQL("DELETE FROM customer_class_assignment"))
