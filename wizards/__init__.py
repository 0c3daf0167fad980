from . import customer_classify
from . import customer_class_set
from . import customer_aging_report
from . import customer_statement_send
from . import base_partner_merge
from . import customer_statement_answer
from . import customer_class_receivable
