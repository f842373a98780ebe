from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("enterprises")

    def ready(self):
        from django.urls import register_converter

        from imports.kinds import kind_register

        from .credit_code import CreditCodeConverter

        # `<credit_code:…>` in every app's URLs (the enterprise pages, the enterprise accounts' page),
        # registered once here: registering a name twice is deprecated (an error from Django 6.0).
        register_converter(CreditCodeConverter, "credit_code")

        from .imports import ENTERPRISES, SAFETY

        kind_register(ENTERPRISES)
        kind_register(SAFETY)
