from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorePortalConfig(AppConfig):
    name = "score_portal"
    verbose_name = _("SCORE portal")
