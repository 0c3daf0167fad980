import inspect
import json
import re
import string
from collections import defaultdict
from datetime import date

from markupsafe import escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.translate import _lt, code_translations

from .customer_class_rule import format_metric
from .customer_metrics import CREDIT_METRICS, dense_id_condition, window_start

VALUE_TIER_SCORES = {"A": 3, "B": 2, "C": 1}

# Why a class was given, when a rule did not give it: each reason worded
# from its arguments by ``customer.classifier._reason``, so that a language
# installed after a reason was written can word it too (``_reword_reasons``).
REASONS = {
    "fallback": lambda: _lt("no rule matched: fallback class"),
    "unmatched": lambda: _lt("no rule matched"),
    "set": lambda user, date: _lt("set by %(user)s on %(date)s, locked", user=user, date=date),
    "merged": lambda customer: _lt("taken over from %(customer)s, merged into this customer", customer=customer),
    "contact": lambda company: _lt("now a contact of %(company)s", company=company),
}
# What an argument of a reason may be, when read back from its English text.
REASON_ARGUMENTS = {"date": r"\d{4}-\d{2}-\d{2}"}
# The models that keep reasons: the classes, their history, the changes
# that a preview proposes or a queued classification will apply.
REASON_MODELS = (
    "customer.class.assignment",
    "customer.class.history",
    "customer.classify.line",
    "customer.class.run.change",
)


class CustomerClassifier(models.AbstractModel):
    """Proposes and applies classes: rules over set-based metrics.

    Metrics come from one grouped query per company and window; each rule's
    customer filter is one search over the whole scope; writes are batched.
    """

    _name = "customer.classifier"
    _description = "Customer Classifier"

    @api.model
    def _get_rule_values(self, partners, company, date_to, window_months, credit=False, run=None):
        """{partner id: {metric: value}} for rules of a window; with
        ``credit``, the payment-behaviour metrics and credit score too. A
        scheduled ``run`` reads the ranked metrics from its snapshot."""
        date_from = window_start(date_to, window_months)
        if run:
            metrics = run._snapshot_metrics(window_months, partners.ids)
        else:
            metrics = self.env["customer.metrics"]._compute_metrics(
                company, date_from, date_to, partner_ids=partners.ids, window_months=window_months
            )
        self.env["res.partner"].flush_model(["employee_count", "annual_revenue"])
        partner_ids = sorted(partners.ids)
        wanted = set(partner_ids)
        partner_rows = self.env.execute_query(
            SQL(
                "SELECT id, employee_count, annual_revenue FROM res_partner WHERE %s",
                dense_id_condition(SQL.identifier("id"), partner_ids),
            )
        )
        values = {}
        for partner_id, employee_count, annual_revenue in partner_rows:
            if partner_id not in wanted:
                continue
            row = dict(metrics.get(partner_id, {}))
            row["value_tier_score"] = VALUE_TIER_SCORES.get(row.get("value_tier") or "C")
            last, first = row.get("last_invoice_date"), row.get("first_invoice_date")
            row["days_since_last_invoice"] = (date_to - last).days if last else None
            row["customer_age_days"] = (date_to - first).days if first else None
            row["employee_count"] = employee_count or 0
            row["annual_revenue"] = float(annual_revenue or 0.0)
            values[partner_id] = row
        if credit:
            self._add_credit_values(values, company, date_to, window_months)
        return values

    @api.model
    def _add_credit_values(self, values, company, date_to, window_months):
        """Add the payment-behaviour metrics and the credit score of a
        window to the rule values ``values`` (``{partner id: row}``) in
        place: a credit dimension reads the rows the other dimensions of the
        same window read, and one snapshot per customer keeps them all."""
        if not values:
            return
        date_from = window_start(date_to, window_months)
        Metrics = self.env["customer.metrics"]
        credit_values = Metrics._compute_credit_metrics(company, date_from, date_to, list(values))
        weights = company._customer_credit_score_weights()
        for partner_id, row in values.items():
            row.update(credit_values.get(partner_id, {}))
            row["credit_score"] = Metrics._credit_score(weights, row)

    @api.model
    def _get_credit_scores(self, partners, company, date_to, window_months):
        """``{partner id: credit score}`` of ``partners`` (commercial
        partners) over a window, as the credit grade's rules read it, from
        how each one paid alone: nobody else's documents are read."""
        date_from = window_start(date_to, window_months)
        lateness = self.env["customer.metrics"]._compute_lateness(company, date_from, date_to, partners.ids)
        values = {partner_id: {"avg_days_late": lateness.get(partner_id)} for partner_id in partners.ids}
        self._add_credit_values(values, company, date_to, window_months)
        return {partner_id: row["credit_score"] for partner_id, row in values.items()}

    @api.model
    def _reason_languages(self):
        """The languages a reason is kept in: English, which Odoo reads
        when a language has no text, then every other installed one, so
        that each user reads why a class was given in their own language,
        whoever or whatever gave it."""
        installed = sorted(code for code, _name in self.env["res.lang"].get_installed() if code != "en_US")
        return ["en_US", *installed]

    @api.model
    def _translated(self, text):
        """``text`` (a lazy translation, ``_lt``, or a function that words
        a text in its environment's language) in each reason language:
        ``{language: text}``, the value of a translated reason or field. A language that words it as English
        does (one the addon is not translated into) is left out: Odoo reads
        English there anyway, and the history keeps no copies."""
        word = text if callable(text) else (lambda env: env._(text))
        texts = {lang: word(self.with_context(lang=lang).env) for lang in self._reason_languages()}
        return _without_english_copies(texts)

    @api.model
    def _reason(self, kind, **arguments):
        """The reason of ``kind`` (a key of ``REASONS``) with its
        ``arguments``, translated (``{language: text}``)."""
        return self._translated(REASONS[kind](**arguments))

    @api.model
    def _reword_reasons(self, lang):
        """Word in ``lang`` the reasons written before it was installed,
        which read in English there: a rule's from the rule, when the rule
        words that English text today (a rule changed since leaves its older
        reasons in English), the others from the arguments their English
        text holds. Nothing to do for a language the addon is not translated
        into: English is read there anyway."""
        if (
            lang == "en_US"
            or lang not in dict(self.env["res.lang"].get_installed())
            or not code_translations.get_python_translations("account_customer_ledger", lang)
        ):
            return
        english, other = self.with_context(lang="en_US").env, self.with_context(lang=lang).env
        fixed = []
        for word in REASONS.values():
            # The English text with each argument marked, read as a pattern.
            text = english._(word(**{name: f"\x00{name}\x00" for name in inspect.signature(word).parameters}))
            pieces = re.split("\x00(\\w+)\x00", text)
            pattern = "".join(
                re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>{REASON_ARGUMENTS.get(piece, '.+')})"
                for index, piece in enumerate(pieces)
            )
            fixed.append((re.compile(pattern + r"\Z"), word))
        every_rule = self.env["customer.class.rule"].sudo().with_context(active_test=False).search([])
        rules = {}

        def rule_wording(rule):
            """The rule's reason in English, as a pattern, and in ``lang``."""
            if rule not in rules:
                english_format, other_format = (
                    rule.with_context(lang=code)._reason_format(rule.with_context(lang=code)._compile())
                    for code in ("en_US", lang)
                )
                rules[rule] = (_format_pattern(english_format), english_format, other_format)
            return rules[rule]

        def reword(rule_id, text):
            # A proposed change names no rule: any may have worded it.
            for rule in every_rule.browse(rule_id) & every_rule if rule_id else every_rule:
                pattern, english_format, other_format = rule_wording(rule)
                parsed = pattern.match(text)
                if parsed and english_format.format(*parsed.groups()) == text:
                    return other_format.format(*parsed.groups())
            for pattern, word in fixed:
                parsed = pattern.match(text)
                if parsed and english._(word(**parsed.groupdict())) == text:
                    return other._(word(**parsed.groupdict()))
            return None

        for model_name in REASON_MODELS:
            model = self.env[model_name]
            model.flush_model()
            rule = SQL("record.rule_id") if "rule_id" in model._fields else SQL("NULL::int")
            # Reasons repeat (the same rule, the same figures): each text is
            # worded once, and written to every row that holds it.
            reworded = [
                (rule_id, text, worded)
                for rule_id, text in self.env.execute_query(
                    SQL(
                        """SELECT DISTINCT %s, reason->>'en_US' FROM %s record
                            WHERE reason ? 'en_US' AND NOT reason ? %s""",
                        rule,
                        SQL.identifier(model._table),
                        lang,
                    )
                )
                if (worded := reword(rule_id, text)) and worded != text
            ]
            if reworded:
                rule_ids, texts, worded = zip(*reworded, strict=True)
                self.env.execute_query(
                    SQL(
                        """UPDATE %(table)s record
                              SET reason = record.reason || jsonb_build_object(%(lang)s::text, c.worded)
                             FROM unnest(%(rules)s::int[], %(texts)s::varchar[], %(worded)s::varchar[])
                                  AS c(rule_id, text, worded)
                            WHERE record.reason->>'en_US' = c.text AND %(rule)s IS NOT DISTINCT FROM c.rule_id
                              AND NOT record.reason ? %(lang)s""",
                        table=SQL.identifier(model._table),
                        lang=lang,
                        rules=_array_literal(rule_ids),
                        texts=_array_literal(texts),
                        worded=_array_literal(worded),
                        rule=rule,
                    )
                )
                model.invalidate_model(["reason"])

    @api.model
    def _company_rules(self, dimension, company):
        """The dimension's active rules that classify this company's
        customers (the company's own and those of every company), in the
        order they are tried. Read whatever companies the user works in: a
        classification runs for one company, which decides."""
        return (
            dimension.sudo()
            .rule_ids.filtered(lambda rule: rule.active and (not rule.company_id or rule.company_id == company))
            .sorted(lambda rule: (rule.sequence, rule.id))
        )

    @api.model
    def _propose(self, dimensions, partners, company, date_to=None, window_months=None, run=None):
        """One proposal per (customer, dimension): the class the rules give,
        the current one, why (for a proposal that changes the class: a
        translated reason, ``{language: text}``), and whether a lock keeps
        the current one.

        Proposals are plain dicts of ids so that a scope of many thousand
        customers costs a few queries: the metrics, one search per rule with
        a customer filter, and the current assignments. A scheduled ``run``
        takes the ranked metrics from its snapshot.
        """
        date_to = date_to or fields.Date.context_today(self)
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        given = sorted(set(partners.ids))
        wanted = set(given)
        partner_ids = sorted(
            {
                commercial_id
                for partner_id, commercial_id in self.env.execute_query(
                    SQL(
                        "SELECT id, commercial_partner_id FROM res_partner WHERE %s",
                        dense_id_condition(SQL.identifier("id"), given),
                    )
                )
                if partner_id in wanted
            }
        )
        if not partner_ids:
            return []
        partners = self.env["res.partner"].browse(partner_ids)
        wanted = set(partner_ids)
        self.env["customer.class.assignment"].flush_model()
        current = {
            (partner_id, dimension_id): (class_id, locked)
            for partner_id, dimension_id, class_id, locked in self.env.execute_query(
                SQL(
                    """SELECT partner_id, dimension_id, class_id, locked
                         FROM customer_class_assignment
                        WHERE company_id = %s AND %s""",
                    company.id,
                    dense_id_condition(SQL.identifier("partner_id"), partner_ids),
                )
            )
            if partner_id in wanted
        }
        languages = self._reason_languages()
        values_by_window = {}
        credit_windows = set()
        proposals = []
        for dimension in dimensions:
            window = window_months or dimension.window_months or 12
            rules = self._company_rules(dimension, company)
            credit = any(metric in CREDIT_METRICS for metric in rules.condition_ids.mapped("metric"))
            if window not in values_by_window:
                values_by_window[window] = self._get_rule_values(partners, company, date_to, window, run=run)
            values = values_by_window[window]
            if credit and window not in credit_windows:
                self._add_credit_values(values, company, date_to, window)
                credit_windows.add(window)
            # Each rule compiled in every reason language (its name and the
            # metrics' labels are translated); the first one decides.
            compiled = {lang: [rule.with_context(lang=lang)._compile() for rule in rules] for lang in languages}
            matchers = []
            for rule, rule_compiled in zip(rules, compiled[languages[0]], strict=True):
                domain = rule._get_partner_domain()
                members = None
                if domain:
                    # The scope's id range, filtered exactly in memory: a
                    # batch of the scheduled pass is one range, and a long
                    # list of ids costs PostgreSQL more than a range.
                    scope = [("id", ">=", partner_ids[0]), ("id", "<=", partner_ids[-1])]
                    members = set(
                        self.env["res.partner"]
                        .with_company(company)
                        .with_context(active_test=False)
                        ._search(domain + scope)
                    )
                matchers.append((rule_compiled, members))
            dimension_id = dimension.id
            fallback_id = dimension.fallback_class_id.id
            fallback_reason = self._reason("fallback" if fallback_id else "unmatched")
            formats = {
                lang: [
                    rule.with_context(lang=lang)._reason_format(c)
                    for rule, c in zip(rules, compiled[lang], strict=True)
                ]
                for lang in languages
            }
            # Per rule, the languages that word its reason otherwise than English.
            worded = [
                [lang for lang in languages if lang == "en_US" or formats[lang][index] != formats["en_US"][index]]
                for index in range(len(rules))
            ]
            shown_metrics = [[condition[0] for condition in rule[3]] for rule, _members in matchers]
            matches = rules._compiled_matches
            for partner_id in partner_ids:
                row = values[partner_id]
                old_class_id, locked = current.get((partner_id, dimension_id), (False, False))
                match = None
                for index, (rule, members) in enumerate(matchers):
                    if (members is None or partner_id in members) and matches(rule, row):
                        match = index
                        break
                new_class_id, rule_id = (
                    (matchers[match][0][1], matchers[match][0][0]) if match is not None else (fallback_id, False)
                )
                # Only a change is shown or written with its reason.
                reason = False
                if new_class_id != old_class_id:
                    if match is None:
                        reason = fallback_reason
                    else:
                        shown = [format_metric(row.get(metric)) for metric in shown_metrics[match]]
                        reason = {lang: formats[lang][match].format(*shown) for lang in worded[match]}
                proposals.append(
                    {
                        "partner_id": partner_id,
                        "dimension_id": dimension_id,
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
        batched statements. A customer whose class no rule (nor fallback)
        gives any more loses it. Returns the applied proposals."""
        changes = [p for p in proposals if not p["locked"] and p["new_class_id"] != p["old_class_id"]]
        if not changes:
            return []
        self._write_assignments_and_history(changes, company)
        self._sync_partner_fields(changes, company)
        self._post_change_summaries(changes)
        return changes

    @api.model
    def _write_assignments_and_history(self, changes, company):
        """Replace the changed assignments and log the changes, with their
        customers' metrics snapshots, in one statement (the classifier may
        change a hundred thousand customers at once; row-by-row ORM creates
        would dominate).

        Assignments are upserted, or deleted when no class is left: when
        another transaction classified the same customer after this one read
        the classes, PostgreSQL refuses the upsert (or the delete) with a
        serialization failure, which Odoo retries on the fresh classes,
        instead of a unique-key violation or a change logged twice."""
        Assignment = self.env["customer.class.assignment"]
        History = self.env["customer.class.history"]
        Assignment.flush_model()
        History.flush_model()
        uid, now = self.env.uid, fields.Datetime.now()
        # A customer's metrics are the same for all its dimensions: sent and
        # stored once, in one snapshot that its history lines share.
        snapshots = {c["partner_id"]: c["metrics"] for c in changes}
        reasons, reason_columns, reason = translated_columns([c["reason"] for c in changes], "c")
        # Without JIT: PostgreSQL would compile the statement for its large
        # row estimate, at some 0.3 s for a whole ledger, for nothing. The
        # snapshots go as one JSON array, read in the order of their
        # customers' ids.
        self.env["customer.metrics"]._execute_without_jit(
            SQL(
                """WITH changed AS (
                       SELECT c.partner_id, c.dimension_id, c.old_class_id, c.new_class_id, c.rule_id,
                              %(reason)s AS reason
                         FROM unnest(%(partners)s::int[], %(dimensions)s::int[], %(old)s::int[], %(new)s::int[],
                                     %(rules)s::int[], %(reasons)s)
                              AS c(partner_id, dimension_id, old_class_id, new_class_id, rule_id, %(reason_columns)s)
                   ),
                   snapshot AS (
                       INSERT INTO customer_class_snapshot (partner_id, company_id, date, metrics)
                       SELECT m.partner_id, %(company)s, %(now)s, j.metrics
                         FROM unnest(%(snapshot_partners)s::int[]) WITH ORDINALITY AS m(partner_id, n)
                         JOIN jsonb_array_elements(%(snapshot_metrics)s::jsonb) WITH ORDINALITY AS j(metrics, n)
                              USING (n)
                       RETURNING id, partner_id, COALESCE((metrics->>'revenue')::float8, 0) AS revenue
                   ),
                   assigned AS (
                       INSERT INTO customer_class_assignment
                              (partner_id, company_id, dimension_id, class_id, locked, reason, rule_id, user_id,
                               date)
                       SELECT partner_id, %(company)s, dimension_id, new_class_id, FALSE, reason, rule_id, %(uid)s,
                              %(now)s
                         FROM changed
                        WHERE new_class_id IS NOT NULL
                           ON CONFLICT (partner_id, company_id, dimension_id) DO UPDATE
                              SET class_id = EXCLUDED.class_id, locked = FALSE, reason = EXCLUDED.reason,
                                  rule_id = EXCLUDED.rule_id, user_id = EXCLUDED.user_id, date = EXCLUDED.date
                   ),
                   removed AS (
                       DELETE FROM customer_class_assignment a
                        USING changed c
                        WHERE c.new_class_id IS NULL AND a.company_id = %(company)s
                          AND a.partner_id = c.partner_id AND a.dimension_id = c.dimension_id
                   )
                   INSERT INTO customer_class_history
                          (partner_id, company_id, dimension_id, old_class_id, new_class_id, date, rule_id, user_id,
                           reason, snapshot_id, revenue)
                   SELECT c.partner_id, %(company)s, c.dimension_id, c.old_class_id, c.new_class_id, %(now)s,
                          c.rule_id, %(uid)s, c.reason, s.id, s.revenue
                     FROM changed c
                     JOIN snapshot s ON s.partner_id = c.partner_id""",
                partners=_array_literal(c["partner_id"] for c in changes),
                dimensions=_array_literal(c["dimension_id"] for c in changes),
                old=_array_literal(c["old_class_id"] or None for c in changes),
                new=_array_literal(c["new_class_id"] or None for c in changes),
                rules=_array_literal(c["rule_id"] or None for c in changes),
                reasons=reasons,
                reason_columns=reason_columns,
                reason=reason,
                snapshot_partners=_array_literal(snapshots),
                snapshot_metrics=json.dumps([_jsonable(metrics) for metrics in snapshots.values()]),
                company=company.id,
                uid=uid,
                now=now,
            ),
            fetch=False,
        )
        Assignment.invalidate_model()
        History.invalidate_model()
        self.env["customer.class.snapshot"].invalidate_model()
        self.env["res.partner"].invalidate_model(
            [
                "customer_class_assignment_ids",
                "commercial_class_assignment_ids",
                "customer_class_ids",
                "customer_class_history_count",
            ]
        )

    @api.model
    def _sync_partner_fields(self, changes, company):
        """Mirror classes into the partners' company-dependent fields with one
        UPDATE for all changed customers and their contacts (the classes are
        commercial fields, which contacts share with their company).

        The fields hold one value per company as JSON; only this company's
        key is replaced, or removed when the customer lost its class (as the
        ORM stores an empty value). Nothing computed depends on these
        fields, so invalidating the cache is all the ORM needs afterwards.
        """
        field_map = self.env["customer.class.dimension"]._get_partner_field_map()
        by_partner = defaultdict(dict)
        for change in changes:
            fname = field_map.get(change["dimension_id"])
            if fname:
                # 0: the class is removed; a missing field: left as it is.
                by_partner[change["partner_id"]][fname] = change["new_class_id"] or 0
        fnames = sorted({fname for values in by_partner.values() for fname in values})
        if not fnames:
            return
        Partner = self.env["res.partner"]
        Partner.flush_model([*fnames, "commercial_partner_id"])
        key = str(company.id)
        partner_ids = list(by_partner)
        self.env.execute_query(
            SQL(
                """UPDATE res_partner p
                      SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
                     FROM unnest(%(partner_ids)s::int[], %(columns)s) AS c(partner_id, %(names)s)
                    WHERE p.commercial_partner_id = c.partner_id""",
                assignments=SQL(", ").join(
                    SQL(
                        "%(col)s = CASE WHEN c.%(col)s IS NULL THEN p.%(col)s"
                        " WHEN c.%(col)s = 0 THEN NULLIF(p.%(col)s - %(key)s, '{}'::jsonb)"
                        " ELSE COALESCE(p.%(col)s, '{}'::jsonb) || jsonb_build_object(%(key)s, c.%(col)s) END",
                        col=SQL.identifier(fname),
                        key=key,
                    )
                    for fname in fnames
                ),
                uid=self.env.uid,
                now=fields.Datetime.now(),
                partner_ids=_array_literal(partner_ids),
                columns=SQL(", ").join(
                    SQL("%s::int[]", _array_literal(by_partner[pid].get(fname) for pid in partner_ids))
                    for fname in fnames
                ),
                names=SQL(", ").join(SQL.identifier(fname) for fname in fnames),
            )
        )
        Partner.invalidate_model([*fnames, "write_uid", "write_date"])

    @api.model
    def _post_change_summaries(self, changes):
        """One note per changed customer in its chatter, inserted in one
        statement. The values are those the mail thread gives its own batch
        of logged notes (``_message_log_batch``): author, the company's
        reply-to, an internal note that notifies nobody; the record name is
        the customer's stored complete name."""
        by_partner = defaultdict(list)
        for change in changes:
            by_partner[change["partner_id"]].append(change)
        class_ids = {c[key] for c in changes for key in ("old_class_id", "new_class_id") if c[key]}
        dimensions = self.env["customer.class.dimension"].browse({c["dimension_id"] for c in changes})
        dimension_names = {rec.id: rec.name for rec in dimensions}
        class_names = {rec.id: rec.name for rec in self.env["customer.class"].browse(class_ids)}
        # Escaped once each, the names and the line's template; each line
        # then only escapes its reason (a hundred thousand notes at once).
        lang = self.env.lang
        title = escape(self.env._("Customer reclassified:"))
        line = str(escape(self.env._("%(dimension)s: %(old)s → %(new)s (%(reason)s)")))
        dimension_names = {key: str(escape(name)) for key, name in dimension_names.items()}
        class_names = {key: str(escape(name)) for key, name in class_names.items()}
        bodies = {
            partner_id: f"{title}<br/>"
            + "<br/>".join(
                line
                % {
                    "dimension": dimension_names[item["dimension_id"]],
                    "old": class_names.get(item["old_class_id"], "-"),
                    "new": class_names.get(item["new_class_id"], "-"),
                    "reason": escape(reason_text(item["reason"], lang)),
                }
                for item in items
            )
            for partner_id, items in by_partner.items()
        }
        thread = self.env["mail.thread"]
        author_id, email_from = thread._message_compute_author(self.env.user.partner_id.id, raise_on_email=False)
        now = fields.Datetime.now()
        self.env["mail.message"].flush_model()
        self.env["res.partner"].flush_model(["complete_name"])
        ids = list(bodies)
        self.env.execute_query(
            SQL(
                """INSERT INTO mail_message
                          (model, res_id, record_name, message_type, subtype_id, author_id, email_from, reply_to,
                           message_id, body, is_internal, date, create_uid, create_date, write_uid, write_date)
                   SELECT 'res.partner', n.res_id, p.complete_name, 'notification', %(subtype)s, %(author)s,
                          %(email_from)s, %(reply_to)s, n.message_id, n.body, TRUE, %(now)s,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(res_ids)s::int[], %(message_ids)s::varchar[], %(bodies)s::text[])
                          AS n(res_id, message_id, body)
                     JOIN res_partner p ON p.id = n.res_id""",
                subtype=self.env.ref("mail.mt_note").id,
                author=author_id,
                email_from=email_from,
                reply_to=thread._notify_get_reply_to(default=email_from)[False],
                now=now,
                uid=self.env.uid,
                res_ids=_array_literal(ids),
                message_ids=_array_literal(generate_tracking_message_id(f"{i}-res.partner") for i in ids),
                bodies=_array_literal(bodies[i] for i in ids),
            )
        )
        self.env["mail.message"].invalidate_model()
        self.env["res.partner"].invalidate_model(["message_ids"])


def _array_literal(values):
    """``values`` (integers or strings, None for NULL) as the text of a
    PostgreSQL array, to be sent as one parameter and cast (``%s::int[]``):
    the server parses it at once, where a list would reach it as one
    constant per element, which costs seconds to build and to plan when a
    hundred thousand customers change."""

    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else str(value)
            if isinstance(value, int)
            else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


def _format_pattern(template):
    """A pattern that reads a text made by ``template.format(*values)``
    back into its values (each a group, in order)."""
    return re.compile(
        "".join(
            re.escape(literal) + ("(.+?)" if field is not None else "")
            for literal, field, _spec, _conversion in string.Formatter().parse(template)
        )
        + r"\Z"
    )


def _without_english_copies(texts):
    """``texts`` (``{language: text}``) without the languages whose text is
    the English one."""
    english = texts["en_US"]
    return {lang: text for lang, text in texts.items() if lang == "en_US" or text != english}


def translated_columns(reasons, alias):
    """Translated reasons (``{language: text}`` each, or False; English
    always there, other languages where they word it otherwise) sent as one
    text array per language: returns the arrays to ``unnest``, the names of
    the columns they become, and the expression that makes a row's columns
    (under ``alias``) the value of a translated field again, without the
    languages a reason lacks. A hundred thousand reasons cost no JSON to
    write or parse."""
    others = sorted({lang for reason in reasons if reason for lang in reason} - {"en_US"})
    languages = ["en_US", *others]
    names = [f"reason_{index}" for index in range(len(languages))]
    arrays = SQL(", ").join(
        SQL("%s::varchar[]", _array_literal(reason.get(lang) if reason else None for reason in reasons))
        for lang in languages
    )
    built = SQL(
        "jsonb_build_object(%s)",
        SQL(", ").join(
            SQL("%s::text, %s", lang, SQL.identifier(alias, name)) for lang, name in zip(languages, names, strict=True)
        ),
    )
    if others:
        # No key for a language a reason is not worded in: English is read there.
        built = SQL("jsonb_strip_nulls(%s)", built)
    value = SQL("CASE WHEN %s IS NOT NULL THEN %s END", SQL.identifier(alias, names[0]), built)
    return arrays, SQL(", ").join(SQL.identifier(name) for name in names), value


def reason_text(reason, lang):
    """A translated reason (``{language: text}``) in ``lang``, or in English
    when it has no text in that language."""
    return reason.get(lang or "en_US") or reason["en_US"]


def _jsonable(values):
    """The metrics as the history keeps them: dates as ISO strings, amounts
    and shares to the cent."""
    return {
        key: value.isoformat() if isinstance(value, date) else round(value, 2) if isinstance(value, float) else value
        for key, value in values.items()
        if value is not None
    }
