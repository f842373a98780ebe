"""At most SCORE_REPORT_CONCURRENCY printed reports in the making per user, across app servers.

A report takes WeasyPrint seconds of a worker's CPU. One official's session that asked for 16 at
once (a script, or a browser reopening tabs) held every worker for 30 s each, and another
official's cached dashboard (0.03 s) waited 18–47 s; 24 at once ended in 503s for everybody. A
report already in the page cache costs a read and takes no slot; only the making is limited.

A slot is a ReportSlot row. Taking one is a short transaction of its own on the primary: it locks
the user's row (`SELECT … FOR UPDATE`), so that two requests of the same user on different app
servers count one after the other (a count alone would let both see a free slot when the user has
none yet to lock), drops the user's stale slots, counts the others and adds one if under the
limit. The slot is deleted when the report is made or has failed (a `finally`). A worker killed
while making one (gunicorn's timeout, a crash) leaves its row: a slot older than STALE no longer
counts, and the user's next report deletes it. This is the API's per-client rate limit's reason
for counting in the database (accounts.services.api_client_admit), not its statement: a rate
counts requests in a minute, this counts what is running now.

On SQLite (development, tests) `select_for_update` is a no-op, and the database's single writer
serializes the transactions instead.
"""

import contextlib
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.utils import timezone

from .models import ReportSlot

# Longer than any report takes to make (30 s each when 16 ran at once) and than gunicorn's timeout
# (GUNICORN_TIMEOUT, 60 s), so that a slot stops counting only when its worker is gone.
STALE = datetime.timedelta(minutes=5)


class ReportsBusy(Exception):
    """The user has `limit` reports in the making already."""

    def __init__(self, limit):
        super().__init__(f"{limit} reports in the making already")
        self.limit = limit


def report_slot_take(*, user, limit, now=None):
    """A ReportSlot for `user`'s report, taken now; None when `user` has `limit` fresh slots
    already. Four queries in a transaction of their own (lock, drop stale, count, insert)."""
    now = now or timezone.now()
    alias = router.db_for_write(ReportSlot)
    with transaction.atomic(using=alias):
        # The lock that makes the count and the insert one step for this user (the module says why).
        list(get_user_model().objects.using(alias).select_for_update().filter(pk=user.pk).values_list("pk"))
        mine = ReportSlot.objects.using(alias).filter(user_id=user.pk)
        mine.filter(started_at__lte=now - STALE).delete()
        if mine.count() >= limit:
            return None
        return ReportSlot.objects.using(alias).create(user_id=user.pk, started_at=now)


def report_slot_release(slot):
    """Give the slot back: one DELETE."""
    ReportSlot.objects.using(router.db_for_write(ReportSlot)).filter(pk=slot.pk).delete()


@contextlib.contextmanager
def report_slot(user):
    """Hold a slot of `user`'s while the block makes a report; ReportsBusy when there is none free."""
    limit = settings.SCORE_REPORT_CONCURRENCY
    slot = report_slot_take(user=user, limit=limit)
    if slot is None:
        raise ReportsBusy(limit)
    try:
        yield slot
    finally:
        report_slot_release(slot)
