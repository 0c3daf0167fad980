from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .customer_class_dimension import RULE_METRICS


class CustomerClassRuleCondition(models.Model):
    _name = "customer.class.rule.condition"
    _description = "Customer Classification Rule Condition"

    rule_id = fields.Many2one("customer.class.rule", required=True, ondelete="cascade", index=True)
    metric = fields.Selection(RULE_METRICS, required=True)
    min_value = fields.Float(string="From", help="Lowest value, included; empty for no lower bound.")
    max_value = fields.Float(string="To", help="Highest value, included; empty for no upper bound.")
    has_min = fields.Boolean(string="Has lower bound", default=True)
    has_max = fields.Boolean(string="Has upper bound")

    @api.constrains("has_min", "has_max", "min_value", "max_value", "metric")
    def _check_range(self):
        labels = dict(self._fields["metric"]._description_selection(self.env))
        for condition in self:
            label = labels.get(condition.metric, condition.metric)
            if not condition.has_min and not condition.has_max:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the condition on %(metric)s has no bound; set a lower or an upper value.",
                        rule=condition.rule_id.name,
                        metric=label,
                    )
                )
            if condition.has_min and condition.has_max and condition.min_value > condition.max_value:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the range on %(metric)s is inverted (%(low)s > %(high)s).",
                        rule=condition.rule_id.name,
                        metric=label,
                        low=condition.min_value,
                        high=condition.max_value,
                    )
                )
