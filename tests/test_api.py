"""The machine API (/api/v1/, docs/domain.md, "The machine API"): clients and tokens, scope, reads,
writes through the import engine, errors, rate limit, audit line."""

import datetime
import json
import logging

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ApiClient
from accounts.scoping import editable_districts, visible_districts, visible_scope
from accounts.services import api_token_hash
from enterprises.models import Enterprise, SafetyReport
from imports import engine
from imports.models import ImportBatch
from imports.services import import_file
from tests.factories import api_token, login_as, make_enterprise, make_reports, make_suggestion, month_range
from tests.import_files import csv_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ANJI_A = "91330523285269512N"


def token_for(name, districts=(), write=False):
    """A new client's token: of `districts` (codes), or of every district for "all"."""
    return api_token(name, districts=districts, write=write)


class Api:
    """A system calling the API with its token, in English unless told otherwise."""

    def __init__(self, token, language="en"):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        if language:
            self.headers["Accept-Language"] = language

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body, **extra):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return self.client.post(path, data, content_type="application/json", headers=self.headers, **extra)


@pytest.fixture
def portal(db):
    """A Nanxun enterprise with reports for 2016, an Anji one with reports for its first half."""
    nanxun = make_enterprise(
        "nanxun",
        credit_code=NANXUN_A,
        name="南浔甲企业",
        sector="纺织",
        employees=88,
        female_employees=40,
        score_start=datetime.date(2016, 1, 15),
        cohort="2016",
        phone="0572-1234567",
    )
    anji = make_enterprise("anji", credit_code=ANJI_A, name="安吉乙企业", employees=20)
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 12), inspections=3, accidents=1)
    make_reports(anji, month_range(datetime.date(2016, 1, 1), 6), inspections=2, accidents=0)
    make_suggestion(nanxun, submitted_on=datetime.date(2016, 5, 1))
    return nanxun, anji


@pytest.fixture
def nanxun_reader(portal):
    return Api(token_for("nanxun-reader", ["nanxun"]))


@pytest.fixture
def city_reader(portal):
    return Api(token_for("city-reader", "all"))


@pytest.fixture
def nanxun_writer(portal):
    return Api(token_for("nanxun-writer", ["nanxun"], write=True))


@pytest.fixture
def city_writer(portal):
    return Api(token_for("city-writer", "all", write=True))


# Clients and tokens


def test_add_api_client_prints_the_token_alone_on_its_last_line_and_keeps_only_its_hash(db, capsys):
    call_command("add_api_client", "deqing-risk", "--district", "deqing", "--write")
    token = capsys.readouterr().out.splitlines()[-1]
    client = ApiClient.objects.get(name="deqing-risk")
    assert client.token_hash == api_token_hash(token)
    assert token not in {client.token_hash, client.previous_token_hash}
    assert (client.may_write, list(client.districts.values_list("code", flat=True))) == (True, ["deqing"])
    assert Api(token).get("/api/v1/districts/").json()["results"][0]["code"] == "deqing"


def test_add_api_client_refuses_an_unknown_district_and_a_taken_name(db):
    with pytest.raises(CommandError, match="Unknown district nowhere"):
        call_command("add_api_client", "x", "--district", "nowhere")
    call_command("add_api_client", "x", "--district", "anji")
    with pytest.raises(CommandError, match="exists already; --rotate"):
        call_command("add_api_client", "x", "--all-districts")


def test_add_api_client_needs_its_districts_or_all_districts_never_neither_nor_both(db):
    with pytest.raises(
        CommandError,
        match=r"^Give the client its districts \(--district CODE …\) or every district \(--all-districts\)\.$",
    ):
        call_command("add_api_client", "bare")
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("add_api_client", "both", "--district", "anji", "--all-districts")
    assert ApiClient.objects.count() == 0


def test_add_api_client_takes_several_districts_after_one_option_or_the_option_repeated(db, capsys):
    call_command("add_api_client", "north", "--district", "nanxun", "wuxing")
    call_command("add_api_client", "south", "--district", "anji", "--district", "deqing", "--write")
    call_command("add_api_client", "city", "--all-districts")
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith(("north:", "south:", "city:"))] == [
        "north: wuxing, nanxun; reads only.",
        "south: deqing, anji; reads and writes.",
        "city: every district; reads only.",
    ]
    clients = {c.name: c for c in ApiClient.objects.all()}
    assert sorted(clients["north"].districts.values_list("code", flat=True)) == ["nanxun", "wuxing"]
    assert sorted(clients["south"].districts.values_list("code", flat=True)) == ["anji", "deqing"]
    assert (clients["city"].all_districts, clients["city"].districts.count()) == (True, 0)
    assert (clients["north"].all_districts, clients["south"].may_write) == (False, True)


def test_a_rotated_token_and_the_previous_one_both_work_for_seven_days(db, capsys):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        call_command("add_api_client", "anji-platform", "--district", "anji")
        old = capsys.readouterr().out.splitlines()[-1]
        call_command("add_api_client", "anji-platform", "--rotate")
        new = capsys.readouterr().out.splitlines()[-1]
        assert old != new
        assert Api(old).get("/api/v1/districts/").status_code == 200
        assert Api(new).get("/api/v1/districts/").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 8, 8, 59, tzinfo=datetime.UTC), tick=False):
        assert Api(old).get("/api/v1/districts/").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 8, 9, 1, tzinfo=datetime.UTC), tick=False):
        assert Api(old).get("/api/v1/districts/").status_code == 401
        assert Api(new).get("/api/v1/districts/").status_code == 200


def test_no_token_a_bad_one_and_a_revoked_one_are_401_with_a_json_error(portal):
    token = token_for("revoked", ["anji"])
    ApiClient.objects.filter(name="revoked").update(
        revoked_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    cases = [
        (None, "This API needs a client's token: send the header Authorization: Bearer <token>."),
        ("score_not-a-token", "This token is unknown, expired or revoked."),
        (token, "This token is unknown, expired or revoked."),
    ]
    for sent, message in cases:
        response = Api(sent).get("/api/v1/enterprises/")
        assert (response.status_code, response.json()) == (401, {"error": message})
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    response = Api(None).client.get("/api/v1/districts/", headers={"Authorization": "Token abc"})
    assert response.json() == {"error": "发送令牌的方式：请求头 Authorization: Bearer <令牌>。"}


def test_errors_follow_the_accept_language_header_not_the_language_cookie(portal):
    api = Api(None, language="zh-CN,zh;q=0.9,en;q=0.8")
    api.client.cookies["django_language"] = "en"
    assert api.get("/api/v1/districts/").json() == {
        "error": "此接口需要客户端令牌：请发送请求头 Authorization: Bearer <令牌>。"
    }
    english = Api(None, language="fr, en;q=0.5")
    assert english.get("/api/v1/districts/").json()["error"].startswith("This API needs")


def test_a_logged_in_browser_session_does_not_authenticate_the_api(portal, client):
    login_as(client, "programme_admin")
    response = client.get("/api/v1/districts/")
    assert response.status_code == 401
    response = client.post("/api/v1/imports/safety/", "{}", content_type="application/json")
    assert response.status_code == 401


def test_the_admin_lists_clients_with_their_use_and_revokes_them(portal, client, nanxun_reader):
    nanxun_reader.get("/api/v1/districts/")
    nanxun_reader.get("/api/v1/districts/")
    login_as(client, "programme_admin")
    page = client.get("/admin/accounts/apiclient/")
    assert page.status_code == 200
    assert "nanxun-reader" in page.content.decode()
    reader = ApiClient.objects.get(name="nanxun-reader")
    assert reader.request_count == 2
    client.post(
        "/admin/accounts/apiclient/", {"action": "revoke", "_selected_action": [reader.pk]}, follow=True
    )
    assert nanxun_reader.get("/api/v1/districts/").status_code == 401


def test_renaming_a_client_in_the_admin_keeps_its_token_and_count(portal, client, nanxun_reader):
    nanxun_reader.get("/api/v1/districts/")
    reader = ApiClient.objects.get(name="nanxun-reader")
    login_as(client, "programme_admin")
    nanxun = reader.districts.get()
    response = client.post(
        f"/admin/accounts/apiclient/{reader.pk}/change/",
        {"name": "nanxun-platform", "districts": [nanxun.pk]},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert (reader.name, reader.request_count) == ("nanxun-platform", 1)
    assert nanxun_reader.get("/api/v1/districts/").status_code == 200


def test_a_client_whose_last_district_is_unticked_in_the_admin_reads_and_writes_none(
    portal, client, nanxun_writer, city_reader
):
    # A city-wide client's figures in the page cache first: the emptied client must not get them.
    assert len(city_reader.get("/api/v1/figures/", to="2016-12").json()["districts"]) == 5
    writer = ApiClient.objects.get(name="nanxun-writer")
    login_as(client, "programme_admin")
    response = client.post(
        f"/admin/accounts/apiclient/{writer.pk}/change/", {"name": "nanxun-writer", "may_write": "on"}
    )
    assert response.status_code == 302
    writer.refresh_from_db()
    assert (writer.all_districts, writer.may_write, writer.districts.count()) == (False, True, 0)
    assert "无区县" in client.get("/admin/accounts/apiclient/").content.decode()  # "no district"
    assert nanxun_writer.get("/api/v1/districts/").json() == {"results": []}
    assert nanxun_writer.get("/api/v1/enterprises/").json()["count"] == 0
    assert nanxun_writer.get("/api/v1/safety-reports/").json()["count"] == 0
    figures = nanxun_writer.get("/api/v1/figures/", to="2016-12").json()
    assert (figures["districts"], figures["total"]["inspections"]) == ([], 0)
    assert nanxun_writer.get("/api/v1/missing/", to="2016-12").json()["enterprises"] == []
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": [ROW]})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "row": 1,
                    "field": "credit_code",
                    "value": NANXUN_A,
                    "message": "This client may write in no district.",
                }
            ],
            "more_errors": 0,
        },
    )
    assert not SafetyReport.objects.filter(month=datetime.date(2017, 1, 1)).exists()


def test_all_districts_is_shown_explained_and_set_in_the_admin(portal, client, nanxun_reader):
    reader = ApiClient.objects.get(name="nanxun-reader")
    login_as(client, "programme_admin")
    client.cookies["django_language"] = "en"
    page = client.get(f"/admin/accounts/apiclient/{reader.pk}/change/").content.decode()
    assert 'name="all_districts"' in page
    assert "The client reads (and writes, if it may write) every district, those added later included" in page
    nanxun = reader.districts.get()
    both = client.post(
        f"/admin/accounts/apiclient/{reader.pk}/change/",
        {"name": "nanxun-reader", "districts": [nanxun.pk], "all_districts": "on"},
    )
    assert both.status_code == 200
    assert both.context["adminform"].form.non_field_errors() == [
        "Choose the client's districts or tick “all districts”, not both."
    ]
    response = client.post(
        f"/admin/accounts/apiclient/{reader.pk}/change/", {"name": "nanxun-reader", "all_districts": "on"}
    )
    assert response.status_code == 302
    codes = [d["code"] for d in nanxun_reader.get("/api/v1/districts/").json()["results"]]
    assert codes == ["wuxing", "nanxun", "deqing", "changxing", "anji"]
    listing = client.get("/admin/accounts/apiclient/").content.decode()
    assert "every district" in listing


def test_a_client_of_no_district_and_one_of_every_district_have_different_scopes(db):
    api_token("everywhere", districts="all")
    api_token("nowhere", districts=["anji"])
    everywhere, nowhere = ApiClient.objects.get(name="everywhere"), ApiClient.objects.get(name="nowhere")
    nowhere.districts.clear()
    nowhere = ApiClient.objects.get(pk=nowhere.pk)
    # The page cache keys the figures by this scope: the two must never share an entry.
    assert (visible_scope(everywhere), visible_scope(nowhere)) == (("api_client", "all"), ("api_client", ()))
    assert [list(visible_districts(c).values_list("code", flat=True)) for c in (everywhere, nowhere)] == [
        ["wuxing", "nanxun", "deqing", "changxing", "anji"],
        [],
    ]
    assert list(editable_districts(nowhere)) == []


# Reads


def test_a_client_of_one_district_lists_only_that_district(nanxun_reader):
    assert nanxun_reader.get("/api/v1/districts/").json() == {
        "results": [{"code": "nanxun", "name_zh": "南浔区", "name_en": "Nanxun", "city": "huzhou"}]
    }


def test_a_client_of_every_district_lists_them_all_in_the_tables_order(city_reader):
    codes = [d["code"] for d in city_reader.get("/api/v1/districts/").json()["results"]]
    assert codes == ["wuxing", "nanxun", "deqing", "changxing", "anji"]


def test_enterprises_carry_every_field_of_the_import_table(nanxun_reader):
    assert nanxun_reader.get("/api/v1/enterprises/").json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "credit_code": NANXUN_A,
                "name": "南浔甲企业",
                "district": "nanxun",
                "sector": "纺织",
                "employees": 88,
                "female_employees": 40,
                "score_start": "2016-01-15",
                "cohort": "2016",
                "address": "",
                "contact": "",
                "phone": "0572-1234567",
                "left_on": None,
            }
        ],
    }


def test_enterprises_of_every_district_paginated_and_filtered(city_reader):
    first = city_reader.get("/api/v1/enterprises/", page_size=1).json()
    assert (first["count"], first["previous"], [e["credit_code"] for e in first["results"]]) == (
        2,
        None,
        [NANXUN_A],
    )
    assert first["next"] == "http://testserver/api/v1/enterprises/?page=2&page_size=1"
    second = city_reader.get("/api/v1/enterprises/", page=2, page_size=1).json()
    assert ([e["credit_code"] for e in second["results"]], second["next"]) == ([ANJI_A], None)
    assert city_reader.get("/api/v1/enterprises/", district="anji").json()["count"] == 1
    Enterprise.objects.filter(credit_code=ANJI_A).update(
        updated_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    )
    Enterprise.objects.filter(credit_code=NANXUN_A).update(
        updated_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    )
    since = city_reader.get("/api/v1/enterprises/", updated_since="2026-04-15T00:00:00+08:00").json()
    assert [e["credit_code"] for e in since["results"]] == [ANJI_A]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"district": "anji"}, 400, "There is no district “anji” among yours."),
        ({"district": "nowhere"}, 400, "There is no district “nowhere” among yours."),
        ({"page_size": "abc"}, 400, "page_size: Enter a whole number."),
        ({"page": "0"}, 400, "page: Ensure this value is greater than or equal to 1."),
        ({"page": "7"}, 404, "There is no page 7: the last page is 1."),
        (
            {"updated_since": "yesterday"},
            400,
            "updated_since: expected an ISO 8601 date or date-time such as 2026-01-31T08:00:00+08:00.",
        ),
        ({"district": "a\x00b"}, 400, "district: Null characters are not allowed."),
    ],
)
def test_malformed_read_parameters_are_json_errors(nanxun_reader, params, status, message):
    response = nanxun_reader.get("/api/v1/enterprises/", **params)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_page_size_is_at_most_5000(city_reader):
    # Refused rather than served as 5,000: the OpenAPI document's maximum is a rule, not a hint.
    response = city_reader.get("/api/v1/safety-reports/", page_size=100000)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "page_size: Ensure this value is less than or equal to 5000."},
    )
    body = city_reader.get("/api/v1/safety-reports/", page_size=5000).json()
    assert (body["count"], len(body["results"])) == (18, 18)


def test_safety_reports_carry_every_field_month_and_received_at(nanxun_reader):
    SafetyReport.objects.filter(month=datetime.date(2016, 3, 1)).update(
        hazards_found=4, hazards_fixed=3, received_at=datetime.datetime(2016, 4, 5, 2, tzinfo=datetime.UTC)
    )
    body = nanxun_reader.get("/api/v1/safety-reports/", **{"from": "2016-03", "to": "2016-04"}).json()
    assert body == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "credit_code": NANXUN_A,
                "month": "2016-03",
                "inspections": 3,
                "hazards_found": 4,
                "hazards_fixed": 3,
                "accidents": 1,
                "injuries": None,
                "lost_workdays": None,
                "major_hazards_found": None,
                "major_hazards_fixed": None,
                "received_at": "2016-04-05T10:00:00+08:00",
                "state": "submitted",
            },
            {
                "credit_code": NANXUN_A,
                "month": "2016-04",
                "inspections": 3,
                "hazards_found": None,
                "hazards_fixed": None,
                "accidents": 1,
                "injuries": None,
                "lost_workdays": None,
                "major_hazards_found": None,
                "major_hazards_fixed": None,
                "received_at": body["results"][1]["received_at"],
                "state": "submitted",
            },
        ],
    }


def test_safety_reports_filtered_by_credit_code_and_scoped(city_reader, nanxun_reader):
    assert city_reader.get("/api/v1/safety-reports/", credit_code=ANJI_A.lower()).json()["count"] == 6
    # Another district's enterprise: nothing, as if it did not exist.
    assert nanxun_reader.get("/api/v1/safety-reports/", credit_code=ANJI_A).json()["count"] == 0
    response = nanxun_reader.get("/api/v1/safety-reports/", **{"from": "2016-05", "to": "2016-01"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("The period cannot start (2016-05) after it ends (2016-01)")


@pytest.mark.parametrize("more", [0, 30])
def test_reads_make_a_fixed_number_of_queries(city_reader, django_assert_num_queries, more):
    for _ in range(more):
        make_enterprise("anji")
    # The client by its token, counted, with its districts (one UPDATE); the districts; the count;
    # the page.
    with django_assert_num_queries(4):
        assert city_reader.get("/api/v1/enterprises/").status_code == 200
    with django_assert_num_queries(4):
        assert city_reader.get("/api/v1/safety-reports/").status_code == 200


@pytest.mark.parametrize("district", ["nanxun", None])
def test_figures_are_the_summary_apis_body_for_the_same_scope_and_period(portal, client, district):
    api = Api(token_for("figures", [district] if district else "all"), language="zh-hans")
    if district:
        login_as(client, "district_official", district=district)
    else:
        login_as(client, "programme_admin")
    for query in ({"to": "2016-12"}, {"from": "2016-03", "to": "2016-06"}):
        ours = api.get("/api/v1/figures/", **query)
        pages = client.get("/dashboard/api/summary/", query)
        assert ours.status_code == 200
        assert ours.json() == pages.json()
    # March to June: Nanxun 4 × 3 inspections, Anji 4 × 2.
    assert ours.json()["total"]["inspections"] == (4 * 3 + (4 * 2 if district is None else 0))


def test_missing_is_the_missing_apis_body(portal, client, city_reader):
    login_as(client, "programme_admin")
    query = {"from": "2016-01", "to": "2016-12"}
    ours = city_reader.get("/api/v1/missing/", **query).json()
    assert ours == client.get("/dashboard/api/missing/", query).json()
    assert [(e["credit_code"], e["months"][:1]) for e in ours["enterprises"]] == [(ANJI_A, ["2016-07"])]
    response = city_reader.get("/api/v1/missing/", district="mars")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "There is no district “mars” among yours."},
    )


# Writes

ROW = {"credit_code": NANXUN_A, "month": "2017-01", "inspections": 5, "accidents": 0}


def test_a_read_only_client_may_not_write(nanxun_reader):
    response = nanxun_reader.post("/api/v1/imports/safety/", {"rows": [ROW]})
    assert (response.status_code, response.json()) == (
        403,
        {"error": "This client may only read; writing needs a client made with --write."},
    )
    assert not SafetyReport.objects.filter(month=datetime.date(2017, 1, 1)).exists()


def test_a_write_creates_updates_and_is_an_import_in_the_history_by_the_client(nanxun_writer, client):
    response = nanxun_writer.post(
        "/api/v1/imports/safety/",
        {
            "rows": [
                ROW,
                {**ROW, "month": "2016-01", "inspections": 9, "colour": "red"},
                {**ROW, "month": "2016-02"},
            ]
        },
    )
    # 2016-02 was 3 inspections, 1 accident: now 5 and 0, an update.
    assert (response.status_code, response.json()) == (
        200,
        {"created": 1, "updated": 2, "unchanged": 0, "ignored_fields": ["colour"]},
    )
    report = SafetyReport.objects.get(month=datetime.date(2017, 1, 1))
    assert (report.inspections, report.accidents, report.received_at is not None) == (5, 0, True)
    batch = ImportBatch.objects.get()
    assert (batch.api_client.name, batch.user, batch.kind, batch.status) == (
        "nanxun-writer",
        None,
        "safety",
        "committed",
    )
    assert report.last_import_id == batch.pk
    login_as(client, "programme_admin")
    client.cookies["django_language"] = "en"
    assert "API: nanxun-writer" in client.get("/imports/history/").content.decode()
    again = nanxun_writer.post("/api/v1/imports/safety/", {"rows": [ROW]})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1, "ignored_fields": []}


def test_a_dry_run_answers_the_same_and_writes_nothing(nanxun_writer):
    for flag in ("1", "true"):
        response = nanxun_writer.post(f"/api/v1/imports/safety/?dry_run={flag}", {"rows": [ROW]})
        assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "ignored_fields": []}
    response = nanxun_writer.post("/api/v1/imports/safety/?dry_run=maybe", {"rows": [ROW]})
    assert response.json() == {"error": "dry_run: write 1 to check without writing, or 0."}
    assert not SafetyReport.objects.filter(month=datetime.date(2017, 1, 1)).exists()
    assert ImportBatch.objects.count() == 0


def test_a_batch_with_one_bad_row_writes_nothing_and_names_its_position(nanxun_writer):
    rows = [ROW, {**ROW, "month": "2017-02"}, {**ROW, "month": "2017-03", "inspections": -1}]
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [{"row": 3, "field": "inspections", "value": "-1", "message": "Cannot be negative."}],
            "more_errors": 0,
        },
    )
    assert not SafetyReport.objects.filter(month__year=2017).exists()
    assert ImportBatch.objects.count() == 0


def test_the_errors_are_the_file_imports_in_the_clients_language(nanxun_writer, portal):
    rows = [
        {"credit_code": NANXUN_A, "month": "2017-13", "inspections": "3", "accidents": "0"},
        {"credit_code": "91330503375583185X", "month": "2017-01", "inspections": "2.5", "accidents": ""},
    ]
    ours = Api(token_for("zh-writer", ["nanxun"], write=True), language="zh-hans")
    body = ours.post("/api/v1/imports/safety/", {"rows": rows}).json()
    header = list(rows[0])
    content = csv_bytes([header, *[[str(row[key]) for key in header] for row in rows]])
    from django.utils import translation

    with translation.override("zh-hans"):
        _batch, plan = import_file(kind="safety", file_name="s.csv", content=content, dry_run=True)
    # The same messages, the file's rows numbered from 2 (its header is row 1), the API's from 1.
    assert [(e["row"], e["field"], e["message"]) for e in body["errors"]] == [
        (p.row - 1, p.column, p.message) for p in plan.errors
    ]
    assert body["errors"][0]["message"] == "没有 13 月。"


def test_a_json_number_is_never_an_excel_serial_date(nanxun_writer):
    row = {
        "credit_code": "91330503968301438Y",
        "name": "南浔乙",
        "district": "nanxun",
        "employees": 12,
        "score_start": 42000,
    }
    response = nanxun_writer.post("/api/v1/imports/enterprises/", {"rows": [row]})
    assert response.json() == {
        "errors": [
            {
                "row": 1,
                "field": "score_start",
                "value": "42000",
                "message": "Expected a date such as 2015-08-15.",
            }
        ],
        "more_errors": 0,
    }
    row["score_start"] = "2016-03-01"
    assert nanxun_writer.post("/api/v1/imports/enterprises/", {"rows": [row]}).json()["created"] == 1


def test_wrong_types_in_cells_are_errors_of_their_row(nanxun_writer):
    rows = [{**ROW, "inspections": True, "accidents": [1], "injuries": {"a": 1}}]
    errors = nanxun_writer.post("/api/v1/imports/safety/", {"rows": rows}).json()["errors"]
    assert [(e["row"], e["field"], e["value"]) for e in errors] == [
        (1, "inspections", "true"),
        (1, "accidents", "[1]"),
        (1, "injuries", '{"a": 1}'),
    ]


def test_a_row_for_an_enterprise_outside_the_clients_districts_is_an_error_of_that_row(nanxun_writer):
    rows = [ROW, {"credit_code": ANJI_A, "month": "2017-01", "inspections": 1, "accidents": 0}]
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert response.json() == {
        "errors": [
            {
                "row": 2,
                "field": "credit_code",
                "value": ANJI_A,
                "message": "This record belongs to Anji, outside the districts this client may write (Nanxun).",
            }
        ],
        "more_errors": 0,
    }
    moved = {
        "credit_code": ANJI_A,
        "name": "安吉乙企业",
        "district": "nanxun",
        "employees": 20,
        "score_start": "2016-01-15",
    }
    # Claiming another district's enterprise for one's own is refused too.
    errors = nanxun_writer.post("/api/v1/imports/enterprises/", {"rows": [moved]}).json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "credit_code")]
    assert Enterprise.objects.get(credit_code=ANJI_A).district.code == "anji"
    assert not SafetyReport.objects.filter(month__year=2017).exists()


def test_a_client_of_every_district_writes_in_any_of_them(city_writer):
    rows = [ROW, {"credit_code": ANJI_A, "month": "2017-01", "inspections": 1, "accidents": 0}]
    assert city_writer.post("/api/v1/imports/safety/", {"rows": rows}).json()["created"] == 2


KEY_AS_NUMBER = "This field identifies the record: write it as a JSON string (in quotes), not a number."


def test_a_credit_code_sent_as_a_json_number_is_an_error_of_its_row_never_another_districts_code(
    nanxun_writer,
):
    # The digits of an Anji enterprise's code, sent as a number by a Nanxun client: the scope
    # check looked at strings only, the engine read the number as that code and moved it.
    anji = make_enterprise("anji", credit_code="913305230406526699", name="安吉竹业", phone="0572-5550000")
    row = {
        "credit_code": 913305230406526699,
        "name": "南浔接管",
        "district": "nanxun",
        "employees": 10,
        "score_start": "2016-01-15",
        "phone": "0572-0000000",
    }
    for path in ("/api/v1/imports/enterprises/?dry_run=1", "/api/v1/imports/enterprises/"):
        response = nanxun_writer.post(path, {"rows": [row]})
        assert (response.status_code, response.json()) == (
            400,
            {
                "errors": [
                    {
                        "row": 1,
                        "field": "credit_code",
                        "value": "913305230406526699",
                        "message": KEY_AS_NUMBER,
                    }
                ],
                "more_errors": 0,
            },
        )
    anji.refresh_from_db()
    assert (anji.district.code, anji.name, anji.phone) == ("anji", "安吉竹业", "0572-5550000")


def test_every_key_column_under_any_accepted_header_takes_only_a_json_string(nanxun_writer, portal):
    # Keys found by the kinds' declarations: the credit code under its Chinese header, the month
    # (safety's key with the credit code), a suggestion's reference; other numbers stay numbers.
    safety = [
        {"统一社会信用代码": NANXUN_A, "month": "2017-01", "inspections": 5, "accidents": 0},
        {"统一社会信用代码": 91330503375583185, "month": "2017-02", "inspections": 5, "accidents": 0},
        {"统一社会信用代码": NANXUN_A, "month": 201703, "inspections": 5, "accidents": 0},
    ]
    errors = nanxun_writer.post("/api/v1/imports/safety/", {"rows": safety}).json()["errors"]
    assert [(e["row"], e["field"], e["value"], e["message"]) for e in errors] == [
        (2, "统一社会信用代码", "91330503375583185", KEY_AS_NUMBER),
        (3, "month", "201703", KEY_AS_NUMBER),
    ]
    suggestion = {
        "credit_code": NANXUN_A,
        "reference": 17,
        "submitted_on": "2016-05-02",
        "text": "加装护栏",
    }
    response = nanxun_writer.post("/api/v1/imports/suggestions/", {"rows": [suggestion]})
    assert response.json() == {
        "errors": [{"row": 1, "field": "reference", "value": "17", "message": KEY_AS_NUMBER}],
        "more_errors": 0,
    }
    response = nanxun_writer.post(
        "/api/v1/imports/suggestions/", {"rows": [{**suggestion, "reference": "17"}]}
    )
    assert (response.status_code, response.json()["created"]) == (200, 1)


def test_a_key_given_twice_in_a_row_is_an_error_of_that_row_naming_the_key(nanxun_writer):
    body = (
        '{"rows": [{"credit_code": "CODE", "month": "2017-01", "inspections": 5, "accidents": 0},'
        ' {"credit_code": "CODE", "month": "2017-02", "inspections": 5, "inspections": 6, "accidents": 0,'
        ' "accidents": 1}]}'
    ).replace("CODE", NANXUN_A)
    response = nanxun_writer.post("/api/v1/imports/safety/", body)
    twice = "The key “%s” is given more than once in this row; give each field once."
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {"row": 2, "field": "inspections", "value": None, "message": twice % "inspections"},
                {"row": 2, "field": "accidents", "value": None, "message": twice % "accidents"},
            ],
            "more_errors": 0,
        },
    )
    response = nanxun_writer.post("/api/v1/imports/safety/", '{"rows": [], "rows": [{"month": "2017-01"}]}')
    assert (response.status_code, response.json()) == (
        400,
        {"error": "The key “rows” is given more than once in the body; give it once."},
    )
    assert not SafetyReport.objects.filter(month__year=2017).exists()


@pytest.mark.parametrize("path", ["/api/v1/imports/safety/", "/api/v1/imports/safety/?dry_run=1"])
def test_a_write_lists_the_first_errors_up_to_the_import_limit_and_counts_the_rest(
    nanxun_writer, settings, path
):
    settings.SCORE_IMPORT_MAX_ERRORS = 3
    rows = [
        # Row 1's error is found last (the rights are checked after every cell is parsed): listed
        # first all the same, the errors being in the order of the rows.
        {"credit_code": ANJI_A, "month": "2017-01", "inspections": 1, "accidents": 0},
        {**ROW, "month": "2017-02", "inspections": "x", "accidents": -2},
        {**ROW, "month": "2017-03", "inspections": -1},
        {**ROW, "month": "2017-04", "inspections": -1},
        {**ROW, "month": "2017-05"},
    ]
    response = nanxun_writer.post(path, {"rows": rows})
    # 5 errors: 1 of row 1, 2 of row 2, 1 each of rows 3 and 4; the first 3 listed, 5 - 3 = 2 counted.
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "row": 1,
                    "field": "credit_code",
                    "value": ANJI_A,
                    "message": "This record belongs to Anji, outside the districts this client may write (Nanxun).",
                },
                {"row": 2, "field": "inspections", "value": "x", "message": "Expected a whole number."},
                {"row": 2, "field": "accidents", "value": "-2", "message": "Cannot be negative."},
            ],
            "more_errors": 2,
        },
    )
    assert not SafetyReport.objects.filter(month__year=2017).exists()
    assert ImportBatch.objects.count() == 0


def test_the_errors_of_the_bodys_rows_are_limited_as_the_engines(nanxun_writer, settings):
    settings.SCORE_IMPORT_MAX_ERRORS = 3
    twice = '{"credit_code": "%s", "month": "2017-0%d", "inspections": 5, "inspections": 6, "accidents": 0}'
    rows = [twice % (NANXUN_A, month) for month in range(1, 8)]
    rows[1] = "[1, 2]"
    response = nanxun_writer.post("/api/v1/imports/safety/", '{"rows": [' + ", ".join(rows) + "]}")
    message = "The key “inspections” is given more than once in this row; give each field once."
    # 7 rows, each with one error: rows 1 to 3 listed, 7 - 3 = 4 counted.
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {"row": 1, "field": "inspections", "value": None, "message": message},
                {
                    "row": 2,
                    "field": None,
                    "value": "[1, 2]",
                    "message": "A row must be a JSON object of fields and their values.",
                },
                {"row": 3, "field": "inspections", "value": None, "message": message},
            ],
            "more_errors": 4,
        },
    )
    assert not SafetyReport.objects.filter(month__year=2017).exists()
    assert ImportBatch.objects.count() == 0


SURROGATE = (
    "The body is not valid Unicode: it holds a \\u escape of a lone surrogate (\\ud800 to \\udfff not in a "
    "pair), which is not a character."
)


@pytest.mark.parametrize(
    "body",
    [
        '{"rows": [{"credit_code": "\\ud800", "month": "2017-01", "inspections": 5, "accidents": 0}]}',
        '{"rows": [{"credit_code": "CODE", "\\udfff": 1, "month": "2017-01"}]}'.replace("CODE", NANXUN_A),
        '{"rows": ["a\\uDBFFb"]}',
        '{"rows": [{"credit_code": "CODE", "month": "2017-01", "inspections": [["\\ud83d"]]}]}'.replace(
            "CODE", NANXUN_A
        ),
        '{"\\ud800": 1}',
    ],
)
def test_a_lone_surrogate_anywhere_is_a_400_that_does_not_echo_it(nanxun_writer, body):
    response = nanxun_writer.post("/api/v1/imports/safety/", body)
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/json",
        {"error": SURROGATE},
    )
    chinese = Api(nanxun_writer.headers["Authorization"].removeprefix("Bearer "), language="zh-hans")
    assert chinese.post("/api/v1/imports/safety/", body).json() == {
        "error": "请求体不是有效的 Unicode：其中有孤立代理项的 \\u 转义（\\ud800 至 \\udfff 未成对），它不是字符。"
    }


def test_a_surrogate_pair_is_a_character_and_is_written(nanxun_writer):
    row = {"credit_code": NANXUN_A, "reference": "S-1", "submitted_on": "2016-05-02", "text": "😀"}
    body = json.dumps({"rows": [row]})  # ensure_ascii: the emoji as the escapes \ud83d\ude00
    assert "\\ud83d\\ude00" in body
    response = nanxun_writer.post("/api/v1/imports/suggestions/", body)
    assert (response.status_code, response.json()["created"]) == (200, 1)


@pytest.mark.parametrize(
    ("method", "url", "name"),
    [
        ("post", "/api/v1/imports/safety/?dry_run=1&dry_run=0", "dry_run"),
        ("get", "/api/v1/enterprises/?page=1&page=2", "page"),
        ("get", "/api/v1/safety-reports/?district=nanxun&district=anji", "district"),
        ("get", "/api/v1/missing/?to=2016-12&district=nanxun&district=nanxun", "district"),
        ("get", "/api/v1/figures/?from=2016-01&from=2016-02", "from"),
        ("get", "/api/v1/districts/?x=1&x=", "x"),
        ("get", "/api/v1/nothing/?x=1&x=2", "x"),
    ],
)
def test_a_query_parameter_given_twice_to_the_api_is_a_400_naming_it(nanxun_writer, method, url, name):
    if method == "post":
        response = nanxun_writer.client.post(
            url, json.dumps({"rows": [ROW]}), content_type="application/json", headers=nanxun_writer.headers
        )
    else:
        response = nanxun_writer.client.get(url, headers=nanxun_writer.headers)
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"The parameter “{name}” is given more than once; give it once."},
    )
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert not SafetyReport.objects.filter(month=datetime.date(2017, 1, 1)).exists()


def test_a_query_parameter_given_twice_to_the_dashboards_json_apis_is_a_400(portal, client):
    login_as(client, "programme_admin")
    response = client.get("/dashboard/api/summary/?to=2016-12&to=2016-06")
    assert (response.status_code, response.json()) == (400, {"error": "参数“to”给出了不止一次；请只给一次。"})
    response = client.get("/dashboard/api/missing/?to=2016-12&district=nanxun&district=anji")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "参数“district”给出了不止一次；请只给一次。"},
    )
    assert client.get("/dashboard/api/missing/?to=2016-12&district=nanxun").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"rows": [', "The body is not valid JSON: the error is at line 1, column 11."),
        (b"\xff\xfe", "The body is not valid JSON: it is not UTF-8 text."),
        (
            '{"rows": [{"inspections": NaN}]}',
            "The body is not valid JSON: a number is too large, infinite or not a number.",
        ),
        (
            '{"rows": [{"inspections": 1e999}]}',
            "The body is not valid JSON: a number is too large, infinite or not a number.",
        ),
        ("[" * 100000, "The body is not valid JSON: it is nested too deeply."),
        ("[]", 'The body must be a JSON object {"rows": [{…}, …]}.'),
        ('{"rows": {}}', 'The body must be a JSON object {"rows": [{…}, …]}.'),
        ('{"rows": [], "dry": 1, "mode": 2}', 'Unknown fields in the body: dry, mode. It holds only "rows".'),
        ('{"rows": []}', "The request holds no rows."),
    ],
)
def test_a_malformed_body_is_a_400_with_a_message(nanxun_writer, body, message):
    response = nanxun_writer.post("/api/v1/imports/safety/", body)
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_a_row_that_is_not_an_object_is_an_error_of_its_row(nanxun_writer):
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": [ROW, [1, 2]]})
    assert response.json() == {
        "errors": [
            {
                "row": 2,
                "field": None,
                "value": "[1, 2]",
                "message": "A row must be a JSON object of fields and their values.",
            }
        ],
        "more_errors": 0,
    }


def test_a_missing_required_field_names_no_row(nanxun_writer):
    errors = nanxun_writer.post(
        "/api/v1/imports/safety/", {"rows": [{"credit_code": NANXUN_A, "month": "2017-01"}]}
    )
    assert [(e["row"], e["field"]) for e in errors.json()["errors"]] == [
        (None, "inspections"),
        (None, "accidents"),
    ]


def test_a_body_over_the_import_limit_is_413(nanxun_writer, settings):
    settings.SCORE_IMPORT_MAX_BYTES = 2000
    rows = [{**ROW, "month": f"20{10 + i // 12}-{i % 12 + 1:02d}"} for i in range(40)]
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert (response.status_code, response.json()) == (
        413,
        {
            "error": "The request is larger than 0 MB, the largest import the portal accepts. Send the rows in smaller requests."
        },
    )
    settings.SCORE_IMPORT_MAX_BYTES = 10**6
    settings.SCORE_IMPORT_MAX_ROWS = 39
    response = nanxun_writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert (response.status_code, response.json()["error"]) == (
        413,
        "The request holds more than 39 rows; the portal takes at most 39 at once.",
    )
    assert not SafetyReport.objects.filter(month__year__gte=2017).exists()


def test_an_unknown_kind_path_or_method_is_a_json_error(nanxun_writer):
    for method, path, status in [
        ("post", "/api/v1/imports/widgets/", 404),
        ("get", "/api/v1/nothing/", 404),
        ("post", "/api/v1/nothing/", 404),
        ("get", "/api/v1/districts", 404),
        ("get", "/api/v2/districts/", 404),
        ("get", "/api/v1/imports/safety/", 405),
        ("post", "/api/v1/districts/", 405),
    ]:
        response = getattr(nanxun_writer, method)(
            path, **({} if method == "get" else {"body": {"rows": [ROW]}})
        )
        assert response.status_code == status, path
        assert list(response.json()) == ["error"]


@pytest.fixture
def key_taken_meanwhile(monkeypatch):
    """Another writer adds the first new report's key after the plan, just before the commit."""

    def taken_first(write):
        def write_after_another(model, creates, **kwargs):
            if model is SafetyReport and creates:
                SafetyReport.objects.create(
                    enterprise_id=creates[0]["enterprise_id"],
                    month=creates[0]["month"],
                    inspections=1,
                    accidents=0,
                )
            return write(model, creates, **kwargs)

        return write_after_another

    monkeypatch.setattr(engine, "_copy_create", taken_first(engine._copy_create))
    monkeypatch.setattr(engine, "_insert_many", taken_first(engine._insert_many))


# Transactional (the conflict is with a write committed meanwhile); serialized_rollback gives the
# later tests back the rows the data migrations made, which the flush after this test empties.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_conflict_with_a_write_committed_meanwhile_is_409_and_writes_nothing(portal, key_taken_meanwhile):
    api = Api(token_for("w", "all", write=True))
    response = api.post("/api/v1/imports/safety/", {"rows": [ROW, {**ROW, "month": "2017-02"}]})
    assert (response.status_code, response.json()) == (
        409,
        {
            "error": "The import was refused: another import or an edit changed some of the same records while it "
            "was being written. Nothing was written; please try again."
        },
    )
    assert not SafetyReport.objects.filter(month=datetime.date(2017, 2, 1)).exists()
    assert ImportBatch.objects.count() == 0


# Rate limit and audit


def test_past_the_rate_a_client_gets_429_with_retry_after_until_the_next_minute(nanxun_reader, settings):
    settings.SCORE_API_RATE = 3
    with time_machine.travel(datetime.datetime(2026, 6, 1, 8, 0, 45, tzinfo=datetime.UTC), tick=False):
        statuses = [nanxun_reader.get("/api/v1/districts/").status_code for _ in range(4)]
        refused = nanxun_reader.get("/api/v1/districts/")
    assert statuses == [200, 200, 200, 429]
    assert refused["Retry-After"] == "15"
    assert refused.json() == {
        "error": "This client made more than 3 requests in a minute, the portal's limit; try again in 15 seconds."
    }
    with time_machine.travel(datetime.datetime(2026, 6, 1, 8, 1, 0, tzinfo=datetime.UTC), tick=False):
        assert nanxun_reader.get("/api/v1/districts/").status_code == 200
    client = ApiClient.objects.get(name="nanxun-reader")
    assert (client.request_count, client.last_used_at) == (
        4,
        datetime.datetime(2026, 6, 1, 8, 1, tzinfo=datetime.UTC),
    )


def test_each_client_has_its_own_count(portal, settings):
    settings.SCORE_API_RATE = 1
    first, second = Api(token_for("one", "all")), Api(token_for("two", ["anji"]))
    assert [first.get("/api/v1/districts/").status_code, second.get("/api/v1/districts/").status_code] == [
        200,
        200,
    ]
    assert first.get("/api/v1/districts/").status_code == 429


def test_every_api_request_has_an_audit_line_with_its_client(nanxun_reader, caplog, settings):
    settings.SCORE_API_RATE = 1
    with caplog.at_level(logging.INFO, logger="score.request"):
        nanxun_reader.get("/api/v1/districts/")
        Api(None).get("/api/v1/districts/")
        nanxun_reader.get("/api/v1/districts/")  # past the rate: refused, still its client's line
    lines = [r for r in caplog.records if r.name == "score.request"]
    assert [(r.path, r.status, r.client) for r in lines] == [
        ("/api/v1/districts/", 200, "nanxun-reader"),
        ("/api/v1/districts/", 401, "-"),
        ("/api/v1/districts/", 429, "nanxun-reader"),
    ]
    assert lines[0].getMessage().endswith("client=nanxun-reader")


# The OpenAPI document and its docs


def test_the_openapi_document_is_generated_and_public(db):
    response = Client().get("/api/v1/openapi.json", headers={"Accept-Language": "en"})
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert sorted(document["paths"]) == [
        "/api/v1/districts/",
        "/api/v1/enterprises/",
        "/api/v1/figures/",
        "/api/v1/imports/{kind}/",
        "/api/v1/missing/",
        "/api/v1/safety-reports/",
        "/api/v1/safety-reports/{credit_code}/{month}/history/",
    ]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # The rows' key columns (the kinds' declared keys) are strings; any other key is allowed.
    row = document["components"]["schemas"]["ImportRowsRequest"]["properties"]["rows"]["items"]
    key = {"type": "string", "description": "A key of the record: a JSON string, never a number."}
    assert row == {
        "type": "object",
        "properties": {"credit_code": key, "month": key, "reference": key},
        "additionalProperties": True,
    }


def test_the_docs_page_is_served_by_the_portal_without_inline_script(db):
    response = Client().get("/api/v1/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in page and "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
