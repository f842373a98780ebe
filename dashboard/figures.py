"""Every figure the dashboard, the summary API and the exports show, computed in the database.

Each function takes the districts (a queryset the user may see, from accounts.scoping) and a
Period, and returns plain values. Views, the API and exports call these; nothing recomputes a
figure elsewhere. Each docstring states the definition shown to the user (docs/domain.md, "The figures").
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from common.months import Period, add_months
from enterprises.models import Enterprise, Exemption
from enterprises.reporting import latest_due_month, report_due_on
from training.models import Module, Participant, Workshop

from . import registry, rollup
from .models import ChangeRollup, MonthlyRollup, SegmentChangeRollup, SegmentMonthlyRollup
from .sums import (
    CHANGE_COLUMNS,
    CHANGE_WINDOW_MONTHS,
    as_date,
    change_sums_sql,
    missing_reports_sql,
    monthly_columns,
    monthly_sums_sql,
    parameters,
)

# --- The district figures -------------------------------------------------------------------------
# Their sums are defined once, in dashboard/sums.py; the functions below read them (from the
# roll-up, or by the same statements) for `scope` (which enterprises count: see Scope) and a Period,
# and `district_figures` puts them together.

# The definitions the dashboard shows next to each figure (declared in dashboard.registry); the
# docstrings below say the same.
DEFINITIONS = registry.LiveMapping(registry.definitions)


_rounded = registry.rounded


def change_pct(baseline, followup):
    """(followup − baseline) × 100 ÷ baseline to one decimal, halves away from zero; None for a 0 baseline."""
    if not baseline:
        return None
    return _rounded(Decimal(followup - baseline) * 100 / Decimal(baseline), 1)


def share_pct(part, whole):
    """part × 100 ÷ whole to one decimal, halves away from zero; None when whole is 0."""
    return _rounded(Decimal(part) * 100 / Decimal(whole), 1) if whole else None


def per_thousand_worker_years(count, worker_months):
    """count × 12,000 ÷ worker_months (per 1,000 worker-years), two decimals, halves away from zero;
    None when worker_months is 0."""
    return _rounded(Decimal(count) * 12000 / Decimal(worker_months), 2) if worker_months else None


SMALL_SAMPLE_BELOW = registry.SMALL_SAMPLE_BELOW


class Figures:
    """The figures of one district (or one enterprise, or a total): add two to pool them. The
    stored ones (dashboard.registry: a count, a sum, an amount) are attributes; the others (rates,
    percentages, changes, flags) are computed from them when read, so a total's are computed from
    its pooled sums, never averaged."""

    def __init__(self, **values):
        for figure in registry.stored():
            default = Decimal("0.00") if figure.kind == registry.MONEY else 0
            setattr(self, figure.key, values.pop(figure.key, default))
        if values:
            raise TypeError(f"Not stored figures: {', '.join(values)}")

    def __getattr__(self, name):
        # Only for names that are not attributes: the derived figures.
        figure = registry.by_key().get(name)
        if figure is None or figure.stored:
            raise AttributeError(name)
        return figure.value(self)

    def __add__(self, other):
        return Figures(
            **{
                figure.key: getattr(self, figure.key) + getattr(other, figure.key)
                for figure in registry.stored()
            }
        )

    def __eq__(self, other):
        return isinstance(other, Figures) and vars(self) == vars(other)

    def __repr__(self):
        return f"Figures({', '.join(f'{key}={value!r}' for key, value in vars(self).items())})"

    def as_json(self):
        """The figures as the summary API writes them (docs/domain.md, "The summary API"): counts
        as integers, money as text, percentages and rates as numbers or null."""
        return {figure.key: figure.as_json(getattr(self, figure.key)) for figure in registry.in_json()}


@dataclass(frozen=True)
class Scope:
    """Which enterprises a figure counts: those of `district_ids`, or only `enterprise_id` (or
    `enterprise_ids`) among them."""

    district_ids: tuple
    enterprise_id: int | None = None
    enterprise_ids: tuple | None = None

    def q(self, prefix=""):
        """The filter for a queryset that reaches the enterprise through `prefix` ("" or "enterprise__")."""
        condition = Q(**{f"{prefix}district__in": self.district_ids})
        if self.enterprise_id is not None:
            condition &= Q(**{f"{prefix}pk": self.enterprise_id})
        if self.enterprise_ids is not None:
            condition &= Q(**{f"{prefix}pk__in": self.enterprise_ids})
        return condition


def within(period, name):
    """Dates (or report months) of `name` within the period; an open `from` has no lower bound."""
    condition = Q(**{f"{name}__lt": period.end})
    if period.first is not None:
        condition &= Q(**{f"{name}__gte": period.first})
    return condition


def _exempt_in_windows(followup_first, last):
    """The condition on an enterprise: an approved exemption covers a month of its baseline (the 12
    months before its SCORE start month) or of the follow-up window followup_first..last. Months as
    year × 12 + month, the one month arithmetic both databases spell alike."""

    def index(date):
        return ExtractYear(date) * 12 + ExtractMonth(date)

    approved = Exemption.objects.filter(enterprise=OuterRef("pk"), status=Exemption.Status.APPROVED)
    runs_from = Q(last_month__isnull=True)
    start = index(OuterRef("score_start"))
    in_baseline = approved.annotate(first_index=index("first_month"), last_index=index("last_month")).filter(
        runs_from | Q(last_index__gte=start - CHANGE_WINDOW_MONTHS), first_index__lt=start
    )
    in_followup = approved.filter(runs_from | Q(last_month__gte=followup_first), first_month__lte=last)
    return Exists(in_baseline) | Exists(in_followup)


def enterprise_counts(scope, period, using=None, *, by="district"):
    """{district (or sector, cohort: `by`): (enterprises, change_candidates, change_left_out_exempt)}
    for the enterprises of `scope`, in one query.

    enterprises: enterprises whose SCORE start date is on or before the last day of the period and
    that had not left by then (no left_on, or left_on after that day). change_candidates:
    enterprises whose follow-up window (the 12 months ending with the period's last month) starts
    in or after their SCORE start month; those of them that do not qualify for the before/after
    comparison (change_enterprises) are left out of it for exempt months (change_left_out_exempt:
    an approved exemption covers a month of their baseline or of the follow-up window, so they lack
    that month's report) or else for missing months (Figures.change_left_out).
    One that left during the follow-up window is among them unless it kept reporting: its months
    after leaving are not owed (the who-owes list does not show them), but the comparison needs them.
    """
    followup_first = add_months(period.last, -(CHANGE_WINDOW_MONTHS - 1))
    started = (Q(left_on__isnull=True) | Q(left_on__gt=period.last_day)) & Q(score_start__lte=period.last_day)
    # In or before the window's first month: before the first day of the month after it.
    candidate = Q(score_start__lt=add_months(followup_first, 1))
    rows = (
        Enterprise.objects.db_manager(using)
        .filter(scope.q())
        .values(by)
        .annotate(
            started=Count("pk", filter=started),
            candidates=Count("pk", filter=candidate),
            exempt=Count("pk", filter=candidate & _exempt_in_windows(followup_first, period.last)),
        )
        .order_by()
    )
    return {row[by]: (row["started"], row["candidates"], row["exempt"]) for row in rows}


def _live_rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _params(period, due_month=None):
    return parameters(period, due_month=due_month)


def _money(value):
    """RMB to two decimals (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def period_sums(scope, period, *, alias=None, by="district", due_month=None):
    """{district (or enterprise): {column: sum}} of dashboard.sums' monthly sums over the months
    of the period, for the enterprises of `scope`: read from the roll-up at `alias`, or computed
    by the same statement (alias None), whose reports owed run to `due_month` (None: the latest
    due month). One query."""
    names = monthly_columns()
    if alias is not None:
        # The breakdown by sector or cohort reads the roll-up kept per district, sector and cohort.
        model = MonthlyRollup if by == "district" else SegmentMonthlyRollup
        rows = (
            model.objects.using(alias)
            .filter(within(period, "month"), district__in=scope.district_ids)
            .values(by)
            .annotate(**{column: Sum(column) for column in names})
            .order_by()
        )
        return {row[by]: row for row in rows}
    columns = ", ".join(f"SUM({column})" for column in names)
    sql = (
        f"SELECT group_id, {columns} "
        f"FROM ({monthly_sums_sql(connection.vendor, by=by, scope=scope, period=period)}) sums "
        "GROUP BY group_id"
    )
    return {
        row[0]: dict(zip(names, row[1:], strict=True)) for row in _live_rows(sql, _params(period, due_month))
    }


def change_sums(scope, period, *, alias=None, by="district"):
    """{district (or `by`'s group): {column: value}} of dashboard.sums' before/after comparison for
    the period's last month, for the enterprises of `scope`: from the roll-up at `alias`, or
    computed by the same statement (alias None). One query."""
    if alias is not None:
        if by == "district":
            rows = (
                ChangeRollup.objects.using(alias)
                .filter(district__in=scope.district_ids, month=period.last)
                .values("district", *CHANGE_COLUMNS)
            )
        else:
            rows = (
                SegmentChangeRollup.objects.using(alias)
                .filter(district__in=scope.district_ids, month=period.last)
                .values(by)
                .annotate(**{column: Sum(column) for column in CHANGE_COLUMNS})
                .order_by()
            )
        return {row[by]: row for row in rows}
    sql = change_sums_sql(connection.vendor, by=by, scope=scope, last=True)
    return {
        row[0]: dict(zip(CHANGE_COLUMNS, row[2:], strict=True)) for row in _live_rows(sql, _params(period))
    }


# The Figures fields that are a monthly sum of the same name, added up over the period's months.
SUMMED = registry.LiveList(
    lambda: tuple(figure.key for figure in registry.stored() if figure.monthly_column == figure.key)
)


def district_figures(districts, period, *, enterprise=None, due_month=None):
    """Every figure of docs/domain.md per district, in the order of `districts`, and their total.

    Returns ([(district, Figures), …], total Figures). A district without data has zeros. The
    sums are read from the roll-up (dashboard/rollup.py): three queries, whatever the number of
    districts, enterprises and months, plus the rebuild's after a change of the data. With
    `enterprise`, the figures count that enterprise alone (the drill-down), and in the moment a
    writer holds the roll-up back, every district's: both from the same statements as the roll-up
    (dashboard/sums.py), run on the rows they need.

    With `due_month`, a month after the latest due month, the reports of the months up to it count
    as owed, as they will once it is due: for the month not yet due, `reports_expected` is what
    will be owed and `reports_received` what has arrived so far ("due soon"). Read by the same
    statements, since the roll-up counts owed months up to the latest due month only.
    """
    districts = list(districts)
    rows = {}
    if districts:
        scope = Scope(tuple(district.pk for district in districts), enterprise.pk if enterprise else None)
        # The roll-up holds districts' sums; one enterprise's rows are few and indexed.
        alias = rollup.current_alias() if enterprise is None and due_month is None else None
        rows = grouped_figures(scope, period, alias=alias, due_month=due_month)
    rows = {district.pk: rows.get(district.pk, Figures()) for district in districts}
    total = sum(rows.values(), Figures())
    return [(district, rows[district.pk]) for district in districts], total


def reporting_figures(districts, period):
    """The reporting figures alone (reports owed, received and on time, and so completeness and
    timeliness) per district, in the order of `districts`, and their total: district_figures' own
    sums (period_sums) without the enterprises and the before/after comparison, for the dashboard's
    latest due month beside its period. Two queries: the roll-up's check and the sums."""
    districts = list(districts)
    sums = {}
    if districts:
        scope = Scope(tuple(district.pk for district in districts))
        sums = period_sums(scope, period, alias=rollup.current_alias())
    rows = []
    for district in districts:
        figures = Figures()
        for name in ("reports_expected", "reports_received", "reports_on_time"):
            setattr(figures, name, int((sums.get(district.pk) or {}).get(name) or 0))
        rows.append((district, figures))
    return rows, sum((figures for _district, figures in rows), Figures())


def grouped_figures(scope, period, *, alias=None, by="district", due_month=None):
    """{group: Figures} for the enterprises of `scope` over the period, grouped `by` the
    enterprise's district, sector or cohort: from the roll-up at `alias`, or by dashboard.sums'
    statements (alias None). Only the groups with at least one enterprise are keys. Three queries."""
    rows = defaultdict(Figures)
    for group, (started, candidates, exempt) in enterprise_counts(scope, period, using=alias, by=by).items():
        rows[group].enterprises = started
        rows[group].change_candidates = candidates
        rows[group].change_left_out_exempt = exempt
    stored = registry.stored()
    monthly = [(f.key, f.monthly_column, f.kind == registry.MONEY) for f in stored if f.monthly_column]
    compared = [(f.key, f.column or f.key) for f in stored if f.source == registry.COMPARISON]
    for group, sums in period_sums(scope, period, alias=alias, by=by, due_month=due_month).items():
        figures = rows[group]
        for name, column, money in monthly:
            setattr(figures, name, _money(sums[column]) if money else int(sums[column] or 0))
    for group, sums in change_sums(scope, period, alias=alias, by=by).items():
        figures = rows[group]
        for name, column in compared:
            setattr(figures, name, int(sums[column] or 0))
    return dict(rows)


# What the breakdown can group the figures by: the enterprise's district, sector or cohort.
BREAKDOWNS = ("district", "sector", "cohort")


def breakdown_figures(districts, period, *, by):
    """Every district figure of docs/domain.md per group of the districts' enterprises, and their total:
    the groups are the districts (`by` "district", in the order of `districts`, each listed), or
    the enterprises' sectors or cohorts as they are now (the ones that occur among the districts'
    enterprises, in text order, "" for not given last). The same definitions as district_figures,
    from the same statements grouped by the enterprise's sector or cohort; the total pools the
    groups' sums (each enterprise is in exactly one group), so it is the districts' total.

    Returns ([(group, Figures), …], total Figures), a group being a District or a text. From the
    roll-up kept per district, sector and cohort (or, while a writer holds it back, from the
    statements on the tables): four queries, whatever the data, plus the rebuild's after a change.
    """
    assert by in BREAKDOWNS
    if by == "district":
        return district_figures(districts, period)
    districts = list(districts)
    groups = {}
    if districts:
        scope = Scope(tuple(district.pk for district in districts))
        groups = grouped_figures(scope, period, alias=rollup.current_alias(), by=by)
    rows = sorted(groups.items(), key=lambda row: (row[0] == "", row[0]))
    return rows, sum(groups.values(), Figures())


# Runs of at least this many months without data (no safety report and no completed project in any
# district charted) are cut out of the trend's axis: a 2014–2016 import and this year's reports
# make one chart of both, not a chart of nine empty years. Shorter runs stay, as gaps.
TREND_BREAK_MONTHS = 12

# The trend's figures per month, their definitions, as the charts and their tables show them.
TREND_DEFINITIONS = {
    "suggestions": _("Suggestions submitted in the month, whatever their status."),
    "projects_completed": _("Improvement projects with status completed and completed in the month."),
    "savings_cumulative": _(
        "The savings of the improvement projects completed from the first month of the chart to the "
        "month, added up (RMB)."
    ),
    "inspections_per_report": _(
        "Safety inspections ÷ monthly safety reports received for the month: inspections per "
        "reporting enterprise, to two decimals; none in a month without reports."
    ),
    "accident_rate": _(
        "Accidents of the month × 12,000 ÷ its worker-months (each report counts its enterprise's "
        "employees): accidents per 1,000 worker-years, to two decimals; none in a month without reports."
    ),
    "completeness": _(
        "Reports received for the month × 100 ÷ reports owed for it, to one decimal; none when no "
        "report of the month is owed. A report sent late counts for its own month."
    ),
    "inspections": _("The sum of the safety inspections in the monthly safety reports for the month."),
    "accidents": _("The sum of the accidents in the monthly safety reports for the month."),
    "savings": _("The savings of the improvement projects completed in the month (RMB)."),
    "reports": _(
        "Monthly safety reports received for the month: the enterprises reporting, which the rates "
        "of the month rest on (enterprises joining the programme raise it)."
    ),
    "started": _(
        "The dashed line marks the month SCORE started: the earliest SCORE start date of the "
        "district's enterprises (for the city, of all its enterprises; for an enterprise, its own)."
    ),
    "axis": _(
        "The months run from the first month of the period (or, without one, the first month with "
        "a safety report or a completed project) to its last. A year or more without either is cut "
        "out of the axis and marked with a break (≈), so old imports do not stretch the charts."
    ),
}


def _per_report(count, reports):
    """count ÷ reports to two decimals, halves away from zero; None without reports."""
    return _rounded(Decimal(count) / Decimal(reports), 2) if reports else None


def _trend_series(months, cells):
    """One series of the trend from `cells` ({(month, column): sum}) over `months`."""

    def column(name):
        return [cells.get((month, name)) for month in months]

    reports = [cells.get((month, "reports"), 0) for month in months]
    inspections = [
        value if count else None for value, count in zip(column("inspections"), reports, strict=True)
    ]
    accidents = [value if count else None for value, count in zip(column("accidents"), reports, strict=True)]
    savings = [round(cells.get((month, "savings"), 0.0), 2) for month in months]
    cumulative, running = [], Decimal("0.00")
    for month in months:
        running += _money(cells.get((month, "savings"), 0))
        cumulative.append(float(running))
    return {
        "reports": reports,
        "inspections": inspections,
        "accidents": accidents,
        "savings": savings,
        "completeness": [
            share_pct(cells.get((month, "reports_received"), 0), cells.get((month, "reports_expected"), 0))
            for month in months
        ],
        "suggestions": [cells.get((month, "suggestions"), 0) for month in months],
        "projects_completed": [cells.get((month, "projects_completed"), 0) for month in months],
        "savings_cumulative": cumulative,
        "inspections_per_report": [
            _per_report(cells.get((month, "inspections"), 0), count)
            for month, count in zip(months, reports, strict=True)
        ],
        "accident_rate": [
            per_thousand_worker_years(
                cells.get((month, "accidents"), 0), cells.get((month, "worker_months"), 0)
            )
            if count
            else None
            for month, count in zip(months, reports, strict=True)
        ],
    }


def _trend_axis(first, last, months_with_data):
    """The months the trend's axis shows, from `first` to `last`, and the runs cut out of it.

    Returns (months, breaks): breaks are {"after": index of the last month shown before the cut
    (-1: before the first), "from": "YYYY-MM", "to": "YYYY-MM"}, runs of TREND_BREAK_MONTHS or more
    months without data (none in `months_with_data`)."""
    months, breaks, run = [], [], []

    def cut():
        if len(run) >= TREND_BREAK_MONTHS:
            breaks.append({"after": len(months) - 1, "from": f"{run[0]:%Y-%m}", "to": f"{run[-1]:%Y-%m}"})
        else:
            months.extend(run)
        run.clear()

    for month in Period(first, last).months():
        if month in months_with_data:
            cut()
            months.append(month)
        else:
            run.append(month)
    cut()
    return months, breaks


def score_started(districts, *, enterprise=None):
    """{district id: the first day of the month of the earliest SCORE start date of its
    enterprises} (those that left included: SCORE had started there); with `enterprise`, its own.
    One query (none with `enterprise`)."""
    if enterprise is not None:
        return {enterprise.district_id: enterprise.score_start.replace(day=1)}
    rows = (
        Enterprise.objects.filter(district__in=[district.pk for district in districts])
        .values("district")
        .annotate(first=Min("score_start"))
        .order_by()
    )
    return {row["district"]: as_date(row["first"]).replace(day=1) for row in rows if row["first"]}


def monthly_trend(districts, period, *, enterprise=None, total_name=None):
    """Per district and month of the period, and for their total (pooled sums, never averaged
    rates): the figures of TREND_DEFINITIONS. inspections, accidents: sums of the monthly safety
    reports; savings: of the improvement projects completed in that month (RMB); completeness: its
    reports received × 100 ÷ its reports owed (as the district figures count them), one decimal,
    halves away from zero, None when no report of the month is owed (a report sent late counts for
    its own month, so a district catching up raises the completeness of the months it fills in);
    suggestions, projects_completed: counts of the month; savings_cumulative: savings added up
    from the first month of the axis; inspections_per_report: inspections ÷ reports received;
    accident_rate: accidents × 12,000 ÷ worker-months.

    The axis (TREND_DEFINITIONS["axis"]): an open `from` starts with the first month that has data
    (a safety report or a completed project); runs of TREND_BREAK_MONTHS months or more without
    data are cut out and listed in "breaks". Returns {"months": ["2016-01", …], "breaks": […],
    "districts": [{"code", "name", "started": "YYYY-MM" or None, <figure>: […]}, …], "total": {…
    the same, "code": ""}}; "months" is empty when the period has no data. A month in which no
    enterprise of the district sent a safety report has None for inspections, accidents and the
    rates (a gap in the chart: no report is not zero inspections); a month without completed
    projects saved 0. From the roll-up (with `enterprise`, or while a writer holds the roll-up
    back, from the same statement on the rows it needs), plus the start dates: two queries and
    the roll-up's check (the start date is the enterprise's own with `enterprise`: one query).
    """
    districts = list(districts)
    empty = {"months": [], "breaks": [], "districts": [], "total": None}
    if not districts:
        return empty
    scope = Scope(tuple(d.pk for d in districts), enterprise.pk if enterprise is not None else None)
    alias = rollup.current_alias() if enterprise is None else None
    names = monthly_columns()
    if alias is not None:
        rows = (
            MonthlyRollup.objects.using(alias)
            .filter(within(period, "month"), district__in=scope.district_ids)
            .values_list("district", "month", *names)
        )
    else:
        rows = _live_rows(monthly_sums_sql(connection.vendor, scope=scope, period=period), _params(period))
    cells = {}  # (district, month, column): sum, and (None, month, column) for the total
    with_data = set()
    for district_id, month, *sums in rows:
        month = as_date(month)
        for name, value in zip(names, sums, strict=True):
            value = float(value or 0) if name == "savings" else int(value or 0)
            cells[district_id, month, name] = value
            cells[None, month, name] = cells.get((None, month, name), 0) + value
        if cells[district_id, month, "reports"] or cells[district_id, month, "projects_completed"]:
            with_data.add(month)
    if not with_data:
        return empty
    started = score_started(districts, enterprise=enterprise)
    months, breaks = _trend_axis(period.first or min(with_data), period.last, with_data)

    def series(key):
        own = {(month, name): value for (group, month, name), value in cells.items() if group == key}
        return _trend_series(months, own)

    first_start = min(started.values(), default=None)
    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "breaks": breaks,
        "districts": [
            {
                "code": district.code,
                "name": district.name,
                "started": f"{started[district.pk]:%Y-%m}" if district.pk in started else None,
                **series(district.pk),
            }
            for district in districts
        ],
        "total": {
            "code": "",
            "name": total_name or _("Total"),
            "started": f"{first_start:%Y-%m}" if first_start else None,
            **series(None),
        },
    }


def missing_reports(districts, period, *, due_month=None):
    """Who owes what: every enterprise of the districts with at least one month of the period whose
    monthly safety report is owed and due but has not arrived, in the order of `districts` and then
    by credit code, each with its missing months in order (docs/domain.md, "Reporting").

    Returns [{"credit_code", "name", "district" (its code), "contact", "phone", "months": [first
    days]}]. Computed from the owed months and the reports received, in one query (each row with its
    enterprise): nothing is stored per missing month, whose number would grow with every enterprise
    that stops reporting (dashboard/rollup.py). The months are generated within the period only. With
    `due_month` (a month not yet due), the months up to it count as owed, as they will once it is
    due: who has not yet sent that month's report."""
    districts = list(districts)
    if not districts:
        return []
    order = {district.pk: index for index, district in enumerate(districts)}
    codes = {district.pk: district.code for district in districts}
    missing = missing_reports_sql(connection.vendor, scope=Scope(tuple(order)), period=period)
    sql = (
        f"SELECT m.district_id, e.credit_code, e.name, e.contact, e.phone, m.month FROM ({missing}) m "
        f"JOIN {Enterprise._meta.db_table} e ON e.id = m.enterprise_id ORDER BY e.credit_code, m.month"
    )
    rows = _live_rows(sql, _params(period, due_month))
    listed = []
    for district_id, credit_code, name, contact, phone, month in rows:
        if not listed or listed[-1]["credit_code"] != credit_code:
            listed.append(
                {
                    "credit_code": credit_code,
                    "name": name,
                    "district": codes[district_id],
                    "contact": contact,
                    "phone": phone,
                    "months": [],
                    "order": order[district_id],
                }
            )
        listed[-1]["months"].append(as_date(month))
    listed.sort(key=lambda row: row.pop("order"))  # stable: credit codes stay in order
    return listed


def due_soon(districts, period):
    """The month whose report falls due next (the month after the latest due month), when the
    period reaches it, or None: the month, the day it is due, the district figures for that month
    as they will be once it is due (`reports_expected` what will be owed, `reports_received` what
    has arrived so far) and who has not sent it yet, as missing_reports lists them. Both from the
    district figures and the who-owes list themselves, over that one month: nothing counted anew.
    Two queries."""
    month = add_months(latest_due_month(), 1)
    if period.last < month or (period.first is not None and period.first > month):
        return None
    one_month = Period(first=month, last=month)
    _rows, total = district_figures(districts, one_month, due_month=month)
    return {
        "month": month,
        "due_on": report_due_on(month),
        "figures": total,
        "not_sent": missing_reports(districts, one_month, due_month=month),
    }


class ReportStatus:
    """What became of one month's safety report, for the enterprise page's calendar strip."""

    ON_TIME = "on_time"  # owed and due, received before the day after its due day
    LATE = "late"  # owed and due, received after that, or when is unknown
    MISSING = "missing"  # owed and due, not received
    EXEMPT = "exempt"  # would be owed and due, but an approved exemption covers it: never missing
    NOT_OWED = "not_owed"  # before the first owed month, after leaving, or not due yet


def reporting_calendar(enterprise, period):
    """The enterprise's months of the period, each with what became of its monthly safety report:
    on time (owed and received before the day after its due day: reports_on_time), late (received,
    but after that or when is unknown), missing (owed and due, not received), exempt (covered by an
    approved exemption: reports_exempt, never missing), or not owed (before
    its first owed month, from the month it left, or not due yet; `reported` says whether a report
    came anyway). From dashboard.sums' monthly statement for this enterprise alone (reports_expected,
    reports_received, reports_on_time and reports per month), the district figures' own definitions.

    An open `from` starts with the first month the enterprise owed or reported. Returns
    [{"month": first day, "status": ReportStatus, "reported": bool}], empty when no month of the
    period was owed or reported. One query."""
    scope = Scope((enterprise.district_id,), enterprise.pk)
    sql = monthly_sums_sql(connection.vendor, by="enterprise", scope=scope, period=period)
    names = monthly_columns()
    months = {}
    for _enterprise, month, *sums in _live_rows(sql, _params(period)):
        sums = dict(zip(names, sums, strict=True))
        if sums["reports_expected"] or sums["reports"] or sums["reports_exempt"]:
            months[as_date(month)] = sums
    if not months:
        return []
    calendar = []
    for month in Period(period.first or min(months), period.last).months():
        sums = months.get(month, {})
        reported = bool(sums.get("reports"))
        if sums.get("reports_exempt"):
            status = ReportStatus.EXEMPT
        elif not sums.get("reports_expected"):
            status = ReportStatus.NOT_OWED
        elif not sums["reports_received"]:
            status = ReportStatus.MISSING
        elif sums["reports_on_time"]:
            status = ReportStatus.ON_TIME
        else:
            status = ReportStatus.LATE
        calendar.append({"month": month, "status": status, "reported": reported})
    return calendar


# Besides its figures (dashboard.registry.enterprise_columns), each enterprise of the list is given
# the reports it owed and those it sent: its sums of the safety reports are incomplete when they
# differ.
ENTERPRISE_REPORTS = ("reports_expected", "reports_received")


def enterprise_figures(enterprises, district, period, *, only_these=False):
    """The enterprises (of `district`), each given its own figures for the period as attributes
    (those of dashboard.registry.enterprise_columns, by their `enterprise_attribute`:
    suggestions_submitted, projects_completed, savings_rmb, inspections, accidents, …), and the
    reports it owed and sent, reports_expected and reports_received (its sums are incomplete when
    they differ, by reports_missing): the district figures' definitions (dashboard/sums.py) summed
    per enterprise. Two queries. `only_these`: sum for these enterprises alone (a page of the list),
    not the district's (which a sort by a figure needs): a few index look-ups instead of the
    district's every row."""
    enterprises = list(enterprises)
    ids = tuple(enterprise.pk for enterprise in enterprises) if only_these else None
    sums = period_sums(Scope((district.pk,), enterprise_ids=ids), period, by="enterprise")
    figures = registry.enterprise_columns()
    for enterprise in enterprises:
        own = sums.get(enterprise.pk, {})
        for figure in figures:
            value = own.get(figure.monthly_column)
            money = figure.kind == registry.MONEY
            setattr(enterprise, figure.enterprise_attribute, _money(value) if money else int(value or 0))
        for column in ENTERPRISE_REPORTS:
            setattr(enterprise, column, int(own.get(column) or 0))
        enterprise.reports_missing = enterprise.reports_expected - enterprise.reports_received
    return enterprises


def largest_savings(districts, period, *, count=10):
    """The enterprises of the districts with the largest savings of the period: the sum of the
    savings of their improvement projects completed within the period (the district figure
    savings_rmb, summed per enterprise, dashboard/sums.py), largest first (then by name and credit
    code), the first `count` of those that saved anything.

    Returns [{"enterprise": Enterprise (with its district), "savings_rmb": Decimal,
    "projects_completed": int}]. Two queries: the sums per enterprise, and the few enterprises."""
    districts = list(districts)
    if not districts:
        return []
    sums = period_sums(Scope(tuple(district.pk for district in districts)), period, by="enterprise")
    saved = {pk: own for pk, own in sums.items() if _money(own["savings"]) > 0}
    # Only the enterprises that can be among the first `count` are loaded: those saving at least
    # the count-th largest amount (ties at the boundary included, then ordered by name).
    amounts = sorted((_money(own["savings"]) for own in saved.values()), reverse=True)
    least = amounts[count - 1] if len(amounts) >= count else Decimal(0)
    enterprises = Enterprise.objects.filter(
        pk__in=[pk for pk, own in saved.items() if _money(own["savings"]) >= least]
    ).select_related("district")
    ranked = sorted(
        enterprises,
        key=lambda enterprise: (
            -_money(saved[enterprise.pk]["savings"]),
            enterprise.name,
            enterprise.credit_code,
        ),
    )[:count]
    return [
        {
            "enterprise": enterprise,
            "savings_rmb": _money(saved[enterprise.pk]["savings"]),
            "projects_completed": int(saved[enterprise.pk]["projects_completed"] or 0),
        }
        for enterprise in ranked
    ]


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
    return {
        **counts,
        "women": women,
        "men": total - women,
        "total": total,
        "women_share_pct": share_pct(women, total),
    }


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
