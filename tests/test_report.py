"""The district report for review workshops (GET /dashboard/report.pdf): read back by its text in
both languages, its embedded font, its pages, who may have it and the queries it costs."""

import datetime
import io
import re
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection, connections
from django.utils import timezone
from pypdf import PdfReader

from common.months import Period
from dashboard import views
from dashboard.figures import largest_savings
from dashboard.models import ReportSlot
from dashboard.print_charts import bar_chart, line_chart, nice_axis
from dashboard.report_slots import report_slot_take
from tests.factories import (
    attend,
    login_as,
    make_enterprise,
    make_participant,
    make_project,
    make_reports,
    make_user,
    make_workshop,
    month_range,
)

D = datetime.date
NANXUN_CODE = "91330503375583185N"
ANJI_CODE = "91330523285269512N"
REPORT_PAGES = Path("test-results/report")
# 2026-11-20 10:00 in Shanghai: the date the report says it was generated.
GENERATED = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)
JUNE_2016 = D(2016, 6, 1)


@pytest.fixture
def review(db):
    """Two enterprises that started SCORE in January 2016, for a review of 2016.

    Nanxun's has 2015 (its baseline: 2 inspections and 1 accident a month) and 2016 (3 and 0) and
    a project completed in June 2016 that saved 1,234.50; Anji's has only 2016 (1 inspection and 0
    accidents a month), so it is left out of the comparison, and saved 99.00 in March. A Nanxun
    manager, a woman, went to a module 1 classroom workshop in May 2016.
    """
    nanxun = make_enterprise("nanxun", credit_code=NANXUN_CODE, name="南浔甲企业", score_start=D(2016, 1, 15))
    anji = make_enterprise("anji", credit_code=ANJI_CODE, name="安吉乙企业", score_start=D(2016, 1, 15))
    make_reports(nanxun, month_range(D(2015, 1, 1), 12), inspections=2, accidents=1)
    make_reports(nanxun, month_range(D(2016, 1, 1), 12), inspections=3, accidents=0)
    make_reports(anji, month_range(D(2016, 1, 1), 12), inspections=1, accidents=0)
    make_project(
        nanxun, status="completed", started_on=D(2016, 4, 1), completed_on=D(2016, 6, 30), savings="1234.50"
    )
    make_project(
        anji, status="completed", started_on=D(2016, 2, 1), completed_on=D(2016, 3, 1), savings="99.00"
    )
    workshop = make_workshop("nanxun", module=1, date=D(2016, 5, 10))
    attend(workshop, make_participant(nanxun, "王芳", role="manager", sex="female"))
    return nanxun, anji


def report(client, role, *, language, home="anji", **query):
    """The report's response for a new user of `role` (of district `home`) in `language`."""
    login_as(client, role, district=home)
    client.cookies["django_language"] = language
    return client.get("/dashboard/report.pdf", query)


def pdf_text(response):
    """The PDF's pages and its text with all white space removed (a table cell or a line break
    may put spaces between the characters the test looks for)."""
    assert response.status_code == 200, response.content[:500]
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", "", text)


def squeezed(*phrases):
    return [re.sub(r"\s+", "", phrase) for phrase in phrases]


@time_machine.travel(GENERATED, tick=False)
def test_report_in_chinese_holds_the_districts_period_and_figures(review, client):
    response = report(client, "city_official", language="zh-hans", **{"from": "2016-01", "to": "2016-12"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="score-report_2016-01_2016-12.pdf"'
    reader, text = pdf_text(response)
    pages = len(reader.pages)
    for phrase in squeezed(
        "SCORE 项目报告：湖州市",
        # Every district of the city, in the table of districts and the completeness table.
        "吴兴区",
        "南浔区",
        "德清县",
        "长兴县",
        "安吉县",
        "2016-01 至 2016-12 的数据。",
        "生成于 2026-11-20 10:00（北京时间）",
        # Headline: 2 enterprises; 48 inspections (12 × 3 + 12 × 1); savings 1,234.50 + 99.00.
        "企业2",
        "安全检查次数48",
        "¥1,333.50",
        # Reporting: each owes 2016's 12 reports and sent them: 24 of 24; none on time (received
        # when the test made them, long after their due days).
        "应报 24 份，已收 24 份",
        "100.0%",
        # Change since SCORE, over Nanxun's enterprise alone: inspections 24 → 36 is +50.0 %,
        # accidents 12 → 0 is −100.0 %; one enterprise is too few; Anji's is left out.
        "+50.0%*",
        "-100.0%*",
        "仅基于 1 家企业：数量太少，不宜比较。",
        "另有 1 家企业因缺月报未纳入对比。",
        # The charts' titles, training (1 person, 100.0 % women), the largest savings in order.
        "每月报送月报的企业数",
        "每月千人·年事故率",
        "1.工作场所合作",
        "女性占比：100.0%",
        "1南浔甲企业南浔区91330503375583185N11,234.50",
        "2安吉乙企业安吉县91330523285269512N199.00",
        f"第 1 页，共 {pages} 页",
        f"第 {pages} 页，共 {pages} 页",
    ):
        assert phrase in text


@time_machine.travel(GENERATED, tick=False)
def test_report_in_english_holds_the_districts_period_and_figures(review, client):
    reader, text = pdf_text(
        report(client, "city_official", language="en", **{"from": "2016-01", "to": "2016-12"})
    )
    pages = len(reader.pages)
    for phrase in squeezed(
        "SCORE report: Huzhou",
        "Wuxing",
        "Nanxun",
        "Deqing",
        "Changxing",
        "Anji",
        "Figures for 2016-01 to 2016-12.",
        "Generated on 2026-11-20 10:00 (Shanghai time)",
        "Enterprises2",
        "Safety inspections48",
        "¥1,333.50",
        "24 of 24 reports owed received",
        "+50.0%*",
        "-100.0%*",
        "Based on 1 enterprise: too few to compare.",
        "1 more enterprise was left out for missing months.",
        "Enterprises reporting per month",
        "Accidents per 1,000 worker-years, per month",
        "Share of women: 100.0%",
        "1南浔甲企业Nanxun91330503375583185N11,234.50",
        "2安吉乙企业Anji91330523285269512N199.00",
        f"Page 1 of {pages}",
        f"Page {pages} of {pages}",
    ):
        assert phrase in text
    assert "南浔区" not in text  # district names in the reader's language


@time_machine.travel(GENERATED, tick=False)
def test_report_of_one_district_shows_that_district_alone(review, client):
    response = report(client, "city_official", language="zh-hans", district="nanxun", to="2016-12")
    assert response["Content-Disposition"] == 'attachment; filename="score-report-nanxun_until-2016-12.pdf"'
    _reader, text = pdf_text(response)
    for phrase in squeezed("SCORE 项目报告：湖州市南浔区", "首条记录至 2016-12", "南浔甲企业", "¥1,234.50"):
        assert phrase in text
    assert "安吉" not in text


def test_district_official_gets_their_district_and_no_other(review, client):
    _reader, text = pdf_text(report(client, "district_official", language="en", home="anji", to="2016-12"))
    assert "SCOREreport:Anji,Huzhou" in text
    assert "南浔甲企业" not in text
    # Another district's report is not theirs to have: a 404, as its district page is.
    response = report(client, "district_official", language="en", home="anji", district="nanxun")
    assert response.status_code == 404


def test_trainers_may_not_have_the_report(review, client):
    assert report(client, "trainer", language="en", home="nanxun").status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"to": "2016-13"}, "YYYY-MM"),
        ({"from": "2017-01", "to": "2016-12"}, "after"),
    ],
)
def test_a_bad_month_is_a_400_that_says_why(review, client, query, message):
    response = report(client, "city_official", language="en", **query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_chinese_font_is_embedded(review, client):
    reader, _text = pdf_text(report(client, "city_official", language="zh-hans", to="2016-12"))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            # Embedded: the descriptor carries the font program (a subset, named ABCDEF+Name).
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert any("WenQuanYi-Zen-Hei" in name for name in fonts)
    assert all(fonts.values()) is True, fonts


@time_machine.travel(GENERATED, tick=False)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_report_pages_are_kept_as_images_for_a_reviewer(review, client, language):
    response = report(client, "city_official", language=language, **{"from": "2016-01", "to": "2016-12"})
    reader, _text = pdf_text(response)
    REPORT_PAGES.mkdir(parents=True, exist_ok=True)
    pdf = REPORT_PAGES / f"report-{language}.pdf"
    pdf.write_bytes(response.content)
    for old in REPORT_PAGES.glob(f"report-{language}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(pdf), str(REPORT_PAGES / f"report-{language}")], check=True
    )
    images = sorted(REPORT_PAGES.glob(f"report-{language}-*.png"))
    assert len(images) == len(reader.pages)
    # A4 at 70 dpi: 210 × 297 mm is 579 × 819 pixels.
    assert (
        subprocess.run(["file", str(images[0])], capture_output=True, text=True).stdout.count("579 x 819")
        == 1
    )


def build_enterprises(count):
    """`count` enterprises over two districts, each with a year of reports and a completed project."""
    for number in range(count):
        enterprise = make_enterprise("nanxun" if number % 2 else "deqing", score_start=D(2016, 1, 1))
        make_reports(enterprise, month_range(D(2016, 1, 1), 12), inspections=1, accidents=0)
        make_project(
            enterprise, status="completed", started_on=D(2016, 1, 1), completed_on=D(2016, 2, 1), savings="1"
        )


@pytest.mark.parametrize("count", [2, 60])
def test_report_query_count_does_not_grow_with_enterprises(client, db, django_assert_num_queries, count):
    build_enterprises(count)
    user_client = login_as(client, "city_official")
    user_client.get("/dashboard/api/summary/")  # the roll-up built, as after an import
    # session, user with its role and profile, the districts; then the figures: whether the
    # roll-up is current, enterprises started, the monthly roll-up summed, the before/after
    # roll-up; the trend: whether the roll-up is current, its months, the districts' SCORE start
    # dates; the four training figures; the largest savings: the sums per enterprise and the few
    # enterprises; the districts' cities; year on year (the period has no first month: its last
    # 12 months and the 12 before, the four of the figures each). Around them: the data versions
    # (the page cache's key) and the report slot: the user's row locked, stale slots dropped, the
    # others counted, one added (in a savepoint and its release: the test runs in a transaction),
    # and given back at the end.
    with django_assert_num_queries(33):
        response = user_client.get("/dashboard/report.pdf", {"to": "2016-12"})
    assert response.status_code == 200


def test_axis_steps_are_round_and_never_below_one():
    assert nice_axis(105) == (125, 25)
    assert nice_axis(4_000_000) == (4_000_000, 1_000_000)
    assert nice_axis(3) == (3, 1)
    assert nice_axis(0) == (5, 1)


def test_a_month_without_a_report_is_a_gap_in_the_line():
    svg = line_chart("t", ["2016-01", "2016-02", "2016-03", "2016-04"], [("南浔区", [1, 2, None, 3])])
    # Two months joined by a line, then a month alone after the gap: a dot, never a drop to zero.
    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 1


def test_a_charts_view_widens_for_values_wider_than_its_margin_never_cutting_them():
    months = ["2016-01", "2016-02"]
    assert 'viewBox="0 0 680 180"' in bar_chart("t", months, [1_200, 900])
    # A city's month of savings: "50,000,000" on the axis, ten characters of about 5.6 px
    # right-aligned 6 px left of the plot (which starts 58 px in): it reaches about 4 px left of
    # the chart, so the view starts left of that.
    wide = bar_chart("t", months, [45_000_000, 1])
    start = float(re.search(r'viewBox="(-?[0-9.]+) ', wide).group(1))
    assert ">50,000,000<" in wide
    assert start <= -4


def test_largest_savings_rank_enterprises_by_their_completed_projects_in_the_period(db, nanxun, anji):
    def saving(name, district, *amounts, completed_on=JUNE_2016, status="completed"):
        enterprise = make_enterprise(district, name=name)
        for amount in amounts:
            make_project(
                enterprise, status=status, started_on=D(2015, 1, 1), completed_on=completed_on, savings=amount
            )
        return enterprise

    saving("Gamma Co", nanxun, "600.00", "300.00")  # 900.00 in two projects
    saving("Beta Co", anji, "500.00")
    saving("Alpha Co", nanxun, "500.00")
    saving("Delta Co", nanxun, "500.00")  # ties with Alpha and Beta, after them by name: fourth
    saving("Early Co", nanxun, "9000.00", completed_on=D(2015, 12, 31))  # before the period
    saving("Busy Co", nanxun, "9000.00", completed_on=None, status="in_progress")  # not completed
    saving("Nothing Co", nanxun, "0.00")  # saved nothing: not ranked
    rows = largest_savings([nanxun, anji], Period(D(2016, 1, 1), D(2016, 12, 1)), count=3)
    assert [(row["enterprise"].name, row["savings_rmb"], row["projects_completed"]) for row in rows] == [
        ("Gamma Co", Decimal("900.00"), 2),
        ("Alpha Co", Decimal("500.00"), 1),
        ("Beta Co", Decimal("500.00"), 1),
    ]


def test_a_district_that_does_not_exist_is_a_404(review, client):
    assert report(client, "city_official", language="en", district="nowhere").status_code == 404


@time_machine.travel(GENERATED, tick=False)
def test_page_one_is_the_summary_and_the_definitions_an_appendix(review, client):
    reader, _text = pdf_text(
        report(client, "city_official", language="zh-hans", **{"from": "2016-01", "to": "2016-12"})
    )
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]
    for phrase in squeezed(
        "简报",
        # Wuxing, Deqing and Changxing have no enterprise, report or project: one line, no rows.
        "未列入：吴兴区、德清县、长兴县（本期间没有企业、月报或项目）。",
        # Year on year, 2016 against 2015: inspections 48 (Nanxun 12 × 3, Anji 12 × 1) against 24
        # (Nanxun 12 × 2): +100.0 %; accidents 0 against 12: −100.0 %; savings 1,333.50 against 0:
        # no percentage.
        "同比",
        "2016-01 至 2016-12",
        "2015-01 至 2015-12",
        "安全检查次数4824+100.0%",
        "事故起数012-100.0%",
        "节约金额（元）¥1,333.50¥0.00—",
        # Accidents per 1,000 worker-years: 0 in 2016; 12 × 12,000 ÷ (12 × Nanxun's employees) in 2015.
        "各区县按SCORE以来事故变化排名",
        "1南浔区",
        "需要关注",
    ):
        assert phrase in pages[0], phrase
    assert "吴兴区0" not in "".join(pages)  # no row of zeros for a district with nothing
    # The definitions: not on page 1, all on the last page.
    assert "附录：指标定义" in pages[-1]
    assert "SCORE开始日期不晚于所选期间最后一天" not in pages[0]
    assert "SCORE开始日期不晚于所选期间最后一天" in pages[-1]
    # Both districts sent every report of 2016: nothing is least complete; no accidents rose.
    assert "无：应报月报均已收到，且没有区县事故同比上升。" in pages[0]
    # The charts: enterprises reporting, and the safety figures as rates, not counts.
    charts = "".join(pages)
    assert "每月报送月报的企业数" in charts and "每月千人·年事故率" in charts
    assert "每月安全检查次数" not in charts and "每月事故起数" not in charts


@time_machine.travel(GENERATED, tick=False)
def test_a_period_with_no_enterprise_makes_a_report_that_says_so(review, client):
    _reader, text = pdf_text(
        report(client, "city_official", language="zh-hans", **{"from": "2000-01", "to": "2000-12"})
    )
    # No district had anything in 2000: every one left out, in one line; nothing to rank or chase.
    assert "未列入：吴兴区、南浔区、德清县、长兴县、安吉县（本期间没有企业、月报或项目）。" in text
    assert "无：应报月报均已收到，且没有区县事故同比上升。" in text
    assert "2000-01至2000-12" in text and "1999-01至1999-12" in text  # year on year, all zero


@time_machine.travel(GENERATED, tick=False)
def test_a_district_with_no_enterprise_makes_a_report_that_says_so(review, client):
    response = report(client, "city_official", language="en", district="wuxing", to="2016-12")
    _reader, text = pdf_text(response)
    assert "SCOREreport:Wuxing,Huzhou" in text
    assert "Leftout:Wuxing,withnoenterprise,reportorprojectintheperiod." in text


# The printed report in the page cache (dashboard.page_cache): made once per scope, period, district
# asked for, language and data generation.


def official(client, *, language="en"):
    """A city official of the client's session, in `language`."""
    user = make_user("city_official")
    client.force_login(user)
    client.cookies["django_language"] = language
    return user


@time_machine.travel(GENERATED, tick=False)
def test_the_same_report_asked_again_is_read_from_the_cache(review, client, django_assert_num_queries):
    official(client)
    first = client.get("/dashboard/report.pdf", {"to": "2016-12"})
    assert first.status_code == 200
    caches["pages"].clear()  # the PDFs are kept apart from the pages (settings.CACHES["reports"])
    # The session, the user with its role and profile, the data versions: no figure, no slot.
    with django_assert_num_queries(3):
        again = client.get("/dashboard/report.pdf", {"to": "2016-12"})
    assert again.content == first.content
    assert again["Content-Disposition"] == 'attachment; filename="score-report_until-2016-12.pdf"'
    assert "no-store" in again["Cache-Control"]


@time_machine.travel(GENERATED, tick=False)
def test_one_district_asked_again_is_read_from_the_cache(review, client, django_assert_num_queries):
    official(client)
    first = client.get("/dashboard/report.pdf", {"to": "2016-12", "district": "nanxun"})
    # The session, the user, the data versions, the user's districts (the one asked for, or a 404).
    with django_assert_num_queries(4):
        again = client.get("/dashboard/report.pdf", {"to": "2016-12", "district": "nanxun"})
    assert again.content == first.content
    assert again["Content-Disposition"] == 'attachment; filename="score-report-nanxun_until-2016-12.pdf"'
    # The city's report is another one.
    _reader, city = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-12"}))
    assert "安吉乙企业" in city


@time_machine.travel(GENERATED, tick=False)
def test_another_language_or_period_is_another_report(review, client):
    official(client, language="en")
    _reader, english = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-12"}))
    client.cookies["django_language"] = "zh-hans"
    _reader, chinese = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-12"}))
    _reader, june = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-06"}))
    assert "SCOREreport:Huzhou" in english
    assert "SCORE项目报告：湖州市" in chinese
    assert ("首条记录至2016-12" in chinese, "首条记录至2016-06" in june) == (True, True)


@time_machine.travel(GENERATED, tick=False)
def test_a_write_between_two_requests_makes_the_report_again(review, client):
    nanxun, _anji = review
    official(client)
    _reader, before = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-12"}))
    make_project(
        nanxun, status="completed", started_on=D(2016, 7, 1), completed_on=D(2016, 8, 1), savings="5000.00"
    )
    _reader, after = pdf_text(client.get("/dashboard/report.pdf", {"to": "2016-12"}))
    # Savings in 2016: 1,234.50 + 99.00 = 1,333.50 before; + 5,000.00 = 6,333.50 after.
    assert ("¥1,333.50" in before, "¥6,333.50" in before) == (True, False)
    assert "¥6,333.50" in after


# At most SCORE_REPORT_CONCURRENCY reports in the making per user (dashboard.report_slots).


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You already have 1 report being made; try again in a few seconds."),
        ("zh-hans", "您已有 1 份报告正在生成，请几秒钟后再试。"),
    ],
)
def test_a_report_past_the_users_limit_is_a_429_in_their_language(
    review, client, settings, language, message
):
    settings.SCORE_REPORT_CONCURRENCY = 1
    user = official(client, language=language)
    ReportSlot.objects.create(user=user, started_at=timezone.now())  # a report in the making
    response = client.get("/dashboard/report.pdf", {"to": "2016-12"})
    assert response.status_code == 429
    assert response["Retry-After"] == "10"
    assert message in response.content.decode()
    assert ReportSlot.objects.filter(user=user).count() == 1


def test_another_users_reports_do_not_count(review, client, settings):
    settings.SCORE_REPORT_CONCURRENCY = 1
    ReportSlot.objects.create(user=make_user("city_official"), started_at=timezone.now())
    official(client)
    assert client.get("/dashboard/report.pdf", {"to": "2016-12"}).status_code == 200


def test_a_cached_report_takes_no_slot(review, client, settings):
    settings.SCORE_REPORT_CONCURRENCY = 1
    user = official(client)
    assert client.get("/dashboard/report.pdf", {"to": "2016-12"}).status_code == 200
    ReportSlot.objects.create(user=user, started_at=timezone.now())
    assert client.get("/dashboard/report.pdf", {"to": "2016-12"}).status_code == 200


def test_a_slot_left_by_a_worker_that_died_stops_counting(review, client, settings):
    settings.SCORE_REPORT_CONCURRENCY = 1
    user = official(client)
    ReportSlot.objects.create(user=user, started_at=timezone.now() - datetime.timedelta(minutes=10))
    assert client.get("/dashboard/report.pdf", {"to": "2016-12"}).status_code == 200
    # Dropped by the report that followed, whose own slot was given back.
    assert ReportSlot.objects.filter(user=user).count() == 0


def test_the_slot_is_given_back_when_the_report_is_made_or_fails(review, client, monkeypatch):
    user = official(client)
    assert client.get("/dashboard/report.pdf", {"to": "2016-12"}).status_code == 200
    assert ReportSlot.objects.filter(user=user).count() == 0

    def broken(context):
        assert ReportSlot.objects.filter(user=user).count() == 1  # held while the PDF is made
        raise RuntimeError("WeasyPrint failed")

    monkeypatch.setattr(views, "report_pdf", broken)
    with pytest.raises(RuntimeError, match="WeasyPrint failed"):
        client.get("/dashboard/report.pdf", {"to": "2016-06"})
    assert ReportSlot.objects.filter(user=user).count() == 0


def test_slots_are_taken_up_to_the_limit(db):
    user = make_user("city_official")
    now = timezone.now()
    taken = [report_slot_take(user=user, limit=2, now=now) for _ in range(3)]
    assert [slot is not None for slot in taken] == [True, True, False]


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite lets one writer in at a time, so the takes cannot overlap"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_slots_asked_for_together_on_different_connections_never_pass_the_limit():
    user = make_user("city_official")
    together = threading.Barrier(6)
    taken, errors = [], []
    lock = threading.Lock()

    def take():
        # Its own thread, its own database connection: as a request on another worker or app server.
        try:
            together.wait(timeout=30)
            slot = report_slot_take(user=user, limit=2)
            with lock:
                taken.append(slot is not None)
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Six at once, a limit of two: two taken, four refused, whatever the interleaving.
    assert (taken.count(True), taken.count(False)) == (2, 4)
    assert ReportSlot.objects.filter(user=user).count() == 2
