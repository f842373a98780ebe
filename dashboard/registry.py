"""Every district figure, declared once (docs/domain.md, "The figures", "Reporting", "Rates").

As Zulip declares each of its stats once (`analytics/lib/counts.py`, COUNT_STATS), each figure here
is one `Figure`: its key (the name of its JSON field, its column and its attribute), its label and
definition (translated), its kind, its rounding, and where its value comes from. Everything else is
derived from this list, at the moment it is used:

- dashboard.sums: the monthly statement's select lists (a sum of a reported value is
  `SUM(COALESCE(field, 0))` over the safety reports), for SQLite and PostgreSQL alike;
- dashboard.models: the roll-up's columns (one per monthly sum, MONTHLY_SUMS);
- dashboard.figures: the `Figures` object, its stored values and derived ones, SUMMED, DEFINITIONS,
  `as_json` (the summary API's and the machine API's bodies);
- api.serializers: those bodies' OpenAPI schema;
- dashboard.labels: the district table's columns (page, CSV/XLSX, printed report), the rate cards;
- dashboard.screen_views and static/js/screen.js: the meeting-room screen's figures (`screen`) and
  its cards (`screen_label`, `screen_caption`), each card's row and number format from its kind;
- dashboard.figures.enterprise_figures, dashboard.views and dashboard.forms: a district's
  enterprise list, its figures summed per enterprise (`per_enterprise`): the page's columns and
  cells, its sorts, and its CSV/XLSX columns and their kinds.

A reported value (a field of the monthly safety report) is declared once as well, as its model
field (enterprises.models.ReportedCount): its import column and its machine API field are derived
from that field. Adding one to the report and to the figures: the model field (and its migration),
a `Figure` summing it here (and the roll-up's migration; `per_enterprise` for a column of the
enterprise list, `screen` and `screen_label` for a card on the screen), and the translations.

This module imports nothing of the portal but common: dashboard.models reads it while the apps
load.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from common.live import LiveList, LiveMapping  # noqa: F401 (others import them from here too)

# The kinds of figure: how a value is computed from the others and how it is written.
COUNT = "count"  # a whole number, a JSON integer
MONEY = "money"  # RMB, two decimals, a JSON string ("1234.50")
FLAG = "flag"  # true or false
PCT = "pct"  # numerator × 100 ÷ denominator, a JSON number or null
RATE = "rate"  # numerator × scale ÷ denominator, a JSON number or null
CHANGE = "change"  # (numerator − denominator) × 100 ÷ denominator: a change against a baseline

# Where a stored value comes from.
REPORTED = "reported"  # the sum of a field of the monthly safety reports (`sums`)
MONTHLY = "monthly"  # a monthly sum written by hand in dashboard.sums (`column`)
ENTERPRISES = "enterprises"  # dashboard.figures.enterprise_counts
COMPARISON = "comparison"  # dashboard.sums.change_sums_sql (`column`)

# Fewer qualifying enterprises than this: the change figures rest on too few to compare.
SMALL_SAMPLE_BELOW = 5


@dataclass(frozen=True)
class Figure:
    """One figure. A stored figure has a `source` (and `sums`, the SafetyReport field it adds up,
    or `column`, the sum it is read from); a derived one has `numerator` and `denominator` (or a
    `compute` for a flag or a difference) and is computed from the pooled stored values, never
    averaged."""

    key: str
    kind: str
    label: object = None  # None: kept for others to derive from, not shown
    definition: object = None
    source: str | None = None
    sums: str | None = None
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: int = 100
    places: int = 1
    compute: object = None  # (figures) -> value, for a flag or a difference
    in_json: bool = True  # in the summary API's and the machine API's bodies
    in_table: bool = True  # a column of the district table and its downloads
    card_label: object = None  # a rate card's own title (the rate cards: the PCT and RATE figures)
    screen: str | None = None  # on the meeting-room screen: over the "period" or its last "month"
    screen_label: object = None  # the title of its card there (None: in the screen's data, no card)
    screen_caption: object = ""  # the card's short caption, standing for the definition
    per_enterprise: bool = False  # a column of a district's enterprise list, summed per enterprise
    enterprise_key: str | None = None  # its attribute and column there, when not its key

    def __post_init__(self):
        # An enterprise's figure is its share of a stored sum (dashboard.figures.enterprise_figures):
        # a derived one would need its own per-enterprise definition, which none has yet.
        if self.per_enterprise and self.monthly_column is None:
            raise ValueError(f"{self.key}: only a monthly sum can be summed per enterprise")
        if self.screen_label is not None and self.screen is None:
            raise ValueError(f"{self.key}: a screen card needs its figure on the screen (`screen`)")

    @property
    def stored(self):
        return self.source is not None

    @property
    def screen_group(self):
        """The screen's row of cards it is in: the headline "sums" (counts and money) or the
        "change" since SCORE and the percentages."""
        return "sums" if self.kind in (COUNT, MONEY) else "change"

    @property
    def enterprise_attribute(self):
        """Its attribute on an enterprise of the list, its column and its sort key there."""
        return self.enterprise_key or self.key

    @property
    def monthly_column(self):
        """The roll-up column a stored sum is read from (None for the others)."""
        if self.source == REPORTED:
            return self.sums
        return self.column or self.key if self.source == MONTHLY else None

    @property
    def shown(self):
        return self.label is not None

    def value(self, figures):
        """This derived figure of `figures` (a dashboard.figures.Figures)."""
        if self.compute is not None:
            return self.compute(figures)
        top = getattr(figures, self.numerator)
        bottom = getattr(figures, self.denominator)
        if not bottom:
            return None
        if self.kind == CHANGE:
            top -= bottom
        return rounded(Decimal(top) * self.scale / Decimal(bottom), self.places)

    def as_json(self, value):
        if self.kind == MONEY:
            return f"{value:.2f}"
        return value


def rounded(exact, places):
    """`exact` (a Decimal) to `places` decimals, halves away from zero, as a JSON number.

    Decimal, not float: −76.55 must round to −76.6, and a float −76.55 is −76.549999….
    """
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _stored(key, source, **options):
    return Figure(key, COUNT, source=source, in_json=False, in_table=False, **options)


# In the district table's order, which is the downloads' (a spreadsheet reading them by position
# keeps working: new figures are appended) and the JSON bodies'.
FIGURES = (
    Figure(
        "enterprises",
        COUNT,
        _("Enterprises"),
        _(
            "Enterprises whose SCORE start date is on or before the last day of the period and that had "
            "not left the programme by then."
        ),
        source=ENTERPRISES,
        screen="period",
        screen_label=_("Enterprises taking part"),
        screen_caption=_("Started SCORE and not left by the end of the period"),
    ),
    Figure(
        "suggestions",
        COUNT,
        _("Suggestions"),
        _("Suggestions submitted within the period, whatever their status."),
        source=MONTHLY,
        per_enterprise=True,
        # Enterprise.suggestions is its relation: the sum is `suggestions_submitted` there.
        enterprise_key="suggestions_submitted",
        screen="period",
        screen_label=_("Suggestions"),
        screen_caption=_("Submitted by workers, whatever their status"),
    ),
    Figure(
        "projects_completed",
        COUNT,
        _("Completed projects"),
        _("Improvement projects with status completed and a completion date within the period."),
        source=MONTHLY,
        per_enterprise=True,
        screen="period",
        screen_label=_("Completed projects"),
        screen_caption=_("Improvement projects completed"),
    ),
    Figure(
        "savings_rmb",
        MONEY,
        _("Savings (RMB)"),
        _("The sum of the savings of those completed projects, in RMB, to two decimals."),
        source=MONTHLY,
        column="savings",
        per_enterprise=True,
        screen="period",
        screen_label=_("Savings (RMB)"),
        screen_caption=_("Saved by the completed projects"),
    ),
    Figure(
        "inspections",
        COUNT,
        _("Safety inspections"),
        _(
            "The sum of the safety inspections in the monthly safety reports for the months within the "
            "period, all enterprises of the district."
        ),
        source=REPORTED,
        sums="inspections",
        per_enterprise=True,
    ),
    Figure(
        "accidents",
        COUNT,
        _("Accidents"),
        _(
            "The sum of the accidents in the monthly safety reports for the months within the period, "
            "all enterprises of the district."
        ),
        source=REPORTED,
        sums="accidents",
        per_enterprise=True,
    ),
    Figure(
        "change_enterprises",
        COUNT,
        _("Enterprises in the before/after comparison"),
        _(
            "Enterprises that qualify for the before/after comparison: the follow-up window (the 12 months "
            "ending with the period's last month) starts in or after the enterprise's SCORE start month, and "
            "the enterprise has a safety report for every month of its baseline (the 12 months before its "
            "start month) and of the follow-up window."
        ),
        source=COMPARISON,
        column="enterprises",
        screen="period",
    ),
    Figure(
        "inspections_change_pct",
        CHANGE,
        _("Inspections change (%)"),
        _(
            "Over the qualifying enterprises: (follow-up inspections − baseline inspections) × 100 ÷ baseline "
            "inspections, pooled over those enterprises (not an average of percentages), rounded to one "
            "decimal with halves away from zero; none when no enterprise qualifies or the baseline is 0."
        ),
        numerator="followup_inspections",
        denominator="baseline_inspections",
        screen="period",
        screen_label=_("Safety inspections since SCORE"),
        screen_caption=_("Last 12 months against the year before SCORE"),
    ),
    Figure(
        "accidents_change_pct",
        CHANGE,
        _("Accidents change (%)"),
        _(
            "Over the qualifying enterprises: (follow-up accidents − baseline accidents) × 100 ÷ baseline "
            "accidents, pooled over those enterprises (not an average of percentages), rounded to one "
            "decimal with halves away from zero; none when no enterprise qualifies or the baseline is 0."
        ),
        numerator="followup_accidents",
        denominator="baseline_accidents",
        screen="period",
        screen_label=_("Accidents since SCORE"),
        screen_caption=_("Last 12 months against the year before SCORE"),
    ),
    Figure(
        "small_sample",
        FLAG,
        definition=_("Fewer than 5 enterprises qualify for the before/after comparison: too few to compare."),
        compute=lambda figures: 0 < figures.change_enterprises < SMALL_SAMPLE_BELOW,
        in_table=False,
        screen="period",
    ),
    Figure(
        "change_left_out",
        COUNT,
        _("Left out of the comparison for missing months"),
        _(
            "Enterprises left out of the before/after comparison for missing months: the follow-up window "
            "(the 12 months ending with the period's last month) starts in or after their SCORE start month, "
            "but they lack a safety report for a month of their baseline or of the follow-up window."
        ),
        compute=lambda figures: (
            figures.change_candidates - figures.change_enterprises - figures.change_left_out_exempt
        ),
        in_json=False,
    ),
    Figure(
        "reports_expected",
        COUNT,
        _("Reports owed"),
        _(
            "Monthly safety reports owed: for each enterprise, every month of the period from 12 months "
            "before its SCORE start month to the month before it left, once the report's due day in the "
            "following month has come, but for the months of an approved exemption."
        ),
        source=MONTHLY,
        screen="month",
    ),
    Figure(
        "reports_received",
        COUNT,
        _("Reports received"),
        _("Of the reports owed, those that have reached the portal."),
        source=MONTHLY,
        screen="month",
    ),
    Figure(
        "reports_on_time",
        COUNT,
        _("Reports received on time"),
        _("Of the reports owed, those received before the day after their due day."),
        source=MONTHLY,
    ),
    Figure(
        "completeness_pct",
        PCT,
        _("Completeness (%)"),
        _("Reports received × 100 ÷ reports owed, to one decimal; none when no report is owed."),
        numerator="reports_received",
        denominator="reports_expected",
        card_label=_("Reporting completeness"),
        screen="month",
        # Its caption is the month's reports received of owed, which the screen writes.
        screen_label=_("Reporting completeness"),
    ),
    Figure(
        "timeliness_pct",
        PCT,
        _("Timeliness (%)"),
        _("Reports received on time × 100 ÷ reports owed, to one decimal; none when no report is owed."),
        numerator="reports_on_time",
        denominator="reports_expected",
        card_label=_("Reporting timeliness"),
    ),
    Figure(
        "hazards_found",
        COUNT,
        _("Hazards found"),
        _("The sum of the hazards found in the monthly safety reports of the period (empty counts as 0)."),
        source=REPORTED,
        sums="hazards_found",
    ),
    Figure(
        "hazards_fixed",
        COUNT,
        _("Hazards fixed"),
        _("The sum of the hazards fixed in the monthly safety reports of the period (empty counts as 0)."),
        source=REPORTED,
        sums="hazards_fixed",
    ),
    Figure(
        "hazard_fix_pct",
        PCT,
        _("Hazards fixed (%)"),
        _("Hazards fixed × 100 ÷ hazards found, to one decimal; none when none was found."),
        numerator="hazards_fixed",
        denominator="hazards_found",
        card_label=_("Hazard fix rate"),
    ),
    Figure(
        "injuries",
        COUNT,
        _("Injuries"),
        _("The sum of the injuries in the monthly safety reports of the period (empty counts as 0)."),
        source=REPORTED,
        sums="injuries",
    ),
    Figure(
        "lost_workdays",
        COUNT,
        _("Lost workdays"),
        _("The sum of the lost workdays in the monthly safety reports of the period (empty counts as 0)."),
        source=REPORTED,
        sums="lost_workdays",
    ),
    Figure(
        "worker_months",
        COUNT,
        _("Worker-months"),
        _(
            "Each monthly safety report of the period counts its enterprise's employees: the months of work "
            "the rates rest on."
        ),
        source=MONTHLY,
    ),
    Figure(
        "accident_rate",
        RATE,
        _("Accidents per 1,000 worker-years"),
        _(
            "Accidents × 12,000 ÷ worker-months: accidents per 1,000 worker-years, to two decimals; none "
            "without worker-months."
        ),
        numerator="accidents",
        denominator="worker_months",
        scale=12000,
        places=2,
    ),
    Figure(
        "injury_rate",
        RATE,
        _("Injuries per 1,000 worker-years"),
        _(
            "Injuries × 12,000 ÷ worker-months: injuries per 1,000 worker-years, to two decimals; none "
            "without worker-months."
        ),
        numerator="injuries",
        denominator="worker_months",
        scale=12000,
        places=2,
    ),
    Figure(
        "suggestions_adopted",
        COUNT,
        _("Suggestions adopted"),
        _("Suggestions submitted within the period that were accepted or implemented."),
        source=MONTHLY,
    ),
    Figure(
        "adoption_pct",
        PCT,
        _("Suggestions adopted (%)"),
        _("Suggestions adopted × 100 ÷ suggestions submitted, to one decimal; none when there are none."),
        numerator="suggestions_adopted",
        denominator="suggestions",
        card_label=_("Suggestion adoption rate"),
    ),
    # Appended after the figures above: a spreadsheet reading the downloads by position keeps working.
    Figure(
        "major_hazards_found",
        COUNT,
        _("Major hazards found"),
        _(
            "The sum of the major accident hazards found in the monthly safety reports of the period "
            "(empty counts as 0): of the hazards found, those the enterprise must also report to the "
            "supervising department."
        ),
        source=REPORTED,
        sums="major_hazards_found",
        # Not a column of the enterprise list: a 13th column overflows it at 1280 px in English.
    ),
    Figure(
        "major_hazards_fixed",
        COUNT,
        _("Major hazards fixed"),
        _(
            "The sum of the major accident hazards fixed in the monthly safety reports of the period "
            "(empty counts as 0)."
        ),
        source=REPORTED,
        sums="major_hazards_fixed",
    ),
    Figure(
        "major_hazard_fix_pct",
        PCT,
        _("Major hazards fixed (%)"),
        _("Major hazards fixed × 100 ÷ major hazards found, to one decimal; none when none was found."),
        numerator="major_hazards_fixed",
        denominator="major_hazards_found",
        card_label=_("Major hazard fix rate"),
        screen="period",
        screen_label=_("Major hazard fix rate"),
        screen_caption=_("Of the major hazards found, those fixed"),
    ),
    Figure(
        "reports_exempt",
        COUNT,
        _("Exempt months"),
        _(
            "Months whose monthly safety report would be owed but that an approved exemption covers "
            "(production halted): they are not owed, and not among the reports owed."
        ),
        source=MONTHLY,
    ),
    Figure(
        "reports_approved",
        COUNT,
        _("Reports approved"),
        _("Of the reports received, those the district has reviewed and approved."),
        source=MONTHLY,
    ),
    Figure(
        "approval_pct",
        PCT,
        _("Approved (%)"),
        _("Reports approved × 100 ÷ reports received, to one decimal; none when no report was received."),
        numerator="reports_approved",
        denominator="reports_received",
        card_label=_("Reports approved"),
    ),
    Figure(
        "change_left_out_exempt",
        COUNT,
        _("Left out of the comparison for exempt months"),
        _(
            "Enterprises left out of the before/after comparison for exempt months: the follow-up window "
            "starts in or after their SCORE start month, but an approved exemption covers a month of their "
            "baseline or of the follow-up window."
        ),
        source=ENTERPRISES,
        in_json=False,
    ),
    Figure(
        "missing_reports",
        COUNT,
        definition=_(
            "Of the reports owed, those that have not reached the portal: a missing month is shown as "
            "missing, never as zero."
        ),
        compute=lambda figures: figures.reports_expected - figures.reports_received,
        in_json=False,
        in_table=False,
    ),
    Figure(
        "savings_by_enterprises_rmb",
        MONEY,
        _("Savings entered by enterprises (RMB)"),
        _(
            "Of the savings, those of the completed projects that the enterprises entered themselves on "
            "their own pages (not from a district's file, the machine API or the admin), in RMB, to two "
            "decimals. A district's later correction leaves a project entered by its enterprise."
        ),
        source=MONTHLY,
        column="savings_by_enterprises",
    ),
    Figure(
        "savings_by_enterprises_pct",
        PCT,
        _("Savings entered by enterprises (%)"),
        _(
            "Savings entered by enterprises × 100 ÷ savings, to one decimal; none when the completed "
            "projects saved nothing."
        ),
        numerator="savings_by_enterprises_rmb",
        denominator="savings_rmb",
        card_label=_("Savings entered by enterprises"),
    ),
    # Kept for the figures above, not shown themselves.
    _stored("change_candidates", ENTERPRISES),
    _stored("baseline_inspections", COMPARISON),
    _stored("followup_inspections", COMPARISON),
    _stored("baseline_accidents", COMPARISON),
    _stored("followup_accidents", COMPARISON),
)


def figures():
    """Every figure, in the registry's order (a function, so that a figure declared later, as a
    test does, is seen by everything derived)."""
    return FIGURES


_index = (None, {})


def by_key():
    """{key: Figure}, made again only when FIGURES changed."""
    global _index
    if _index[0] is not FIGURES:
        _index = (FIGURES, {figure.key: figure for figure in FIGURES})
    return _index[1]


def stored():
    return [figure for figure in FIGURES if figure.stored]


def reported_sums():
    """The SafetyReport fields the figures sum, in the registry's order."""
    return [figure.sums for figure in FIGURES if figure.source == REPORTED]


def in_json():
    return [figure for figure in FIGURES if figure.in_json]


def table_columns():
    """The district table's columns (and its downloads'): [(key, label)]."""
    return [(figure.key, figure.label) for figure in FIGURES if figure.in_table and figure.shown]


def enterprise_columns():
    """The figures of a district's enterprise list, summed per enterprise: its columns (page and
    downloads) and its sorts, in the registry's order."""
    return [figure for figure in FIGURES if figure.per_enterprise]


def definitions():
    return {figure.key: figure.definition for figure in FIGURES if figure.definition is not None}


def rate_cards():
    """The reporting and rate cards: [(key, title, kind)], the percentages and rates of the table."""
    return [
        (figure.key, figure.card_label or figure.label, figure.kind)
        for figure in FIGURES
        if figure.kind in (PCT, RATE) and figure.in_table
    ]


def screen_figures(over):
    """The keys the meeting-room screen shows `over` the "period" or its last "month"."""
    return tuple(figure.key for figure in FIGURES if figure.screen == over)


def screen_cards():
    """The meeting-room screen's cards, in the registry's order: the figures it shows with a
    title (the others are in its data for the cards' captions)."""
    return [figure for figure in FIGURES if figure.screen is not None and figure.screen_label is not None]


# --- The monthly sums --------------------------------------------------------------------------------
# What the monthly statement (dashboard.sums) computes per district and month and the roll-up
# stores: the hand-written sums and one per reported value summed. (column, roll-up field type).
INTEGER = "integer"  # counts of records: an int is plenty
BIG = "big"  # sums of reported values: a district's decades of inspections
DECIMAL = "decimal"  # RMB

WRITTEN_SUMS = (
    ("reports", INTEGER),
    ("suggestions", INTEGER),
    ("projects_completed", INTEGER),
    ("savings", DECIMAL),
    ("reports_expected", INTEGER),
    ("reports_received", INTEGER),
    ("reports_on_time", INTEGER),
    ("worker_months", BIG),
    ("suggestions_adopted", INTEGER),
    ("reports_exempt", INTEGER),
    ("reports_approved", INTEGER),
    ("savings_by_enterprises", DECIMAL),
)


def monthly_sums():
    """[(column, type)] of the monthly statement and the roll-up: the written sums, then one per
    reported value a figure sums."""
    return [*WRITTEN_SUMS, *((field, BIG) for field in reported_sums())]


def monthly_columns():
    return tuple(column for column, _type in monthly_sums())
