import base64
import os
import tempfile

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, formatLang

from ..models.customer_aging import CLASS_BASES, XLSX_OPTIONS, bucket_labels, parse_buckets


class CustomerAgingReport(models.TransientModel):
    """Aged receivable as of any date: on screen, PDF and XLSX."""

    _name = "customer.aging.report"
    _description = "Aged Receivable"
    # Rows the screen shows, the largest first: a whole ledger's customers
    # would make a page no browser can display (the totals, the PDF and the
    # workbook keep every row).
    _screen_rows = 500
    # Rows a PDF is printed with: a whole ledger's (100,000 customers) would
    # outlast the web server's time limit.
    _pdf_rows = 20000

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    group_company_ids = fields.Many2many(
        "res.company", string="Companies of the Group", compute="_compute_group_company_ids"
    )
    has_branches = fields.Boolean(compute="_compute_group_company_ids")
    branch_ids = fields.Many2many(
        "res.company",
        "customer_aging_report_branch_rel",
        string="Branches",
        domain="[('id', 'in', group_company_ids)]",
        help="Only the items of these companies of the group (the company and its branches); their open amounts "
        "still count what the group's other companies' payments settled. Empty: the whole group.",
    )
    report_type = fields.Selection(
        [("receivable", "Aged Receivable"), ("payable", "Aged Payable")],
        string="Report",
        required=True,
        default="receivable",
    )
    as_of = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    basis = fields.Selection(
        [("due", "Due date"), ("invoice", "Invoice date")],
        string="Aging Basis",
        required=True,
        default="due",
    )
    buckets = fields.Char(
        required=True,
        default=lambda self: self.env.company.customer_aging_buckets,
        help="Last day of each bucket after Current, separated by commas (the company's buckets by default).",
    )
    group_by = fields.Selection(
        [
            ("customer", "Customer"),
            ("class", "Customer class"),
            ("salesperson", "Salesperson"),
            ("currency", "Currency"),
        ],
        required=True,
        default="customer",
    )
    dimension_id = fields.Many2one("customer.class.dimension")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    class_ids = fields.Many2many("customer.class", string="Classes")
    unclassified = fields.Boolean(
        string="Without a Class",
        help="Also the items under no class of the dimension: those of customers that hold none (by the class "
        "stamped at posting: of documents posted without one, of payments and other entries).",
    )
    class_basis = fields.Selection(
        CLASS_BASES,
        string="Classes by",
        required=True,
        default="current",
        help="Whether the classes (to group or filter by) are the ones customers hold now, or the ones stamped on "
        "each invoice and credit note when it was posted: then an item counts under the class its document was "
        "posted with, and payments and other entries under none.",
    )
    account_ids = fields.Many2many(
        "account.account",
        string="Accounts",
        domain="[('account_type', 'in', ('asset_receivable', 'liability_payable')), ('company_ids', 'in', company_id)]",
    )
    show_detail = fields.Boolean(string="Item Detail", help="List each open item under its group.")
    preview = fields.Html(sanitize=False, readonly=True)

    @api.depends("company_id")
    def _compute_group_company_ids(self):
        for wizard in self:
            group = wizard.company_id._customer_ledger_readable_group() if wizard.company_id else wizard.company_id
            wizard.group_company_ids = group
            wizard.has_branches = len(group) > 1

    @api.constrains("company_id", "branch_ids")
    def _check_branch_ids(self):
        for wizard in self:
            strangers = wizard.branch_ids - wizard.company_id._customer_ledger_group()
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(companies)s: not a branch of %(company)s's group. Choose the company and its branches "
                        "only, or leave Branches empty for the whole group.",
                        companies=", ".join(strangers.mapped("name")),
                        company=wizard.company_id.name,
                    )
                )

    @api.onchange("company_id")
    def _onchange_company_id(self):
        self.buckets = self.company_id.customer_aging_buckets
        self.branch_ids = self.branch_ids & self.group_company_ids

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------
    def _filters(self):
        self.ensure_one()
        partner_ids = None
        if self.partner_ids:
            partner_ids = set(self.partner_ids.commercial_partner_id.ids)
        classes = None
        if self.class_ids or self.unclassified:
            if self.unclassified and not self.dimension_id:
                raise UserError(
                    self.env._(
                        "Choose the classification dimension: Without a Class shows what is under none of its classes."
                    )
                )
            classes = {
                "dimension": self.dimension_id,
                "class_ids": self.class_ids.ids,
                "unclassified": self.unclassified,
                "class_basis": self.class_basis,
            }
        return {
            "partner_ids": sorted(partner_ids) if partner_ids is not None else None,
            "account_ids": self.account_ids.ids or None,
            "account_type": "liability_payable" if self.report_type == "payable" else "asset_receivable",
            "company_ids": self._shown_companies().ids,
            "classes": classes,
        }

    def _group_labels(self, keys):
        names = {}
        if self.group_by == "customer":
            records = self.env["res.partner"].browse([k for k in keys if k])
        elif self.group_by == "class":
            records = self.env["customer.class"].browse([k for k in keys if k])
        elif self.group_by == "salesperson":
            records = self.env["res.users"].browse([k for k in keys if k])
        else:
            records = self.env["res.currency"].browse([k for k in keys if k])
        for record in records.sudo():
            names[record.id] = record.display_name
        empty = {
            "customer": self.env._("No customer"),
            "class": self.env._("Unclassified"),
            "salesperson": self.env._("No salesperson"),
            "currency": self.company_id.currency_id.name,
        }[self.group_by]
        return {key: names.get(key, empty) for key in keys}

    def _shown_companies(self):
        """The companies of the group whose items the report shows: those
        chosen under *Branches* (all by default) that the user may read."""
        readable = self.company_id._customer_ledger_readable_group()
        return readable & self.branch_ids if self.branch_ids else readable

    def _companies_text(self):
        """The companies whose items the report shows, the chosen one first;
        it says so when the user may not read the rest of its group."""
        shown = self._shown_companies()
        text = ", ".join(((self.company_id & shown) | shown.sorted("name")).mapped("name"))
        if not self.branch_ids and self.company_id._customer_ledger_group() - shown:
            text = self.env._(
                "%(companies)s (the group's other companies are left out: you may not access them)",
                companies=text,
            )
        return text

    def _get_report_data(self, limit=None):
        """Everything the screen, the PDF and the XLSX show: every group, or
        the ``limit`` largest (the totals count them all)."""
        self.ensure_one()
        bounds = parse_buckets(self.buckets, self.env)
        engine = self.env["customer.aging.engine"].with_company(self.company_id)
        filters = self._filters()
        groups = engine._aged(
            self.company_id,
            self.as_of,
            bounds,
            group_by=self.group_by,
            dimension=self.dimension_id,
            basis=self.basis,
            class_basis=self.class_basis,
            **filters,
        )
        if self.report_type == "payable":
            # What the company owes, shown as positive amounts.
            for group in groups:
                group["buckets"] = [-amount for amount in group["buckets"]]
                group["total"] = -group["total"]
                group["total_currency"] = {cid: -amount for cid, amount in group["total_currency"].items()}
        width = len(bounds) + 2
        totals = [sum(group["buckets"][index] for group in groups) for index in range(width)]
        grand_total = sum(totals)
        shown = groups[:limit] if limit else groups
        labels = self._group_labels([group["key"] for group in shown])
        currencies = (
            self.env["res.currency"].browse({cid for group in shown for cid in group["total_currency"]}).sorted("name")
        )
        items_by_group = {}
        if self.show_detail:
            shown_keys = {group["key"] for group in shown}
            item_filters = filters
            if len(shown) < len(groups) and self.group_by == "customer" and None not in shown_keys:
                # Only the items of the customers shown.
                item_filters = dict(filters, partner_ids=sorted(shown_keys))
            sign = -1 if self.report_type == "payable" else 1
            for item in engine._open_items(
                self.company_id,
                self.as_of,
                basis=self.basis,
                group_by=self.group_by,
                dimension=self.dimension_id,
                class_basis=self.class_basis,
                **item_filters,
            ):
                key = item["group_key"]
                if key not in shown_keys:
                    continue
                item["bucket"] = engine._bucket_of(item["days"], bounds)
                item["residual"] *= sign
                item["residual_currency"] *= sign
                item["due"] = format_date(self.env, item["date_maturity"])
                item["age"] = self.env._("%(days)s d", days=item["days"])
                items_by_group.setdefault(key, []).append(item)
        note = ""
        if len(shown) < len(groups):
            note = self.env._(
                "Showing the %(shown)s largest of %(count)s rows; the totals count them all, and PDF and XLSX "
                "list every row.",
                shown=formatLang(self.env, len(shown), digits=0),
                count=formatLang(self.env, len(groups), digits=0),
            )
        heading = self.env._(
            "As of %(date)s · aging basis: %(basis)s · amounts in %(currency)s",
            date=format_date(self.env, self.as_of),
            basis=dict(self._fields["basis"]._description_selection(self.env))[self.basis],
            currency=self.company_id.currency_id.name,
        )
        if self.group_by == "class" or self.class_ids or self.unclassified:
            heading = self.env._(
                "%(heading)s · classes by: %(class_basis)s",
                heading=heading,
                class_basis=dict(self._fields["class_basis"]._description_selection(self.env))[self.class_basis],
            )
        return {
            "title": dict(self._fields["report_type"]._description_selection(self.env))[self.report_type],
            "company": self.company_id,
            "companies": self._companies_text(),
            "currency": self.company_id.currency_id,
            "as_of": self.as_of,
            "heading": heading,
            "group_by": dict(self._fields["group_by"]._description_selection(self.env))[self.group_by],
            "columns": bucket_labels(bounds, self.env),
            "groups": [
                dict(
                    group,
                    label=labels[group["key"]],
                    items=items_by_group.get(group["key"], []),
                    currency_totals=[
                        (currency, group["total_currency"].get(currency.id, 0.0))
                        for currency in currencies
                        if group["total_currency"].get(currency.id)
                    ],
                )
                for group in shown
            ],
            "note": note,
            "totals": totals,
            "total": grand_total,
            "percents": [100.0 * amount / grand_total if grand_total else 0.0 for amount in totals],
            "currencies": currencies,
            "fmt": lambda value, currency=None: formatLang(
                self.env, value, digits=(currency or self.company_id.currency_id).decimal_places
            ),
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Aged Receivable"),
            # The table has a column per bucket and per currency.
            "context": {"dialog_size": "extra-large"},
        }

    def action_show(self):
        self.ensure_one()
        self.preview = self.env["ir.qweb"]._render(
            "account_customer_ledger.customer_aging_table",
            {"data": self._get_report_data(limit=self._screen_rows), "o": self},
        )
        return self._reopen()

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("account_customer_ledger.action_report_customer_aging").report_action(self)

    def _pdf_report_data(self):
        """The report's data for the PDF, refused when it has more rows than
        a PDF is printed with."""
        data = self._get_report_data()
        rows = len(data["groups"]) + sum(len(group["items"]) for group in data["groups"])
        if rows > self._pdf_rows:
            raise UserError(
                self.env._(
                    "This PDF would list %(rows)s rows, more than the %(limit)s printed at once: use XLSX for the "
                    "whole ledger, or choose customers, classes or accounts.",
                    rows=formatLang(self.env, rows, digits=0),
                    limit=formatLang(self.env, self._pdf_rows, digits=0),
                )
            )
        return data

    def action_export_xlsx(self):
        self.ensure_one()
        content = self._render_xlsx(self._get_report_data())
        filename = self.env._("Aged Receivable %s.xlsx", fields.Date.to_string(self.as_of))
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _render_xlsx(self, data):
        """The report as XLSX bytes, written row by row in xlsxwriter's
        constant-memory mode (rows go to a temporary file as they come)."""
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            workbook = xlsxwriter.Workbook(path, XLSX_OPTIONS)
            sheet = workbook.add_worksheet(data["title"][:31])
            bold = workbook.add_format({"bold": True})
            money = workbook.add_format({"num_format": "#,##0.00"})
            money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})
            percent = workbook.add_format({"num_format": "0.0\\%"})
            sheet.set_column(0, 0, 36)
            sheet.set_column(1, len(data["columns"]) + 1 + len(data["currencies"]), 14)
            row = 0
            sheet.write(row, 0, data["title"], bold)
            sheet.write(row, 1, data["companies"])
            row += 1
            sheet.write(row, 0, data["heading"])
            row += 2
            header = [data["group_by"], *data["columns"], self.env._("Total")]
            header += [currency.name for currency in data["currencies"]]
            for col, title in enumerate(header):
                sheet.write(row, col, title, bold)
            row += 1
            for group in data["groups"]:
                sheet.write(row, 0, group["label"], bold)
                for col, amount in enumerate(group["buckets"], start=1):
                    sheet.write_number(row, col, amount, money)
                sheet.write_number(row, len(group["buckets"]) + 1, group["total"], money_bold)
                by_currency = {c.id: a for c, a in group["currency_totals"]}
                for offset, currency in enumerate(data["currencies"]):
                    if currency.id in by_currency:
                        sheet.write_number(row, len(group["buckets"]) + 2 + offset, by_currency[currency.id], money)
                row += 1
                for item in group["items"]:
                    sheet.write(row, 0, f"  {item['move_name'] or ''} · {item['due']} · {item['age']}")
                    sheet.write_number(row, 1 + item["bucket"], item["residual"], money)
                    row += 1
            sheet.write(row, 0, self.env._("Total"), bold)
            for col, amount in enumerate(data["totals"], start=1):
                sheet.write_number(row, col, amount, money_bold)
            sheet.write_number(row, len(data["totals"]) + 1, data["total"], money_bold)
            row += 1
            sheet.write(row, 0, "%")
            for col, share in enumerate(data["percents"], start=1):
                sheet.write_number(row, col, share, percent)
            workbook.close()
            with open(path, "rb") as handle_in:
                return handle_in.read()
        finally:
            os.unlink(path)


class CustomerAgingReportPdf(models.AbstractModel):
    _name = "report.account_customer_ledger.report_customer_aging"
    _description = "Aged Receivable PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["customer.aging.report"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "customer.aging.report",
            "docs": wizards,
            "report_data": {wizard.id: wizard._pdf_report_data() for wizard in wizards},
        }
