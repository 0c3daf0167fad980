from . import account_invoice_report
from . import customer_class_revenue_report
from . import customer_aging_analysis
