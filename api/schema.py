"""What drf-spectacular needs to describe the API in the OpenAPI document: its authentication, an
import's rows, and what its parameters cannot say."""

from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema

from api.writes import api_key
from imports.kinds import KINDS


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": gettext_lazy(
                "A client's token from `manage.py add_api_client NAME (--district CODE… | --all-districts)` "
                "(shown once)."
            ),
        }


class ImportRowScheme(OpenApiSerializerFieldExtension):
    """A row: any keys (those no column knows come back as ignored_fields), its key columns (a
    credit code, a month, a reference: what finds the record) strings, found from the kinds'
    declarations when the document is generated, so a new kind's keys are described too."""

    target_class = "api.serializers.ImportRowField"

    def map_serializer_field(self, auto_schema, direction):
        keys = {}
        for kind in KINDS.values():
            for column in kind.columns:
                if column.field in kind.key:
                    keys[api_key(column)] = {
                        "type": "string",
                        "description": gettext_lazy("A key of the record: a JSON string, never a number."),
                    }
        return {"type": "object", "properties": dict(sorted(keys.items())), "additionalProperties": True}


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
