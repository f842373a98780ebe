from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.months import Period, add_months, check_period, parse_month
from dashboard import registry
from dashboard.figures import BREAKDOWNS
from dashboard.models import DisplayLink
from enterprises.reporting import latest_due_month


class MonthField(forms.CharField):
    """A month written YYYY-MM (what <input type="month"> sends), as the first day of that month."""

    def __init__(self, **kwargs):
        # Not stripped: every URL that takes a month accepts exactly what parse_month accepts.
        super().__init__(strip=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        return parse_month(value)


class PeriodForm(forms.Form):
    """`from` (optional: since the first record) and `to` (default: the latest due month, the last
    month whose reports are owed: docs/domain.md, "Reporting"), plus, where a page offers it, `district`."""

    to = MonthField(required=False, label=_("to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        self.fields = {"from": MonthField(required=False, label=_("from")), **self.fields}

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if last is None and "to" not in self.errors:
            cleaned["to"] = last = latest_due_month()
        check_period(first, last)
        return cleaned

    @property
    def period(self):
        return Period(first=self.cleaned_data["from"], last=self.cleaned_data["to"])

    def choices(self):
        """The periods one click away, as (label, query, chosen): since the start, the last 12
        months and the latest month, each ending with the latest due month (the month not yet due
        has its own place on the who-owes page: dashboard.figures.due_soon)."""
        latest = latest_due_month()
        chosen = self.period if self.is_valid() else None
        options = [
            (_("Since the start"), None),
            (_("Last 12 months"), add_months(latest, -11)),
            (_("Latest month"), latest),
        ]
        return [
            (
                label,
                (f"from={first:%Y-%m}&" if first else "") + f"to={latest:%Y-%m}",
                chosen == Period(first, latest),
            )
            for label, first in options
        ]

    def error_message(self):
        """The first problem, as one sentence for the API's {"error": …}."""
        return next(message for messages in self.errors.values() for message in messages)

    def query(self):
        """The period as query parameters for links (drill-down, exports), open `from` left out."""
        period = self.period
        return (f"from={period.first:%Y-%m}&" if period.first else "") + f"to={period.last:%Y-%m}"


# Django's own message for the code reads "empty string" in its Chinese, which misleads.
NO_NUL = {"null_characters_not_allowed": _("The search and filters cannot contain a NUL character.")}


class EnterpriseSearchForm(forms.Form):
    """The enterprise search: part of a name or of a credit code, in any case.

    Read through the form, never from request.GET: its field refuses a NUL character (Django's
    CharField), which PostgreSQL cannot compare and the page then answers with a 400, not a 500.
    """

    q = forms.CharField(required=False, label=_("Search by name or credit code"), error_messages=NO_NUL)

    def searched(self, enterprises):
        """The enterprises whose name or credit code contains the search (call after is_valid())."""
        query = self.cleaned_data["q"].strip()
        if query:
            enterprises = enterprises.filter(
                Q(name__icontains=query) | Q(credit_code__icontains=query.upper())
            )
        return enterprises

    def error_message(self):
        """The first problem, as one sentence for the 400 page."""
        return next(message for messages in self.errors.values() for message in messages)


class EnterpriseFilterForm(EnterpriseSearchForm):
    """Search, filters and order of a district's enterprise list."""

    # The enterprise's own columns, then a sort by each figure of the list (dashboard.registry,
    # `per_enterprise`), by its key there: `?sort=suggestions_submitted`.
    FIELD_SORTS = {
        "name": ("name", "credit_code"),
        "credit_code": ("credit_code",),
        "score_start": ("score_start", "name"),
        "employees": ("employees", "name"),
    }
    SORTS = registry.LiveMapping(
        lambda: (
            EnterpriseFilterForm.FIELD_SORTS
            | {key: (key, "name") for key in EnterpriseFilterForm.FIGURE_SORTS}
        )
    )

    sector = forms.CharField(required=False, label=_("sector"), error_messages=NO_NUL)
    cohort = forms.CharField(required=False, label=_("cohort"), error_messages=NO_NUL)
    sort = forms.CharField(required=False, label=_("sort"), error_messages=NO_NUL)

    def clean_sort(self):
        # An unknown key falls back to the name rather than refusing the page.
        sort = self.cleaned_data["sort"]
        return sort if sort.removeprefix("-") in self.SORTS else "name"

    def filtered(self, enterprises):
        """The enterprises searched and filtered as the form says (call after is_valid())."""
        data = self.cleaned_data
        enterprises = self.searched(enterprises)
        if data["sector"]:
            enterprises = enterprises.filter(sector=data["sector"])
        if data["cohort"]:
            enterprises = enterprises.filter(cohort=data["cohort"])
        return enterprises

    # The sorts by a figure: their figures are summed per enterprise by the district figures' own
    # statements (dashboard.figures.enterprise_figures), not annotated on the query.
    FIGURE_SORTS = registry.LiveList(
        lambda: [figure.enterprise_attribute for figure in registry.enterprise_columns()]
    )

    @property
    def sorts_by_figure(self):
        return self.cleaned_data["sort"].removeprefix("-") in self.FIGURE_SORTS

    def ordered(self, enterprises):
        """The enterprises in the order the form asks for: a queryset ordered by the database, or,
        for a sort by a figure, the enterprises given their figures (a list: a district's few
        thousand at most) sorted here."""
        sort = self.cleaned_data["sort"]
        descending = sort.startswith("-")
        keys = self.SORTS[sort.removeprefix("-")]
        if not self.sorts_by_figure:
            return enterprises.order_by(*(f"-{key}" if descending else key for key in keys), "pk")
        return sorted(
            enterprises,
            key=lambda enterprise: (*(getattr(enterprise, key) for key in keys), enterprise.pk),
            reverse=descending,
        )


class BreakdownForm(PeriodForm):
    """The breakdown's period, what it groups by (`by`: district, sector or cohort; sector when
    not given) and its order (`sort`: a column's key, `-` in front for the largest first; the
    groups' own order when not given). Anything else is refused with a message: a 400."""

    # The figures a breakdown can be sorted by, besides the group's name ("name"), in the order of
    # the page's columns (dashboard.breakdown_views.PAGE_COLUMNS).
    SORTS = (
        "enterprises",
        "inspections_change_pct",
        "accidents_change_pct",
        "change_enterprises",
        "completeness_pct",
        "timeliness_pct",
        "suggestions",
        "adoption_pct",
        "projects_completed",
        "savings_rmb",
        "inspections",
        "accidents",
        "hazard_fix_pct",
        "accident_rate",
        "injury_rate",
        "major_hazard_fix_pct",
    )

    by = forms.CharField(required=False, label=_("group by"), error_messages=NO_NUL)
    sort = forms.CharField(required=False, label=_("sort"), error_messages=NO_NUL)

    def clean_by(self):
        by = self.cleaned_data["by"] or "sector"
        if by not in BREAKDOWNS:
            raise forms.ValidationError(
                _("“%(value)s” is not a breakdown: choose district, sector or cohort."),
                params={"value": by[:40]},
            )
        return by

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        if sort and sort.removeprefix("-") not in ("name", *self.SORTS):
            raise forms.ValidationError(
                _("The breakdown cannot be sorted by “%(value)s”."), params={"value": sort[:40]}
            )
        return sort


class ScreenForm(forms.Form):
    """The meeting-room screen's parameters, all optional: `every` (seconds between two views of
    the rotation), `refresh` (seconds between two fetches of the figures) and `lang`."""

    every = forms.IntegerField(
        required=False,
        min_value=5,
        max_value=600,
        error_messages={
            key: _("“every” is the seconds between two views: a whole number from 5 to 600.")
            for key in ("invalid", "min_value", "max_value")
        },
    )
    refresh = forms.IntegerField(
        required=False,
        min_value=10,
        max_value=3600,
        error_messages={
            key: _(
                "“refresh” is the seconds between two updates of the figures: a whole number from 10 to 3600."
            )
            for key in ("invalid", "min_value", "max_value")
        },
    )
    lang = forms.ChoiceField(
        required=False,
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("“lang” is the language of the screen: zh-hans or en.")},
    )

    def error_message(self):
        return next(message for messages in self.errors.values() for message in messages)


class DisplayLinkForm(forms.ModelForm):
    class Meta:
        model = DisplayLink
        fields = ["name"]
        labels = {"name": _("Where the screen hangs")}
        help_texts = {
            "name": _("For example: meeting room 3, city office. Only you and the programme admins see it.")
        }
