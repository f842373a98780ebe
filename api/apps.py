from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "machine API"

    def ready(self):
        from api import schema  # noqa: F401 (registers the OpenAPI description of the token)
