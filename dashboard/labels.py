"""The labels of the dashboard's figures, one list each, for every page, export and the printed
report that shows them (their definitions are dashboard.figures.DEFINITIONS)."""

from django.utils.translation import gettext_lazy

# The district table's columns, in the page's and the exports' order.
DISTRICT_COLUMNS = [
    ("enterprises", gettext_lazy("Enterprises")),
    ("suggestions", gettext_lazy("Suggestions")),
    ("projects_completed", gettext_lazy("Completed projects")),
    ("savings_rmb", gettext_lazy("Savings (RMB)")),
    ("inspections", gettext_lazy("Safety inspections")),
    ("accidents", gettext_lazy("Accidents")),
    ("change_enterprises", gettext_lazy("Enterprises in the before/after comparison")),
    ("inspections_change_pct", gettext_lazy("Inspections change (%)")),
    ("accidents_change_pct", gettext_lazy("Accidents change (%)")),
    # Appended, so that a spreadsheet reading the columns above by position keeps working.
    ("change_left_out", gettext_lazy("Left out of the comparison for missing months")),
    ("reports_expected", gettext_lazy("Reports owed")),
    ("reports_received", gettext_lazy("Reports received")),
    ("reports_on_time", gettext_lazy("Reports received on time")),
    ("completeness_pct", gettext_lazy("Completeness (%)")),
    ("timeliness_pct", gettext_lazy("Timeliness (%)")),
    ("hazards_found", gettext_lazy("Hazards found")),
    ("hazards_fixed", gettext_lazy("Hazards fixed")),
    ("hazard_fix_pct", gettext_lazy("Hazards fixed (%)")),
    ("injuries", gettext_lazy("Injuries")),
    ("lost_workdays", gettext_lazy("Lost workdays")),
    ("worker_months", gettext_lazy("Worker-months")),
    ("accident_rate", gettext_lazy("Accidents per 1,000 worker-years")),
    ("injury_rate", gettext_lazy("Injuries per 1,000 worker-years")),
    ("suggestions_adopted", gettext_lazy("Suggestions adopted")),
    ("adoption_pct", gettext_lazy("Suggestions adopted (%)")),
]
LABELS = dict(DISTRICT_COLUMNS)

# The reporting and rate cards: (figure, label, kind of value).
RATE_CARDS = [
    ("completeness_pct", gettext_lazy("Reporting completeness"), "pct"),
    ("timeliness_pct", gettext_lazy("Reporting timeliness"), "pct"),
    ("hazard_fix_pct", gettext_lazy("Hazard fix rate"), "pct"),
    ("accident_rate", LABELS["accident_rate"], "rate"),
    ("injury_rate", LABELS["injury_rate"], "rate"),
    ("adoption_pct", gettext_lazy("Suggestion adoption rate"), "pct"),
]

# The trend charts: (figure, title, kind of value). The kind decides the axis and the table's
# number format; the definitions are figures.TREND_DEFINITIONS.
TREND_CHARTS = [
    ("suggestions", gettext_lazy("Suggestions submitted per month"), "count"),
    ("projects_completed", gettext_lazy("Improvement projects completed per month"), "count"),
    ("savings_cumulative", gettext_lazy("Savings of completed projects, cumulative (RMB)"), "money"),
    ("inspections_per_report", gettext_lazy("Safety inspections per reporting enterprise"), "rate"),
    ("accident_rate", gettext_lazy("Accidents per 1,000 worker-years, per month"), "rate"),
    ("completeness", gettext_lazy("Reporting completeness per month (%)"), "pct"),
    ("inspections", gettext_lazy("Safety inspections per month"), "count"),
    ("accidents", gettext_lazy("Accidents per month"), "count"),
    ("savings", gettext_lazy("Savings of completed projects per month (RMB)"), "money"),
    ("reports", gettext_lazy("Enterprises reporting per month"), "count"),
]
