"""When a monthly safety report is due (docs/domain.md, "Reporting: who owes which monthly report").

Which months each enterprise owes, and which reports arrived on time, are counted in SQL with the
other figures (dashboard/sums.py); this is the one rule the pages need in Python: up to which month
reports are due now.
"""

from django.conf import settings
from django.utils import timezone

from common.months import add_months


def latest_due_month(now=None):
    """The first day of the latest month whose report is due: the report for month M is due on day
    SCORE_REPORT_DUE_DAY of month M+1, from 00:00 in the portal's time zone. So from the current
    month's due day on it is the previous month, and until then the month before it."""
    today = timezone.localdate(now, timezone=timezone.get_default_timezone())
    return add_months(today.replace(day=1), -1 if today.day >= settings.SCORE_REPORT_DUE_DAY else -2)


def report_due_on(month):
    """The day the report for `month` (its first day) is due: day SCORE_REPORT_DUE_DAY of the next
    month (owed from 00:00 that day, in the portal's time zone)."""
    return add_months(month, 1).replace(day=settings.SCORE_REPORT_DUE_DAY)
