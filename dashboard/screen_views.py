"""The meeting-room screen (数据大屏): the headline figures and trends of an official's scope, large
and dark, rotating through the city view and each district, refreshing itself; and the display
links that open it on a wall display without a login (docs/dashboard.md, "Meeting-room screen")."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.scoping import OFFICIAL_ROLES, require_role, visible_districts, visible_scope
from common.months import Period, add_months
from dashboard import page_cache, registry
from dashboard.db_router import reads_from_replica
from dashboard.display_links import LinkRefused, display_link_create, display_link_revoke, display_link_use
from dashboard.figures import district_figures, missing_reports, monthly_trend
from dashboard.forms import DisplayLinkForm, ScreenForm
from dashboard.models import DisplayLink
from enterprises.reporting import latest_due_month

ROTATE_SECONDS = 20
REFRESH_SECONDS = 300
# The trend charts show the last two years: on a wall, ten years of months are a blur.
TREND_MONTHS = 24
# The headline figures of each view, as the summary API writes them (Figures.as_json): over the
# period from the first record to the latest due month (the dashboard's default), but completeness
# and the reports it rests on, which are for the latest due month alone.
# Declared with each figure (dashboard.registry, `screen`).
PERIOD_FIGURES = registry.LiveList(lambda: registry.screen_figures("period"))
MONTH_FIGURES = registry.LiveList(lambda: registry.screen_figures("month"))
# The rows of cards, each card declared with its figure (dashboard.registry: `screen_label`,
# `screen_caption`) and put in its row by its kind (Figure.screen_group): the headline sums, then
# the change since SCORE and the percentages.
SCREEN_GROUPS = (
    ("sums", gettext_lazy("Headline figures")),
    ("change", gettext_lazy("Change since SCORE")),
)
# The trend charts: a line per district, per month.
SCREEN_CHARTS = [
    ("completeness", gettext_lazy("Reporting completeness (%)")),
    ("inspections", gettext_lazy("Safety inspections")),
    ("accidents", gettext_lazy("Accidents")),
    ("savings", gettext_lazy("Savings (RMB)")),
]


# The tile map: each of Huzhou's districts on a grid as they lie (row, column): Changxing, Wuxing
# and Nanxun along Lake Tai, Anji and Deqing south of them. A district not listed gets the next
# free tile of a last row, in the dashboard's order.
TILES = {
    "changxing": (1, 1),
    "wuxing": (1, 2),
    "nanxun": (1, 3),
    "anji": (2, 1),
    "deqing": (2, 2),
}
# Names on the scrolling list of who owes the latest due month's report, at most.
OVERDUE_SHOWN = 300


def tiles(districts):
    """{code: [row, column]} for the tile map, from TILES, the others on a row below."""
    placed = {district.code: list(TILES[district.code]) for district in districts if district.code in TILES}
    row = max((position[0] for position in placed.values()), default=0) + 1
    others = [district for district in districts if district.code not in TILES]
    for column, district in enumerate(others, start=1):
        placed[district.code] = [row, column]
    return placed


def screen_cards():
    """The screen's rows of cards: [(group, its label, [Figure])]."""
    cards = registry.screen_cards()
    return [
        (group, label, [figure for figure in cards if figure.screen_group == group])
        for group, label in SCREEN_GROUPS
    ]


def screen_payload(user):
    """What the screen shows for the districts `user` sees: {"to": latest due month, "month": the
    same (the completeness month), "views": [{"code" ("" for the whole scope), "name", "figures",
    "lines": the district codes its charts draw}], "trend": monthly_trend over the last
    TREND_MONTHS months}. The whole scope comes first when it has more than one district; its
    charts draw a line per district (as the dashboard's), a district's view its own line."""
    latest = latest_due_month()
    districts = list(visible_districts(user).select_related("city"))
    rows, total = district_figures(districts, Period(None, latest))
    month_rows, month_total = district_figures(districts, Period(latest, latest))

    def figures(period_figures, month_figures):
        period_json, month_json = period_figures.as_json(), month_figures.as_json()
        return {
            **{key: period_json[key] for key in PERIOD_FIGURES},
            **{key: month_json[key] for key in MONTH_FIGURES},
        }

    views = [
        {
            "code": district.code,
            "name": district.name,
            "figures": figures(row, month_row),
            "lines": [district.code],
        }
        for (district, row), (_district, month_row) in zip(rows, month_rows, strict=True)
    ]
    if len(districts) > 1:
        cities = {district.city for district in districts}
        name = cities.pop().name if len(cities) == 1 else _("All districts")
        views.insert(
            0,
            {
                "code": "",
                "name": name,
                "figures": figures(total, month_total),
                "lines": [district.code for district in districts],
            },
        )
    # Who has not sent the latest due month's report: names only (a wall is no place for phones).
    overdue = missing_reports(districts, Period(latest, latest))
    names = {district.code: district.name for district in districts}
    return {
        "to": f"{latest:%Y-%m}",
        "month": f"{latest:%Y-%m}",
        "views": views,
        "tiles": tiles(districts),
        "overdue": [
            {"name": row["name"], "district": names[row["district"]]} for row in overdue[:OVERDUE_SHOWN]
        ],
        "overdue_count": len(overdue),
        "trend": monthly_trend(districts, Period(add_months(latest, -(TREND_MONTHS - 1)), latest)),
    }


def _screen_data(user):
    """screen_payload(user), from the page cache while the data is unchanged, with the time it
    was read ("as_of", HH:MM in the portal's time zone: the screen's "updated" time)."""
    payload = page_cache.cached(
        page_cache.versions(), ("screen", visible_scope(user)), lambda: screen_payload(user)
    )
    return {**payload, "as_of": f"{timezone.localtime():%H:%M}"}


def _refused(request, status, message, *, as_json=False):
    if as_json:
        return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "dashboard/screen_refused.html", {"message": message}, status=status)


def _screen_viewer(request, *, as_json=False):
    """(the user whose scope the screen shows, the display link or None, None), or (None, None,
    a response). With `key`, the link's creator as they stand now, and no session is read or
    written (a wall display has none); without, the logged-in official."""
    if request.GET.get("lang") in dict(settings.LANGUAGES):
        translation.activate(request.GET["lang"])  # a refusal in the screen's language too
    key = request.GET.get("key")
    if key is not None:
        try:
            link = display_link_use(token=key)
        except LinkRefused as refused:
            return None, None, _refused(request, refused.status, refused.message, as_json=as_json)
        return link.creator, link, None
    if not request.user.is_authenticated:
        return None, None, redirect_to_login(request.get_full_path())
    require_role(request.user, *OFFICIAL_ROLES)
    return request.user, None, None


def _screen_language(form, link):
    """The screen's language: `lang` if given, else the link's (its creator's when they made it),
    else the logged-in official's own (LocaleMiddleware's choice)."""
    language = form.cleaned_data["lang"] if form.is_valid() else ""
    if language or link is not None:
        translation.activate(language or link.language)


@require_GET
@never_cache
@reads_from_replica
def screen(request):
    """GET /dashboard/screen/: the meeting-room screen, for officials or with a display link's `key`."""
    user, link, refused = _screen_viewer(request)
    if refused is not None:
        return refused
    form = ScreenForm(request.GET)
    _screen_language(form, link)
    if not form.is_valid():
        return _refused(request, 400, form.error_message())
    query = {"lang": translation.get_language()}
    if link is not None:
        query = {"key": request.GET["key"], **query}
    context = {
        "department": settings.SCORE_DEPARTMENT_NAME,
        "payload": _screen_data(user),
        "every": form.cleaned_data["every"] or ROTATE_SECONDS,
        "refresh": form.cleaned_data["refresh"] or REFRESH_SECONDS,
        "data_url": f"{reverse('screen_data')}?{urlencode(query)}",
        "card_groups": screen_cards(),
        "charts": SCREEN_CHARTS,
        "labels": {
            "period": _("Figures from the first record to %(to)s. Charts: the last 24 months."),
            "updated": _("Updated %(time)s"),
            "stale": _("Could not update: figures of %(time)s. Trying again…"),
            "too_few": _("Enterprises compared: %(count)s, too few to compare."),
            "based_on": _("Enterprises compared: %(count)s."),
            "reports": _("Reports received for %(month)s: %(received)s of %(expected)s."),
            "no_reports": _("No report owed for %(month)s."),
            "overdue": _("%(count)s enterprises have not sent the report for %(month)s:"),
            "none_overdue": _("Every report for %(month)s has arrived."),
            "highlighted": _("Highlighted: %(name)s"),
            "least_complete": _("%(name)s, the least complete"),
            "no_figure": _("no figure"),
        },
    }
    return render(request, "dashboard/screen.html", context)


@require_GET
@never_cache
@reads_from_replica
def screen_data(request):
    """GET /dashboard/screen/data/: the screen's figures as JSON, fetched by the screen every
    `refresh` seconds; same access as the screen."""
    user, link, refused = _screen_viewer(request, as_json=True)
    if refused is not None:
        return refused
    form = ScreenForm(request.GET)
    _screen_language(form, link)
    if not form.is_valid():
        return _refused(request, 400, form.error_message(), as_json=True)
    return JsonResponse(_screen_data(user), json_dumps_params={"ensure_ascii": False})


# The session key that carries a new link's URL from the POST that made it to the page that shows
# it, once: the page after a POST is a redirect, so that reloading it makes no second link. The
# token is in the server-side session (the database) for that one redirect, never in a cookie.
NEW_LINK = "screen_new_display_link"


@login_required
def display_links(request):
    """GET /dashboard/screen/links/: open the screen, and the official's display links, with a form
    to make one (POST, then back here); a new link's URL is shown on the page after, once."""
    require_role(request.user, *OFFICIAL_ROLES)
    form = DisplayLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link, token = display_link_create(
            creator=request.user, name=form.cleaned_data["name"], language=translation.get_language()
        )
        request.session[NEW_LINK] = {
            "name": link.name,
            "url": request.build_absolute_uri(f"{reverse('screen')}?{urlencode({'key': token})}"),
        }
        return redirect("display_links")
    context = {
        "form": form,
        "created": request.session.pop(NEW_LINK, None),
        "links": DisplayLink.objects.filter(creator=request.user),
    }
    return render(request, "dashboard/display_links.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def display_link_revoke_view(request, pk):
    """POST /dashboard/screen/links/<pk>/revoke/: revoke one of the official's own display links."""
    require_role(request.user, *OFFICIAL_ROLES)
    link = get_object_or_404(DisplayLink, pk=pk, creator=request.user)
    display_link_revoke(link=link)
    messages.success(request, _("The display link “%(name)s” is revoked.") % {"name": link.name})
    return redirect("display_links")
