# Development commands; see README.md. All of them go through tools/ledgerctl.py.
PYTHON ?= python3
CTL = $(PYTHON) tools/ledgerctl.py

.PHONY: demo demo-rebuild test odoo-tests lint ledger bench-classify bench-credit bench-aging pg-stop wheel

demo:            ## serve Odoo with the addon and its demo ledger on http://localhost:8069
	$(CTL) demo

demo-rebuild:    ## same, dropping and recreating the ledger_demo database first
	$(CTL) demo --rebuild

test:            ## linters + the whole suite on a throwaway database
	$(CTL) test

odoo-tests:      ## Odoo's own tests with and without the addon: make odoo-tests MODULES=account,sale
	$(CTL) odoo-tests --modules $(or $(MODULES),account)

lint:            ## ruff and pylint-odoo only
	$(CTL) lint

ledger:          ## large ledger for benchmarks: make ledger CUSTOMERS=50000 INVOICES=500000
	$(CTL) generate --customers $(or $(CUSTOMERS),50000) --invoices $(or $(INVOICES),500000)

bench-classify:  ## classification benchmark: make bench-classify SIZES=10000,50000,100000
	$(CTL) bench-classify --sizes $(or $(SIZES),10000,50000,100000)

bench-credit:    ## credit-control benchmark on 100,000 customers with about a million open items
	$(CTL) bench-credit

bench-aging:     ## aged-receivable benchmark on 50,000 customers with about a million open items
	$(CTL) bench-aging

pg-stop:         ## stop the private PostgreSQL cluster
	$(CTL) pg --stop

wheel:           ## build the odoo-addon-account_customer_ledger wheel into dist/
	$(CTL) wheel
