"""python manage.py rebuild_rollup: the whole roll-up made again from the data.

Needed after a write that bypassed the door (psql, a data migration, a restore of a dump taken
without it): until it has run, the dashboard computes its figures from the tables, slower but
right. `migrate` runs it when it is done. It waits for the writes under way and holds new ones back
while it runs (docs/operations.md says how long, by the size of the data)."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard import rollup


class Command(BaseCommand):
    help = _("Make the dashboard's roll-up again from the data (after writes that bypassed the portal).")

    def handle(self, *args, **options):
        started = time.monotonic()
        rollup.rebuild()
        self.stdout.write(_("Roll-up rebuilt in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
