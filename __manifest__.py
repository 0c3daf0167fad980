{
    "name": "Customer Ledger",
    "summary": "Customer classification, credit control, aging, statements and collections for receivables",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "account_customer_ledger developers",
    "website": "https://github.com/account-customer-ledger/account_customer_ledger",
    "license": "LGPL-3",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/customer_ledger_groups.xml",
        "security/ir.model.access.csv",
        "data/customer_class_data.xml",
        "data/customer_class_cron.xml",
        "views/res_partner_views.xml",
        "views/customer_class_views.xml",
        "wizards/customer_classify_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "reports/customer_class_report_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/demo_ledger.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_customer_ledger/static/tests/tours/*.js",
        ],
    },
    "application": True,
    "installable": True,
}
