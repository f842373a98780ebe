from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementsConfig(AppConfig):
    name = "improvements"
    verbose_name = _("improvements")

    def ready(self):
        from imports.kinds import kind_register

        from .imports import PROJECTS, SUGGESTIONS

        kind_register(SUGGESTIONS)
        kind_register(PROJECTS)
