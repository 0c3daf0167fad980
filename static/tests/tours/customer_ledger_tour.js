import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_customer_ledger_open_customer", {
    url: "/odoo",
    steps: () => [
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
            trigger: ".o_form_view .o_field_widget[name='customer_class_assignment_ids'] td:contains('locked')",
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
                ".o_form_view .o_field_widget[name='customer_class_assignment_ids'] .o_data_row:contains('locked') button[name='action_unlock']",
            run: "click",
        },
        {
            content: "The row is no longer locked and offers no Unlock button",
            trigger:
                ".o_form_view .o_field_widget[name='customer_class_assignment_ids'] .o_data_row:not(:has(button[name='action_unlock']))",
        },
    ],
});
