"""What drf-spectacular needs to describe the API in the OpenAPI document: its authentication and
what its parameters cannot say."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A client's token from `manage.py add_api_client NAME` (shown once).",
        }


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with what its parameters cannot say: every query parameter of the
    API is optional and may be sent empty (`to=`), which is the same as leaving it out (the views'
    forms read an empty value as none; DRF's paginator too)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query":
                parameter["allowEmptyValue"] = True
        return operation


class ImportRowsScheme(OpenApiSerializerExtension):
    """A write's body holds `rows` and nothing else (api.writes.body_rows refuses any other key):
    the document says so with `additionalProperties: false`, as drf-spectacular's documentation
    shows an extension amending a serializer's schema."""

    target_class = "api.serializers.ImportRowsSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}
