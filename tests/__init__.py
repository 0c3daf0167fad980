from . import test_demo_ledger
from . import test_generator
from . import test_ui
from . import test_translation
from . import test_customer_metrics
from . import test_classification
from . import test_credit_control
from . import test_aging
