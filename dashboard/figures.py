"""Every figure the dashboard, the summary API and the exports show, computed in the database.

Each function takes the districts (a queryset the user may see, from accounts.scoping) and a
Period, and returns plain values. Views, the API and exports call these; nothing recomputes a
figure elsewhere. Each docstring states the definition shown to the user (DOMAIN.md, "The figures").
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, SafetyReport
from improvements.models import ImprovementProject, Suggestion
from training.models import Module, Participant, Workshop

from . import rollup
from .models import ChangeRollup, MonthlyRollup
from .rollup import CHANGE_WINDOW_MONTHS, month_start_sql


def add_months(month, count):
    """The first day of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A range of whole months; `first` None means "since the first record"."""

    first: datetime.date | None  # first day of the `from` month
    last: datetime.date  # first day of the `to` month

    @property
    def end(self):
        """The first day after the period: compare dates with `< period.end`."""
        return add_months(self.last, 1)

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1)

    def months(self):
        """The first days of the months in the period (needs `first`)."""
        month, months = self.first, []
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months


# --- The district figures -------------------------------------------------------------------------
# Every figure function below takes `scope` (which enterprises count: see Scope) and a Period, and
# returns {district_id: value(s)}; `district_figures` puts them together, one query each.

# The definitions the dashboard shows next to each figure; the docstrings below say the same.
DEFINITIONS = {
    "enterprises": _("Enterprises whose SCORE start date is on or before the last day of the period."),
    "suggestions": _("Suggestions submitted within the period, whatever their status."),
    "projects_completed": _(
        "Improvement projects with status completed and a completion date within the period."
    ),
    "savings_rmb": _("The sum of the savings of those completed projects, in RMB, to two decimals."),
    "inspections": _(
        "The sum of the safety inspections in the monthly safety reports for the months within the "
        "period, all enterprises of the district."
    ),
    "accidents": _(
        "The sum of the accidents in the monthly safety reports for the months within the period, "
        "all enterprises of the district."
    ),
    "change_enterprises": _(
        "Enterprises that qualify for the before/after comparison: the follow-up window (the 12 months "
        "ending with the period's last month) starts in or after the enterprise's SCORE start month, and "
        "the enterprise has a safety report for every month of its baseline (the 12 months before its "
        "start month) and of the follow-up window."
    ),
    "inspections_change_pct": _(
        "Over the qualifying enterprises: (follow-up inspections − baseline inspections) × 100 ÷ baseline "
        "inspections, pooled over those enterprises (not an average of percentages), rounded to one "
        "decimal with halves away from zero; none when no enterprise qualifies or the baseline is 0."
    ),
    "accidents_change_pct": _(
        "Over the qualifying enterprises: (follow-up accidents − baseline accidents) × 100 ÷ baseline "
        "accidents, pooled over those enterprises (not an average of percentages), rounded to one "
        "decimal with halves away from zero; none when no enterprise qualifies or the baseline is 0."
    ),
}


def change_pct(baseline, followup):
    """(followup − baseline) × 100 ÷ baseline to one decimal, halves away from zero; None for a 0 baseline.

    Decimal, not float: −76.55 must round to −76.6, and a float −76.55 is −76.549999….
    """
    if not baseline:
        return None
    exact = Decimal(followup - baseline) * 100 / Decimal(baseline)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class Figures:
    """The figures of one district (or one enterprise, or a total): add two to pool them."""

    enterprises: int = 0
    suggestions: int = 0
    projects_completed: int = 0
    savings_rmb: Decimal = Decimal("0.00")
    inspections: int = 0
    accidents: int = 0
    change_enterprises: int = 0
    # The sums the change percentages pool: a total adds these, never the percentages.
    baseline_inspections: int = field(default=0, repr=False)
    followup_inspections: int = field(default=0, repr=False)
    baseline_accidents: int = field(default=0, repr=False)
    followup_accidents: int = field(default=0, repr=False)

    def __add__(self, other):
        return Figures(
            **{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__}
        )

    @property
    def inspections_change_pct(self):
        return change_pct(self.baseline_inspections, self.followup_inspections)

    @property
    def accidents_change_pct(self):
        return change_pct(self.baseline_accidents, self.followup_accidents)

    def as_json(self):
        """The figures as the summary API writes them (DOMAIN.md, "The summary API")."""
        return {
            "enterprises": self.enterprises,
            "suggestions": self.suggestions,
            "projects_completed": self.projects_completed,
            "savings_rmb": f"{self.savings_rmb:.2f}",
            "inspections": self.inspections,
            "accidents": self.accidents,
            "change_enterprises": self.change_enterprises,
            "inspections_change_pct": self.inspections_change_pct,
            "accidents_change_pct": self.accidents_change_pct,
        }


@dataclass(frozen=True)
class Scope:
    """Which enterprises a figure counts: those of `district_ids`, or only `enterprise_id` among them."""

    district_ids: tuple
    enterprise_id: int | None = None

    def q(self, prefix=""):
        """The filter for a queryset that reaches the enterprise through `prefix` ("" or "enterprise__")."""
        condition = Q(**{f"{prefix}district__in": self.district_ids})
        if self.enterprise_id is not None:
            condition &= Q(**{f"{prefix}pk": self.enterprise_id})
        return condition


def within(period, name):
    """Dates (or report months) of `name` within the period; an open `from` has no lower bound."""
    condition = Q(**{f"{name}__lt": period.end})
    if period.first is not None:
        condition &= Q(**{f"{name}__gte": period.first})
    return condition


def enterprises_started(scope, period, using=None):
    """Enterprises whose SCORE start date is on or before the last day of the period."""
    rows = (
        Enterprise.objects.db_manager(using)
        .filter(scope.q(), score_start__lte=period.last_day)
        .values("district")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["district"]: row["count"] for row in rows}


def suggestions_submitted(scope, period):
    """Suggestions submitted within the period, whatever their status.

    Counted per enterprise first, then summed per district over the enterprises in scope: grouping
    the suggestions by their own `enterprise_id` spares the join of every suggestion to its
    enterprise (on PostgreSQL at 1,000 enterprises and 40,000 suggestions, 24 → 17 ms median).
    Written in SQL because the ORM cannot join an aggregate in FROM.
    """
    params = {"end": period.end, "first": period.first}
    submitted = "submitted_on < %(end)s" + (" AND submitted_on >= %(first)s" if period.first else "")
    if scope.enterprise_id is not None:
        submitted += f" AND enterprise_id = {int(scope.enterprise_id)}"
    district_ids = ", ".join(str(int(pk)) for pk in scope.district_ids)
    sql = f"""
        SELECT e.district_id, SUM(per_enterprise.count)
        FROM (
            SELECT enterprise_id, COUNT(*) AS count
            FROM {Suggestion._meta.db_table}
            WHERE {submitted}
            GROUP BY enterprise_id
        ) per_enterprise
        JOIN {Enterprise._meta.db_table} e ON e.id = per_enterprise.enterprise_id
        WHERE e.district_id IN ({district_ids})
        GROUP BY e.district_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {district_id: int(count) for district_id, count in cursor.fetchall()}


def projects_completed(scope, period):
    """Improvement projects with status completed and a completion date within the period, and the
    sum of their savings in RMB: {district: (count, savings)}."""
    rows = (
        ImprovementProject.objects.filter(
            scope.q("enterprise__"),
            within(period, "completed_on"),
            status=ImprovementProject.Status.COMPLETED,
        )
        .values("enterprise__district")
        .annotate(count=Count("pk"), savings=Sum("savings"))
        .order_by()
    )
    return {
        row["enterprise__district"]: (row["count"], (row["savings"] or Decimal(0)).quantize(Decimal("0.01")))
        for row in rows
    }


def safety_figures(scope, period):
    """The safety figures, from one pass over the monthly safety reports.

    inspections, accidents: the sums of inspections and of accidents in the monthly safety reports
    for the months within the period, all enterprises of the district.

    The before/after comparison, which depends on `to` only: an enterprise qualifies when the
    follow-up window (the 12 months ending with `to`) starts in or after its SCORE start month and
    it has a safety report for every month of its baseline (the 12 months before its start month)
    and of the follow-up window. The change percentages are pooled from the sums returned here
    (Figures.inspections_change_pct).

    Returns {district: SafetySums}, from one query. It is written in SQL because the ORM cannot
    aggregate over aggregates without subqueries in FROM, and because the baseline window moves
    with each enterprise's start month. Innermost, that month arithmetic is done once per
    enterprise (a derived table) and each report is classed once: in the period or not, baseline
    (1), follow-up (2) or neither (0); then the reports are summed per enterprise, which says
    whether it qualifies; then per district. On PostgreSQL, OFFSET 0 keeps the planner from
    inlining the derived tables and re-evaluating their expressions in every aggregate: written
    per aggregate, the same query took 1.5–4× as long at 10,000 enterprises.
    """
    followup_first = add_months(period.last, -(CHANGE_WINDOW_MONTHS - 1))
    params = {
        "end": period.end,
        "first": period.first,
        "followup_first": followup_first,
        # The follow-up window starts in or after the start month: started before its second month.
        "started_before": add_months(followup_first, 1),
    }
    in_period = "r.month < %(end)s" + (" AND r.month >= %(first)s" if period.first else "")
    district_ids = ", ".join(str(int(pk)) for pk in scope.district_ids)
    only = f" AND id = {int(scope.enterprise_id)}" if scope.enterprise_id is not None else ""
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    qualifies = f"baseline_months = {CHANGE_WINDOW_MONTHS} AND followup_months = {CHANGE_WINDOW_MONTHS}"
    change_sums = ", ".join(
        f"SUM(CASE WHEN {qualifies} THEN {name} ELSE 0 END)"
        for name in (
            "baseline_inspections",
            "followup_inspections",
            "baseline_accidents",
            "followup_accidents",
        )
    )
    sql = f"""
        SELECT district_id, SUM(period_inspections), SUM(period_accidents),
               SUM(CASE WHEN {qualifies} THEN 1 ELSE 0 END), {change_sums}
        FROM (
            SELECT enterprise_id, MIN(district_id) AS district_id,
                   SUM(inspections) FILTER (WHERE in_period) AS period_inspections,
                   SUM(accidents) FILTER (WHERE in_period) AS period_accidents,
                   COUNT(*) FILTER (WHERE report_window = 1) AS baseline_months,
                   COUNT(*) FILTER (WHERE report_window = 2) AS followup_months,
                   SUM(inspections) FILTER (WHERE report_window = 1) AS baseline_inspections,
                   SUM(inspections) FILTER (WHERE report_window = 2) AS followup_inspections,
                   SUM(accidents) FILTER (WHERE report_window = 1) AS baseline_accidents,
                   SUM(accidents) FILTER (WHERE report_window = 2) AS followup_accidents
            FROM (
                SELECT r.enterprise_id, e.district_id, r.inspections, r.accidents,
                       {in_period} AS in_period,
                       CASE WHEN r.month >= e.baseline_first AND r.month < e.start_month THEN 1
                            WHEN e.candidate AND r.month >= %(followup_first)s AND r.month < %(end)s THEN 2
                            ELSE 0 END AS report_window
                FROM {SafetyReport._meta.db_table} r
                JOIN (
                    SELECT id, district_id, score_start < %(started_before)s AS candidate,
                           {month_start_sql("score_start", -CHANGE_WINDOW_MONTHS, connection.vendor)} AS baseline_first,
                           {month_start_sql("score_start", 0, connection.vendor)} AS start_month
                    FROM {Enterprise._meta.db_table}
                    WHERE district_id IN ({district_ids}){only}{fence}
                ) e ON e.id = r.enterprise_id{fence}
            ) classed_reports
            GROUP BY enterprise_id
        ) enterprise_sums
        GROUP BY district_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: SafetySums(*(int(value or 0) for value in row[1:])) for row in cursor.fetchall()}


@dataclass(frozen=True)
class SafetySums:
    inspections: int
    accidents: int
    change_enterprises: int
    baseline_inspections: int
    followup_inspections: int
    baseline_accidents: int
    followup_accidents: int


def district_figures(districts, period, *, enterprise=None):
    """Every figure of DOMAIN.md per district, in the order of `districts`, and their total.

    Returns ([(district, Figures), …], total Figures). A district without data has zeros. The
    figures are read from the roll-up (dashboard/rollup.py): four queries, whatever the number of
    districts, enterprises and months, plus the rebuild's nine after a change of the data (or, in
    the moment a writer holds the roll-up back, the four of district_figures_from_tables). With
    `enterprise`, the figures count that enterprise alone (the drill-down), from its own rows.
    """
    if enterprise is not None:
        return district_figures_from_tables(districts, period, enterprise=enterprise)
    districts = list(districts)
    rows = {district.pk: Figures() for district in districts}
    if rows:
        alias = rollup.current_alias()
        if alias is None:  # the roll-up is behind while an import is under way: the tables
            return district_figures_from_tables(districts, period)
        ids = tuple(rows)
        for district_id, count in enterprises_started(Scope(ids), period, using=alias).items():
            rows[district_id].enterprises = count
        sums = (
            MonthlyRollup.objects.using(alias)
            .filter(within(period, "month"), district__in=ids)
            .values("district")
            .annotate(
                suggestions=Sum("suggestions"),
                projects_completed=Sum("projects_completed"),
                savings=Sum("savings"),
                inspections=Sum("inspections"),
                accidents=Sum("accidents"),
            )
            .order_by()
        )
        for row in sums:
            figures = rows[row["district"]]
            figures.suggestions = row["suggestions"]
            figures.projects_completed = row["projects_completed"]
            figures.savings_rmb = (row["savings"] or Decimal(0)).quantize(Decimal("0.01"))
            figures.inspections = row["inspections"]
            figures.accidents = row["accidents"]
        for change in ChangeRollup.objects.using(alias).filter(district__in=ids, month=period.last):
            figures = rows[change.district_id]
            figures.change_enterprises = change.enterprises
            figures.baseline_inspections = change.baseline_inspections
            figures.followup_inspections = change.followup_inspections
            figures.baseline_accidents = change.baseline_accidents
            figures.followup_accidents = change.followup_accidents
    total = sum(rows.values(), Figures())
    return [(district, rows[district.pk]) for district in districts], total


def district_figures_from_tables(districts, period, *, enterprise=None):
    """district_figures computed from the data's own tables rather than the roll-up: what the
    drill-down to one enterprise uses, and what the tests check the roll-up against. Four queries."""
    districts = list(districts)
    rows = {district.pk: Figures() for district in districts}
    if rows:
        scope = Scope(tuple(rows), enterprise.pk if enterprise is not None else None)
        for district_id, count in enterprises_started(scope, period).items():
            rows[district_id].enterprises = count
        for district_id, count in suggestions_submitted(scope, period).items():
            rows[district_id].suggestions = count
        for district_id, (count, savings) in projects_completed(scope, period).items():
            rows[district_id].projects_completed = count
            rows[district_id].savings_rmb = savings
        for district_id, sums in safety_figures(scope, period).items():
            for name, value in vars(sums).items():
                setattr(rows[district_id], name, value)
    total = sum(rows.values(), Figures())
    return [(district, rows[district.pk]) for district in districts], total


def monthly_trend(districts, period, *, enterprise=None):
    """Per district and month of the period: the inspections and accidents of the monthly safety
    reports, and the savings of the improvement projects completed in that month (RMB).

    An open `from` starts with the first month that has data. Returns {"months": ["2016-01", …],
    "districts": [{"code", "name", "inspections": […], "accidents": […], "savings": […]}, …]};
    "months" is empty when the period has no data. A month in which no enterprise of the district
    sent a safety report has None for inspections and accidents (a gap in the chart: no report is
    not zero inspections); a month without completed projects saved 0. From the roll-up, two queries (with
    `enterprise`, from its own rows, two queries).
    """
    districts = list(districts)
    if not districts:
        return {"months": [], "districts": []}
    ids = tuple(d.pk for d in districts)
    if enterprise is None:
        cells = _trend_cells_from_rollup(ids, period)
    else:
        cells = _trend_cells_from_tables(Scope(ids, enterprise.pk), period)
    if not cells:
        return {"months": [], "districts": []}
    first = period.first or min(month for _district, month, _name in cells)
    months = Period(first, period.last).months()
    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "districts": [
            {
                "code": district.code,
                "name": district.name,
                **{
                    name: [cells.get((district.pk, month, name)) for month in months]
                    for name in ("inspections", "accidents")
                },
                "savings": [cells.get((district.pk, month, "savings"), 0) for month in months],
            }
            for district in districts
        ],
    }


def _trend_cells_from_rollup(district_ids, period):
    """{(district, month, figure): value} of the monthly trend, for the months that have reports
    (inspections, accidents) or completed projects (savings)."""
    alias = rollup.current_alias()
    if alias is None:  # the roll-up is behind while an import is under way: the tables
        return _trend_cells_from_tables(Scope(district_ids), period)
    cells = {}
    for row in MonthlyRollup.objects.using(alias).filter(within(period, "month"), district__in=district_ids):
        if row.reports:
            cells[row.district_id, row.month, "inspections"] = row.inspections
            cells[row.district_id, row.month, "accidents"] = row.accidents
        if row.projects_completed:
            cells[row.district_id, row.month, "savings"] = float(row.savings)
    return cells


def _trend_cells_from_tables(scope, period):
    """The same as _trend_cells_from_rollup, from the reports and projects of `scope`."""
    reports = (
        SafetyReport.objects.filter(scope.q("enterprise__"), within(period, "month"))
        .values("enterprise__district", "month")
        .annotate(inspections=Sum("inspections"), accidents=Sum("accidents"))
        .order_by()
    )
    savings = (
        ImprovementProject.objects.filter(
            scope.q("enterprise__"),
            within(period, "completed_on"),
            status=ImprovementProject.Status.COMPLETED,
        )
        .annotate(month=TruncMonth("completed_on", output_field=DateField()))
        .values("enterprise__district", "month")
        .annotate(savings=Sum("savings"))
        .order_by()
    )
    cells = {}
    for row in reports:
        cells[row["enterprise__district"], row["month"], "inspections"] = row["inspections"]
        cells[row["enterprise__district"], row["month"], "accidents"] = row["accidents"]
    for row in savings:
        cells[row["enterprise__district"], row["month"], "savings"] = float(row["savings"] or 0)
    return cells


def enterprise_figures(enterprises, period):
    """The enterprises annotated with their own figures for the period (the drill-down list):
    suggestions submitted, projects completed and their savings, inspections and accidents, with the
    same definitions as the district figures. One query, to sort and paginate in the database."""

    def per_enterprise(queryset, value, zero=0, output_field=None):
        # A correlated subquery per figure: joining the four tables at once would multiply the rows.
        rows = queryset.filter(enterprise=OuterRef("pk")).order_by().values("enterprise")
        return Coalesce(
            Subquery(rows.annotate(value=value).values("value")),
            Value(zero),
            output_field=output_field or IntegerField(),
        )

    completed = ImprovementProject.objects.filter(
        within(period, "completed_on"), status=ImprovementProject.Status.COMPLETED
    )
    reports = SafetyReport.objects.filter(within(period, "month"))
    return enterprises.annotate(
        suggestions_submitted=per_enterprise(
            Suggestion.objects.filter(within(period, "submitted_on")), Count("pk")
        ),
        projects_completed=per_enterprise(completed, Count("pk")),
        savings_rmb=per_enterprise(
            completed, Sum("savings"), Decimal("0.00"), DecimalField(max_digits=16, decimal_places=2)
        ),
        inspections=per_enterprise(reports, Sum("inspections")),
        accidents=per_enterprise(reports, Sum("accidents")),
    )


# --- Training figures ------------------------------------------------------------------------------

# Workshops count by their own district; people and enterprises by the district of the enterprise
# they belong to (a workshop's enterprises are of its district, WorkshopForm sees to it).


def workshops_held(districts, period):
    """Workshops held: workshops of the districts dated within the period, per module and per kind
    (classroom training or factory walk-through)."""
    held = Q(workshops__district__in=districts) & within(period, "workshops__date")
    modules = Module.objects.annotate(
        classroom=Count("workshops", filter=held & Q(workshops__kind=Workshop.Kind.CLASSROOM)),
        walkthrough=Count("workshops", filter=held & Q(workshops__kind=Workshop.Kind.WALKTHROUGH)),
    ).order_by("number")
    return [
        {"module": m.number, "name": m.name, "classroom": m.classroom, "walkthrough": m.walkthrough}
        for m in modules
    ]


def people_trained(districts, period):
    """People trained: distinct people of the districts' enterprises on the attendance list of at
    least one workshop (classroom or walk-through) held within the period, by role and sex as last
    recorded; a person is the same enterprise, name and phone. Share of women = women × 100 / people,
    one decimal, halves away from zero; null when nobody was trained."""
    Role, Sex = Participant.Role, Participant.Sex
    trained = Participant.objects.filter(
        Q(enterprise__district__in=districts) & within(period, "attendances__workshop__date")
    )
    counts = trained.aggregate(
        **{
            f"{role}_{sex}": Count("pk", distinct=True, filter=Q(role=role, sex=sex))
            for role in (Role.MANAGER, Role.WORKER)
            for sex in (Sex.FEMALE, Sex.MALE)
        }
    )
    women = counts["manager_female"] + counts["worker_female"]
    total = women + counts["manager_male"] + counts["worker_male"]
    share = None
    if total:
        share = float((Decimal(women * 100) / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return {**counts, "women": women, "men": total - women, "total": total, "women_share_pct": share}


def enterprises_per_module(districts, period):
    """Enterprises that took a module: enterprises of the districts with at least one person on the
    attendance list of a classroom workshop of that module held within the period."""
    path = "workshops__attendances__participant__enterprise"
    took = (
        Q(workshops__kind=Workshop.Kind.CLASSROOM)
        & Q(**{f"{path}__district__in": districts})
        & within(period, "workshops__date")
    )
    modules = Module.objects.annotate(enterprises=Count(path, distinct=True, filter=took)).order_by("number")
    return [{"module": m.number, "name": m.name, "enterprises": m.enterprises} for m in modules]


def walkthroughs_per_enterprise(districts, period):
    """Walk-throughs held per enterprise: factory walk-throughs dated within the period that visited
    each enterprise of the districts; enterprises without one in the period are not listed. Most
    visited first."""
    # Filtering on the walk-throughs (an inner join) rather than counting with a filter lets the
    # database start from the period's walk-throughs instead of every enterprise of the districts.
    enterprises = (
        Enterprise.objects.filter(
            within(period, "workshops__date"),
            district__in=districts,
            workshops__kind=Workshop.Kind.WALKTHROUGH,
        )
        .annotate(walkthroughs=Count("workshops"))
        .select_related("district")
        .order_by("-walkthroughs", "name", "credit_code")
    )
    return [
        {
            "credit_code": e.credit_code,
            "name": e.name,
            "district": e.district.code,
            "walkthroughs": e.walkthroughs,
        }
        for e in enterprises
    ]


def training_figures(districts, period):
    """Every training figure over the districts and the period: four queries, whatever the data."""
    return {
        "workshops": workshops_held(districts, period),
        "people": people_trained(districts, period),
        "enterprises_per_module": enterprises_per_module(districts, period),
        "walkthroughs_per_enterprise": walkthroughs_per_enterprise(districts, period),
    }
