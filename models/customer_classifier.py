from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

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
        self.env["res.partner"].flush_model(["employee_count", "annual_revenue"])
        partner_rows = self.env.execute_query(
            SQL(
                "SELECT id, employee_count, annual_revenue FROM res_partner WHERE id = ANY(%s)",
                partners.ids,
            )
        )
        values = {}
        for partner_id, employee_count, annual_revenue in partner_rows:
            row = dict(metrics.get(partner_id, {}))
            row["value_tier_score"] = VALUE_TIER_SCORES.get(row.get("value_tier") or "C")
            last, first = row.get("last_invoice_date"), row.get("first_invoice_date")
            row["days_since_last_invoice"] = (date_to - last).days if last else None
            row["customer_age_days"] = (date_to - first).days if first else None
            row["employee_count"] = employee_count or 0
            row["annual_revenue"] = float(annual_revenue or 0.0)
            values[partner_id] = row
        return values

    @api.model
    def _propose(self, dimensions, partners, company, date_to=None, window_months=None):
        """One proposal per (customer, dimension): the class the rules give,
        the current one, why, and whether a lock keeps the current one.

        Proposals are plain dicts of ids so that a scope of many thousand
        customers costs a few queries: the metrics, one search per rule with
        a customer filter, and the current assignments.
        """
        date_to = date_to or fields.Date.context_today(self)
        partners = partners.commercial_partner_id
        current = {
            (partner_id, dimension_id): (class_id, locked)
            for partner_id, dimension_id, class_id, locked in self.env.execute_query(
                SQL(
                    """SELECT partner_id, dimension_id, class_id, locked
                         FROM customer_class_assignment
                        WHERE company_id = %s AND partner_id = ANY(%s)""",
                    company.id,
                    partners.ids,
                )
            )
        }
        Rule = self.env["customer.class.rule"]
        values_by_window = {}
        proposals = []
        for dimension in dimensions:
            window = window_months or dimension.window_months or 12
            if window not in values_by_window:
                values_by_window[window] = self._get_rule_values(partners, company, date_to, window)
            values = values_by_window[window]
            rules = dimension.rule_ids.filtered("active").sorted(lambda r: (r.sequence, r.id))
            compiled = []
            for rule in rules:
                domain = rule._get_partner_domain()
                members = None
                if domain:
                    members = set(
                        self.env["res.partner"]
                        .with_company(company)
                        .with_context(active_test=False)
                        ._search(domain + [("id", "in", partners.ids)])
                    )
                compiled.append((rule._compile(), members))
            fallback_id = dimension.fallback_class_id.id
            fallback_reason = self.env._("no rule matched: fallback class")
            for partner_id in partners.ids:
                row = values[partner_id]
                old_class_id, locked = current.get((partner_id, dimension.id), (False, False))
                match = next(
                    (
                        rule
                        for rule, members in compiled
                        if (members is None or partner_id in members) and Rule._compiled_matches(rule, row)
                    ),
                    None,
                )
                if match:
                    new_class_id, rule_id, reason = match[1], match[0], Rule._compiled_explain(match, row)
                else:
                    new_class_id, rule_id = fallback_id, False
                    reason = fallback_reason if fallback_id else self.env._("no rule matched")
                proposals.append(
                    {
                        "partner_id": partner_id,
                        "dimension_id": dimension.id,
                        "old_class_id": old_class_id,
                        "new_class_id": new_class_id,
                        "rule_id": rule_id,
                        "reason": reason,
                        "locked": locked,
                        "metrics": row,
                    }
                )
        return proposals

    @api.model
    def _apply(self, proposals, company):
        """Write the changed, unlocked proposals: assignments, history,
        partner fields and one chatter note per changed customer, each in
        batched statements. Returns the applied proposals."""
        changes = [
            p for p in proposals if not p["locked"] and p["new_class_id"] and p["new_class_id"] != p["old_class_id"]
        ]
        if not changes:
            return []
        now = fields.Datetime.now()
        Assignment = self.env["customer.class.assignment"].sudo()
        keys = {(p["partner_id"], p["dimension_id"]) for p in changes}
        Assignment.search([("partner_id", "in", list({k[0] for k in keys})), ("company_id", "=", company.id)]).filtered(
            lambda a: (a.partner_id.id, a.dimension_id.id) in keys
        ).unlink()
        common = {"company_id": company.id, "user_id": self.env.uid, "date": now}
        rows = [
            common
            | {
                "partner_id": change["partner_id"],
                "dimension_id": change["dimension_id"],
                "rule_id": change["rule_id"],
                "reason": change["reason"],
                "metrics": _jsonable(change["metrics"]),
            }
            for change in changes
        ]
        Assignment.create(
            [row | {"class_id": change["new_class_id"]} for row, change in zip(rows, changes, strict=True)]
        )
        self.env["customer.class.history"].sudo().create(
            [
                row
                | {
                    "old_class_id": change["old_class_id"],
                    "new_class_id": change["new_class_id"],
                    "revenue": change["metrics"].get("revenue") or 0.0,
                }
                for row, change in zip(rows, changes, strict=True)
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
            fname = field_map.get(change["dimension_id"])
            if fname:
                groups[(fname, change["new_class_id"])].add(change["partner_id"])
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .with_context(customer_class_sync=True, tracking_disable=True)
        )
        for (fname, class_id), partner_ids in groups.items():
            Partner.browse(sorted(partner_ids)).write({fname: class_id})

    @api.model
    def _post_change_summaries(self, changes):
        """One note per changed customer in its chatter, created in one batch
        (notes notify nobody, so the mail thread's per-message work is not
        needed)."""
        by_partner = defaultdict(list)
        for change in changes:
            by_partner[change["partner_id"]].append(change)
        class_ids = {c["new_class_id"] for c in changes} | {c["old_class_id"] for c in changes if c["old_class_id"]}
        dimensions = self.env["customer.class.dimension"].browse({c["dimension_id"] for c in changes})
        dimension_names = {rec.id: rec.name for rec in dimensions}
        class_names = {rec.id: rec.name for rec in self.env["customer.class"].browse(class_ids)}
        title = self.env._("Customer reclassified:")
        note_subtype = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        self.env["mail.message"].sudo().create(
            [
                {
                    "model": "res.partner",
                    "res_id": partner_id,
                    "message_type": "notification",
                    "subtype_id": note_subtype.id,
                    "author_id": author.id,
                    "body": Markup("%s<br/>%s")
                    % (
                        title,
                        Markup("<br/>").join(
                            self.env._(
                                "%(dimension)s: %(old)s → %(new)s (%(reason)s)",
                                dimension=dimension_names[item["dimension_id"]],
                                old=class_names.get(item["old_class_id"], "-"),
                                new=class_names[item["new_class_id"]],
                                reason=item["reason"],
                            )
                            for item in items
                        ),
                    ),
                }
                for partner_id, items in by_partner.items()
            ]
        )


def _jsonable(values):
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}
