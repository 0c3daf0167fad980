from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models

VALUE_TIER_SCORES = {"A": 3, "B": 2, "C": 1}


class CustomerClassifier(models.AbstractModel):
    """Proposes and applies classes: rules over set-based metrics.

    Metrics come from one grouped query per company and window; each rule's
    customer filter is one search over the whole scope; writes are batched.
    """

    _name = "customer.classifier"
    _description = "Customer Classifier"

    @api.model
    def _get_rule_values(self, partners, company, date_to, window_months):
        """{partner id: {metric: value}} for rules of a window."""
        date_from = date_to - relativedelta(months=window_months) + timedelta(days=1)
        metrics = self.env["customer.metrics"]._compute_metrics(
            company, date_from, date_to, partner_ids=partners.ids, window_months=window_months
        )
        values = {}
        for partner in partners:
            row = dict(metrics.get(partner.id, {}))
            row["value_tier_score"] = VALUE_TIER_SCORES.get(row.get("value_tier") or "C")
            last, first = row.get("last_invoice_date"), row.get("first_invoice_date")
            row["days_since_last_invoice"] = (date_to - last).days if last else None
            row["customer_age_days"] = (date_to - first).days if first else None
            row["employee_count"] = partner.employee_count
            row["annual_revenue"] = partner.annual_revenue
            values[partner.id] = row
        return values

    @api.model
    def _propose(self, dimensions, partners, company, date_to=None, window_months=None):
        """One proposal per (customer, dimension): the class the rules give,
        the current one, why, and whether a lock keeps the current one."""
        date_to = date_to or fields.Date.context_today(self)
        partners = partners.commercial_partner_id
        assignments = self.env["customer.class.assignment"]._get_assignments(partners, company)
        values_by_window = {}
        proposals = []
        for dimension in dimensions:
            window = window_months or dimension.window_months or 12
            if window not in values_by_window:
                values_by_window[window] = self._get_rule_values(partners, company, date_to, window)
            values = values_by_window[window]
            rules = dimension.rule_ids.filtered("active").sorted(lambda r: (r.sequence, r.id))
            members = {}
            for rule in rules:
                domain = rule._get_partner_domain()
                members[rule.id] = (
                    None
                    if not domain
                    else set(
                        self.env["res.partner"].with_company(company).search(domain + [("id", "in", partners.ids)]).ids
                    )
                )
            for partner in partners:
                row = values[partner.id]
                current = assignments.get((partner.id, dimension.id))
                rule = next(
                    (r for r in rules if (members[r.id] is None or partner.id in members[r.id]) and r._matches(row)),
                    None,
                )
                if rule:
                    new_class, reason = rule.class_id, rule._explain(row)
                elif dimension.fallback_class_id:
                    new_class = dimension.fallback_class_id
                    reason = self.env._("no rule matched: fallback class")
                else:
                    new_class, reason = self.env["customer.class"], self.env._("no rule matched")
                proposals.append(
                    {
                        "partner": partner,
                        "dimension": dimension,
                        "old_class": current.class_id if current else self.env["customer.class"],
                        "new_class": new_class,
                        "rule": rule or self.env["customer.class.rule"],
                        "reason": reason,
                        "locked": bool(current and current.locked),
                        "metrics": {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()},
                    }
                )
        return proposals

    @api.model
    def _apply(self, proposals, company):
        """Write the changed, unlocked proposals: assignments, history,
        partner fields and one chatter note per changed customer.
        Returns the applied proposals."""
        changes = [p for p in proposals if not p["locked"] and p["new_class"] and p["new_class"] != p["old_class"]]
        if not changes:
            return []
        Assignment = self.env["customer.class.assignment"].sudo()
        now = fields.Datetime.now()
        partners = self.env["res.partner"].browse({p["partner"].id for p in changes})
        existing = Assignment._get_assignments(partners, company)
        to_create = []
        for change in changes:
            vals = {
                "class_id": change["new_class"].id,
                "reason": change["reason"],
                "rule_id": change["rule"].id,
                "user_id": self.env.uid,
                "date": now,
                "metrics": change["metrics"],
            }
            assignment = existing.get((change["partner"].id, change["dimension"].id))
            if assignment:
                assignment.write(vals)
            else:
                to_create.append(
                    vals
                    | {
                        "partner_id": change["partner"].id,
                        "company_id": company.id,
                        "dimension_id": change["dimension"].id,
                    }
                )
        Assignment.create(to_create)
        self.env["customer.class.history"].sudo().create(
            [
                {
                    "partner_id": change["partner"].id,
                    "company_id": company.id,
                    "dimension_id": change["dimension"].id,
                    "old_class_id": change["old_class"].id,
                    "new_class_id": change["new_class"].id,
                    "date": now,
                    "rule_id": change["rule"].id,
                    "user_id": self.env.uid,
                    "reason": change["reason"],
                    "metrics": change["metrics"],
                    "revenue": change["metrics"].get("revenue") or 0.0,
                }
                for change in changes
            ]
        )
        self._sync_partner_fields(changes, company)
        self._post_change_summaries(changes)
        return changes

    @api.model
    def _sync_partner_fields(self, changes, company):
        """Mirror classes into the partners' company-dependent fields, one
        write per (field, class)."""
        field_map = self.env["customer.class.dimension"]._get_partner_field_map()
        groups = defaultdict(set)
        for change in changes:
            fname = field_map.get(change["dimension"].id)
            if fname:
                groups[(fname, change["new_class"].id)].add(change["partner"].id)
        Partner = self.env["res.partner"].sudo().with_company(company).with_context(customer_class_sync=True)
        for (fname, class_id), partner_ids in groups.items():
            Partner.browse(partner_ids).write({fname: class_id})

    @api.model
    def _post_change_summaries(self, changes):
        by_partner = defaultdict(list)
        for change in changes:
            by_partner[change["partner"]].append(change)
        for partner, items in by_partner.items():
            lines = [
                self.env._(
                    "%(dimension)s: %(old)s → %(new)s (%(reason)s)",
                    dimension=item["dimension"].name,
                    old=item["old_class"].name or "-",
                    new=item["new_class"].name,
                    reason=item["reason"],
                )
                for item in items
            ]
            partner.sudo().message_post(
                body=Markup("%s<br/>%s") % (self.env._("Customer reclassified:"), Markup("<br/>").join(lines)),
                subtype_xmlid="mail.mt_note",
            )
