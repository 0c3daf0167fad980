"""Drop the copies of shipped rule conditions left by repeated installs.

Installing the addon again over itself (``-i``) used to append the shipped
rules' conditions once more each time. Two conditions of one rule on the
same metric with the same bounds test the same range, so keeping one
changes no classification; it only stops the reasons from repeating
themselves."""


def migrate(cr, version):
    cr.execute(
        """WITH ranges AS (
               SELECT id, rule_id, metric,
                      CASE WHEN has_min THEN min_value END AS low,
                      CASE WHEN has_max THEN max_value END AS high
                 FROM customer_class_rule_condition
           )
           DELETE FROM customer_class_rule_condition
            WHERE id IN (SELECT copy.id
                           FROM ranges copy
                           JOIN ranges kept
                             ON kept.rule_id = copy.rule_id AND kept.id < copy.id AND kept.metric = copy.metric
                            AND kept.low IS NOT DISTINCT FROM copy.low AND kept.high IS NOT DISTINCT FROM copy.high)"""
    )
