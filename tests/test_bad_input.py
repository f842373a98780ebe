"""Bad input in URLs and forms: the answers the portal gives to what tests/test_fuzz.py found
making a 500, each class fixed where it arose."""

from urllib.parse import quote

import pytest

from tests.test_access import NANXUN_CODE, NANXUN_WORKSHOP
from tests.test_access import client_as as logged_in
from tests.test_access import portal as portal  # noqa: F401 (the fixture)


class TestWhatFuzzingFound:
    """Each 5xx the fuzzing found, as a plain test of the answer the portal now gives."""

    @pytest.fixture
    def client(self, client):
        client.cookies["django_language"] = "en"
        return client

    @pytest.mark.parametrize("name", ["q", "sector", "cohort", "sort"])
    def test_a_nul_in_a_district_filter_is_refused_with_400(self, portal, client, name):  # noqa: F811
        # The filter form's refusal was ignored, and its missing value a KeyError.
        client = logged_in(client, "city_official")
        page = client.get("/dashboard/districts/nanxun/", {name: "a\x00b"})
        assert page.status_code == 400
        assert "The search and filters cannot contain a NUL character." in page.content.decode()
        download = client.get("/dashboard/districts/nanxun/export.csv", {name: "\x00"})
        assert download.status_code == 400
        assert "The search and filters cannot contain a NUL character." in download.content.decode()

    def test_the_message_in_chinese(self, portal, client):  # noqa: F811
        del client.cookies["django_language"]
        page = logged_in(client, "city_official").get("/dashboard/districts/nanxun/", {"sort": "\x00"})
        assert "搜索和筛选条件不能包含空字符（NUL）。" in page.content.decode()

    def test_a_nul_in_the_enterprise_search_is_refused_with_400(self, portal, client):  # noqa: F811
        # PostgreSQL cannot compare text holding a NUL: the search reached it from request.GET.
        page = logged_in(client, "city_official").get("/enterprises/", {"q": "南浔\x00"})
        assert page.status_code == 400
        assert "The search and filters cannot contain a NUL character." in page.content.decode()

    @pytest.mark.parametrize(
        "code",
        [NANXUN_CODE + "\x00", "\x00", NANXUN_CODE[:17] + "Ｎ", NANXUN_CODE + "0", "9133050337558318 N"],
    )
    def test_what_cannot_be_a_credit_code_is_a_404(self, portal, client, code):  # noqa: F811
        response = logged_in(client, "city_official").get(f"/enterprises/{quote(code, safe='')}/")
        assert response.status_code == 404

    def test_the_enterprise_page_takes_the_code_in_either_case(self, portal, client):  # noqa: F811
        client = logged_in(client, "city_official")
        assert client.get(f"/enterprises/{NANXUN_CODE.lower()}/").status_code == 200

    @pytest.mark.parametrize("module", ["²", "١", "１", "1.0", "-1", " 1"])
    def test_a_module_that_is_not_written_in_ascii_digits_is_refused_with_400(
        self,
        portal,
        client,
        module,  # noqa: F811
    ):
        # str.isdigit() let "²" through to int(), which refused it.
        page = logged_in(client, "trainer").get("/training/", {"module": module})
        assert page.status_code == 400
        assert "A module is chosen by its number, for example 1." in page.content.decode()

    def test_the_module_message_in_chinese(self, portal, client):  # noqa: F811
        del client.cookies["django_language"]
        page = logged_in(client, "trainer").get("/training/", {"module": "²"})
        assert "请用编号选择培训模块，例如 1。" in page.content.decode()

    def test_a_module_number_beyond_any_module_lists_nothing(self, portal, client):  # noqa: F811
        page = logged_in(client, "trainer").get("/training/", {"module": "999999999"})
        assert (page.status_code, list(page.context["page"])) == (200, [])

    def test_an_attendance_row_numbered_in_other_digits_is_not_read(self, portal, client):  # noqa: F811
        # The row numbers were read with \d+, which takes "²", and int() refused it.
        client = logged_in(client, "trainer")
        response = client.post(
            f"/training/workshops/{NANXUN_WORKSHOP}/attendance/",
            {"row-²-name": "王芳", "row-²-present": "on"},
        )
        # Nothing to save but an empty list: the row's number is not one the page writes.
        assert response.status_code == 302

    @pytest.mark.parametrize("field", ["enterprises", "trainers"])
    @pytest.mark.parametrize("pk", [str(2**63), str(-(2**63) - 1), "１"])
    def test_a_workshop_with_an_id_no_record_can_have_is_refused_by_the_form(
        self,
        portal,
        client,
        field,
        pk,  # noqa: F811
    ):
        # SQLite refused an id beyond 64 bits in the form's IN (…) with an OverflowError.
        response = logged_in(client, "trainer").post("/training/workshops/new/", {field: pk})
        assert response.status_code == 200
        assert response.context["form"].errors[field] == [f"“{pk}” is not a valid value."]
