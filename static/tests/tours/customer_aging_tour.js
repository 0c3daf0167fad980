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
            content: "The table lists the tour's customer with its overdue amount",
            trigger: ".modal .o_customer_aging tr:contains('Aging Tour Co'):contains('432.10')",
        },
    ],
});
