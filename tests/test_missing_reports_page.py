"""Who owes what, for people: /dashboard/missing/ and its CSV and Excel exports. The same
enterprises and months as the missing API, with whom to call, in the API's order or the most
missing first. Every expected value worked out by hand in the comments."""

import csv
import datetime
import io
import zoneinfo

import pytest

from enterprises.models import SafetyReport
from tests.exports import xlsx_rows
from tests.factories import login_as, make_enterprise, make_reports, month_range, valid_code
from tests.html import table_rows

D = datetime.date
# 15 March 2018 in Shanghai, after the due day (10th): reports are due up to February 2018.
TODAY = datetime.datetime(2018, 3, 15, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.time_machine(TODAY, tick=False)
YEAR_2017 = {"from": "2017-01", "to": "2017-12"}


def every_month_but(first, count, *gaps):
    return [month for month in month_range(first, count) if month not in gaps]


@pytest.fixture
def owing(db):
    """Nanxun. N4 (code serial 2) started 2016-01-10, reported 2017 only, but January, February and
    December: missing 2015-01..2016-12 and 2017-01, 2017-02, 2017-12, 2018-01, 2018-02. N1 (serial
    5) started 2017-01-20, reported 2016-01..2018-02 but June and July 2017. N2 (serial 7) started
    2016-06-01, left 2017-09-15 (owes 2015-06..2017-08), reported 2017-01..2017-10: missing
    2015-06..2016-12, nothing in 2017. N3 (serial 9) reported every month it owes.
    Anji. A1 started 2016-01-10, reported 2015-01..2018-02 but March, April, May and September 2017.
    A2 starts 2019-05-01: owes nothing yet."""
    made = {
        "N4": make_enterprise(
            "nanxun",
            credit_code=valid_code("330503", 2),
            name="南浔丁",
            score_start=D(2016, 1, 10),
            contact="赵敏",
            phone="0572-2100002",
        ),
        "N1": make_enterprise(
            "nanxun",
            credit_code=valid_code("330503", 5),
            name="南浔甲",
            score_start=D(2017, 1, 20),
            contact="王芳",
            phone="0572-2100005",
        ),
        "N2": make_enterprise(
            "nanxun",
            credit_code=valid_code("330503", 7),
            name="南浔乙",
            score_start=D(2016, 6, 1),
            left_on=D(2017, 9, 15),
        ),
        "N3": make_enterprise(
            "nanxun", credit_code=valid_code("330503", 9), name="南浔丙", score_start=D(2016, 1, 10)
        ),
        "A1": make_enterprise(
            "anji",
            credit_code=valid_code("330523", 3),
            name="安吉甲",
            score_start=D(2016, 1, 10),
            contact="李强",
            phone="13800000003",
        ),
        "A2": make_enterprise(
            "anji", credit_code=valid_code("330523", 4), name="安吉乙", score_start=D(2019, 5, 1)
        ),
    }
    make_reports(
        made["N4"],
        every_month_but(D(2017, 1, 1), 12, D(2017, 1, 1), D(2017, 2, 1), D(2017, 12, 1)),
        inspections=1,
        accidents=0,
    )
    make_reports(
        made["N1"],
        every_month_but(D(2016, 1, 1), 26, D(2017, 6, 1), D(2017, 7, 1)),
        inspections=1,
        accidents=0,
    )
    make_reports(made["N2"], month_range(D(2017, 1, 1), 10), inspections=1, accidents=0)
    make_reports(made["N3"], month_range(D(2015, 1, 1), 38), inspections=1, accidents=0)
    make_reports(
        made["A1"],
        every_month_but(D(2015, 1, 1), 38, D(2017, 3, 1), D(2017, 4, 1), D(2017, 5, 1), D(2017, 9, 1)),
        inspections=1,
        accidents=0,
    )
    return made


# The rows of 2017 as the page shows them: code, name, district, contact, phone, months, count.
N4_2017 = [
    valid_code("330503", 2),
    "南浔丁",
    "南浔区",
    "赵敏",
    "0572-2100002",
    "2017-01–2017-02, 2017-12",
    "3",
]
N1_2017 = [valid_code("330503", 5), "南浔甲", "南浔区", "王芳", "0572-2100005", "2017-06–2017-07", "2"]
A1_2017 = [
    valid_code("330523", 3),
    "安吉甲",
    "安吉县",
    "李强",
    "13800000003",
    "2017-03–2017-05, 2017-09",
    "4",
]


def page_rows(response):
    assert response.status_code == 200
    return table_rows(response.content.decode(), "missing-table")


def test_the_city_sees_every_enterprise_that_owes_in_the_apis_order(owing, client):
    response = login_as(client, "city_official").get("/dashboard/missing/", YEAR_2017)
    # Nanxun before Anji (the districts' order), then by credit code: N4 (…002) before N1 (…005).
    # N2 owed 2017-01..2017-08 and sent them; N3 sent everything; A2 owes nothing yet.
    assert page_rows(response) == [N4_2017, N1_2017, A1_2017]
    html = response.content.decode()
    # 3 enterprises owe 3 + 2 + 4 = 9 reports.
    assert "3 家企业共欠报本期间 9 份月报。" in html
    assert 'href="tel:0572-2100005"' in html
    assert f'href="/enterprises/{valid_code("330503", 5)}/?from=2017-01&amp;to=2017-12"' in html


def test_most_missing_first_puts_anji_first(owing, client):
    response = login_as(client, "city_official").get("/dashboard/missing/", {**YEAR_2017, "sort": "most"})
    assert page_rows(response) == [A1_2017, N4_2017, N1_2017]  # 4, 3, 2 months


def test_among_equals_most_missing_first_keeps_the_apis_order(owing, client):
    # 2017-02..2017-06: N4 misses February (1), N1 June (1), A1 March, April and May (3).
    response = login_as(client, "city_official").get(
        "/dashboard/missing/", {"from": "2017-02", "to": "2017-06", "sort": "most"}
    )
    assert [row[0] for row in page_rows(response)] == [
        valid_code("330523", 3),  # A1, 3
        valid_code("330503", 2),  # N4, 1, before N1 (1) by credit code
        valid_code("330503", 5),
    ]


def test_an_open_from_lists_every_month_owed_since_the_first(owing, client):
    response = login_as(client, "city_official").get("/dashboard/missing/")
    rows = {row[1]: (row[5], row[6]) for row in page_rows(response)}
    # To 2018-02, the latest due month. N4: 2015-01..2016-12 (24), January, February and December
    # 2017, and 2018-01..02 (2): 29. N2: 2015-06..2016-12, 19 months (it left before 2017-09).
    assert rows == {
        "南浔丁": ("2015-01–2017-02, 2017-12–2018-02", "29"),
        "南浔甲": ("2017-06–2017-07", "2"),
        "南浔乙": ("2015-06–2016-12", "19"),
        "安吉甲": ("2017-03–2017-05, 2017-09", "4"),
    }


@pytest.mark.parametrize(
    "query",
    [YEAR_2017, {}, {"from": "2016-06", "to": "2017-08", "district": "nanxun"}, {"district": "anji"}],
)
def test_the_page_lists_the_same_enterprises_and_months_as_the_missing_api(owing, client, query):
    official = login_as(client, "city_official")
    api = official.get("/dashboard/api/missing/", query).json()["enterprises"]
    page = official.get("/dashboard/missing/", query)
    listed = [
        (row["credit_code"], row["name"], row["district"], [f"{m:%Y-%m}" for m in row["months"]])
        for row in page.context["page"]
    ]
    assert listed == [(row["credit_code"], row["name"], row["district"], row["months"]) for row in api]
    assert len(api) > 0


def test_a_district_official_sees_only_their_district(owing, client):
    official = login_as(client, "district_official", "anji")
    response = official.get("/dashboard/missing/", YEAR_2017)
    assert page_rows(response) == [A1_2017]
    assert 'id="missing-districts"' not in response.content.decode()  # nothing else to choose
    refused = official.get("/dashboard/missing/", {**YEAR_2017, "district": "nanxun"})
    assert refused.status_code == 400
    assert "你的区县中没有“nanxun”。" in refused.content.decode()
    assert official.get("/dashboard/missing/export.csv", {"district": "nanxun"}).status_code == 400


def test_the_city_chooses_a_district_and_keeps_it_with_the_order(owing, client):
    official = login_as(client, "city_official")
    response = official.get("/dashboard/missing/", {**YEAR_2017, "district": "nanxun", "sort": "most"})
    assert page_rows(response) == [N4_2017, N1_2017]
    html = response.content.decode()
    # The choices keep the period and the order; the period form keeps the district and the order.
    assert 'href="?from=2017-01&amp;to=2017-12&amp;district=anji&amp;sort=most"' in html
    assert 'href="?from=2017-01&amp;to=2017-12&amp;sort=most"' in html  # all districts
    assert '<input type="hidden" name="district" value="nanxun">' in html
    assert '<input type="hidden" name="sort" value="most">' in html


@pytest.mark.parametrize("district", ["nowhere", "NANXUN", ""])
def test_an_unknown_district_is_refused_as_the_api_refuses_it(owing, client, district):
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/missing/", {"district": district})
    assert response.status_code == 400
    assert f"There is no district “{district}” among yours." in response.content.decode()


def test_a_bad_period_says_so_on_the_page(owing, client):
    response = login_as(client, "city_official").get("/dashboard/missing/", {"to": "2017-13"})
    assert response.status_code == 400
    assert "“2017-13”不是月份" in response.content.decode()


def test_nothing_missing_says_so(owing, client):
    response = login_as(client, "city_official").get(
        "/dashboard/missing/", {"from": "2017-10", "to": "2017-11"}
    )
    # 2017-10..11: N4, N1, N3, A1 reported both months; N2 had left.
    assert "本期间应报的月报均已收到。" in response.content.decode()
    assert 'id="missing-table"' not in response.content.decode()


def test_the_list_is_paged_by_fifty_and_the_pager_keeps_the_choices(db, client):
    # 55 Deqing enterprises started 2017-01-20 (they owe from 2016-01): enterprise k misses 2017-12
    # and, when k is even, 2017-11 too: 28 with 2 months (k = 0, 2, …, 54), 27 with 1.
    for k in range(55):
        enterprise = make_enterprise(
            "deqing", credit_code=valid_code("330521", 100 + k), score_start=D(2017, 1, 20)
        )
        gaps = (D(2017, 12, 1), D(2017, 11, 1)) if k % 2 == 0 else (D(2017, 12, 1),)
        make_reports(enterprise, every_month_but(D(2016, 1, 1), 26, *gaps), inspections=1, accidents=0)
    official = login_as(client, "city_official")
    query = {**YEAR_2017, "district": "deqing", "sort": "most"}
    first = page_rows(official.get("/dashboard/missing/", query))
    second = official.get("/dashboard/missing/", {**query, "page": 2})
    assert len(first) == 50 and len(page_rows(second)) == 5
    # Most missing first: the 28 with 2 months, by credit code, then the 27 with 1.
    assert [row[6] for row in first] == ["2"] * 28 + ["1"] * 22
    assert first[0][0] == valid_code("330521", 100) and first[28][0] == valid_code("330521", 101)
    assert [row[0] for row in page_rows(second)] == [
        valid_code("330521", 100 + k) for k in (45, 47, 49, 51, 53)
    ]
    assert (
        "?from=2017-01&amp;to=2017-12&amp;district=deqing&amp;sort=most&amp;page=1" in second.content.decode()
    )


def read_csv(response):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_the_csv_export_carries_contact_and_phone_in_the_pages_order(owing, client):
    response = login_as(client, "city_official").get(
        "/dashboard/missing/export.csv", {**YEAR_2017, "sort": "most"}
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="score-missing-reports_2017-01_2017-12.csv"'
    )
    assert read_csv(response) == [
        ["统一社会信用代码", "企业名称", "区县", "联系人", "联系电话", "缺报月份", "缺报月数"],
        A1_2017,
        N4_2017,
        N1_2017,
    ]


def test_the_excel_export_of_one_district_has_numbers_as_numbers(owing, client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get(
        "/dashboard/missing/export.xlsx", {**YEAR_2017, "district": "anji"}
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="score-missing-reports-anji_2017-01_2017-12.xlsx"'
    )
    assert xlsx_rows(response.content) == [
        (
            "Unified social credit code",
            "Enterprise name",
            "District",
            "Contact person",
            "Phone",
            "Missing months",
            "Number of missing months",
        ),
        (valid_code("330523", 3), "安吉甲", "Anji", "李强", "13800000003", "2017-03–2017-05, 2017-09", 4),
    ]


def test_a_trainer_has_no_who_owes_page(owing, client):
    trainer = login_as(client, "trainer", "nanxun")
    assert trainer.get("/dashboard/missing/").status_code == 403
    assert trainer.get("/dashboard/missing/export.csv").status_code == 403


def test_officials_find_it_in_the_navigation(owing, client):
    html = login_as(client, "district_official", "anji").get("/dashboard/missing/").content.decode()
    assert '<a class="nav-link active" aria-current="page" href="/dashboard/missing/">缺报情况</a>' in html
    assert '<a class="nav-link" href="/dashboard/">数据看板</a>' in html


@pytest.mark.parametrize("count", [2, 200])
def test_the_who_owes_page_query_count_does_not_grow_with_the_data(
    db, client, django_assert_num_queries, count
):
    for k in range(count):
        enterprise = make_enterprise("nanxun" if k % 2 else "deqing", score_start=D(2017, 1, 20))
        make_reports(
            enterprise, every_month_but(D(2016, 1, 1), 26, D(2017, 5, 1)), inspections=1, accidents=0
        )
    official = login_as(client, "city_official")
    # session, user with its role and profile, the districts the user sees, the missing months of
    # the period (from the owed months and the reports) each with its enterprise's code, name,
    # contact and phone: nothing stored per missing month; the reports returned for correction
    # (their count, the first listed).
    with django_assert_num_queries(6):
        response = official.get("/dashboard/missing/", {**YEAR_2017, "sort": "most"})
    assert response.context["enterprise_count"] == count
    with django_assert_num_queries(4):
        official.get("/dashboard/missing/export.xlsx", YEAR_2017)


# --- The month not yet due ------------------------------------------------------------------------
# On 15 March 2018 the latest due month is 2018-02; March's reports are due on 10 April 2018.


def test_a_month_not_yet_due_never_reads_as_complete_and_lists_who_has_not_sent_it(owing, client):
    make_reports(owing["N3"], [D(2018, 3, 1)], inspections=1, accidents=0)  # sent early
    response = login_as(client, "city_official").get(
        "/dashboard/missing/", {"from": "2018-03", "to": "2018-03"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "本期间应报的月报均已收到。" not in html  # the defect: all of nothing arrived
    assert "本期间的月报尚未到截止日。" in html
    # March 2018 will be owed by N4, N1, N3 (Nanxun) and A1 (Anji): 4; N2 left in 2017, A2 owes
    # from 2018-05. N3's is in: 1 of 4.
    assert "2018-03 的月报于 2018年4月10日 截止；应报 4 份，目前已收到 1 份。" in html
    assert "3 家企业尚未报送：" in html
    # Nanxun before Anji, then by credit code; the phone on one line.
    assert table_rows(html, "due-soon-table") == [
        [valid_code("330503", 2), "南浔丁", "南浔区", "赵敏", "0572-2100002"],
        [valid_code("330503", 5), "南浔甲", "南浔区", "王芳", "0572-2100005"],
        [valid_code("330523", 3), "安吉甲", "安吉县", "李强", "13800000003"],
    ]


def test_the_month_not_yet_due_beside_due_months_keeps_both_apart(owing, client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "district_official", "anji").get(
        "/dashboard/missing/", {"from": "2018-01", "to": "2018-03"}
    )
    html = response.content.decode()
    # Due: January and February 2018, which A1 sent: nothing missing. Not yet due: March, 0 of 1.
    assert "Every report owed in this period has arrived." in html
    assert "The reports for 2018-03 are due on 10 April 2018; 0 of 1 received so far." in html
    assert table_rows(html, "due-soon-table") == [
        [valid_code("330523", 3), "安吉甲", "Anji", "李强", "13800000003"]
    ]


def test_a_month_after_the_next_due_one_owes_nothing_yet(owing, client):
    response = login_as(client, "city_official").get(
        "/dashboard/missing/", {"from": "2018-04", "to": "2018-04"}
    )
    html = response.content.decode()
    assert "本期间的月报尚未到截止日。" in html
    assert 'id="due-soon"' not in html


def test_the_period_choices_end_with_the_latest_due_month(owing, client):
    html = login_as(client, "city_official").get("/dashboard/missing/", {"sort": "most"}).content.decode()
    # Latest due month 2018-02: since the start, 2017-03..2018-02, 2018-02 alone; the order kept.
    assert (
        '<a class="btn btn-sm btn-outline-secondary active" aria-current="true" href="?to=2018-02&amp;sort=most">全部</a>'
        in html
    )
    assert 'href="?from=2017-03&amp;to=2018-02&amp;sort=most">最近 12 个月</a>' in html
    assert 'href="?from=2018-02&amp;to=2018-02&amp;sort=most">最近一个月</a>' in html


def test_returned_reports_are_listed_apart_from_the_missing_ones(db, client):
    """Who owes what separates "not submitted" (missing) from "returned, awaiting correction" (docs/
    domain.md): a returned report is received, so not missing, and is listed with the comment."""
    enterprise = make_enterprise("nanxun", score_start=D(2017, 1, 20))
    make_reports(enterprise, every_month_but(D(2016, 1, 1), 24, D(2017, 5, 1)), inspections=1, accidents=0)
    SafetyReport.objects.filter(enterprise=enterprise, month=D(2017, 3, 1)).update(
        state="returned", review_comment="检查次数有误"
    )
    official = login_as(client, "city_official")
    response = official.get("/dashboard/missing/", YEAR_2017, headers={"Accept-Language": "en"})
    assert [row["months"] for row in response.context["page"]] == [[D(2017, 5, 1)]]
    assert response.context["returned_count"] == 1
    html = response.content.decode()
    assert "Returned, awaiting correction: 1" in html
    assert 'data-month="2017-03"' in html and "检查次数有误" in html
