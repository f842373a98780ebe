"""The sums every district figure is made of, each written once, in SQL.

Every district figure of DOMAIN.md over a range of whole months is a sum over months of per-month
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

from enterprises.models import Enterprise, SafetyReport
from improvements.models import ImprovementProject, Suggestion

# Follow-up and baseline windows of the before/after comparison, in months (DOMAIN.md).
CHANGE_WINDOW_MONTHS = 12

MONTHLY_COLUMNS = ("reports", "suggestions", "projects_completed", "savings", "inspections", "accidents")
CHANGE_COLUMNS = (
    "enterprises",
    "baseline_inspections",
    "followup_inspections",
    "baseline_accidents",
    "followup_accidents",
)

# What the sums are grouped by (`by`): the enterprise's district today, or the enterprise itself.
GROUPS = ("district", "enterprise")


def month_start_sql(column, months, vendor):
    """SQL for the first day of the month `months` after the month of the date in `column`.

    Django has no portable month arithmetic, and SQLite and PostgreSQL spell it differently.
    """
    if vendor == "postgresql":
        return f"(DATE_TRUNC('month', {column}::timestamp) + INTERVAL '{int(months)} months')::date"
    return f"date({column}, 'start of month', '{int(months):+d} months')"


def _enterprises_where(scope):
    """The condition on the enterprise table for `scope` (None: every enterprise)."""
    if scope is None:
        return "TRUE"
    condition = f"district_id IN ({', '.join(str(int(pk)) for pk in scope.district_ids)})"
    if scope.enterprise_id is not None:
        condition += f" AND id = {int(scope.enterprise_id)}"
    return condition


def monthly_sums_sql(vendor, *, by="district", scope=None, period=None):
    """SELECT <by>_id, month, reports, suggestions, projects_completed, savings, inspections,
    accidents: per district (or enterprise) and month, from the enterprises of `scope` (a
    figures.Scope; None: all) and the months of `period` (None: all).

    reports: safety reports for the month; inspections, accidents: their sums. suggestions:
    suggestions submitted in the month, any status. projects_completed: improvement projects with
    status completed and completed on in the month; savings: the sum of their savings (RMB, none
    counted as 0). Parameters: %(completed)s, and %(first)s, %(end)s with a period.
    """

    assert by in GROUPS

    def month(column):
        return month_start_sql(column, 0, vendor)

    def where(date_column, *conditions):
        parts = [*conditions]
        if scope is not None:
            parts.append(
                f"enterprise_id IN (SELECT id FROM {Enterprise._meta.db_table} "
                f"WHERE {_enterprises_where(scope)})"
            )
        if period is not None:
            parts.append(f"{date_column} < %(end)s")
            if period.first is not None:
                parts.append(f"{date_column} >= %(first)s")
        return f"WHERE {' AND '.join(parts)}" if parts else ""

    group = "e.district_id" if by == "district" else "f.enterprise_id"
    return f"""
        SELECT {group} AS group_id, f.month, SUM(f.reports) AS reports, SUM(f.suggestions) AS suggestions,
               SUM(f.projects) AS projects_completed, SUM(f.savings) AS savings,
               SUM(f.inspections) AS inspections, SUM(f.accidents) AS accidents
        FROM (
            SELECT enterprise_id, month, 1 AS reports, 0 AS suggestions, 0 AS projects,
                   0 AS savings, inspections, accidents
            FROM {SafetyReport._meta.db_table}
            {where("month")}
            UNION ALL
            SELECT enterprise_id, {month("submitted_on")}, 0, COUNT(*), 0, 0, 0, 0
            FROM {Suggestion._meta.db_table}
            {where("submitted_on")}
            GROUP BY enterprise_id, {month("submitted_on")}
            UNION ALL
            SELECT enterprise_id, {month("completed_on")}, 0, 0, COUNT(*), COALESCE(SUM(savings), 0), 0, 0
            FROM {ImprovementProject._meta.db_table}
            {where("completed_on", "status = %(completed)s", "completed_on IS NOT NULL")}
            GROUP BY enterprise_id, {month("completed_on")}
        ) f
        JOIN {Enterprise._meta.db_table} e ON e.id = f.enterprise_id
        GROUP BY group_id, f.month
    """


def change_sums_sql(vendor, *, by="district", scope=None, last=False):
    """SELECT <by>_id, month, enterprises, baseline_inspections, followup_inspections,
    baseline_accidents, followup_accidents: per district (or enterprise) and possible last month T
    of a period, the enterprises of `scope` that qualify for the before/after comparison and their
    pooled sums. With `last`, only T = %(last)s (and no report after it is read).

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
    up_to_last = "WHERE r.month <= %(last)s" if last else ""
    at_last = "AND month = %(last)s" if last else ""
    group = "district_id" if by == "district" else "enterprise_id"
    return f"""
        SELECT {group} AS group_id, month, COUNT(*) AS enterprises,
               SUM(baseline_inspections) AS baseline_inspections,
               SUM(followup_inspections) AS followup_inspections,
               SUM(baseline_accidents) AS baseline_accidents,
               SUM(followup_accidents) AS followup_accidents
        FROM (
            SELECT e.district_id, r.enterprise_id, r.month, e.start_month,
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
                SELECT id, district_id, {shifted("score_start", -window)} AS baseline_first,
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
        GROUP BY group_id, month
    """
