import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_customer_ledger_aging", {
    steps: () => [
        {
            content: "Open the Reporting menu of Customer Ledger",
            trigger: ".o_main_navbar button[data-menu-xmlid='account_customer_ledger.menu_customer_ledger_reporting']",
            run: "click",
        },
        {
            content: "Open Aged Receivable",
            trigger: ".o-dropdown--menu a[data-menu-xmlid='account_customer_ledger.customer_aging_report_menu']",
            run: "click",
        },
        {
            content: "Show the aged receivable of today",
            trigger: ".modal button[name='action_show']",
            run: "click",
        },
        {
            content: "The table lists the tour's customer with its overdue amount, in the widest dialog",
            trigger: ".modal .modal-dialog.modal-xl .o_customer_aging tr:contains('Aging Tour Co'):contains('432.10')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_record_answer", {
    steps: () => [
        {
            content: "The statement awaits the customer's answer",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Awaiting answer')",
        },
        {
            content: "Record the answer that came back on paper",
            trigger: ".o_form_view .o_form_statusbar button[name='action_record_answer']",
            run: "click",
        },
        {
            content: "The customer disagrees",
            trigger: ".modal .o_field_widget[name='answer'] input[data-value='dispute']",
            run: "click",
        },
        {
            content: "which is",
            trigger: ".modal .o_field_widget[name='amount'] input",
            run: "edit 300.00",
        },
        {
            content: "with its reason",
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Our payment of last week is missing",
        },
        {
            content: "Record it",
            trigger: ".modal button[name='action_record']",
            run: "click",
        },
        {
            content: "The statement is disputed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Disputed')",
        },
        {
            content: "with the difference",
            trigger: ".o_form_view .o_field_widget[name='difference']:contains('132.10')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_receivables_by_class", {
    steps: () => [
        {
            content: "Open the Reporting menu of Customer Ledger",
            trigger: ".o_main_navbar button[data-menu-xmlid='account_customer_ledger.menu_customer_ledger_reporting']",
            run: "click",
        },
        {
            content: "Open Receivables by Class",
            trigger: ".o-dropdown--menu a[data-menu-xmlid='account_customer_ledger.customer_class_receivable_menu']",
            run: "click",
        },
        {
            content: "Choose the dimension an administrator added",
            trigger: ".modal .o_field_widget[name='dimension_id'] input",
            run: "edit Sales Channel",
        },
        {
            content: "Pick it in the suggestions",
            trigger: ".o-autocomplete--dropdown-item:contains('Sales Channel')",
            run: "click",
        },
        {
            content: "Show the twelve months to today",
            trigger: ".modal:has(.o_field_widget[name='dimension_id'] input:value('Sales Channel')) button[name='action_show']",
            run: "click",
        },
        {
            content: "The customer's open invoice is in its class's balance at the month's end",
            trigger: ".o_pivot:has(thead th:contains('Shops')) tbody td:contains('4,321.00')",
        },
        {
            content: "List the rows",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The rows are the report's: no New button to add one by hand",
            trigger: ".o_action_manager:has(.o_list_view tr.o_data_row):not(:has(.o_list_button_add))",
        },
        {
            content: "Open the customers of the class's latest month",
            trigger: ".o_list_view tr.o_data_row:has(td:contains('Shops')):last button[name='action_open_aged_receivable']",
            run: "click",
        },
        {
            content: "The Aged Receivable of that day lists the customer and what it owes",
            trigger: ".modal .o_customer_aging tr:contains('Tour Receivables Co'):contains('4,321.00')",
        },
    ],
});
