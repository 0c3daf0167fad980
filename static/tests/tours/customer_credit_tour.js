import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_customer_ledger_credit", {
    steps: () => [
        {
            content: "Open the Credit Control tab of the customer",
            trigger: ".o_form_view .o_notebook a.nav-link[name='customer_credit']",
            run: "click",
        },
        {
            content: "The tab says the customer is on hold, and that only a credit exception lets an invoice through",
            trigger: ".o_form_view .alert-danger:contains('credit hold'):contains('unless a granted credit exception covers')",
        },
        {
            content: "and its open receivables",
            trigger: ".o_form_view .o_field_widget[name='customer_credit_open']:contains('1,500.00')",
        },
        {
            content: "and its exposure, the draft invoice included",
            trigger: ".o_form_view .o_field_widget[name='customer_credit_exposure']:contains('1,600.00')",
        },
        {
            content: "and the valid credit exception, with its maximum",
            trigger:
                ".o_form_view .o_field_widget[name='customer_credit_exception_ids'] .o_data_row:contains('CEX/'):contains('50.00')",
        },
        {
            content: "Open the documents behind the open receivables",
            trigger: ".o_form_view button[name='action_open_credit_open_items']",
            run: "click",
        },
        {
            content: "The open items list shows the customer's invoice",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Credit Tour Co')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_credit_banner", {
    steps: () => [
        {
            content: "A draft invoice of a customer on hold warns before posting",
            trigger: ".o_form_view .alert-danger:contains('will be refused')",
        },
        {
            content: "Try to post it anyway",
            trigger: ".o_form_view button[name='action_post']:enabled",
            run: "click",
        },
        {
            content: "Posting is refused with the figures",
            trigger: ".modal .modal-body:contains('on credit hold')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The invoice is still a draft",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_exception_branch_requests", {
    steps: () => [
        {
            content: "To Decide lists the branch's own request",
            trigger: ".o_list_view .o_data_row:contains('222.00')",
        },
        {
            content: "but not the parent company's",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('111.00')))",
        },
        {
            content: "Open the branch's request",
            trigger: ".o_list_view .o_data_row:contains('222.00') .o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "Grant it",
            trigger: ".o_form_view .o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "It is approved",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
    ],
});

registry.category("web_tour.tours").add("account_customer_ledger_exception_parent_request", {
    steps: () => [
        {
            content: "The parent company's request opens from the branch, read only",
            trigger: ".o_form_view .o_field_widget[name='reason'].o_readonly_modifier:contains('Head office order')",
        },
        {
            content: "with neither Grant nor Refuse",
            trigger:
                ".o_form_view .o_form_statusbar:not(:has(button[name='action_approve'])):not(:has(button[name='action_refuse']))",
        },
    ],
});
