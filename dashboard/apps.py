from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("dashboard")

    def ready(self):
        from django.db.models.signals import post_migrate

        from imports.signals import import_written

        from .rollup import rebuild_after_import, triggers_ensure

        post_migrate.connect(triggers_ensure, sender=self, dispatch_uid="dashboard_triggers_ensure")
        import_written.connect(rebuild_after_import, dispatch_uid="dashboard_rebuild_after_import")
