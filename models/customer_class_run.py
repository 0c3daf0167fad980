import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

BATCH_SIZE_PARAM = "account_customer_ledger.reclassify_batch_size"
DEFAULT_BATCH_SIZE = 5000


class CustomerClassRun(models.Model):
    """One pass of the scheduled reclassification over a company's customers.

    The pass goes through the customers in id order, one batch per call of
    the scheduled action. The cursor is saved in the same transaction as the
    batch's classes, so a worker killed in the middle of a batch loses only
    that batch, and the next call starts again right after the last batch
    that was committed.
    """

    _name = "customer.class.run"
    _description = "Scheduled Reclassification Run"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True, readonly=True)
    date_to = fields.Date(string="As of", required=True, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")], default="running", required=True, readonly=True, index=True
    )
    last_partner_id = fields.Integer(
        string="Last customer done", readonly=True, help="Technical: customers up to this id are classified."
    )
    done_count = fields.Integer(string="Customers classified", readonly=True)
    total_count = fields.Integer(string="Customers", readonly=True)
    changed_count = fields.Integer(string="Classes changed", readonly=True)
    batch_count = fields.Integer(string="Batches", readonly=True)
    date_start = fields.Datetime(string="Started", default=fields.Datetime.now, readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)

    @api.model
    def _customer_ids_query(self, company, after_id=0, limit=None):
        """Commercial customers of ``company`` with an id above ``after_id``."""
        return SQL(
            """SELECT id FROM res_partner
                WHERE id = commercial_partner_id AND active AND customer_rank > 0
                  AND (company_id IS NULL OR company_id = %(company)s) AND id > %(after)s
                ORDER BY id %(limit)s""",
            company=company.id,
            after=after_id,
            limit=SQL("LIMIT %s", limit) if limit else SQL(),
        )

    @api.model
    def _count_customers(self, company, after_id=0):
        query = self._customer_ids_query(company, after_id)
        return self.env.execute_query(SQL("SELECT COUNT(*) FROM (%s) ids", query))[0][0]

    @api.model
    def _batch_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        try:
            return max(int(value), 1) if value else DEFAULT_BATCH_SIZE
        except ValueError:
            return DEFAULT_BATCH_SIZE

    @api.model
    def _cron_reclassify(self, batch_size=None):
        """Scheduled action: classify one batch of customers and report the
        progress, so that the scheduler calls again until every company's
        pass is done."""
        batch_size = batch_size or self._batch_size()
        runs = self.search([("state", "=", "running")], order="id") or self._start_runs()
        done = 0
        for run in runs:
            done = run._process_batch(batch_size)
            if done:
                break
        remaining = sum(
            run._count_customers(run.company_id, run.last_partner_id) for run in runs if run.state == "running"
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    @api.model
    def _start_runs(self):
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([])
        return self.sudo().create(
            [
                {"company_id": company.id, "date_to": today, "total_count": self._count_customers(company)}
                for company in companies
            ]
        )

    def _process_batch(self, batch_size):
        """Classify the next batch of the run's customers; returns how many."""
        self.ensure_one()
        company = self.company_id
        partner_ids = [
            row[0]
            for row in self.env.execute_query(
                self._customer_ids_query(company, self.last_partner_id, batch_size + 1),
            )
        ]
        last_batch = len(partner_ids) <= batch_size
        partner_ids = partner_ids[:batch_size]
        if not partner_ids:
            self.write({"state": "done", "date_done": fields.Datetime.now()})
            return 0
        dimensions = self.env["customer.class.dimension"].search([("automatic", "=", True)])
        classifier = self.env["customer.classifier"].with_company(company)
        partners = self.env["res.partner"].browse(partner_ids)
        changes = classifier._apply(classifier._propose(dimensions, partners, company, self.date_to), company)
        values = {
            "last_partner_id": partner_ids[-1],
            "done_count": self.done_count + len(partner_ids),
            "changed_count": self.changed_count + len(changes),
            "batch_count": self.batch_count + 1,
        }
        if last_batch:
            values.update(state="done", date_done=fields.Datetime.now())
        self.write(values)
        _logger.info("Reclassified %s customers of %s (%s changes)", len(partner_ids), company.name, len(changes))
        return len(partner_ids)
