"""Give documents posted before the credit grade had a column of its own
their stamped grade in it, and their journal items too.

The grade was stamped among the document's classes at posting; it is copied
from there, so the column says what the document was posted under."""


def migrate(cr, version):
    cr.execute(
        """UPDATE account_move move
              SET credit_grade_id = stamp.class_id
             FROM account_move_customer_class_rel stamp
             JOIN customer_class cls ON cls.id = stamp.class_id
             JOIN customer_class_dimension dimension ON dimension.id = cls.dimension_id
            WHERE stamp.move_id = move.id
              AND dimension.partner_field = 'credit_grade_id'
              AND move.credit_grade_id IS NULL"""
    )
    cr.execute(
        """UPDATE account_move_line line
              SET credit_grade_id = move.credit_grade_id
             FROM account_move move
            WHERE move.id = line.move_id
              AND move.credit_grade_id IS NOT NULL
              AND line.credit_grade_id IS DISTINCT FROM move.credit_grade_id"""
    )
