import { registry } from "@web/core/registry";

/**
 * Steps that open the Customer Ledger app from the apps menu.
 */
function openCustomerLedger() {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Customer Ledger",
            trigger: ".o_app[data-menu-xmlid='account_customer_ledger.menu_customer_ledger_root']",
            run: "click",
        },
    ];
}

/**
 * Steps that open Classify Customers on the two customers found by a search
 * in the customer list.
 */
function classifyTwoCustomers(search) {
    return [
        {
            content: "Search the customers to classify",
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${search}`,
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only the two customers are listed",
            trigger: ".o_list_view:not(:has(.o_data_row:nth-child(3))) .o_data_row:nth-child(2)",
        },
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the action menu",
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Classify the selected customers",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Classify Customers')",
            run: "click",
        },
    ];
}

/**
 * A step that finds a class field on the Classification tab, read-only, and
 * holding ``expected``.
 */
function readOnlyClass(content, trigger, expected, who) {
    return {
        content,
        trigger,
        run: function () {
            if (this.anchor.querySelector("input")) {
                throw new Error(`${who} may edit the class`);
            }
            const value = this.anchor.textContent.trim();
            if (value !== expected) {
                throw new Error(`Unexpected class: ${value}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("account_customer_ledger_open_customer", {
    url: "/odoo",
    steps: () => [
        ...openCustomerLedger(),
        {
            content: "Search the customer by name",
            trigger: ".o_control_panel .o_searchview_input",
            run: "edit Tour Customer",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "The customer list shows the tour's customer",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Tour Customer 客户')",
            run: "click",
        },
        {
            content: "The customer's form is open",
            trigger: ".o_form_view .o_field_widget[name='name']",
            run: function () {
                const input = this.anchor.querySelector("input, textarea");
                const value = (input ? input.value : this.anchor.textContent).trim();
                if (value !== "Tour Customer 客户") {
                    throw new Error(`Unexpected customer on the form: ${value}`);
                }
            },
        },
        {
            content: "Open the Sales & Purchase tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='sales_purchases']",
            run: "click",
        },
        {
            content: "The form shows the customer's headcount",
            trigger: ".o_form_view .o_field_widget[name='employee_count']:contains('250')",
        },
        {
            content: "Open the Classification tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_classification']",
            run: "click",
        },
        {
            content: "The tab shows the customer's value tier",
            trigger: ".o_form_view .o_field_widget[name='value_tier_id']",
            run: function () {
                const input = this.anchor.querySelector("input");
                const value = (input ? input.value : this.anchor.textContent).trim();
                if (value !== "A") {
                    throw new Error(`Unexpected value tier: ${value}`);
                }
            },
        },
        {
            content: "and why it was given",
            trigger: ".o_form_view .o_field_widget[name='commercial_class_assignment_ids'] td:contains('locked')",
        },
        {
            content: "next to its dimension, the class goes by its short name",
            trigger:
                ".o_form_view .o_field_widget[name='commercial_class_assignment_ids'] " +
                ".o_data_row:has(td[name='dimension_id']:contains('Value Tier')) td[name='class_id']:not(:contains(':')):contains('A')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_unlock_class", {
    steps: () => [
        {
            content: "Open the Classification tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_classification']",
            run: "click",
        },
        {
            content: "The class set by hand is locked; unlock it",
            trigger:
                ".o_form_view .o_field_widget[name='commercial_class_assignment_ids'] .o_data_row:contains('locked') button[name='action_unlock']",
            run: "click",
        },
        {
            content: "The row is no longer locked and offers no Unlock button",
            trigger:
                ".o_form_view .o_field_widget[name='commercial_class_assignment_ids'] .o_data_row:not(:has(button[name='action_unlock']))",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_classify_in_background", {
    steps: () => [
        ...classifyTwoCustomers("Tour Queue"),
        {
            content: "The wizard says when Apply goes to the background",
            trigger: ".modal .o_form_view:contains('a larger scope is queued')",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name='action_apply']",
            run: "click",
        },
        {
            content: "The two customers are queued",
            trigger: ".modal .alert-info:contains('customers are being classified in the background') [name='queued_count']:contains('2')",
        },
        {
            content: "Follow the progress",
            trigger: ".modal button[name='action_open_runs']",
            run: "click",
        },
        {
            content: "The run started from the wizard is listed, running",
            trigger: ".o_list_view .o_data_row:has(td:contains('Classify Customers')) td:contains('Running')",
            run: "click",
        },
        {
            content: "Its form shows what it classifies and how far it is",
            trigger: ".o_form_view:has(.o_field_widget[name='total_count']:contains('2')) h1:contains('Classify Customers as of')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_preview_in_background", {
    steps: () => [
        ...classifyTwoCustomers("Tour Preview"),
        {
            content: "Preview",
            trigger: ".modal .modal-footer button[name='action_preview']",
            run: "click",
        },
        {
            content: "The preview of the two customers is queued",
            trigger: ".modal .alert-info:contains('The preview of') [name='queued_count']:contains('2')",
        },
        {
            content: "Apply is left to the preview's run",
            trigger: ".modal .modal-footer:not(:has(button[name='action_apply']))",
        },
        {
            content: "Open the preview's run",
            trigger: ".modal button[name='action_open_run']",
            run: "click",
        },
        {
            content: "Its form says it is a preview of the wizard's customers, still running",
            trigger: ".o_form_view:has(.o_field_widget[name='total_count']:contains('2')):has(.o_statusbar_status button.o_arrow_button_current:contains('Running')) h1:contains('Preview of Classify Customers as of')",
        },
        {
            content: "It cannot be applied before it is done",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_apply']))",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_group_by_added_dimension", {
    steps: () => [
        {
            content: "Search the tour's customers",
            trigger: ".o_control_panel .o_searchview_input",
            run: "edit Tour Channel",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Group by the dimension an administrator added",
            trigger: ".o_group_by_menu .o_menu_item:contains('Sales Channel')",
            run: "click",
        },
        {
            content: "One group per class: two customers online",
            trigger: ".o_list_view .o_group_header:contains('Online (2)')",
        },
        {
            content: "one in shops: open its group",
            trigger: ".o_list_view .o_group_header:contains('Shops (1)')",
            run: "click",
        },
        {
            content: "Open the customer",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Tour Channel C')",
            run: "click",
        },
        {
            content: "Open the Classification tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_classification']",
            run: "click",
        },
        {
            content: "The accountant may edit the customer's contact details",
            trigger: ".o_form_view .o_field_widget[name='phone'] input",
        },
        readOnlyClass(
            "The tab shows the class in the added dimension, read-only for an accountant",
            ".o_form_view .o_inner_group:has(label:contains('Sales Channel')) .o_field_widget[name^='x_customer_class_']",
            "Shops",
            "An accountant who is not a classification manager"
        ),
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_invoice_analysis_by_added_dimension", {
    steps: () => [
        {
            content: "Show the analysis as a pivot table",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Open the search options of the pivot table",
            trigger: ".o_pivot_view:has(.o_pivot table) .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Group by the dimension an administrator added",
            trigger: ".o_group_by_menu .o_menu_item:contains('Sales Channel')",
            run: "click",
        },
        {
            content: "The invoice counts in the class its customer had when it was posted",
            trigger: ".o_pivot tr:has(th:contains('Shops')) td:contains('4,321.00')",
        },
        {
            content: "not in the customer's class of today",
            trigger: ".o_pivot tbody",
            run: function () {
                if ([...this.anchor.querySelectorAll("th")].some((th) => th.textContent.includes("Online"))) {
                    throw new Error("The invoice moved to the customer's current class");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_sales_user_reads_classes", {
    steps: () => [
        {
            content: "The customer's form opens for a user without accounting rights",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('Tour Sales Customer'), .o_form_view .o_field_widget[name='name'] input",
        },
        {
            content: "Open the Classification tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_classification']",
            run: "click",
        },
        readOnlyClass(
            "The tab shows the customer's value tier, read-only",
            ".o_form_view .o_field_widget[name='value_tier_id']",
            "B",
            "A user without classification rights"
        ),
        {
            content: "and the revenue behind it, asked for once the tab is shown",
            trigger:
                ".o_customer_ledger_figures .o_wrap_field:has(label:contains('Revenue (window)')) [name='ledger_revenue']:contains('1,234.00')",
        },
        {
            content: "from its one invoice",
            trigger: ".o_customer_ledger_figures [name='ledger_invoice_count']:contains('1')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_reason_in_chinese", {
    steps: () => [
        {
            content: "The customer's form opens for a salesperson working in Chinese",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('Tour Chinese Reader'), .o_form_view .o_field_widget[name='name'] input",
        },
        {
            content: "Open the Classification tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_classification']",
            run: "click",
        },
        {
            content: "Why the value tier was given reads in Chinese, though an English-speaking manager classified",
            trigger: ".o_form_view .o_field_widget[name='commercial_class_assignment_ids'] .o_data_cell[name='reason']:contains('匹配规则 A 级：')",
        },
        {
            content: "and so do the figures behind it",
            trigger:
                ".o_customer_ledger_figures .o_wrap_field:has(label:contains('收入（统计期间）')) [name='ledger_revenue']:contains('100,000,000.00')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_preview_then_apply", {
    steps: () => [
        ...classifyTwoCustomers("Tour Apply"),
        {
            content: "Preview",
            trigger: ".modal .modal-footer button[name='action_preview']",
            run: "click",
        },
        {
            content: "The preview keeps the wizard's title and sums up the classes before and after",
            trigger:
                ".modal:has(.modal-title:contains('Classify Customers')) .o_field_widget[name='summary_ids'] .o_data_row",
        },
        {
            content: "Its lines are the preview's: none can be deleted",
            trigger: ".modal .o_form_view:not(:has(.o_list_record_remove))",
        },
        {
            content: "Open the customers that change",
            trigger: ".modal .o_notebook a.nav-link[name='changes']",
            run: "click",
        },
        {
            content: "The big customer goes to value tier A, and the line says why",
            trigger:
                ".modal .o_field_widget[name='line_ids'] .o_data_row:contains('Tour Apply Big'):has(td[name='dimension_id']:contains('Value Tier')):has(td[name='new_class_id']:contains('A')) td[name='reason']:contains('rule')",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name='action_apply']",
            run: "click",
        },
        {
            content: "The wizard says how many classes changed",
            trigger: ".modal:has(.modal-title:contains('Classify Customers')) .alert-success:contains('classes changed')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_send_statements", {
    url: "/odoo",
    steps: () => [
        ...openCustomerLedger(),
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar button[data-menu-xmlid='account_customer_ledger.menu_customer_ledger_customers']",
            run: "click",
        },
        {
            content: "Open Send Statements",
            trigger: ".o-dropdown--menu a[data-menu-xmlid='account_customer_ledger.customer_statement_send_menu']",
            run: "click",
        },
        {
            content: "The statements dialog opens on last month, no customer chosen yet",
            trigger: ".modal:has(.o_field_widget[name='date_from']) .o_field_widget[name='partner_ids']:not(:has(.o_tag))",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-footer button[special='cancel']",
            run: "click",
        },
        {
            content: "Search the customer in the customer list",
            trigger: "body:not(:has(.modal)) .o_control_panel .o_searchview_input",
            run: "edit Tour Statement Co",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Select the customer",
            trigger: ".o_list_view .o_data_row:contains('Tour Statement Co') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the action menu",
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Make the selected customer's statement",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Customer Statements')",
            run: "click",
        },
        {
            content: "The dialog is for the selected customer",
            trigger: ".modal .o_field_widget[name='partner_ids'] .o_tag:contains('Tour Statement Co')",
        },
    ],
});
