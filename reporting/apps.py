from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Enterprises report for themselves (docs/domain.md, "Enterprises report for themselves"): the
    enterprise's own pages, on a phone first. Every write goes through the door (imports)."""

    name = "reporting"
    verbose_name = _("self-reporting")
