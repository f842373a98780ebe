"""The breakdown: every district figure per district, sector or cohort of the enterprises the user
may see, with a total that pools the groups' sums (dashboard.figures.breakdown_figures), as a page
and as CSV/XLSX downloads."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import OFFICIAL_ROLES, require_role, visible_districts, visible_scope
from dashboard import page_cache, registry
from dashboard.db_router import reads_from_replica
from dashboard.exports import figure_kind, table_download
from dashboard.figures import DEFINITIONS, breakdown_figures
from dashboard.forms import BreakdownForm
from dashboard.labels import DISTRICT_COLUMNS, LABELS
from dashboard.views import EXPORT_FORMATS, _districts_asked, _error_page

# The name of a group column, per breakdown.
GROUP_LABELS = {
    "district": gettext_lazy("District"),
    "sector": gettext_lazy("Sector"),
    "cohort": gettext_lazy("Cohort"),
}
# A sector or cohort left blank: a group of its own, never dropped (its enterprises count in the total).
NOT_GIVEN = gettext_lazy("not given")
# The page's columns, those that answer "which group improved most" first: on a phone each row is
# a card, and these lead it. The figures a breakdown may be sorted by (BreakdownForm.SORTS), in that
# order, each with its label and kind of value from the registry (dashboard.registry): (figure,
# label, kind: "count", "money", "pct", "rate", "change").
SHORT_LABELS = {"change_enterprises": gettext_lazy("Enterprises compared")}
PAGE_COLUMNS = registry.LiveList(
    lambda: [
        (key, SHORT_LABELS.get(key) or LABELS[key], registry.by_key()[key].kind)
        for key in BreakdownForm.SORTS
    ]
)
# Fifteen figures and more do not fit 1280 px (the table was 2,067 px wide in a 1,232 px box, the
# safety figures behind a sideways scroll nobody noticed): on a screen wider than a phone the page
# shows one group of them at a time, chosen above the table (static/js/breakdown_groups.js; without
# it, on a phone's cards and on paper, every figure shows). Each group leads with the enterprises.
FIGURE_GROUPS = [
    (
        "change",
        gettext_lazy("Change since SCORE"),
        ("enterprises", "inspections_change_pct", "accidents_change_pct", "change_enterprises"),
    ),
    ("reporting", gettext_lazy("Reporting"), ("enterprises", "completeness_pct", "timeliness_pct")),
    (
        "improvement",
        gettext_lazy("Suggestions and projects"),
        ("enterprises", "suggestions", "adoption_pct", "projects_completed", "savings_rmb"),
    ),
    (
        "safety",
        gettext_lazy("Safety"),
        (
            "enterprises",
            "inspections",
            "accidents",
            "hazard_fix_pct",
            "major_hazard_fix_pct",
            "accident_rate",
            "injury_rate",
        ),
    ),
]
assert {key for _name, _label, keys in FIGURE_GROUPS for key in keys} == set(BreakdownForm.SORTS)


def group_name(group):
    """What a group is called on the page and in the files: a district's name, or the sector or
    cohort as written ("not given" when blank)."""
    if hasattr(group, "name"):
        return group.name
    return group or str(NOT_GIVEN)


def sorted_rows(rows, sort):
    """The rows in the order `sort` asks for (a figure's key, `-` in front for the largest first;
    "" or "name": the groups' own order, or the names reversed with "-name"). Groups without the
    figure (no percentage to show) come last either way."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key in ("", "name"):
        return list(reversed(rows)) if descending else list(rows)
    present = [row for row in rows if getattr(row[1], key) is not None]
    absent = [row for row in rows if getattr(row[1], key) is None]
    # Stable: equal figures keep the groups' own order.
    return sorted(present, key=lambda row: getattr(row[1], key), reverse=descending) + absent


def _breakdown(request):
    """(form, districts the user sees, districts asked): the last None, and the form given the
    error, when the period, `by`, `sort` or `district` is refused."""
    require_role(request.user, *OFFICIAL_ROLES)
    form = BreakdownForm(request.GET)
    visible = list(visible_districts(request.user))
    districts = _districts_asked(request, form, visible) if form.is_valid() else None
    return form, visible, districts


def _query(form, *, by=None, sort=None, district=None):
    """The breakdown's query string: the form's period, `by` and district, and `sort` (each may be
    replaced; a sort of "" is left out)."""
    data = form.cleaned_data
    by = by or data["by"]
    sort = data["sort"] if sort is None else sort
    parts = [form.query(), f"by={by}"]
    if district:
        parts.append(f"district={district}")
    if sort:
        parts.append(f"sort={sort}")
    return "&".join(parts)


def _cells(figures):
    """A row's cells in PAGE_COLUMNS' order: (figure, label, kind, value)."""
    return [(key, label, kind, getattr(figures, key)) for key, label, kind in PAGE_COLUMNS]


def breakdown_context(form, visible, districts, code):
    """The breakdown page's content: its rows sorted, total, links and definitions."""
    by, sort = form.cleaned_data["by"], form.cleaned_data["sort"]
    rows, total = breakdown_figures(districts, form.period, by=by)
    links = []
    for key, label, _kind in PAGE_COLUMNS:
        # A first click on a figure puts the largest first; a second click turns it round.
        order = key if sort == f"-{key}" else f"-{key}"
        links.append((key, label, _query(form, sort=order, district=code), sort.removeprefix("-") == key))
    name_order = "-name" if sort == "name" else "name"
    return {
        "form": form,
        "period": form.period,
        "by": by,
        "sort": sort,
        "group_label": GROUP_LABELS[by],
        "rows": [(group_name(group), figures, _cells(figures)) for group, figures in sorted_rows(rows, sort)],
        "total": total,
        "total_cells": _cells(total),
        "columns": PAGE_COLUMNS,
        "sort_links": links,
        "figure_groups": [(name, label, " ".join(keys)) for name, label, keys in FIGURE_GROUPS],
        "name_link": _query(form, sort=name_order, district=code),
        "by_links": [
            (GROUP_LABELS[choice], _query(form, by=choice, sort="", district=code), choice == by)
            for choice in ("sector", "cohort", "district")
        ],
        "district_links": [(_("All districts"), _query(form, district=None), code is None)]
        + [(d.name, _query(form, district=d.code), d.code == code) for d in visible]
        if len(visible) > 1
        else [],
        "keep": [(name, value) for name, value in (("by", by), ("district", code), ("sort", sort)) if value],
        "export_query": _query(form, district=code),
        "definitions": [(label, DEFINITIONS[key]) for key, label, _kind in PAGE_COLUMNS]
        + [(_("Too few to compare"), DEFINITIONS["small_sample"])],
    }


@login_required
@reads_from_replica
def breakdown(request):
    """Every district figure per sector, cohort or district of the enterprises the user sees."""
    require_role(request.user, *OFFICIAL_ROLES)
    # The data's versions before anything the content shows (dashboard.page_cache).
    versions = page_cache.versions()
    form, visible, districts = _breakdown(request)
    if districts is None:
        content = render_to_string("dashboard/_breakdown.html", {"form": form}, request=request)
        return render(request, "dashboard/breakdown.html", {"content": content}, status=400)
    code = request.GET.get("district")
    key = (
        "breakdown",
        visible_scope(request.user),
        form.period,
        form.cleaned_data["by"],
        form.cleaned_data["sort"],
        code,
    )
    content = page_cache.cached(
        versions,
        key,
        lambda: render_to_string(
            "dashboard/_breakdown.html", breakdown_context(form, visible, districts, code), request=request
        ),
    )
    return render(request, "dashboard/breakdown.html", {"content": content})


@login_required
@reads_from_replica
def export_breakdown(request, file_format):
    """The breakdown as CSV or XLSX: every figure of the district export, a row per group in the
    page's order, and the total."""
    require_role(request.user, *OFFICIAL_ROLES)
    if file_format not in EXPORT_FORMATS:
        raise Http404
    form, _visible, districts = _breakdown(request)
    if districts is None:
        return _error_page(request, form)
    by = form.cleaned_data["by"]
    rows, total = breakdown_figures(districts, form.period, by=by)
    table = [
        [group_name(group), *(getattr(figures, key) for key, _label in DISTRICT_COLUMNS)]
        for group, figures in sorted_rows(rows, form.cleaned_data["sort"])
    ]
    table.append([_("Total"), *(getattr(total, key) for key, _label in DISTRICT_COLUMNS)])
    return table_download(
        name=f"breakdown-{by}",
        period=form.period,
        headers=[GROUP_LABELS[by], *(label for _key, label in DISTRICT_COLUMNS)],
        rows=table,
        file_format=file_format,
        what=_("SCORE figures per %(group)s") % {"group": str(GROUP_LABELS[by]).lower()},
        districts=districts,
        kinds=[None, *(figure_kind(key) for key, _label in DISTRICT_COLUMNS)],
    )
