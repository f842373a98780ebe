"""Which months an enterprise may file, and where each of its months stands (docs/domain.md,
"Enterprises report for themselves"): the rules the enterprise's pages show and check, for one
enterprise at a time (the district figures count the same months in SQL, dashboard/sums.py)."""

import statistics
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from common.months import add_months
from enterprises.exemptions import first_owed_month, last_owed_month
from enterprises.models import Exemption, SafetyReport
from enterprises.reporting import latest_due_month, report_due_on

# Plausibility (docs/domain.md): a value more than FACTOR times, or under 1/FACTOR of, the median of
# the enterprise's last HISTORY reports, when it has at least ENOUGH of them, asks for an explanation.
FACTOR = 3
HISTORY = 12
ENOUGH = 6
CHECKED = ("inspections", "hazards_found")


def this_month():
    """The first day of the current month, in the portal's time zone."""
    return timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)


def exempt_months(enterprise):
    """[(first, last or None)] of the enterprise's approved exemptions."""
    return list(
        Exemption.objects.filter(enterprise=enterprise, status=Exemption.Status.APPROVED).values_list(
            "first_month", "last_month"
        )
    )


def is_exempt(month, exemptions):
    return any(first <= month and (last is None or month <= last) for first, last in exemptions)


def refusal(enterprise, month, report=None, exemptions=None):
    """Why `month` cannot be filed by the enterprise now (a message), or None when it can."""
    if month >= this_month():
        return _(
            "%(month)s has not ended yet: its report can be filed from the first day of the next month."
        ) % {"month": f"{month:%Y-%m}"}
    if month < first_owed_month(enterprise):
        return _("%(month)s is before the first month the enterprise owes (%(first)s).") % {
            "month": f"{month:%Y-%m}",
            "first": f"{first_owed_month(enterprise):%Y-%m}",
        }
    last = last_owed_month(enterprise)
    if last is not None and month > last:
        return _("The enterprise left the programme: it owes no report for %(month)s.") % {
            "month": f"{month:%Y-%m}"
        }
    if is_exempt(month, exempt_months(enterprise) if exemptions is None else exemptions):
        return _("%(month)s is exempt (production halted): it takes no report.") % {"month": f"{month:%Y-%m}"}
    if report is not None and report.state == SafetyReport.State.APPROVED:
        return _("The report for %(month)s is approved and locked; ask the district office to reopen it.") % {
            "month": f"{month:%Y-%m}"
        }
    return None


@dataclass
class MonthRow:
    """One of the enterprise's months as its home page lists it."""

    month: object
    status: str  # missing, not_due, submitted, returned, approved, exempt
    due_on: object
    report: object = None

    @property
    def to_do(self):
        return self.status in ("missing", "returned", "not_due")


def overview(enterprise):
    """Every month the enterprise owes and can file, newest first, with its status; a month ended
    but not yet due is listed too (it can be filed early). Two queries."""
    latest = add_months(this_month(), -1)
    last = last_owed_month(enterprise)
    if last is not None:
        latest = min(latest, last)
    due = latest_due_month()
    reports = {report.month: report for report in SafetyReport.objects.filter(enterprise=enterprise)}
    exemptions = exempt_months(enterprise)
    rows = []
    month = latest
    first = first_owed_month(enterprise)
    while month >= first:
        report = reports.get(month)
        if is_exempt(month, exemptions):
            status = "exempt"
        elif report is not None:
            status = report.state
        else:
            status = "missing" if month <= due else "not_due"
        rows.append(MonthRow(month, status, report_due_on(month), report))
        month = add_months(month, -1)
    return rows


def warnings(enterprise, month, values):
    """{field: message} for the values far from the enterprise's own history (the median of its last
    HISTORY reports before `month`, when it has ENOUGH of them). One query."""
    history = list(
        SafetyReport.objects.filter(enterprise=enterprise, month__lt=month)
        .order_by("-month")
        .values(*CHECKED)[:HISTORY]
    )
    return warnings_against(history, values)


def warnings_of_reports(reports):
    """{report's pk: warnings(…)} for many stored reports at once (the review page's): one query for
    the earlier reports of their enterprises, whatever their number."""
    reports = list(reports)
    if not reports:
        return {}
    earlier = {}
    rows = (
        SafetyReport.objects.filter(
            enterprise_id__in={report.enterprise_id for report in reports},
            month__lt=max(report.month for report in reports),
        )
        .order_by("enterprise_id", "-month")
        .values_list("enterprise_id", "month", *CHECKED)
    )
    for enterprise_id, month, *values in rows:
        earlier.setdefault(enterprise_id, []).append((month, dict(zip(CHECKED, values, strict=True))))
    found = {}
    for report in reports:
        before = [values for month, values in earlier.get(report.enterprise_id, ()) if month < report.month]
        values = {field: getattr(report, field) for field in CHECKED}
        found[report.pk] = warnings_against(before[:HISTORY], values)
    return found


def warnings_against(history, values):
    """{field: message} for `values` far from `history` (the enterprise's last reports, newest first:
    dicts of the CHECKED fields)."""
    found = {}
    for field in CHECKED:
        known = [row[field] for row in history if row[field] is not None]
        value = values.get(field)
        if value is None or len(known) < ENOUGH:
            continue
        median = statistics.median(known)
        if value > FACTOR * median or value * FACTOR < median:
            found[field] = _(
                "%(value)s is far from this enterprise's usual %(median)s (the median of its last %(count)d "
                "reports). If it is right, say why in the explanation."
            ) % {"value": value, "median": f"{median:g}", "count": len(known)}
    return found


def next_due(enterprise):
    """{"month", "due_on"} of the next report to fall due (the month after the latest due month, or
    the enterprise's first owed month if later); None once the enterprise has left."""
    month = max(add_months(latest_due_month(), 1), first_owed_month(enterprise))
    last = last_owed_month(enterprise)
    if last is not None and month > last:
        return None
    return {"month": month, "due_on": report_due_on(month)}
