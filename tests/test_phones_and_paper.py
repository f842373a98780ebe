"""Phones and paper, as the server renders them: the enterprise table's sort links (numbers largest
first), the labels a phone shows beside each value of a card, and the heading only paper shows
(period and scope). How it looks is checked in a browser: tests/browser/test_phones_and_paper.py."""

import datetime
import re
from html import unescape

import pytest

from tests.factories import login_as, make_enterprise, make_reports, month_range
from tests.html import table_rows

D = datetime.date
YEAR_2017 = {"from": "2017-01", "to": "2017-12"}


@pytest.fixture
def nanxun(db):
    """Two Nanxun enterprises reporting every month of 2017: 甲 with 1 accident a month (12),
    乙 with none."""
    a = make_enterprise("nanxun", name="甲", score_start=D(2016, 1, 15))
    b = make_enterprise("nanxun", name="乙", score_start=D(2016, 1, 15))
    make_reports(a, month_range(D(2017, 1, 1), 12), inspections=2, accidents=1)
    make_reports(b, month_range(D(2017, 1, 1), 12), inspections=1, accidents=0)
    return a, b


def district_page(client, language="en", **query):
    client.cookies["django_language"] = language
    response = login_as(client, "city_official").get("/dashboard/districts/nanxun/", {**YEAR_2017, **query})
    assert response.status_code == 200
    return response.content.decode()


def sort_links(html):
    """Each header of the enterprise table: (column, the sort its link asks for or None, aria-sort)."""
    thead = html[html.index('id="enterprise-table"') : html.index("</thead>")]
    headers = re.findall(
        r'<th scope="col"[^>]*?(?: aria-sort="(\w+)")? data-column="(\w+)">(.*?)</th>', thead, re.S
    )
    return {
        column: (
            (re.search(r"sort=(-?\w+)", cell) or [None, None])[1],
            state or None,
        )
        for state, column, cell in headers
    }


def test_a_number_sorts_largest_first_and_a_name_a_to_z_on_the_first_click(nanxun, client):
    links = sort_links(district_page(client))
    # The default order is by name, A to Z: its header says so and a click turns it round.
    assert links["name"] == ("-name", "ascending")
    assert links["credit_code"] == ("credit_code", None)
    assert links["score_start"] == ("score_start", None)
    for column in ("employees", "suggestions_submitted", "projects_completed", "savings_rmb", "inspections"):
        assert links[column] == (f"-{column}", None), column
    assert links["accidents"] == ("-accidents", None)
    # Sector, cohort and the reports column do not sort: no link.
    assert links["sector"] == (None, None)
    assert links["reports"] == (None, None)


def test_the_second_click_on_a_sorted_number_turns_its_order_round(nanxun, client):
    most_first = district_page(client, sort="-accidents")
    assert sort_links(most_first)["accidents"] == ("accidents", "descending")
    assert sort_links(most_first)["name"] == ("name", None)
    # 甲 has 12 accidents, 乙 none: the most first.
    assert [row[1] for row in table_rows(most_first, "enterprise-table")] == ["甲", "乙"]
    fewest_first = district_page(client, sort="accidents")
    assert sort_links(fewest_first)["accidents"] == ("-accidents", "ascending")
    assert [row[1] for row in table_rows(fewest_first, "enterprise-table")] == ["乙", "甲"]


def test_each_value_of_an_enterprise_card_carries_its_label(nanxun, client):
    html = district_page(client, sort="-accidents")
    first_row = html[html.index("<tbody>", html.index('id="enterprise-table"')) :]
    first_row = first_row[: first_row.index("</tr>")]
    assert re.findall(r'data-label="([^"]+)"', first_row) == [
        "Unified social credit code",
        "Sector",
        "Cohort",
        "SCORE start date",
        "Employees",
        "Reports received / owed",
        "Suggestions",
        "Completed projects",
        "Savings (RMB)",
        "Safety inspections",
        "Accidents",
    ]
    # The name heads the card; the key figures (reports and the sums) come before the rest.
    assert 'class="card-title-cell key-figure" data-column="name"' in first_row
    assert first_row.count("key-figure") == 7


def printed_heading(html):
    start = html.index('id="print-heading">') + len('id="print-heading">')
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[start : html.index("</p>", start)])).split())


def test_paper_shows_the_period_and_the_district_under_the_title(nanxun, client):
    assert printed_heading(district_page(client)) == "Period: 2017-01 to 2017-12 · Scope: Nanxun"
    assert printed_heading(district_page(client, "zh-hans")) == "期间：2017-01 至 2017-12 · 范围：南浔区"
    assert (
        printed_heading(district_page(client, q="甲"))
        == "Period: 2017-01 to 2017-12 · Scope: Nanxun · Filtered: “甲”"
    )


def test_paper_shows_the_dashboard_s_period_and_its_districts(nanxun, client):
    client.cookies["django_language"] = "en"
    city = login_as(client, "city_official").get("/dashboard/", {"to": "2017-12"}).content.decode()
    assert printed_heading(city) == (
        "Period: from the first record to 2017-12 · Scope: Wuxing, Nanxun, Deqing, Changxing, Anji"
    )
    anji = login_as(client, "district_official", "anji").get("/dashboard/", YEAR_2017).content.decode()
    assert printed_heading(anji) == "Period: 2017-01 to 2017-12 · Scope: Anji"


def test_paper_shows_the_who_owes_list_s_period_and_district(nanxun, client):
    client.cookies["django_language"] = "en"
    user_client = login_as(client, "city_official")
    everyone = user_client.get("/dashboard/missing/", YEAR_2017).content.decode()
    assert printed_heading(everyone) == "Period: 2017-01 to 2017-12 · Scope: All districts"
    nanxun_only = user_client.get("/dashboard/missing/", {**YEAR_2017, "district": "nanxun"}).content.decode()
    assert printed_heading(nanxun_only) == "Period: 2017-01 to 2017-12 · Scope: Nanxun"
    own = login_as(client, "district_official", "anji").get("/dashboard/missing/", YEAR_2017).content.decode()
    assert printed_heading(own) == "Period: 2017-01 to 2017-12 · Scope: Anji"


def test_paper_shows_the_enterprise_s_period_and_name(nanxun, client):
    client.cookies["django_language"] = "en"
    a, _b = nanxun
    html = login_as(client, "city_official").get(f"/enterprises/{a.credit_code}/", YEAR_2017).content.decode()
    assert printed_heading(html) == "Period: 2017-01 to 2017-12 · Scope: 甲, Nanxun"


@pytest.mark.time_machine(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC), tick=False)
def test_every_printed_page_says_when_and_by_whom_it_was_printed(nanxun, client):
    client.cookies["django_language"] = "en"
    html = login_as(client, "city_official").get("/enterprises/").content.decode()
    stamp = html[html.index('id="print-stamp">') :]
    stamp = " ".join(re.sub(r"<[^>]+>", " ", stamp[len('id="print-stamp">') : stamp.index("</p>")]).split())
    # 09:30 UTC is 17:30 in Shanghai.
    assert re.fullmatch(r"SCORE portal · Printed 2026-12-01 17:30 · city_official-\d+", stamp)
