from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "machine API"
    # The OpenAPI description (api.schema, which loads drf-spectacular and REST framework) is
    # registered by api.urls, not here: every process that serves or generates the document loads
    # the URLs first, and a command that does neither (import_data) starts 0.1 s sooner without it.
