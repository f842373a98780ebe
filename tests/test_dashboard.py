"""The summary API, the dashboard page, the drill-down and the exports: shape, scoping, errors, queries."""

import csv
import datetime
import io
import re

import pytest
import time_machine

from dashboard import rollup
from enterprises.models import Enterprise, SafetyReport
from tests.exports import xlsx_export, xlsx_rows
from tests.factories import (
    ZERO,
    attend,
    login_as,
    make_enterprise,
    make_participant,
    make_project,
    make_reports,
    make_suggestion,
    make_workshop,
)
from tests.html import main_content, table_rows

D = datetime.date
NANXUN_CODE = "91330503375583185N"
ANJI_CODE = "91330523285269512N"


@pytest.fixture
def portal(db):
    """One enterprise in Nanxun and one in Anji, with a year of reports each, in 2017."""
    nanxun = make_enterprise(
        "nanxun",
        credit_code=NANXUN_CODE,
        name="南浔甲企业",
        score_start=D(2017, 3, 10),
        sector="纺织",
        cohort="2017",
    )
    anji = make_enterprise(
        "anji", credit_code=ANJI_CODE, name="=HYPERLINK(1)", score_start=D(2016, 5, 1), sector="竹制品"
    )
    make_reports(nanxun, [D(2017, m, 1) for m in range(1, 13)], inspections=3, accidents=1)
    make_reports(anji, [D(2017, m, 1) for m in range(1, 13)], inspections=2, accidents=0)
    make_suggestion(nanxun, submitted_on=D(2017, 4, 1))
    make_suggestion(nanxun, submitted_on=D(2017, 5, 1), status="rejected")
    make_project(
        nanxun, status="completed", started_on=D(2017, 4, 1), completed_on=D(2017, 6, 30), savings="1234.50"
    )
    return nanxun, anji


def test_summary_api_answers_the_shape_of_domain_md(portal, client):
    response = login_as(client, "city_official").get(
        "/dashboard/api/summary/", {"from": "2017-01", "to": "2017-12"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    # Reporting: each enterprise owes 2017's 12 reports (its first owed month is before 2017) and
    # sent all 12, received today (after their due days): complete, not on time. Rates: 12 reports
    # × 100 employees = 1,200 worker-months each.
    reporting = {
        "reports_expected": 12,
        "reports_received": 12,
        "reports_on_time": 0,
        "completeness_pct": 100.0,
        "timeliness_pct": 0.0,
        "worker_months": 1200,
        "injury_rate": 0.0,
        "approval_pct": 0.0,  # none of the 12 received approved
    }
    nanxun = {
        **ZERO,
        **reporting,
        "code": "nanxun",
        "name": "南浔区",
        "enterprises": 1,
        "suggestions": 2,
        "projects_completed": 1,
        "savings_rmb": "1234.50",
        "inspections": 36,  # 12 × 3
        "accidents": 12,  # 12 × 1
        "change_enterprises": 0,  # no baseline reports (2016-03..2017-02 missing before 2017)
        "inspections_change_pct": None,
        "accidents_change_pct": None,
        "accident_rate": 120.0,  # 12 × 12,000 ÷ 1,200
        "adoption_pct": 0.0,  # 0 of 2 adopted (one submitted, one rejected)
        "savings_by_enterprises_pct": 0.0,  # the project came from a file, not the enterprise's page
    }
    anji = {
        **ZERO,
        **reporting,
        "code": "anji",
        "name": "安吉县",
        "enterprises": 1,
        "inspections": 24,
        "accidents": 0,
        "accident_rate": 0.0,
    }
    modules = ["工作场所合作", "质量管理", "清洁生产提高生产率", "人力资源管理", "职业安全与健康"]
    assert response.json() == {
        "from": "2017-01",
        "to": "2017-12",
        "districts": [
            {**ZERO, "code": "wuxing", "name": "吴兴区"},
            nanxun,
            {**ZERO, "code": "deqing", "name": "德清县"},
            {**ZERO, "code": "changxing", "name": "长兴县"},
            anji,
        ],
        "total": {
            **ZERO,
            "enterprises": 2,
            "suggestions": 2,
            "projects_completed": 1,
            "savings_rmb": "1234.50",
            "savings_by_enterprises_pct": 0.0,
            "inspections": 60,  # 36 + 24
            "accidents": 12,
            # Pooled: 24 owed, 24 received, none on time; 12 × 12,000 ÷ 2,400 worker-months.
            "reports_expected": 24,
            "reports_received": 24,
            "reports_on_time": 0,
            "completeness_pct": 100.0,
            "timeliness_pct": 0.0,
            "approval_pct": 0.0,
            "worker_months": 2400,
            "accident_rate": 60.0,
            "injury_rate": 0.0,
            "adoption_pct": 0.0,
        },
        # No workshops in this portal: every module listed with zeros, no share of women.
        "training": {
            "workshops": [
                {"module": n, "name": name, "classroom": 0, "walkthrough": 0}
                for n, name in enumerate(modules, 1)
            ],
            "people": {
                "manager_female": 0,
                "manager_male": 0,
                "worker_female": 0,
                "worker_male": 0,
                "women": 0,
                "men": 0,
                "total": 0,
                "women_share_pct": None,
            },
            "enterprises_per_module": [
                {"module": n, "name": name, "enterprises": 0} for n, name in enumerate(modules, 1)
            ],
            "walkthroughs_per_enterprise": [],
        },
    }


def test_summary_api_counts_training_in_the_districts_the_user_sees(portal, client):
    nanxun = Enterprise.objects.get(district__code="nanxun")
    anji = Enterprise.objects.get(district__code="anji")
    classroom = make_workshop("nanxun", module=1, date=datetime.date(2017, 3, 8), enterprises=[nanxun])
    walkthrough = make_workshop(
        "nanxun", module=1, date=datetime.date(2017, 3, 22), kind="walkthrough", enterprises=[nanxun]
    )
    wang = make_participant(nanxun, "王芳", role="manager", sex="female", phone="138")
    li = make_participant(nanxun, "李强", role="worker", sex="male")
    zhao = make_participant(nanxun, "赵敏", role="worker", sex="female")
    attend(classroom, wang, li, zhao)
    attend(walkthrough, wang)
    # Anji's workshop and its person are outside a Nanxun official's districts.
    anji_workshop = make_workshop("anji", module=2, date=datetime.date(2017, 4, 1), enterprises=[anji])
    attend(anji_workshop, make_participant(anji, "陈刚", role="manager", sex="male"))
    # A Nanxun workshop of 2016 is outside the period.
    attend(make_workshop("nanxun", module=3, date=datetime.date(2016, 12, 31), enterprises=[nanxun]), li)

    training = (
        login_as(client, "district_official", "nanxun")
        .get("/dashboard/api/summary/", {"from": "2017-01", "to": "2017-12"})
        .json()["training"]
    )
    assert [(w["module"], w["classroom"], w["walkthrough"]) for w in training["workshops"]] == [
        (1, 1, 1),
        (2, 0, 0),
        (3, 0, 0),
        (4, 0, 0),
        (5, 0, 0),
    ]
    # 王芳 (manager, woman) counted once although she came twice; 李强 and 赵敏 are workers.
    assert training["people"] == {
        "manager_female": 1,
        "manager_male": 0,
        "worker_female": 1,
        "worker_male": 1,
        "women": 2,
        "men": 1,
        "total": 3,
        "women_share_pct": 66.7,  # 2 × 100 / 3 = 66.66…
    }
    assert [(m["module"], m["enterprises"]) for m in training["enterprises_per_module"]] == [
        (1, 1),
        (2, 0),
        (3, 0),
        (4, 0),
        (5, 0),
    ]
    assert training["walkthroughs_per_enterprise"] == [
        {"credit_code": nanxun.credit_code, "name": nanxun.name, "district": "nanxun", "walkthroughs": 1}
    ]


def test_dashboard_shows_the_training_figures_with_their_definitions(portal, client):
    nanxun = Enterprise.objects.get(district__code="nanxun")
    classroom = make_workshop("nanxun", module=1, date=datetime.date(2017, 3, 8), enterprises=[nanxun])
    attend(classroom, make_participant(nanxun, "王芳", role="manager", sex="female"))
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/", {"from": "2017-01", "to": "2017-12"})
    html = response.content.decode()
    assert response.context["training"]["people"]["total"] == 1
    assert '<p class="figure-value mb-1" data-figure="people_total">1</p>' in html
    assert "Distinct people of the districts' enterprises on the attendance list" in html


def test_summary_api_names_districts_in_english_for_an_english_user(portal, client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "district_official", "anji").get("/dashboard/api/summary/", {"to": "2017-12"})
    assert [d["name"] for d in response.json()["districts"]] == ["Anji"]


@time_machine.travel(datetime.datetime(2018, 2, 3, 18, 0, tzinfo=datetime.UTC))
def test_to_defaults_to_the_latest_due_month_in_shanghai(portal, client):
    # 18:00 UTC on 2018-02-03 is 02:00 on 2018-02-04 in Shanghai, before January's due day (the
    # 10th): the latest month whose report is due is December 2017.
    response = login_as(client, "programme_admin").get("/dashboard/api/summary/")
    assert (response.json()["from"], response.json()["to"]) == (None, "2017-12")


@time_machine.travel(datetime.datetime(2018, 3, 9, 16, 0, tzinfo=datetime.UTC))
def test_to_defaults_to_shanghai_due_day_when_utc_is_still_on_the_day_before(portal, client):
    # 16:00 UTC on 2018-03-09 is 00:00 on 2018-03-10 in Shanghai: February's report is due.
    response = login_as(client, "programme_admin").get("/dashboard/api/summary/")
    assert response.json()["to"] == "2018-02"


def test_district_official_sees_only_their_district_in_the_api(portal, client):
    response = login_as(client, "district_official", "anji").get("/dashboard/api/summary/", {"to": "2017-12"})
    body = response.json()
    assert [d["code"] for d in body["districts"]] == ["anji"]
    assert body["total"]["inspections"] == 24  # Anji's 12 × 2, nothing of Nanxun's 36


def test_trainer_gets_the_api_for_their_district_but_not_the_dashboard(portal, client):
    trainer = login_as(client, "trainer", "nanxun")
    assert [d["code"] for d in trainer.get("/dashboard/api/summary/").json()["districts"]] == ["nanxun"]
    assert trainer.get("/dashboard/").status_code == 403


@pytest.mark.parametrize(
    ("query", "english", "chinese"),
    [
        (
            {"to": "2017-13"},
            "“2017-13” is not a month: write it as YYYY-MM, for example 2016-01.",
            "“2017-13”不是月份",
        ),
        ({"from": "2017-1"}, "“2017-1” is not a month", "“2017-1”不是月份"),
        ({"from": "2017/01"}, "“2017/01” is not a month", "不是月份"),
        ({"to": "abc"}, "“abc” is not a month", "不是月份"),
        ({"to": "0000-01"}, "“0000-01” is not a month", "不是月份"),
        (
            {"from": "2017-06", "to": "2017-05"},
            "The period cannot start (2017-06) after it ends (2017-05).",
            "起始月份（2017-06）不能晚于结束月份（2017-05）",
        ),
    ],
)
def test_a_malformed_or_inverted_period_gets_400_in_the_users_language(
    portal, client, query, english, chinese
):
    user_client = login_as(client, "city_official")
    response = user_client.get("/dashboard/api/summary/", query)
    assert response.status_code == 400
    assert chinese in response.json()["error"]
    client.cookies["django_language"] = "en"
    response = user_client.get("/dashboard/api/summary/", query)
    assert response.status_code == 400
    assert english in response.json()["error"]
    assert list(response.json()) == ["error"]


def test_an_empty_from_means_since_the_first_record(portal, client):
    response = login_as(client, "city_official").get("/dashboard/api/summary/", {"from": "", "to": "2017-12"})
    assert response.json()["from"] is None
    assert response.json()["total"]["inspections"] == 60  # everything up to 2017-12


def build_enterprises(count):
    """`count` enterprises over two districts, each with a report, a suggestion and a completed project."""
    for number in range(count):
        enterprise = make_enterprise("nanxun" if number % 2 else "deqing", score_start=D(2016, 1, 1))
        make_reports(enterprise, [D(2017, 1, 1)], inspections=1, accidents=0)
        make_suggestion(enterprise, submitted_on=D(2017, 1, 5))
        make_project(
            enterprise, status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 2, 1), savings="1"
        )
    # Written past the door (the factories): the rebuild command makes the roll-up current again.
    rollup.rebuild()


@pytest.mark.parametrize("count", [2, 200])
def test_summary_api_query_count_does_not_grow_with_enterprises(
    client, db, settings, django_assert_num_queries, count
):
    build_enterprises(count)
    user_client = login_as(client, "city_official")
    # session, user with its role and profile, the data versions (the page cache: not there yet),
    # the districts, whether the roll-up is current, then the figures: enterprises started, the
    # monthly roll-up summed over the period, the before/after roll-up of its last month; then the
    # four training figures: workshops per module and kind, people by role and sex, enterprises per
    # module, walk-throughs per enterprise.
    with django_assert_num_queries(12):
        response = user_client.get("/dashboard/api/summary/", {"to": "2017-12"})
    assert response.json()["total"]["enterprises"] == count
    # Again: session, user, the data versions, unchanged, so the answer comes from the page cache.
    with django_assert_num_queries(3):
        again = user_client.get("/dashboard/api/summary/", {"to": "2017-12"})
    assert again.json() == response.json()
    # Without the cache, every request computes: the first request's queries but the versions.
    settings.SCORE_PAGE_CACHE = False
    with django_assert_num_queries(11):
        uncached = user_client.get("/dashboard/api/summary/", {"to": "2017-12"})
    assert uncached.json() == response.json()


@pytest.mark.parametrize("count", [2, 200])
def test_dashboard_page_query_count_does_not_grow_with_enterprises(
    client, db, settings, django_assert_num_queries, count
):
    build_enterprises(count)
    user_client = login_as(client, "city_official")
    # The API's twelve, the three of the monthly trend: whether the roll-up is current, its
    # months of the period, and each district's earliest SCORE start date (the charts' marker);
    # and the two of the latest due month's reporting figures: the roll-up's check and its
    # monthly roll-up.
    with django_assert_num_queries(17):
        response = user_client.get("/dashboard/", {"to": "2017-12"})
    assert response.context["total"].enterprises == count
    with django_assert_num_queries(3):
        again = user_client.get("/dashboard/", {"to": "2017-12"})
    assert main_content(again) == main_content(response)
    settings.SCORE_PAGE_CACHE = False
    with django_assert_num_queries(16):
        uncached = user_client.get("/dashboard/", {"to": "2017-12"})
    assert uncached.context["total"].enterprises == count


@pytest.mark.parametrize("count", [2, 200])
def test_district_page_query_count_does_not_grow_with_enterprises(
    client, db, django_assert_num_queries, count
):
    build_enterprises(count)
    user_client = login_as(client, "city_official")
    # session, user with its role and profile, the district (scoped), four figure queries for the
    # district (whether the roll-up is current, enterprises started, the monthly and the
    # before/after roll-ups), sectors and cohorts for the filters (2), the paginator's count, the
    # page of enterprises, and the figures of that page's enterprises (one statement).
    with django_assert_num_queries(12):
        user_client.get("/dashboard/districts/nanxun/", {"to": "2017-12"})
    with django_assert_num_queries(12):
        user_client.get("/dashboard/districts/nanxun/", {"to": "2017-12"})
    # Sorted by a figure: every enterprise of the district with its figures (two statements), no
    # paginator count (the list is in hand).
    with django_assert_num_queries(11):
        user_client.get("/dashboard/districts/nanxun/", {"to": "2017-12", "sort": "-inspections"})


def test_dashboard_shows_cards_definitions_change_table_and_chart_data(portal, client):
    response = login_as(client, "city_official").get("/dashboard/", {"from": "2017-01", "to": "2017-12"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "SCORE开始日期不晚于所选期间最后一天、且届时尚未退出项目的企业" in html  # "enterprises"
    assert 'data-bs-toggle="collapse"' in html
    assert 'id="trend-data"' in html
    assert "<script>" not in html  # no inline script: data goes through json_script only
    trend = response.context["trend"]
    assert trend["months"][0] == "2017-01" and len(trend["months"]) == 12
    nanxun = next(series for series in trend["districts"] if series["code"] == "nanxun")
    assert nanxun["inspections"] == [3] * 12
    assert nanxun["savings"][5] == 1234.5  # completed 2017-06-30


def test_a_month_without_reports_is_a_gap_in_the_trend_not_zero(db, client):
    """No safety report is not zero inspections: the chart leaves a gap, the table shows a dash."""
    enterprise = make_enterprise("nanxun", score_start=D(2016, 1, 1))
    make_reports(enterprise, [D(2017, 1, 1), D(2017, 3, 1)], inspections=4, accidents=1)
    response = login_as(client, "city_official").get("/dashboard/", {"from": "2017-01", "to": "2017-03"})
    nanxun = next(series for series in response.context["trend"]["districts"] if series["code"] == "nanxun")
    anji = next(series for series in response.context["trend"]["districts"] if series["code"] == "anji")
    assert nanxun["inspections"] == [4, None, 4]
    assert nanxun["accidents"] == [1, None, 1]
    assert nanxun["savings"] == [0, 0, 0]  # no project completed: nothing saved
    assert anji["inspections"] == [None, None, None]
    assert nanxun["inspections_per_report"] == [4.0, None, 4.0]
    table = next(
        chart for chart in response.context["trend_charts"] if chart["metric"] == "inspections_per_report"
    )
    february = dict(table["rows"])["2017-02"]
    assert february.count("—") == 6  # every district and the city


def test_dashboard_says_when_there_is_no_data(db, client):
    response = login_as(client, "city_official").get("/dashboard/", {"to": "2017-12"})
    html = response.content.decode()
    assert 'id="no-data"' in html
    assert 'id="trend-no-data"' in html
    assert 'id="trend-data"' not in html


def test_dashboard_of_a_district_official_lists_only_their_district(portal, client):
    response = login_as(client, "district_official", "anji").get("/dashboard/", {"to": "2017-12"})
    assert [district.code for district, _figures in response.context["rows"]] == ["anji"]
    assert "南浔区" not in response.content.decode()


def test_dashboard_with_a_bad_period_says_so(portal, client):
    response = login_as(client, "city_official").get("/dashboard/", {"to": "2017-13"})
    assert response.status_code == 400
    assert "“2017-13”不是月份" in response.content.decode()


@pytest.mark.parametrize("query", [{"from": "2017-13"}, {"to": "2017-13"}])
def test_district_page_with_a_bad_month_says_so(portal, client, query):
    # It used to fail with a KeyError (500): the period form asked the invalid form for its period.
    response = login_as(client, "city_official").get("/dashboard/districts/nanxun/", query)
    assert response.status_code == 400
    assert "“2017-13”不是月份" in main_content(response)
    assert 'value="2017-13"' in main_content(response)  # kept in the form, to correct


def test_officials_land_on_the_dashboard_and_trainers_on_their_workshops(db, client):
    assert login_as(client, "district_official").get("/")["Location"] == "/dashboard/"
    assert login_as(client, "trainer").get("/")["Location"] == "/training/"


# --- Drill-down ---------------------------------------------------------------------------------


@pytest.fixture
def district_list(db):
    make_enterprise(
        "nanxun", name="甲纺织", credit_code="91330503000000001X", sector="纺织", cohort="2016", employees=50
    )
    make_enterprise(
        "nanxun",
        name="乙竹业",
        credit_code="91330503000000002Y",
        sector="竹制品",
        cohort="2017",
        employees=300,
    )
    make_enterprise(
        "nanxun", name="丙纺织", credit_code="91330503000000003Z", sector="纺织", cohort="2017", employees=120
    )


def codes_on_page(response):
    return [enterprise.credit_code for enterprise in response.context["page"]]


@pytest.fixture
def valid_codes(district_list):
    from enterprises.models import Enterprise

    return {e.name: e.credit_code for e in Enterprise.objects.all()}


def test_district_enterprises_filter_by_sector_and_cohort(valid_codes, client):
    user_client = login_as(client, "district_official", "nanxun")
    response = user_client.get("/dashboard/districts/nanxun/", {"sector": "纺织", "cohort": "2017"})
    assert [e.name for e in response.context["page"]] == ["丙纺织"]


def test_district_enterprises_sort_by_employees_both_ways(valid_codes, client):
    user_client = login_as(client, "district_official", "nanxun")
    ascending = user_client.get("/dashboard/districts/nanxun/", {"sort": "employees"})
    descending = user_client.get("/dashboard/districts/nanxun/", {"sort": "-employees"})
    assert [e.employees for e in ascending.context["page"]] == [50, 120, 300]
    assert [e.employees for e in descending.context["page"]] == [300, 120, 50]


def test_district_enterprises_search_by_name_or_lower_case_code(valid_codes, client):
    user_client = login_as(client, "district_official", "nanxun")
    by_name = user_client.get("/dashboard/districts/nanxun/", {"q": "竹"})
    by_code = user_client.get("/dashboard/districts/nanxun/", {"q": valid_codes["丙纺织"].lower()})
    assert [e.name for e in by_name.context["page"]] == ["乙竹业"]
    assert [e.name for e in by_code.context["page"]] == ["丙纺织"]


def test_district_enterprises_sort_by_a_figure_and_paginate(db, client):
    for number in range(55):
        enterprise = make_enterprise("nanxun", name=f"企业{number:02d}")
        make_reports(enterprise, [D(2017, 1, 1)], inspections=number, accidents=0)
    user_client = login_as(client, "city_official")
    first = user_client.get("/dashboard/districts/nanxun/", {"to": "2017-12", "sort": "-inspections"})
    second = user_client.get(
        "/dashboard/districts/nanxun/", {"to": "2017-12", "sort": "-inspections", "page": 2}
    )
    assert [e.inspections for e in first.context["page"]][:3] == [54, 53, 52]
    assert [e.inspections for e in second.context["page"]] == [4, 3, 2, 1, 0]  # 55 − 50 on page 2
    assert "sort=-inspections" in first.context["page_query"]


def test_enterprise_page_shows_its_own_figures(portal, client):
    response = login_as(client, "city_official").get(
        f"/enterprises/{NANXUN_CODE}/", {"from": "2017-01", "to": "2017-12"}
    )
    figures = response.context["figures"]
    assert (figures.suggestions, figures.projects_completed, figures.inspections) == (2, 1, 36)
    assert response.context["trend"]["districts"][0]["name"] == "南浔甲企业"
    html = response.content.decode()
    assert "1,234.50" in html  # the project's savings, grouped by three as the department writes them
    assert 'id="trend-data"' in html


def test_official_of_anji_cannot_drill_into_nanxun(portal, client):
    user_client = login_as(client, "district_official", "anji")
    assert user_client.get("/dashboard/districts/nanxun/").status_code == 404
    assert user_client.get("/dashboard/districts/nanxun/export.csv").status_code == 404
    assert user_client.get(f"/enterprises/{NANXUN_CODE}/").status_code == 404


# --- Exports ------------------------------------------------------------------------------------


def read_csv(response):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_district_csv_has_a_bom_the_period_in_its_name_and_a_total_row(portal, client):
    response = login_as(client, "city_official").get(
        "/dashboard/export/districts.csv", {"from": "2017-01", "to": "2017-12"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="score-districts_2017-01_2017-12.csv"'
    rows = read_csv(response)
    assert rows[0][:3] == ["区县", "企业", "建议数"]
    # Then reporting and rates: Nanxun owes 2017's 12 reports and sent them, late (received
    # today); no hazards reported; 12 accidents ÷ 1,200 worker-months × 12,000 = 120; 0 of 2
    # suggestions adopted. Not left out of the comparison: it started in March 2017, after the
    # follow-up window's first month. Anji (started 2016-05) is left out: no baseline reports.
    assert rows[0][10:] == [
        "因缺月报未纳入对比的企业",
        "应报报告数",
        "已收报告数",
        "按时收到的报告数",
        "报送完整率（%）",
        "报送及时率（%）",
        "发现隐患数",
        "整改隐患数",
        "隐患整改率（%）",
        "受伤人数",
        "损失工作日",
        "工作人月数",
        "千人年事故率",
        "千人负伤率",
        "采纳建议数",
        "建议采纳率（%）",
        # Appended: no major hazards reported, so no fix rate.
        "重大事故隐患数",
        "重大事故隐患整改数",
        "重大事故隐患整改率（%）",
        # Appended: no exempt month, none of the reports approved, none left out for exempt months.
        "停产免报月份",
        "审核通过报告数",
        "审核通过率（%）",
        "因停产免报未纳入对比的企业",
        # And none of the savings entered by the enterprises themselves.
        "企业自填节约金额（元）",
        "企业自填节约金额占比（%）",
    ]
    reporting = [
        *["12", "12", "0", "100.0", "0.0", "0", "0", "", "0", "0", "1200", "120.0", "0.0", "0", "0.0"],
        *["0", "0", ""],
        *["0", "0", "0.0", "0"],
        *["0.00", "0.0"],
    ]
    assert rows[2] == ["南浔区", "1", "2", "1", "1234.50", "36", "12", "0", "", "", "0", *reporting]
    # Pooled: 24 owed and received; 12 accidents ÷ 2,400 worker-months × 12,000 = 60.
    pooled = [
        *["24", "24", "0", "100.0", "0.0", "0", "0", "", "0", "0", "2400", "60.0", "0.0", "0", "0.0"],
        *["0", "0", ""],
        *["0", "0", "0.0", "0"],
        *["0.00", "0.0"],
    ]
    assert rows[-1] == ["合计", "2", "2", "1", "1234.50", "60", "12", "0", "", "", "1", *pooled]
    assert len(rows) == 7  # header, five districts, total


def test_district_export_of_a_district_official_holds_only_their_district(portal, client):
    response = login_as(client, "district_official", "anji").get(
        "/dashboard/export/districts.xlsx", {"to": "2017-12"}
    )
    # The file of one district names it (the issue "Excel ready to hand over").
    assert response["Content-Disposition"] == 'attachment; filename="score-districts-anji_until-2017-12.xlsx"'
    assert [row[0] for row in xlsx_rows(response.content)] == ["区县", "安吉县", "合计"]


def test_enterprise_export_neutralises_formulas_in_csv_and_xlsx(portal, client):
    user_client = login_as(client, "city_official")
    csv_response = user_client.get("/dashboard/districts/anji/export.csv", {"to": "2017-12"})
    assert (
        csv_response["Content-Disposition"]
        == 'attachment; filename="score-enterprises-anji_until-2017-12.csv"'
    )
    assert read_csv(csv_response)[1][:3] == [ANJI_CODE, "'=HYPERLINK(1)", "竹制品"]
    xlsx_response = user_client.get("/dashboard/districts/anji/export.xlsx", {"to": "2017-12"})
    sheet, _title, rows = xlsx_export(xlsx_response.content)
    cell = sheet.cell(row=sheet.max_row - len(rows) + 2, column=2)  # the first row below the header
    assert (cell.value, cell.data_type) == ("'=HYPERLINK(1)", "s")
    assert rows[1][9] == 24  # inspections, a number (12 × 2)


def test_enterprise_export_follows_the_filters_of_the_list(portal, client):
    make_enterprise("nanxun", name="乙企业", sector="竹制品")
    response = login_as(client, "city_official").get(
        "/dashboard/districts/nanxun/export.csv", {"sector": "纺织"}
    )
    assert [row[1] for row in read_csv(response)[1:]] == ["南浔甲企业"]


def test_trainer_cannot_export(portal, client):
    assert login_as(client, "trainer").get("/dashboard/export/districts.csv").status_code == 403


ALL = ["wuxing", "nanxun", "deqing", "changxing", "anji"]


@pytest.mark.parametrize(
    ("role", "district", "api", "page", "export"),
    [
        ("programme_admin", None, ALL, ALL, ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县", "合计"]),
        ("city_official", None, ALL, ALL, ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县", "合计"]),
        ("district_official", "anji", ["anji"], ["anji"], ["安吉县", "合计"]),
        ("trainer", "nanxun", ["nanxun"], 403, 403),
    ],
)
def test_what_each_role_sees_in_the_api_the_page_and_the_export(
    portal, client, role, district, api, page, export
):
    user_client = login_as(client, role, district or "nanxun")
    response = user_client.get("/dashboard/api/summary/", {"to": "2017-12"})
    assert [d["code"] for d in response.json()["districts"]] == api
    response = user_client.get("/dashboard/", {"to": "2017-12"})
    if page == 403:
        assert response.status_code == 403
    else:
        assert [d.code for d, _figures in response.context["rows"]] == page
    response = user_client.get("/dashboard/export/districts.csv", {"to": "2017-12"})
    if export == 403:
        assert response.status_code == 403
    else:
        assert [row[0] for row in read_csv(response)[1:]] == export


def test_a_district_search_that_finds_nothing_keeps_the_form_and_says_so(district_list, client):
    page = (
        login_as(client, "city_official")
        .get("/dashboard/districts/nanxun/", {"q": "没有这个企业", "to": "2017-12"})
        .content.decode()
    )
    assert 'id="enterprise-filters"' in page
    assert 'value="没有这个企业"' in page
    assert "未找到企业。" in page


def test_empty_change_cards_say_why(portal, client):
    # The portal's reports start in 2017: no enterprise has a baseline year before its start.
    client.cookies["django_language"] = "en"
    html = login_as(client, "city_official").get("/dashboard/", {"to": "2017-12"}).content.decode()
    assert html.count("so there is nothing to compare: choose a later last month") == 2


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_large_numbers_are_grouped_by_three_in_both_languages(client, db, language):
    """25971175.00 is unreadable on a dashboard; the department writes 25,971,175.00."""
    enterprise = make_enterprise("nanxun", score_start=D(2016, 1, 1))
    make_project(
        enterprise,
        status="completed",
        started_on=D(2017, 1, 1),
        completed_on=D(2017, 2, 1),
        savings="25971175.00",
    )
    make_reports(enterprise, [D(2017, 1, 1)], inspections=12345, accidents=0)
    client.cookies["django_language"] = language
    html = (
        login_as(client, "city_official")
        .get("/dashboard/", {"from": "2017-01", "to": "2017-12"})
        .content.decode()
    )
    assert "¥25,971,175.00" in html
    assert ">12,345<" in html


@pytest.mark.parametrize(
    "path, section",
    [
        ("/dashboard/districts/nanxun/", "/dashboard/"),
        ("/enterprises/", "/enterprises/"),
        ("/training/", "/training/"),
        ("/imports/history/", "/imports/"),
    ],
)
def test_the_navigation_marks_the_section_the_user_is_in(portal, client, path, section):
    html = login_as(client, "programme_admin").get(path).content.decode()
    links = re.findall(r'<a class="nav-link[^"]*"[^>]*href="([^"]+)"', html)
    active = re.findall(r'<a class="nav-link active" aria-current="page" href="([^"]+)"', html)
    assert active == [section]
    assert len(links) == 8  # the other seven are not marked (the admin is in the user menu)


@time_machine.travel(datetime.datetime(2018, 1, 15, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_latest_due_months_completeness_stands_beside_the_periods(portal, client):
    _nanxun, anji = portal
    SafetyReport.objects.filter(enterprise=anji, month=D(2017, 12, 1)).delete()
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/", {"to": "2017-12"})
    html = response.content.decode()
    # Since the first record: Nanxun owes 2016-03..2017-12 (22) and sent 12; Anji owes
    # 2015-05..2017-12 (32) and sent 11: 23 of 54 = 42.6 %. December 2017 alone: Nanxun's in,
    # Anji's not: 1 of 2 = 50 %; per district 100 % and 0 %.
    assert response.context["total"].completeness_pct == 42.6
    latest = re.search(r'<div class="small mt-1" id="latest-completeness">(.*?)</div>', html, re.S)[1]
    assert re.sub(r"<[^>]+>|\s+", " ", latest).split() == [
        "Latest",
        "month",
        "(2017-12):",
        "50.0%",
        "(1",
        "/",
        "2)",
    ]
    cells = re.findall(r'data-figure="latest_completeness_pct">(2017-12: [^<]*)<', html)
    # Wuxing, Nanxun, Deqing, Changxing, Anji, then the total; "—" (in its own span) owing nothing.
    assert cells == [
        "2017-12: ",
        "2017-12: 100.0%",
        "2017-12: ",
        "2017-12: ",
        "2017-12: 0.0%",
        "2017-12: 50.0%",
    ]
    # January 2018 is not due before 10 February: a link to who has not sent it yet.
    assert (
        '<a class="small d-block" id="due-soon-link" href="/dashboard/missing/?from=2018-01&amp;to=2018-01">'
        "2018-01 due on 10 February 2018: who has not sent it yet</a>"
    ) in html


def test_the_enterprise_pages_report_table_follows_the_period(portal, client):
    official = login_as(client, "city_official")
    html = official.get(f"/enterprises/{NANXUN_CODE}/", {"from": "2017-03", "to": "2017-05"}).content.decode()
    # Nanxun's enterprise reported every month of 2017 (3 inspections, 1 accident): the period's
    # three, latest first; not the latest 36 whatever the period.
    rows = table_rows(html, "enterprise-reports")
    assert [row[:2] + [row[4]] for row in rows] == [
        ["2017-05", "3", "1"],
        ["2017-04", "3", "1"],
        ["2017-03", "3", "1"],
    ]
    before = official.get(
        f"/enterprises/{NANXUN_CODE}/", {"from": "2016-01", "to": "2016-03"}
    ).content.decode()
    assert table_rows(before, "enterprise-reports") == [["本期间没有任何月份的安全月报。"]]
