"""The labels of the dashboard's figures, for every page, export and the printed report that shows
them: views of the figures' registry (dashboard.registry), where each is declared once with its
definition (dashboard.figures.DEFINITIONS)."""

from django.utils.translation import gettext_lazy

from dashboard import registry

# The district table's columns, in the page's and the exports' order: [(figure, label)].
DISTRICT_COLUMNS = registry.LiveList(registry.table_columns)
LABELS = registry.LiveMapping(lambda: dict(registry.table_columns()))

# The reporting and rate cards: (figure, label, kind of value).
RATE_CARDS = registry.LiveList(registry.rate_cards)

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
