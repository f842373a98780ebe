"""The meeting-room screen and its display links: the figures, who sees what, a link's life, and
what a link must not do (open anything else, leave its token in the log, make a session)."""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import Profile, Role
from dashboard import rollup
from dashboard.display_links import display_link_create
from dashboard.models import DisplayLink
from districts.models import District
from enterprises.models import SafetyReport
from tests.factories import (
    login_as,
    make_enterprise,
    make_project,
    make_reports,
    make_suggestion,
    make_user,
    month_range,
)

# After the due day (the 10th) of February 2018: the latest due month is 2018-01.
TODAY = datetime.datetime(2018, 2, 20, 4, 0, tzinfo=datetime.UTC)
DATA = "/dashboard/screen/data/"

# The two enterprises below, district by district. Nanxun's started SCORE in 2016-01 and reported
# every month from 2015-01 to 2018-01: 2 inspections and 1 accident a month in its baseline year
# (2015), 3 and 0 since. Over its follow-up window (2017-02 to 2018-01): inspections
# (36 − 24) × 100 ÷ 24 = +50.0 %, accidents (0 − 12) × 100 ÷ 12 = −100.0 %; one enterprise
# compared, too few. Its 2017 reports found 4 major hazards a month and fixed 3: 36 × 100 ÷ 48 =
# 75.0 % fixed. Anji's started in 2017-06 and sent no report: nothing to compare, no major hazard
# found, and its January 2018 report is owed and missing.
NANXUN = {
    "enterprises": 1,
    "suggestions": 2,
    "projects_completed": 1,
    "savings_rmb": "1000.50",
    "change_enterprises": 1,
    "inspections_change_pct": 50.0,
    "accidents_change_pct": -100.0,
    "small_sample": True,
    "major_hazard_fix_pct": 75.0,
    "completeness_pct": 100.0,  # 2018-01: 1 report of 1
    "reports_received": 1,
    "reports_expected": 1,
}
ANJI = {
    "enterprises": 1,
    "suggestions": 1,
    "projects_completed": 1,
    "savings_rmb": "200.25",
    "change_enterprises": 0,
    "inspections_change_pct": None,
    "accidents_change_pct": None,
    "small_sample": False,
    "major_hazard_fix_pct": None,
    "completeness_pct": 0.0,  # 2018-01: 0 reports of 1
    "reports_received": 0,
    "reports_expected": 1,
}
NOTHING = {
    "enterprises": 0,
    "suggestions": 0,
    "projects_completed": 0,
    "savings_rmb": "0.00",
    "change_enterprises": 0,
    "inspections_change_pct": None,
    "accidents_change_pct": None,
    "small_sample": False,
    "major_hazard_fix_pct": None,
    "completeness_pct": None,
    "reports_received": 0,
    "reports_expected": 0,
}
# The city: the sums of the two, the change and the major hazards fixed pooled over Nanxun's one
# enterprise (Anji found none), completeness 1 × 100 ÷ 2 = 50.0 %.
HUZHOU = {
    "enterprises": 2,
    "suggestions": 3,
    "projects_completed": 2,
    "savings_rmb": "1200.75",
    "change_enterprises": 1,
    "inspections_change_pct": 50.0,
    "accidents_change_pct": -100.0,
    "small_sample": True,
    "major_hazard_fix_pct": 75.0,
    "completeness_pct": 50.0,
    "reports_received": 1,
    "reports_expected": 2,
}


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def portal(db, today):
    nanxun = make_enterprise("nanxun", score_start=datetime.date(2016, 1, 15), name="南浔甲")
    make_reports(nanxun, month_range(datetime.date(2015, 1, 1), 12), inspections=2, accidents=1)
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 25), inspections=3, accidents=0)
    SafetyReport.objects.filter(enterprise=nanxun, month__year=2017).update(
        hazards_found=4, hazards_fixed=3, major_hazards_found=4, major_hazards_fixed=3
    )
    anji = make_enterprise("anji", score_start=datetime.date(2017, 6, 1), name="安吉乙")
    make_suggestion(nanxun, submitted_on=datetime.date(2016, 3, 1))
    make_suggestion(nanxun, submitted_on=datetime.date(2017, 5, 1), status="accepted")
    make_suggestion(anji, submitted_on=datetime.date(2017, 7, 1))
    make_project(
        nanxun,
        status="completed",
        started_on=datetime.date(2017, 1, 1),
        completed_on=datetime.date(2017, 3, 10),
        savings="1000.50",
    )
    make_project(
        anji,
        status="completed",
        started_on=datetime.date(2017, 7, 1),
        completed_on=datetime.date(2017, 8, 1),
        savings="200.25",
    )
    make_project(anji, status="in_progress", started_on=datetime.date(2017, 9, 1), savings="999")


def views(response):
    return [(view["code"], view["name"], view["figures"]) for view in response.json()["views"]]


def link_for(role, *, district="nanxun", language="zh-hans"):
    """A display link made by a new official of `role`, and its token."""
    return display_link_create(creator=make_user(role, district=district), name="大会议室", language=language)


# --- The figures -------------------------------------------------------------------------------


def test_a_city_official_sees_the_city_then_each_of_its_districts(portal, client):
    response = login_as(client, "city_official").get(DATA)
    assert response.status_code == 200
    assert response.json()["month"] == "2018-01"
    assert views(response) == [
        ("", "湖州市", HUZHOU),
        ("wuxing", "吴兴区", NOTHING),
        ("nanxun", "南浔区", NANXUN),
        ("deqing", "德清县", NOTHING),
        ("changxing", "长兴县", NOTHING),
        ("anji", "安吉县", ANJI),
    ]


def test_a_district_official_sees_only_their_district(portal, client):
    response = login_as(client, "district_official", district="anji").get(DATA)
    assert views(response) == [("anji", "安吉县", ANJI)]
    assert [line["code"] for line in response.json()["trend"]["districts"]] == ["anji"]


def test_the_screen_shows_the_dashboards_figures_for_the_same_scope(portal, client):
    # The summary API is the dashboard's figures as JSON: the screen's whole-scope figures are its
    # totals since the first record, and the completeness those of the latest due month alone.
    client = login_as(client, "city_official")
    screen = client.get(DATA).json()["views"][0]["figures"]
    since_start = client.get("/dashboard/api/summary/").json()["total"]
    latest_month = client.get("/dashboard/api/summary/", {"from": "2018-01", "to": "2018-01"}).json()["total"]
    period_keys = [
        key for key in HUZHOU if key not in ("completeness_pct", "reports_received", "reports_expected")
    ]
    assert {key: screen[key] for key in period_keys} == {key: since_start[key] for key in period_keys}
    assert screen["completeness_pct"] == latest_month["completeness_pct"] == 50.0
    assert screen["reports_expected"] == latest_month["reports_expected"] == 2


def test_the_charts_show_the_last_24_months_a_line_per_district(portal, client):
    payload = login_as(client, "city_official").get(DATA).json()
    trend = payload["trend"]
    assert (trend["months"][0], trend["months"][-1], len(trend["months"])) == ("2016-02", "2018-01", 24)
    nanxun = next(line for line in trend["districts"] if line["code"] == "nanxun")
    assert nanxun["inspections"][-1] == 3
    assert nanxun["completeness"][-1] == 100.0
    assert payload["views"][0]["lines"] == ["wuxing", "nanxun", "deqing", "changxing", "anji"]
    assert payload["views"][2]["lines"] == ["nanxun"]


def test_the_screen_page_carries_the_figures_and_no_navigation(portal, client):
    response = login_as(client, "city_official").get("/dashboard/screen/", {"every": "30"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '"savings_rmb": "1200.75"' in page  # the figures, as JSON for static/js/screen.js
    assert 'data-every="30"' in page and 'data-refresh="300"' in page
    assert "<nav" not in page and "<a " not in page
    assert "<script>" not in page  # the CSP allows no inline script


@pytest.mark.parametrize(
    ("language", "title", "caption"),
    [
        ("zh-hans", "重大事故隐患整改率", "已发现的重大事故隐患中已整改的比例"),
        ("en", "Major hazard fix rate", "Of the major hazards found, those fixed"),
    ],
)
def test_the_major_hazard_fix_rate_is_a_card_of_the_change_row(portal, client, language, title, caption):
    page = login_as(client, "city_official").get("/dashboard/screen/", {"lang": language}).content.decode()
    change_row = page[page.index("screen-figures-change") : page.index("screen-charts")]
    card = re.search(
        r'data-figure="major_hazard_fix_pct" data-kind="pct" data-over="period">(.*?)</div>\s*</div>',
        change_row,
        re.S,
    )
    assert title in card.group(1) and caption in card.group(1)
    # The row's four cards, in the registry's order.
    assert re.findall(r'data-figure="(\w+)"', change_row) == [
        "inspections_change_pct",
        "accidents_change_pct",
        "completeness_pct",
        "major_hazard_fix_pct",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"every": "2"}, "“every” is the seconds between two views: a whole number from 5 to 600."),
        ({"every": "twenty"}, "“every” is the seconds between two views: a whole number from 5 to 600."),
        ({"refresh": "99999"}, "“refresh” is the seconds between two updates of the figures"),
        ({"lang": "fr"}, "“lang” is the language of the screen: zh-hans or en."),
    ],
)
def test_a_bad_parameter_is_refused_with_its_reason(portal, client, query, message):
    client = login_as(client, "city_official")
    client.cookies["django_language"] = "en"
    response = client.get("/dashboard/screen/", query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(DATA, query).json()["error"].startswith(message)


def test_the_data_query_count_does_not_grow_with_the_data(portal, client, django_assert_num_queries):
    _link, token = link_for("city_official")
    for _ in range(5):
        make_reports(
            make_enterprise("deqing"), month_range(datetime.date(2017, 1, 1), 13), inspections=1, accidents=0
        )
    rollup.rebuild()  # written past the door (the factories): the rebuild command's part
    Client().get(DATA, {"key": token})
    # The link with its creator and profile; its last use; the data versions (page cache); the
    # districts with their city; the roll-up's check and three sums of district_figures, twice
    # (since the first record, and the latest due month); the roll-up's check, the monthly
    # rows of the trend and the districts' SCORE start dates; the missing reports of the latest
    # due month (the names on the overdue list, from the owed months and the reports).
    with django_assert_num_queries(16):
        Client().get(DATA, {"key": token, "lang": "en"})  # not cached: another language
    for _ in range(5):
        make_enterprise("anji")
    rollup.rebuild()
    Client().get(DATA, {"key": token})
    with django_assert_num_queries(16):
        Client().get(DATA, {"key": token, "lang": "en"})


# --- Display links -----------------------------------------------------------------------------


def made_link(client, name="会议室三"):
    """Make a display link on the links page; its URL as the page shows it, once."""
    response = client.post("/dashboard/screen/links/", {"name": name}, follow=True)
    assert response.redirect_chain == [("/dashboard/screen/links/", 302)]
    return re.search(r'id="created-link-url" value="([^"]+)"', response.content.decode()).group(1)


def test_an_official_makes_a_link_that_opens_the_screen_without_a_login(portal, client):
    url = made_link(login_as(client, "district_official", district="nanxun"))
    path = url.removeprefix("http://testserver")
    assert re.fullmatch(r"/dashboard/screen/\?key=[A-Za-z0-9_-]{43}", path)
    link = DisplayLink.objects.get()
    assert (link.name, link.language, link.last_used_at, link.revoked_at) == (
        "会议室三",
        "zh-hans",
        None,
        None,
    )
    assert path.split("=")[1] not in link.token_hash  # only the hash is kept

    wall = Client()
    response = wall.get(path)
    assert response.status_code == 200
    assert '"code": "nanxun"' in response.content.decode()
    link.refresh_from_db()
    assert link.last_used_at == TODAY
    data = wall.get(DATA, {"key": path.split("=")[1]})
    assert views(data) == [("nanxun", "南浔区", NANXUN)]


def test_the_new_link_is_shown_once(portal, client):
    client = login_as(client, "city_official")
    made_link(client)
    assert "screen_new_display_link" not in client.session  # the token left the session with it
    page = client.get("/dashboard/screen/links/").content.decode()
    assert "created-link-url" not in page
    assert "会议室三" in page


def test_a_revoked_link_opens_nothing(portal, client):
    client = login_as(client, "city_official")
    token = made_link(client).split("=")[1]
    link = DisplayLink.objects.get()
    response = client.post(f"/dashboard/screen/links/{link.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, "/dashboard/screen/links/")
    link.refresh_from_db()
    assert link.revoked_at == TODAY
    for url in ("/dashboard/screen/", DATA):
        response = Client().get(url, {"key": token})
        assert response.status_code == 403
        assert "此显示链接已被撤销" in response.content.decode()


def test_a_link_stops_working_when_its_creator_is_deactivated_or_loses_the_role(portal):
    link, token = link_for("city_official")
    assert Client().get(DATA, {"key": token}).status_code == 200
    User.objects.filter(pk=link.creator_id).update(is_active=False)
    assert Client().get(DATA, {"key": token}).status_code == 403
    User.objects.filter(pk=link.creator_id).update(is_active=True)
    Profile.objects.filter(user=link.creator_id).update(role=Role.TRAINER)
    assert Client().get(DATA, {"key": token}).status_code == 403


def test_a_link_shows_what_its_creator_sees_now(portal):
    link, token = link_for("district_official", district="nanxun")
    assert [view[0] for view in views(Client().get(DATA, {"key": token}))] == ["nanxun"]
    # Moved to Anji: the link follows.
    Profile.objects.filter(user=link.creator_id).update(district=District.objects.get(code="anji"))
    assert views(Client().get(DATA, {"key": token})) == [("anji", "安吉县", ANJI)]


@pytest.mark.parametrize("key", ["", "nonsense", "A" * 43, "A" * 44, "a\x00b"])
def test_an_unknown_key_is_a_404_page(portal, key):
    response = Client().get("/dashboard/screen/", {"key": key})
    assert response.status_code == 404
    assert "没有这个显示链接" in response.content.decode()
    assert Client().get(DATA, {"key": key}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/api/summary/",
        "/dashboard/export/districts.csv",
        "/dashboard/missing/",
        "/dashboard/screen/links/",
        "/enterprises/",
        "/training/",
        "/admin/",
        "/admin/dashboard/displaylink/",
    ],
)
def test_a_link_opens_the_screen_and_nothing_else(portal, url):
    _link, token = link_for("programme_admin")
    response = Client().get(url, {"key": token})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_link_is_read_only(portal):
    _link, token = link_for("city_official")
    assert Client().post(f"/dashboard/screen/?key={token}").status_code == 405
    assert Client().post(f"{DATA}?key={token}").status_code == 405
    # Making a link takes a login (and a CSRF token): the key is no login.
    response = Client().post(f"/dashboard/screen/links/?key={token}", {"name": "x"})
    assert response.status_code == 302
    assert DisplayLink.objects.count() == 1


def test_the_screen_by_link_makes_no_session_and_sets_no_cookie(portal):
    _link, token = link_for("city_official")
    for url in ("/dashboard/screen/", DATA):
        response = Client().get(url, {"key": token})
        assert response.status_code == 200
        assert list(response.cookies) == []  # no sessionid, no csrftoken
        assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert Session.objects.count() == 0


def test_the_token_is_not_written_to_the_log(portal, caplog):
    link, token = link_for("city_official")
    with caplog.at_level(logging.DEBUG):
        Client().get("/dashboard/screen/", {"key": token})
        Client().get(DATA, {"key": token})
        link.revoked_at = TODAY
        link.save()
        Client().get(DATA, {"key": token})  # a 403, which Django logs as a warning
    requests = [record for record in caplog.records if record.name == "score.request"]
    assert [(r.path, r.status) for r in requests] == [
        ("/dashboard/screen/", 200),
        (DATA, 200),
        (DATA, 403),
    ]
    assert not [record for record in caplog.records if token in record.getMessage()]


def test_the_links_language_unless_the_url_asks_another(portal):
    _link, token = link_for("city_official", language="en")
    english = Client().get("/dashboard/screen/", {"key": token})
    assert '<html lang="en">' in english.content.decode()
    assert views(Client().get(DATA, {"key": token}))[0][1] == "Huzhou"
    chinese = Client().get("/dashboard/screen/", {"key": token, "lang": "zh-hans"})
    assert '<html lang="zh-hans">' in chinese.content.decode()
    # The data the page fetches asks for the page's language.
    assert f"/dashboard/screen/data/?key={token}&amp;lang=zh-hans" in chinese.content.decode()


def test_an_official_lists_only_their_own_links_and_revokes_only_them(portal, client):
    others, _token = link_for("city_official")
    client = login_as(client, "city_official")
    made_link(client, "我的")
    response = client.get("/dashboard/screen/links/")
    assert [link.name for link in response.context["links"]] == ["我的"]
    assert client.post(f"/dashboard/screen/links/{others.pk}/revoke/").status_code == 404
    others.refresh_from_db()
    assert others.revoked_at is None


def test_a_link_needs_a_name_without_control_characters(portal, client):
    client = login_as(client, "city_official")
    assert client.post("/dashboard/screen/links/", {"name": ""}).status_code == 400
    assert client.post("/dashboard/screen/links/", {"name": "a\x00b"}).status_code == 400
    assert DisplayLink.objects.count() == 0


def test_programme_admins_see_and_revoke_every_link_in_the_admin(portal, client):
    link, _token = link_for("district_official", district="anji")
    client = login_as(client, "programme_admin")
    assert "大会议室" in client.get("/admin/dashboard/displaylink/").content.decode()
    response = client.post(
        "/admin/dashboard/displaylink/",
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at == TODAY


# --- Who owes, the tile map, the department ------------------------------------------------------


def test_the_screen_names_who_owes_the_latest_due_month_and_no_phone(portal, client):
    data = login_as(client, "city_official").get(DATA).json()
    # On 20 February 2018 the latest due month is 2018-01: Nanxun's enterprise sent it, Anji's
    # (owing from 2016-06, it never reported) did not. Names and districts only.
    assert data["overdue"] == [{"name": "安吉乙", "district": "安吉县"}]
    assert data["overdue_count"] == 1
    # Huzhou's five districts on the tile map as they lie.
    assert data["tiles"] == {
        "changxing": [1, 1],
        "wuxing": [1, 2],
        "nanxun": [1, 3],
        "anji": [2, 1],
        "deqing": [2, 2],
    }


def test_a_screen_with_a_single_district_has_one_tile_and_its_own_list(portal, client):
    data = login_as(client, "district_official", "nanxun").get(DATA).json()
    assert [view["code"] for view in data["views"]] == ["nanxun"]
    assert data["tiles"] == {"nanxun": [1, 3]}
    assert data["overdue"] == [] and data["overdue_count"] == 0  # Nanxun's January is in


def test_the_screen_names_the_department_from_the_setting(portal, client, settings):
    settings.SCORE_DEPARTMENT_NAME = "德清县应急管理局"
    html = login_as(client, "city_official").get("/dashboard/screen/").content.decode()
    assert '<span id="screen-department">德清县应急管理局</span>' in html
    assert 'id="screen-clock"' in html
