from . import customer_classify
from . import customer_aging_report
