from . import res_partner
from . import customer_ledger_generator
from . import customer_metrics
