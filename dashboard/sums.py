"""The sums every district figure is made of, each written once, in SQL.

Every district figure of docs/domain.md over a range of whole months is a sum over months of per-month
sums, except the before/after comparison, which depends on the period's last month only. So there
are two definitions:

- `monthly_sums_sql`: per district (or enterprise) and month, the safety reports received, their
  inspections and accidents, the suggestions submitted, and the improvement projects completed
  with their savings;
- `change_sums_sql`: per district (or enterprise) and possible last month T of a period, the
  enterprises that qualify for the before/after comparison and their pooled baseline and
  follow-up sums.

The roll-up (dashboard.rollup) stores them for every district and month; the enterprise pages and
the moments when the roll-up is held back by a writer run the very same statements, filtered to
the enterprises and months they need (dashboard.figures). Nothing else computes these figures.

Raw SQL because the ORM cannot aggregate over a UNION ALL nor over window functions; the tables are
named through `_meta.db_table`.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from dashboard import registry
from enterprises.models import Enterprise, Exemption, SafetyReport
from enterprises.reporting import latest_due_month
from improvements.models import ImprovementProject, Suggestion

# Follow-up and baseline windows of the before/after comparison, in months (docs/domain.md,
# "The figures").
CHANGE_WINDOW_MONTHS = 12


def monthly_columns():
    """The monthly statement's sums, in its select list's order (dashboard.registry.monthly_sums):
    the written ones, then one per reported value a figure sums."""
    return registry.monthly_columns()


CHANGE_COLUMNS = (
    "enterprises",
    "baseline_inspections",
    "followup_inspections",
    "baseline_accidents",
    "followup_accidents",
)

# What the sums are grouped by (`by`): the enterprise's district today, the enterprise itself, the
# enterprise's sector or cohort today (free text, "" when not given: the breakdown's groups), or
# "segment": its district, sector and cohort together (three columns, district_id, sector and
# cohort, instead of group_id), which the roll-up stores and sums up to each of the others.
GROUPS = ("district", "enterprise", "sector", "cohort", "segment")


def _group_columns(by, *, prefix, enterprise):
    """The SELECT list's grouping columns for `by`, the enterprise's columns read with `prefix`
    ("e." or "") and the enterprise's id as `enterprise`; and the GROUP BY list naming them."""
    if by == "segment":
        return f"{prefix}district_id, {prefix}sector, {prefix}cohort", "district_id, sector, cohort"
    column = {"district": f"{prefix}district_id", "enterprise": enterprise}.get(by, f"{prefix}{by}")
    return f"{column} AS group_id", "group_id"


def as_date(value):
    """A date or month as a statement below returned it: SQLite's raw SQL gives text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def parameters(period=None, *, due_month=None):
    """The values the statements below name: the period's bounds (None: every month), the latest
    due month (now, unless given), the due day and the portal's time zone."""
    zone = timezone.get_default_timezone()
    # SQLite has no time zones: the zone's offset from UTC (Asia/Shanghai's is the same all year).
    offset = zone.utcoffset(datetime.datetime(2000, 1, 1))
    return {
        "completed": ImprovementProject.Status.COMPLETED,
        "adopted_1": Suggestion.Status.ACCEPTED,
        "adopted_2": Suggestion.Status.IMPLEMENTED,
        "approved": SafetyReport.State.APPROVED,
        "due_month": due_month or latest_due_month(),
        "due_day": settings.SCORE_REPORT_DUE_DAY,
        "time_zone": settings.TIME_ZONE,
        "utc_offset": f"{-int(offset.total_seconds() // 60):+d} minutes",
        "first": period.first if period else None,
        "end": period.end if period else None,
        "last": period.last if period else None,
    }


def month_start_sql(column, months, vendor):
    """SQL for the first day of the month `months` after the month of the date in `column`.

    Django has no portable month arithmetic, and SQLite and PostgreSQL spell it differently.
    """
    if vendor == "postgresql":
        return f"(DATE_TRUNC('month', {column}::timestamp) + INTERVAL '{int(months)} months')::date"
    return f"date({column}, 'start of month', '{int(months):+d} months')"


def _enterprises_where(scope):
    """The condition on the enterprise table for `scope` (None: every enterprise; a scope's
    district_ids None: in any district)."""
    if scope is None:
        return "TRUE"
    conditions = []
    if scope.district_ids is not None:
        conditions.append(f"district_id IN ({', '.join(str(int(pk)) for pk in scope.district_ids)})")
    if scope.enterprise_id is not None:
        conditions.append(f"id = {int(scope.enterprise_id)}")
    if scope.enterprise_ids is not None:
        conditions.append(f"id IN ({', '.join(str(int(pk)) for pk in scope.enterprise_ids) or 'NULL'})")
    return " AND ".join(conditions) or "TRUE"


def _within(column, period):
    """Conditions keeping `column` (a date or month) within the period (none without a period)."""
    if period is None:
        return []
    return [f"{column} < %(end)s", *([f"{column} >= %(first)s"] if period.first is not None else [])]


def exempt_sql(enterprise_id, month):
    """SQL true when the month `month` of the enterprise `enterprise_id` (SQL expressions) is covered
    by an approved exemption (docs/domain.md, "Exempt months"). Its status is written into the
    statement, not passed as a parameter: the before/after statement runs without parameters."""
    approved = Exemption.Status.APPROVED
    assert approved.isalnum()  # safe to write as a literal
    return (
        f"EXISTS (SELECT 1 FROM {Exemption._meta.db_table} x WHERE x.enterprise_id = {enterprise_id} "
        f"AND x.status = '{approved}' AND x.first_month <= {month} "
        f"AND (x.last_month IS NULL OR x.last_month >= {month}))"
    )


def owed_months_sql(vendor, *, scope=None, period=None, exempt=False):
    """SELECT enterprise_id, district_id, month: every (enterprise, month) pair whose monthly
    safety report is owed and due (docs/domain.md, "Reporting"): from the enterprise's first owed month
    (12 months before its SCORE start month) to the month before the month it left, and not after
    %(due_month)s, the latest due month; with `period`, within its months only (%(first)s, %(last)s),
    so that one year of a long history generates one year's months. The months of approved
    exemptions (docs/domain.md, "Exempt months") are not owed; with `exempt`, those months alone
    (reports_exempt). PostgreSQL generates the months with generate_series, SQLite with a recursive
    query: the one place the two dialects must differ in shape."""
    first_owed = month_start_sql("score_start", -CHANGE_WINDOW_MONTHS, vendor)
    left_month = month_start_sql("left_on", -1, vendor)
    last_owed = (
        f"CASE WHEN left_on IS NULL OR {left_month} > %(due_month)s THEN %(due_month)s ELSE {left_month} END"
    )
    # GREATEST and LEAST; SQLite's max() and min() of two arguments (ISO dates sort as text).
    greatest, least = ("GREATEST", "LEAST") if vendor == "postgresql" else ("max", "min")
    if period is not None:
        last_owed = f"{least}({last_owed}, %(last)s)"
        if period.first is not None:
            first_owed = f"{greatest}({first_owed}, %(first)s)"
    enterprises = (
        f"SELECT id, district_id, {first_owed} AS first_owed, {last_owed} AS last_owed "
        f"FROM {Enterprise._meta.db_table} WHERE {_enterprises_where(scope)}"
    )
    if vendor == "postgresql":
        return f"""
            SELECT e.id AS enterprise_id, e.district_id, owed::date AS month
            FROM ({enterprises}) e,
                 generate_series(e.first_owed::timestamp, e.last_owed::timestamp, INTERVAL '1 month') AS owed
            WHERE {"" if exempt else "NOT "}{exempt_sql("e.id", "owed::date")}
        """
    return f"""
        WITH RECURSIVE owed(enterprise_id, district_id, month, last_owed) AS (
            SELECT id, district_id, first_owed, last_owed FROM ({enterprises}) WHERE first_owed <= last_owed
            UNION ALL
            SELECT enterprise_id, district_id, date(month, '+1 month'), last_owed
            FROM owed WHERE month < last_owed
        )
        SELECT enterprise_id, district_id, month FROM owed
        WHERE {"" if exempt else "NOT "}{exempt_sql("owed.enterprise_id", "owed.month")}
    """


def deadline_sql(month, vendor):
    """SQL for the moment a report for `month` stops being on time: 00:00 of the day after the
    due day (SCORE_REPORT_DUE_DAY, %(due_day)s) of the next month, in the portal's time zone
    (%(time_zone)s; on SQLite, which keeps datetimes as UTC text, its offset %(utc_offset)s)."""
    if vendor == "postgresql":
        return (
            f"(({month} + INTERVAL '1 month' + %(due_day)s * INTERVAL '1 day')::timestamp "
            "AT TIME ZONE %(time_zone)s)"
        )
    return f"datetime({month}, '+1 month', '+' || %(due_day)s || ' days', %(utc_offset)s)"


def _branch(values, columns):
    """One branch of the monthly statement's UNION ALL: `values` ({column: SQL}) for its columns,
    0 for the others, named as the sums they feed (no positional zeros to keep in step)."""
    return ", ".join(f"{values.get(column, '0')} AS {column}" for column in columns)


def monthly_sums_sql(vendor, *, by="district", scope=None, period=None):
    """SELECT group_id (district, enterprise, sector or cohort: GROUPS), month, and the sums of
    monthly_columns(): per district (or enterprise, sector, cohort) and month, from the
    enterprises of `scope` (a figures.Scope; None: all) and the months of `period` (None: all).

    reports: safety reports for the month; each reported value a figure sums (inspections,
    accidents, injuries, lost_workdays, hazards_found, hazards_fixed, …: dashboard.registry): its
    sum over those reports (an empty optional count is 0); worker_months: the reporting
    enterprises' employees summed over those reports. suggestions: suggestions submitted in the
    month, any status; suggestions_adopted: those accepted or implemented. projects_completed:
    improvement projects with status completed and completed on in the month; savings: the sum of
    their savings (RMB, none counted as 0); savings_by_enterprises: of those, the savings of the
    projects their enterprises entered themselves (entered_by_enterprise). reports_expected: enterprises whose report for the
    month is owed and due (owed_months_sql); reports_received: those that have it;
    reports_on_time: those whose report was received before its deadline (deadline_sql);
    reports_approved: those whose report is approved; reports_exempt: enterprises whose report for
    the month would be owed and due but for an approved exemption covering it.
    Parameters: %(completed)s, %(adopted_1)s, %(adopted_2)s, %(approved)s, %(due_month)s, %(due_day)s,
    %(time_zone)s, %(utc_offset)s, and %(first)s, %(end)s with a period.
    """
    assert by in GROUPS

    def month(column):
        return month_start_sql(column, 0, vendor)

    def where(date_column, *conditions, scoped=True):
        parts = [*conditions, *_within(date_column, period)]
        if scope is not None and scoped:
            parts.append(
                f"enterprise_id IN (SELECT id FROM {Enterprise._meta.db_table} "
                f"WHERE {_enterprises_where(scope)})"
            )
        return f"WHERE {' AND '.join(parts)}" if parts else ""

    reports = SafetyReport._meta.db_table
    # worker_months is computed outside the branches, from each report's enterprise.
    columns = [column for column in monthly_columns() if column != "worker_months"]
    reported = {
        field: field if not SafetyReport._meta.get_field(field).null else f"COALESCE({field}, 0)"
        for field in registry.reported_sums()
    }
    outer = {column: f"SUM(f.{column})" for column in columns} | {
        "worker_months": "SUM(f.reports * e.employees)"
    }
    select, group_by = _group_columns(by, prefix="e.", enterprise="f.enterprise_id")
    adopted = "SUM(CASE WHEN status IN (%(adopted_1)s, %(adopted_2)s) THEN 1 ELSE 0 END)"
    by_enterprises = "COALESCE(SUM(CASE WHEN entered_by_enterprise THEN savings ELSE 0 END), 0)"
    on_time = f"CASE WHEN r.received_at < {deadline_sql('owed.month', vendor)} THEN 1 ELSE 0 END"
    return f"""
        SELECT {select}, f.month, {", ".join(f"{outer[column]} AS {column}" for column in monthly_columns())}
        FROM (
            SELECT enterprise_id, month, {_branch({"reports": "1", **reported}, columns)}
            FROM {reports}
            {where("month")}
            UNION ALL
            SELECT enterprise_id, {month("submitted_on")},
                   {_branch({"suggestions": "COUNT(*)", "suggestions_adopted": adopted}, columns)}
            FROM {Suggestion._meta.db_table}
            {where("submitted_on")}
            GROUP BY enterprise_id, {month("submitted_on")}
            UNION ALL
            SELECT enterprise_id, {month("completed_on")},
                   {
        _branch(
            {
                "projects_completed": "COUNT(*)",
                "savings": "COALESCE(SUM(savings), 0)",
                "savings_by_enterprises": by_enterprises,
            },
            columns,
        )
    }
            FROM {ImprovementProject._meta.db_table}
            {where("completed_on", "status = %(completed)s", "completed_on IS NOT NULL")}
            GROUP BY enterprise_id, {month("completed_on")}
            UNION ALL
            SELECT owed.enterprise_id, owed.month,
                   {
        _branch(
            {
                "reports_expected": "1",
                "reports_received": "CASE WHEN r.id IS NULL THEN 0 ELSE 1 END",
                "reports_on_time": on_time,
                "reports_approved": "CASE WHEN r.state = %(approved)s THEN 1 ELSE 0 END",
            },
            columns,
        )
    }
            FROM ({owed_months_sql(vendor, scope=scope, period=period)}) owed
            LEFT JOIN {reports} r ON r.enterprise_id = owed.enterprise_id AND r.month = owed.month
            {where("owed.month", scoped=False)}
            UNION ALL
            SELECT exempt.enterprise_id, exempt.month, {_branch({"reports_exempt": "1"}, columns)}
            FROM ({owed_months_sql(vendor, scope=scope, period=period, exempt=True)}) exempt
            {where("exempt.month", scoped=False)}
        ) f
        JOIN (SELECT * FROM {Enterprise._meta.db_table} WHERE {_enterprises_where(scope)}) e
          ON e.id = f.enterprise_id
        GROUP BY {group_by}, f.month
    """


def missing_reports_sql(vendor, *, scope=None, period=None):
    """SELECT district_id, enterprise_id, month: the owed and due monthly reports that have not
    arrived (owed_months_sql without a report), for the enterprises of `scope` and the months of
    `period` (None: all). Parameters as owed_months_sql, and %(first)s, %(end)s with a period."""
    conditions = " AND ".join(["r.id IS NULL", *_within("owed.month", period)])
    return f"""
        SELECT owed.district_id, owed.enterprise_id, owed.month
        FROM ({owed_months_sql(vendor, scope=scope, period=period)}) owed
        LEFT JOIN {SafetyReport._meta.db_table} r ON r.enterprise_id = owed.enterprise_id AND r.month = owed.month
        WHERE {conditions}
    """


def change_sums_sql(vendor, *, by="district", scope=None, last=False):
    """SELECT group_id, month, enterprises, baseline_inspections, followup_inspections,
    baseline_accidents, followup_accidents: per district (or enterprise, sector, cohort: GROUPS)
    and possible last month T of a period, the enterprises of `scope` that qualify for the
    before/after comparison and their pooled sums. With `last`, only T = %(last)s (and no report
    after it is read).

    An enterprise qualifies for T when the follow-up window (the 12 months ending with T) starts in
    or after its SCORE start month and it has a safety report for every month of its baseline (the
    12 months before its start month) and of the follow-up window. With one report per enterprise
    and month, a window of its last 12 reports up to T whose first is 11 months before T holds
    every month of the follow-up; its baseline does not depend on T.

    One pass over the reports joined to their enterprises, with two windows per enterprise (its
    whole baseline; its last 12 reports): no join of aggregates, whose row counts the planner
    cannot estimate (a join of the baseline sums to the windows got a nested loop of 9,000 ×
    240,000 rows on PostgreSQL: 206 s at 10,000 enterprises).
    """
    assert by in GROUPS
    window = CHANGE_WINDOW_MONTHS

    def shifted(column, months):
        return month_start_sql(column, months, vendor)

    in_baseline = "r.month >= e.baseline_first AND r.month < e.start_month"
    # A report after T belongs to no window ending with T; the baseline is before the start month,
    # which is at most T for an enterprise that can qualify.
    # A month of an approved exemption is no month of a window (docs/domain.md, "Exempt months"):
    # its report, if one came anyway, is passed over, so the enterprise lacks that month and does
    # not qualify. Written without parameters: the roll-up runs this statement with none.
    reports_read = [
        f"NOT {exempt_sql('r.enterprise_id', 'r.month')}",
        *(["r.month <= %(last)s"] if last else []),
    ]
    up_to_last = f"WHERE {' AND '.join(reports_read)}"
    at_last = "AND month = %(last)s" if last else ""
    select, group_by = _group_columns(by, prefix="", enterprise="enterprise_id")
    # The sector and cohort are carried through the windows only when asked for.
    extra = {"sector": "e.sector, ", "cohort": "e.cohort, ", "segment": "e.sector, e.cohort, "}.get(by, "")
    return f"""
        SELECT {select}, month, COUNT(*) AS enterprises,
               SUM(baseline_inspections) AS baseline_inspections,
               SUM(followup_inspections) AS followup_inspections,
               SUM(baseline_accidents) AS baseline_accidents,
               SUM(followup_accidents) AS followup_accidents
        FROM (
            SELECT e.district_id, {extra}r.enterprise_id, r.month, e.start_month,
                   COUNT(*) OVER last_reports AS followup_months,
                   MIN(r.month) OVER last_reports AS followup_first,
                   SUM(r.inspections) OVER last_reports AS followup_inspections,
                   SUM(r.accidents) OVER last_reports AS followup_accidents,
                   SUM(CASE WHEN {in_baseline} THEN 1 ELSE 0 END) OVER enterprise AS baseline_months,
                   SUM(CASE WHEN {in_baseline} THEN r.inspections ELSE 0 END) OVER enterprise
                       AS baseline_inspections,
                   SUM(CASE WHEN {in_baseline} THEN r.accidents ELSE 0 END) OVER enterprise
                       AS baseline_accidents
            FROM {SafetyReport._meta.db_table} r
            JOIN (
                SELECT id, district_id, {extra.replace("e.", "")}{shifted("score_start", -window)} AS baseline_first,
                       {shifted("score_start", 0)} AS start_month
                FROM {Enterprise._meta.db_table}
                WHERE {_enterprises_where(scope)}
            ) e ON e.id = r.enterprise_id
            {up_to_last}
            WINDOW enterprise AS (PARTITION BY r.enterprise_id),
                   last_reports AS (
                       PARTITION BY r.enterprise_id ORDER BY r.month
                       ROWS BETWEEN {window - 1} PRECEDING AND CURRENT ROW
                   )
        ) windows
        WHERE baseline_months = {window} AND followup_months = {window}
          AND followup_first = {shifted("month", -(window - 1))} AND followup_first >= start_month
          {at_last}
        GROUP BY {group_by}, month
    """
