from odoo import models


class IrFieldsConverter(models.AbstractModel):
    _inherit = "ir.fields.converter"

    def db_id_for(self, model, field, subfield, value):
        """A partner's class column imported by name looks the class up in
        the column's dimension: Value Tier "A" and Credit Grade "A" are two
        classes of one name. An exported column names such classes with their
        dimension ("Value Tier: A"), which is understood too."""
        converter = self
        if field.comodel_name == "customer.class" and field.model_name == "res.partner":
            dimensions = self.env["customer.class.dimension"]._get_field_dimension_map()
            if field.name in dimensions:
                converter = self.with_context(customer_class_dimension_id=dimensions[field.name])
                if subfield is None and value:
                    value = self.env["customer.class"]._strip_dimension_name(dimensions[field.name], value)
        return super(IrFieldsConverter, converter).db_id_for(model, field, subfield, value)
