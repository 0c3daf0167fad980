import ast
import functools

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class CustomerClassRule(models.Model):
    """Gives a class to the customers whose metrics fall in all the rule's
    ranges and who match its partner domain; rules of a dimension are tried
    in sequence and the first match wins."""

    _name = "customer.class.rule"
    _description = "Customer Classification Rule"
    _order = "dimension_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    dimension_id = fields.Many2one("customer.class.dimension", required=True, ondelete="cascade", index=True)
    class_id = fields.Many2one(
        "customer.class", required=True, ondelete="cascade", domain="[('dimension_id', '=', dimension_id)]"
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    condition_ids = fields.One2many("customer.class.rule.condition", "rule_id", string="Conditions", copy=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="The company whose customers the rule classifies; empty: every company. Amounts are in the "
        "company's currency: a company with another currency usually needs rules with amounts of its own.",
    )
    partner_domain = fields.Char(
        string="Customers",
        default="[]",
        help="Optional restriction on the customers (country, industry, tags, salesperson...).",
    )

    @api.constrains("class_id", "dimension_id")
    def _check_class_dimension(self):
        for rule in self:
            if rule.class_id.dimension_id != rule.dimension_id:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s gives class %(cls)s, which belongs to another dimension.",
                        rule=rule.name,
                        cls=rule.class_id.name,
                    )
                )

    @api.constrains("class_id", "active")
    def _check_class_active(self):
        for rule in self:
            if rule.active and not rule.class_id.active:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s gives class %(cls)s, which is archived: restore the class or give another.",
                        rule=rule.name,
                        cls=rule.class_id.name,
                    )
                )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for rule in self:
            rule._get_partner_domain()

    def _get_partner_domain(self):
        """The rule's partner domain as a list (empty for a rule without a
        customer filter), refused when it is not a valid literal domain on
        customers."""
        self.ensure_one()
        text = (self.partner_domain or "[]").strip()
        try:
            domain = ast.literal_eval(text)
            domain = expression.normalize_domain(domain)
            self.env["res.partner"]._where_calc(domain)
        except (ValueError, SyntaxError, TypeError, AssertionError, KeyError) as exc:
            raise ValidationError(
                self.env._(
                    "Rule %(rule)s: the customer filter %(domain)s is not valid (%(error)s). "
                    "Use the domain editor or a list such as [('country_id.code', '=', 'CN')].",
                    rule=self.name,
                    domain=text,
                    error=exc,
                )
            ) from exc
        return [] if domain == expression.TRUE_DOMAIN else domain

    def _compile(self):
        """The rule as plain data for classifying many customers at once:
        ``(rule id, class id, name, [(metric, low, high, label)], filter
        text)`` where a missing bound is ``None`` and the filter text is
        empty without a customer filter."""
        self.ensure_one()
        labels = dict(self.env["customer.class.rule.condition"]._fields["metric"]._description_selection(self.env))
        conditions = [
            (
                c.metric,
                c.min_value if c.has_min else None,
                c.max_value if c.has_max else None,
                labels.get(c.metric, c.metric),
            )
            for c in self.condition_ids
        ]
        has_domain = (self.partner_domain or "[]").strip() not in ("[]", "")
        return (self.id, self.class_id.id, self.name, conditions, self.env._("customer filter") if has_domain else "")

    @staticmethod
    def _compiled_matches(compiled, values):
        """Whether ``values`` (metric name -> value) fall in every range of a
        compiled rule; a missing metric never matches."""
        for metric, low, high, _label in compiled[3]:
            value = values.get(metric)
            if value is None or value is False:
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    def _reason_format(self, compiled):
        """The reason the compiled rule gives, in this environment's
        language: a ``str.format`` string to fill with the values of the
        rule's metrics, in order. The rule's name, the labels and the bounds
        are fixed for the rule; only the values vary by customer."""

        def literal(text):
            return text.replace("{", "{{").replace("}", "}}")

        parts = [
            literal(f"{label} = ")
            + "{}"
            + literal((f" ≥ {low:,g}" if low is not None else "") + (f" ≤ {high:,g}" if high is not None else ""))
            for _metric, low, high, label in compiled[3]
        ]
        if compiled[4]:
            parts.append(literal(compiled[4]))
        template = literal(self.env._("rule %(rule)s matched: %(why)s"))
        return template % {"rule": literal(compiled[2]), "why": join_clauses(self.env, parts) or "-"}


def join_clauses(env, texts):
    """``texts`` as one sentence's clauses, separated as ``env``'s language
    separates them: a semicolon, in Chinese the full-width one."""
    return _fold(texts, lambda done, text: env._("%(clauses)s; %(clause)s", clauses=done, clause=text))


def join_sentences(env, texts):
    """``texts``, whole sentences, one after the other as ``env``'s language
    writes them: after a space, in Chinese straight after the full stop."""
    return _fold(texts, lambda done, text: env._("%(sentences)s %(sentence)s", sentences=done, sentence=text))


def _fold(texts, join_two):
    texts = list(texts)
    return functools.reduce(join_two, texts) if texts else ""


def format_metric(value):
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
