from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class CustomerStatementPortal(CustomerPortal):
    """Balance confirmation: the customer opens its statement from the link
    in the email (the token stands for a login) and confirms the balance or
    gives the one it agrees with."""

    def _statement_or_none(self, statement_id, access_token):
        try:
            return self._document_check_access("customer.statement", statement_id, access_token=access_token)
        except (AccessError, MissingError):
            return None

    @http.route("/my/ledger/statement/<int:statement_id>", type="http", auth="public", website=True)
    def customer_statement_page(self, statement_id, access_token=None, **kwargs):
        statement = self._statement_or_none(statement_id, access_token)
        if statement is None:
            return request.redirect("/my")
        return self._render_statement(statement, access_token, kwargs.get("message"))

    def _render_statement(self, statement, access_token, message=None, amount=None, comment=None):
        """The confirmation page, all of it in the customer's language (as
        its statement and email are); after an answer it cannot take, the
        page again with what the customer typed, so nothing is lost."""
        request.update_context(lang=statement._customer_lang().code)
        statement = statement.with_context(lang=request.env.lang)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "statement": statement,
                "data": statement._get_statement_data(),
                "access_token": access_token,
                "message": message,
                "typed_amount": amount or "",
                "typed_comment": comment or "",
            }
        )
        return request.render("account_customer_ledger.portal_customer_statement", values)

    @http.route(
        "/my/ledger/statement/<int:statement_id>/answer", type="http", auth="public", methods=["POST"], website=True
    )
    def customer_statement_answer(self, statement_id, access_token=None, answer=None, amount=None, comment=None, **kw):
        statement = self._statement_or_none(statement_id, access_token)
        if statement is None:
            return request.redirect("/my")
        url = f"/my/ledger/statement/{statement_id}?{url_encode({'access_token': access_token})}"
        if statement.confirmation_state not in ("requested", "disputed"):
            return request.redirect(f"{url}&message=closed")
        if answer == "confirm":
            statement._answer(True, comment=comment)
        elif answer == "dispute":
            value = statement._parse_customer_amount(amount)
            if value is None or not statement._dispute_is_explained(value, comment):
                message = "amount" if value is None else "explain"
                return self._render_statement(statement, access_token, message, amount=amount, comment=comment)
            statement._answer(False, amount=value, comment=comment)
        else:
            return self._render_statement(statement, access_token, "answer", amount=amount, comment=comment)
        return request.redirect(f"{url}&message=thanks")
