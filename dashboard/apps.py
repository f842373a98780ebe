from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("dashboard")

    def ready(self):
        from django.db.models.signals import post_migrate

        from imports.signals import records_writing

        from .rollup import follow_write, triggers_ensure

        post_migrate.connect(triggers_ensure, sender=self, dispatch_uid="dashboard_triggers_ensure")
        records_writing.connect(follow_write, dispatch_uid="dashboard_follow_write")
