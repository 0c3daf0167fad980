import re
from itertools import pairwise

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

DEFAULT_AGING_BUCKETS = "30,60,90,120"
# Workbooks of the reports: rows go to a temporary file as they come, and
# text (a customer's name, a payment's reference from a bank feed) is written
# as text, never read as a formula or a link.
XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
# Which classes an item counts under: the one its customer holds now, or
# the one stamped on its document when it was posted.
CLASS_BASES = [("current", "Class the customer holds now"), ("posting", "Class stamped at posting")]
# Between bucket days: commas (also as Chinese input methods type them),
# semicolons or spaces.
BUCKET_SEPARATORS = re.compile(r"[,\uff0c\u3001;\uff1b\s]+")


def parse_buckets(text, env):
    """``"30,60,90"`` -> ``[30, 60, 90]``: the last day of each bucket after
    *Current*; a last bucket holds everything older. Full-width (U+FF0C)
    and enumeration (U+3001) commas, and spaces, separate days too."""
    example = "30,60,90,120"
    try:
        bounds = [int(part) for part in BUCKET_SEPARATORS.split(text or "") if part]
    except ValueError as error:
        raise ValidationError(
            env._("Aging buckets are whole numbers of days separated by commas, e.g. %s.", example)
        ) from error
    if not bounds:
        raise ValidationError(env._("Give at least one aging bucket, e.g. %s.", example))
    if bounds[0] < 1 or any(b <= a for a, b in pairwise(bounds)):
        raise ValidationError(env._("Aging bucket days must be positive and increasing, e.g. %s.", example))
    if len(bounds) > 10:
        raise ValidationError(env._("At most 10 aging buckets."))
    return bounds


def bucket_labels(bounds, env):
    labels = [env._("Current")]
    low = 1
    for high in bounds:
        labels.append(env._("%(low)s-%(high)s", low=low, high=high))
        low = high + 1
    labels.append(env._("Over %s", bounds[-1]))
    return labels


def stamped_classes_query(dimension):
    """SQL of the classes of ``dimension`` stamped on documents at posting
    (``move_id, class_id``): one per document at most, since a customer
    holds one class per dimension in a company."""
    return SQL(
        """SELECT stamp.move_id, stamp.class_id
             FROM account_move_customer_class_rel stamp
             JOIN customer_class cls ON cls.id = stamp.class_id
            WHERE cls.dimension_id = %s""",
        dimension.id,
    )


class CustomerAgingEngine(models.AbstractModel):
    """Open receivables as of any date, aged in buckets.

    An item's open amount on the as-of date is its residual today plus every
    partial reconciliation dated after the as-of date (the later date of the
    two reconciled lines), added back: items paid later are open on the
    as-of date, and documents dated after it are left out. One set-based
    query serves the aged receivable, the partner's aging and the
    statement's aging footer.
    """

    _name = "customer.aging.engine"
    _description = "Customer Aging Engine"

    @api.model
    def _items_query(
        self,
        company,
        as_of,
        partner_ids=None,
        account_ids=None,
        account_type="asset_receivable",
        currency_id=None,
        company_ids=None,
        classes=None,
    ):
        """SQL of the open items on ``as_of``: one row per journal item with
        its open amount in company and in document currency. ``company``
        covers its whole group (its top company and every branch: they share
        the receivable accounts, and a payment to one may settle an invoice
        of another); None covers every company. ``as_of`` may be an SQL
        expression (the live analysis view uses ``CURRENT_DATE``).
        ``company_ids`` keeps only the items of those companies of the
        group, their open amounts still reckoned against the whole group.
        ``classes`` keeps only the items under some classes, see
        :meth:`_class_condition` (its arguments but ``company``)."""
        filters = [SQL("TRUE")]
        partial_filter = SQL("TRUE")
        if company:
            group = company._customer_ledger_group().ids
            shown = group if company_ids is None else sorted(set(group) & set(company_ids))
            filters.append(SQL("line.company_id = ANY(%s)", shown))
            # A reconciliation between two companies of the group belongs to
            # the invoice's side.
            partial_filter = SQL("company_id = ANY(%s)", group)
        debit_scope = credit_scope = SQL("TRUE")
        if partner_ids is not None:
            customers = SQL("SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)", list(partner_ids))
            filters.append(SQL("line.partner_id IN (%s)", customers))
            # Only the reconciliations of these customers' items: the
            # company's later ones would all be summed for a single customer
            # (a statement, the partner's aging).
            scoped_lines = SQL("SELECT id FROM account_move_line WHERE partner_id IN (%s)", customers)
            debit_scope = SQL("debit_move_id IN (%s)", scoped_lines)
            credit_scope = SQL("credit_move_id IN (%s)", scoped_lines)
        if account_ids:
            filters.append(SQL("line.account_id = ANY(%s)", list(account_ids)))
        if currency_id:
            filters.append(SQL("line.currency_id = %s", currency_id))
        if classes is not None:
            filters.append(self._class_condition(company, **classes))
        return SQL(
            """
            WITH added_back AS (
                SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                  FROM (
                        SELECT debit_move_id AS line_id, amount, debit_amount_currency AS amount_currency
                          FROM account_partial_reconcile
                         WHERE %(partial_filter)s AND max_date > %(as_of)s AND %(debit_scope)s
                        UNION ALL
                        SELECT credit_move_id, -amount, -credit_amount_currency
                          FROM account_partial_reconcile
                         WHERE %(partial_filter)s AND max_date > %(as_of)s AND %(credit_scope)s
                  ) later
                 GROUP BY line_id
            )
            SELECT line.id AS line_id, line.company_id, line.move_id, line.account_id, line.currency_id,
                   partner.commercial_partner_id AS partner_id,
                   line.date, COALESCE(line.date_maturity, line.date) AS date_maturity,
                   line.amount_residual + COALESCE(added_back.amount, 0) AS residual,
                   line.amount_residual_currency + COALESCE(added_back.amount_currency, 0) AS residual_currency
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              LEFT JOIN res_partner partner ON partner.id = line.partner_id
              LEFT JOIN added_back ON added_back.line_id = line.id
             WHERE line.parent_state = 'posted'
               AND account.account_type = %(account_type)s
               AND line.date <= %(as_of)s
               AND (NOT line.reconciled OR added_back.line_id IS NOT NULL)
               AND line.amount_residual + COALESCE(added_back.amount, 0) != 0
               AND %(filters)s
            """,
            partial_filter=partial_filter,
            debit_scope=debit_scope,
            credit_scope=credit_scope,
            as_of=as_of,
            account_type=account_type,
            filters=SQL(" AND ").join(filters),
        )

    @api.model
    def _class_condition(self, company, dimension, class_ids=(), unclassified=False, class_basis="current"):
        """SQL condition keeping the items (``line``, its partner ``partner``)
        under one of ``class_ids``, or, with ``unclassified``, under no class
        of ``dimension``. On the ``current`` basis an item is under the class
        its customer holds now in ``company`` (an item without a customer
        under none); on the ``posting`` basis under the class stamped on its
        document when it was posted (payments and other entries under
        none)."""
        conditions = []
        if class_basis == "posting":
            if class_ids:
                conditions.append(
                    SQL(
                        """line.move_id IN (
                               SELECT move_id FROM account_move_customer_class_rel WHERE class_id = ANY(%s))""",
                        list(class_ids),
                    )
                )
            if unclassified:
                conditions.append(
                    SQL("line.move_id NOT IN (SELECT move_id FROM (%s) stamped)", stamped_classes_query(dimension))
                )
        else:
            if class_ids:
                conditions.append(
                    SQL(
                        """partner.commercial_partner_id IN (
                               SELECT partner_id FROM customer_class_assignment
                                WHERE company_id = %s AND class_id = ANY(%s))""",
                        company.id,
                        list(class_ids),
                    )
                )
            if unclassified:
                conditions.append(
                    SQL(
                        """(partner.commercial_partner_id IS NULL
                            OR partner.commercial_partner_id NOT IN (
                               SELECT partner_id FROM customer_class_assignment
                                WHERE company_id = %s AND dimension_id = %s))""",
                        company.id,
                        dimension.id,
                    )
                )
        return SQL("(%s)", SQL(" OR ").join(conditions or [SQL("FALSE")]))

    @api.model
    def _group_key(self, group_by, company, dimension=None, class_basis="current"):
        """(SQL expression, SQL joins) giving the group of an item. By class,
        on the ``current`` basis, the class its customer holds now in
        ``company``; on the ``posting`` basis, the class stamped on its
        document when it was posted (none for payments and other entries)."""
        if group_by == "customer":
            return SQL("items.partner_id"), SQL("")
        if group_by == "salesperson":
            return SQL("item_move.invoice_user_id"), SQL("JOIN account_move item_move ON item_move.id = items.move_id")
        if group_by == "currency":
            return SQL("items.currency_id"), SQL("")
        if group_by == "class":
            if not dimension:
                raise ValidationError(self.env._("Choose the classification dimension to group by."))
            if class_basis == "posting":
                return SQL("item_class.class_id"), SQL(
                    "LEFT JOIN (%s) item_class ON item_class.move_id = items.move_id",
                    stamped_classes_query(dimension),
                )
            return SQL("assignment.class_id"), SQL(
                """LEFT JOIN customer_class_assignment assignment
                          ON assignment.partner_id = items.partner_id
                         AND assignment.company_id = %s
                         AND assignment.dimension_id = %s""",
                company.id,
                dimension.id,
            )
        raise ValidationError(self.env._("Unknown grouping: %s", group_by))

    @api.model
    def _aged(
        self,
        company,
        as_of,
        bounds,
        group_by="customer",
        dimension=None,
        basis="due",
        class_basis="current",
        **filters,
    ):
        """Aged totals per group: ``[{key, buckets: [...], total,
        total_currency: {currency id: amount}}]`` ordered by total, largest
        first (on payables, the most negative). Amounts in company currency;
        ``buckets`` has ``len(bounds) + 2`` amounts (Current, each bound,
        older)."""
        self._flush()
        key, joins = self._group_key(group_by, company, dimension, class_basis)
        days = self._days_sql(as_of, basis)
        conditions = [SQL("%s <= 0", days)]
        low = 1
        for high in bounds:
            conditions.append(SQL("%s BETWEEN %s AND %s", days, low, high))
            low = high + 1
        conditions.append(SQL("%s > %s", days, bounds[-1]))
        # Amounts in company currency, or in the one currency the items are
        # restricted to.
        value = SQL("items.residual_currency") if filters.get("currency_id") else SQL("items.residual")
        bucket_sums = [
            SQL("COALESCE(SUM(%s) FILTER (WHERE %s), 0) AS %s", value, condition, SQL.identifier(f"b{index}"))
            for index, condition in enumerate(conditions)
        ]
        # One pass: per group and document currency, the bucket sums and the
        # open amount in that currency; groups are merged here.
        query = SQL(
            """
            WITH items AS (%(items)s)
            SELECT %(key)s AS key, items.currency_id, SUM(%(value)s) AS total,
                   SUM(items.residual_currency) AS total_currency, %(buckets)s
              FROM items
              %(joins)s
             GROUP BY %(key)s, items.currency_id
            """,
            items=self._items_query(company, as_of, **filters),
            value=value,
            key=key,
            buckets=SQL(", ").join(bucket_sums),
            joins=joins,
        )
        width = len(conditions)
        groups = {}
        for row in self.env["customer.metrics"]._execute_without_jit(query):
            group = groups.setdefault(
                row["key"], {"key": row["key"], "buckets": [0.0] * width, "total": 0.0, "total_currency": {}}
            )
            for index in range(width):
                group["buckets"][index] += float(row[f"b{index}"])
            group["total"] += float(row["total"] or 0.0)
            if row["currency_id"] != company.currency_id.id:
                currency_total = float(row["total_currency"] or 0.0)
                group["total_currency"][row["currency_id"]] = (
                    group["total_currency"].get(row["currency_id"], 0.0) + currency_total
                )
        currency = company.currency_id
        for group in groups.values():
            group["buckets"] = [currency.round(amount) for amount in group["buckets"]]
            group["total"] = currency.round(group["total"])
        # The largest balance first: what is owed to the company on
        # receivables, what it owes on payables.
        sign = -1 if filters.get("account_type") == "liability_payable" else 1
        return sorted(groups.values(), key=lambda group: (-sign * group["total"], str(group["key"])))

    @api.model
    def _open_items(
        self, company, as_of, basis="due", group_by="customer", dimension=None, class_basis="current", **filters
    ):
        """Open items on ``as_of`` with their age in days, oldest first, and
        their group (``group_key``) as :meth:`_aged` groups them."""
        self._flush()
        key, joins = self._group_key(group_by, company, dimension, class_basis)
        query = SQL(
            """
            WITH items AS (%(items)s)
            SELECT items.*, move.name AS move_name, move.move_type, move.ref, move.invoice_user_id,
                   %(days)s AS days, %(key)s AS group_key
              FROM items
              JOIN account_move move ON move.id = items.move_id
              %(joins)s
             ORDER BY items.partner_id, items.date_maturity, items.line_id
            """,
            items=self._items_query(company, as_of, **filters),
            days=self._days_sql(as_of, basis),
            key=key,
            joins=joins,
        )
        rows = self.env["customer.metrics"]._execute_without_jit(query)
        for row in rows:
            row["residual"] = float(row["residual"])
            row["residual_currency"] = float(row["residual_currency"])
        return rows

    @api.model
    def _bucket_of(self, days, bounds):
        if days <= 0:
            return 0
        for index, high in enumerate(bounds, start=1):
            if days <= high:
                return index
        return len(bounds) + 1

    @api.model
    def _days_sql(self, as_of, basis):
        column = SQL("items.date_maturity") if basis == "due" else SQL("items.date")
        return SQL("(%s::date - %s)", fields.Date.to_string(as_of), column)

    @api.model
    def _flush(self):
        # The queries read each item's customer through the partner's
        # commercial partner, which a partner created in this transaction
        # may not have written yet.
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        for model in (
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
            "account.full.reconcile",
            "customer.class.assignment",
        ):
            self.env[model].flush_model()
