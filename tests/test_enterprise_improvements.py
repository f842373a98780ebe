"""An enterprise enters its own suggestions and improvement projects and moves them on (status,
completion, savings) in short forms (/report/suggestions/, /report/projects/); they show as entered
by the enterprise; a district official of its district or a programme admin corrects them; the
dashboard says how much of the savings the enterprises entered themselves (docs/domain.md,
"Enterprises report for themselves"; the figure: "The figures")."""

import datetime
from decimal import Decimal

import pytest

from common.months import Period
from dashboard import rollup
from dashboard.figures import district_figures
from districts.models import District
from imports.models import RecordChange
from imports.services import import_file
from improvements.models import ImprovementProject, Suggestion
from tests.factories import make_enterprise, make_project, make_suggestion, make_user
from tests.import_files import csv_bytes

D = datetime.date
SUGGESTION = {
    "text": "在车间入口增设洗手池",
    "submitted_on": "2018-03-02",
    "submitted_by": "王工",
    "status": "submitted",
}
PROJECT = {"title": "车间照明改为 LED", "status": "in_progress", "started_on": "2018-01-10"}


@pytest.fixture
def factory(db):
    return make_enterprise("nanxun", name="南浔甲企业", score_start=D(2017, 6, 10))


@pytest.fixture
def neighbour(db):
    return make_enterprise("nanxun", name="南浔丙企业", score_start=D(2017, 6, 10))


@pytest.fixture
def client(client):
    """In English, unless a request asks otherwise."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def reporter(client, factory):
    client.force_login(make_user("enterprise", enterprise=factory))
    return client


def logged_in(client, role, district="nanxun"):
    client.force_login(make_user(role, district=district))
    return client


# --- The enterprise adds and moves on its own ------------------------------------------------------


def test_a_suggestion_added_by_the_enterprise_is_numbered_marked_and_kept_in_the_history(reporter, factory):
    response = reporter.post("/report/suggestions/new/", SUGGESTION)
    assert (response.status_code, response["Location"]) == (302, "/report/suggestions/")
    suggestion = Suggestion.objects.get(enterprise=factory)
    assert (suggestion.reference, suggestion.text, suggestion.submitted_by, suggestion.status) == (
        "S-1",
        "在车间入口增设洗手池",
        "王工",
        "submitted",
    )
    assert suggestion.entered_by_enterprise is True
    change = RecordChange.objects.get(record_key="S-1")
    assert (change.path, change.action, change.user.profile.enterprise_id) == ("form", "create", factory.pk)
    # The next one takes the next number; the list shows both, newest first.
    reporter.post("/report/suggestions/new/", {**SUGGESTION, "submitted_on": "2018-03-05"})
    page = reporter.get("/report/suggestions/")
    assert [record.reference for record in page.context["records"]] == ["S-2", "S-1"]


def test_the_enterprise_moves_its_project_on_to_completed_with_its_savings(reporter, factory):
    reporter.post("/report/projects/new/", {**PROJECT, "reference": "LED-1"})
    project = ImprovementProject.objects.get(enterprise=factory, reference="LED-1")
    form = reporter.get(f"/report/projects/{project.pk}/")
    assert form.context["form"]["version"].value() == 1
    response = reporter.post(
        f"/report/projects/{project.pk}/",
        {
            **PROJECT,
            "status": "completed",
            "completed_on": "2018-03-01",
            "savings": "12,500.50",
            "version": 1,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.completed_on, project.savings, project.version) == (
        "completed",
        D(2018, 3, 1),
        Decimal("12500.50"),
        2,
    )
    assert project.entered_by_enterprise is True
    change = RecordChange.objects.filter(record_key="LED-1", action="update").get()
    assert change.changes["status"] == ["in_progress", "completed"]
    assert change.changes["savings"] == [None, "12500.50"]


def test_a_completed_project_without_its_date_is_refused_beside_the_field_and_kept(reporter, factory):
    response = reporter.post("/report/projects/new/", {**PROJECT, "status": "completed", "savings": "100"})
    assert response.status_code == 400
    assert response.context["form"].errors["completed_on"] == [
        "A completed project needs its completion date."
    ]
    assert 'value="车间照明改为 LED"' in response.content.decode()
    assert not ImprovementProject.objects.exists()


def test_a_date_out_of_the_portals_range_or_a_control_character_is_refused(reporter):
    response = reporter.post("/report/projects/new/", {**PROJECT, "started_on": "1899-12-31"})
    assert response.status_code == 400
    assert "1899-12-31" in response.context["form"].errors["started_on"][0]
    response = reporter.post("/report/suggestions/new/", {**SUGGESTION, "text": "洗手池\x1b[31m"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["text"]
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"savings": "-5"}, "savings", "Cannot be negative."),
        ({"cost": "12.345"}, "cost", "At most two decimal places (fen)."),
        ({"started_on": "2018-02-30"}, "started_on", "Enter a valid date."),
        ({"title": ""}, "title", "This field is required."),
        (
            {"status": "completed", "completed_on": "2017-12-01"},
            "completed_on",
            "A project cannot be completed (2017-12-01) before it started (2018-01-10).",
        ),
    ],
)
def test_bad_project_input_is_refused_beside_its_field(reporter, values, field, message):
    response = reporter.post("/report/projects/new/", {**PROJECT, **values})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[field] == [message]
    assert not ImprovementProject.objects.exists()


def test_a_taken_reference_is_refused_never_written_over(reporter, factory):
    make_suggestion(factory, submitted_on=D(2018, 1, 5), reference="S-7")
    response = reporter.post("/report/suggestions/new/", {**SUGGESTION, "reference": "S-7", "text": "另一条"})
    assert response.status_code == 400
    assert response.context["form"].errors["reference"] == [
        "This enterprise already has a suggestion with this reference."
    ]
    assert Suggestion.objects.get(reference="S-7").text != "另一条"


def test_a_stale_form_is_refused_with_the_newer_values(reporter, factory):
    project = make_project(
        factory, status="in_progress", started_on=D(2018, 1, 10), entered_by_enterprise=True
    )
    ImprovementProject.objects.filter(pk=project.pk).update(version=2, title="改过的名称")
    response = reporter.post(f"/report/projects/{project.pk}/", {**PROJECT, "version": 1})
    assert response.status_code == 409
    assert response.context["form"]["title"].value() == "改过的名称"
    assert ImprovementProject.objects.get(pk=project.pk).title == "改过的名称"


def test_the_enterprise_writes_its_own_records_only(reporter, factory, neighbour):
    theirs = make_suggestion(neighbour, submitted_on=D(2018, 1, 5))
    assert reporter.get(f"/report/suggestions/{theirs.pk}/").status_code == 404
    assert reporter.post(f"/report/suggestions/{theirs.pk}/", SUGGESTION).status_code == 404
    theirs_now = Suggestion.objects.get(pk=theirs.pk)
    assert (theirs_now.text, theirs_now.version) == (theirs.text, theirs.version)
    # A credit code posted with a new one is ignored: the record is the user's own enterprise's.
    reporter.post("/report/suggestions/new/", {**SUGGESTION, "credit_code": neighbour.credit_code})
    assert Suggestion.objects.get(reference="S-1").enterprise == factory
    # Its list holds its own only.
    assert [r.enterprise for r in reporter.get("/report/suggestions/").context["records"]] == [factory]


# --- The district corrects --------------------------------------------------------------------------


def test_a_district_official_corrects_an_enterprise_entry_which_stays_the_enterprises(client, factory):
    project = make_project(
        factory, status="completed", started_on=D(2018, 1, 10), completed_on=D(2018, 2, 1), savings="99999",
        entered_by_enterprise=True, reference="P-1",
    )  # fmt: skip
    official = logged_in(client, "district_official")
    page = official.get(f"/report/projects/{project.pk}/")
    assert page.status_code == 200
    assert "entered by the enterprise" in page.content.decode()
    response = official.post(
        f"/report/projects/{project.pk}/",
        {**PROJECT, "status": "completed", "completed_on": "2018-02-01", "savings": "999.99", "version": 1},
    )
    assert (response.status_code, response["Location"]) == (302, f"/enterprises/{factory.credit_code}/")
    project.refresh_from_db()
    assert (project.savings, project.entered_by_enterprise) == (Decimal("999.99"), True)
    change = RecordChange.objects.get(record_key="P-1", action="update")
    assert (change.user.profile.role, change.changes["savings"]) == (
        "district_official",
        ["99999.00", "999.99"],
    )


@pytest.mark.parametrize(
    "role, district, status",
    [
        ("district_official", "nanxun", 200),
        ("district_official", "anji", 404),
        ("programme_admin", "nanxun", 200),
        ("city_official", "nanxun", 403),
        ("trainer", "nanxun", 403),
    ],
)
def test_who_may_correct_a_record(client, factory, role, district, status):
    suggestion = make_suggestion(factory, submitted_on=D(2018, 1, 5))
    user = logged_in(client, role, district)
    assert user.get(f"/report/suggestions/{suggestion.pk}/").status_code == status
    response = user.post(f"/report/suggestions/{suggestion.pk}/", {**SUGGESTION, "status": "accepted"})
    assert response.status_code == (302 if status == 200 else status)
    assert Suggestion.objects.get(pk=suggestion.pk).status == ("accepted" if status == 200 else "submitted")


@pytest.mark.parametrize("role", ["district_official", "programme_admin", "city_official"])
def test_only_an_enterprise_adds_and_lists_its_own(client, factory, role):
    user = logged_in(client, role)
    assert user.get("/report/suggestions/").status_code == 403
    assert user.post("/report/projects/new/", PROJECT).status_code == 403
    assert not ImprovementProject.objects.exists()


def test_the_enterprise_page_marks_what_the_enterprise_entered_and_links_its_correction(client, factory):
    mine = make_project(factory, status="planned", started_on=D(2018, 1, 10), entered_by_enterprise=True)
    filed = make_project(factory, status="planned", started_on=D(2018, 1, 11))
    html = logged_in(client, "district_official").get(f"/enterprises/{factory.credit_code}/").content.decode()
    assert html.count("entered by the enterprise") == 1
    assert f'href="/report/projects/{mine.pk}/"' in html
    assert f'href="/report/projects/{filed.pk}/"' in html
    client.logout()
    html = logged_in(client, "city_official").get(f"/enterprises/{factory.credit_code}/").content.decode()
    assert "entered by the enterprise" in html
    assert f'href="/report/projects/{mine.pk}/"' not in html


# --- The figure ---------------------------------------------------------------------------------------


def test_the_dashboard_says_how_much_of_the_savings_the_enterprises_entered(reporter, factory, client):
    rollup.rebuild()
    # From the district's file: 3,000 saved; by the enterprise itself: 1,000 and 500.50.
    rows = [["统一社会信用代码", "编号", "项目名称", "状态", "开始日期", "完成日期", "节约金额"]]
    rows.append([factory.credit_code, "F-1", "余热回收", "已完成", "2018-01-02", "2018-02-03", "3000"])
    _batch, plan = import_file(kind="projects", file_name="p.csv", content=csv_bytes(rows))
    assert plan.ok, plan.errors
    for reference, savings in [("E-1", "1000"), ("E-2", "500.50")]:
        values = {**PROJECT, "reference": reference, "status": "completed", "completed_on": "2018-02-20"}
        assert reporter.post("/report/projects/new/", {**values, "savings": savings}).status_code == 302
    # Not completed: not counted, whoever entered it.
    reporter.post("/report/projects/new/", {**PROJECT, "reference": "E-3", "savings": "7000"})
    assert not ImprovementProject.objects.get(reference="F-1").entered_by_enterprise
    assert rollup.current_alias() is not None  # the forms kept the roll-up current
    _rows, total = district_figures(
        District.objects.filter(code="nanxun"), Period(D(2018, 1, 1), D(2018, 2, 1))
    )
    assert (total.savings_rmb, total.savings_by_enterprises_rmb) == (Decimal("4500.50"), Decimal("1500.50"))
    assert total.savings_by_enterprises_pct == 33.3  # 1,500.50 × 100 ÷ 4,500.50 = 33.34
    client.force_login(make_user("programme_admin"))
    body = client.get("/dashboard/api/summary/?from=2018-01&to=2018-02").json()["total"]
    assert (body["savings_by_enterprises_rmb"], body["savings_by_enterprises_pct"]) == ("1500.50", 33.3)
    html = client.get(
        "/dashboard/?from=2018-01&to=2018-02", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "¥1,500.50 of ¥4,500.50 saved, entered by the enterprises themselves" in html


@pytest.mark.parametrize(
    "language, words, button, expected_labels",
    [
        (
            "zh-hans",
            "添加建议",
            "提交项目",
            ["项目名称", "模块", "状态", "开始日期", "完成日期", "投入金额（元）", "节约金额（元）", "编号"],
        ),
        (
            "en",
            "Add a suggestion",
            "Add the project",
            [
                "Title",
                "Module",
                "Status",
                "Started on",
                "Completed on",
                "Cost (RMB)",
                "Savings (RMB)",
                "Reference",
            ],
        ),
    ],
)
def test_both_languages(reporter, language, words, button, expected_labels):
    html = reporter.get("/report/suggestions/", headers={"Accept-Language": language}).content.decode()
    assert words in html
    response = reporter.get("/report/projects/new/", headers={"Accept-Language": language})
    html = response.content.decode()
    assert 'inputmode="decimal"' in html
    assert 'type="date"' in html
    assert button in html
    # Every label written as a label, in the language asked (the amounts' too, not the model's own
    # form fields).
    labels = [str(field.label) for field in response.context["form"] if not field.is_hidden]
    assert labels == expected_labels
