"""What drf-spectacular needs to describe the API's authentication and an import's rows in the
OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension

from api.writes import api_key
from imports.kinds import KINDS


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
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
                        "description": "A key of the record: a JSON string, never a number.",
                    }
        return {"type": "object", "properties": dict(sorted(keys.items())), "additionalProperties": True}
