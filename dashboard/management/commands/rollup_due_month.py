"""python manage.py rollup_due_month: the month that fell due counted in the roll-up.

At midnight of each due day a month's reports become owed, with no write. A timer runs this
command soon after (docs/operations.md); if it has not, the first dashboard request after the due
day does the same step. Nothing happens when the roll-up already counts the latest due month."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dashboard import rollup
from enterprises.reporting import latest_due_month


class Command(BaseCommand):
    help = _(
        "Count the month that fell due in the dashboard's roll-up (a timer runs this after each due day)."
    )

    def handle(self, *args, **options):
        if not rollup.due_month_step():
            raise CommandError(
                _("The roll-up is stale (a write bypassed the portal): run rebuild_rollup instead.")
            )
        self.stdout.write(
            _("The roll-up counts the reports owed up to %(month)s.")
            % {"month": f"{latest_due_month():%Y-%m}"}
        )
