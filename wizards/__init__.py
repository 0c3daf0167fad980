from . import customer_classify
