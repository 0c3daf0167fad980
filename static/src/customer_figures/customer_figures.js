import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The metrics behind a customer's classes on the partner form's
 * Classification tab. They are asked for once the tab is shown, not with the
 * form: ranking the customer among all the company's customers reads the
 * window's documents of them all, which no other tab needs. The tab opens at
 * once and the figures follow.
 */
export class CustomerFigures extends Component {
    static template = "account_customer_ledger.CustomerFigures";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ figures: null });
        onWillStart(() => {
            this.load(this.props.record.resId);
        });
        onWillUpdateProps((nextProps) => {
            if (nextProps.record.resId !== this.props.record.resId) {
                this.load(nextProps.record.resId);
            }
        });
    }

    async load(resId) {
        this.resId = resId;
        this.state.figures = null;
        const figures = resId ? await this.orm.call("res.partner", "get_ledger_figures", [[resId]]) : [];
        // A figure asked for a partner left meanwhile (the pager) is dropped.
        if (this.resId === resId) {
            this.state.figures = figures;
        }
    }
}

registry.category("view_widgets").add("customer_ledger_figures", { component: CustomerFigures });
