from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# The portal's own apps (settings.INSTALLED_APPS lists them after Django's and the libraries').
PORTAL_APPS = ("districts", "accounts", "imports", "enterprises", "training", "improvements", "dashboard")


class ScorePortalConfig(AppConfig):
    name = "score_portal"
    verbose_name = _("SCORE portal")

    def ready(self):
        from common.months import date_rule_install
        from common.text import text_rule_install

        # Every text field of every model of the portal under the one rule for text, here rather
        # than field by field, so that a field added later is under it too.
        portal_models = [model for label in PORTAL_APPS for model in apps.get_app_config(label).get_models()]
        text_rule_install(portal_models)
        # And every date field within the dates the portal accepts (docs/domain.md, "Dates").
        date_rule_install(portal_models)
