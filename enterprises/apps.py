from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("enterprises")

    def ready(self):
        from imports.kinds import kind_register

        from .imports import ENTERPRISES, SAFETY

        kind_register(ENTERPRISES)
        kind_register(SAFETY)
