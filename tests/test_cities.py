"""A second city is data: added by a command or in the admin, and walled off from Huzhou."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.scoping import visible_districts
from accounts.services import user_create_or_update
from districts.models import City, District
from tests.factories import make_enterprise, make_user

NANXUN_CODE = "91330503375583185N"  # Huzhou, Nanxun
NANHU_CODE = "91330402000000017C"  # Jiaxing, Nanhu: registered in 330402

JIAXING_DISTRICTS = [
    "nanhu:南湖区:Nanhu:330402",
    "xiuzhou:秀洲区:Xiuzhou:330411",
    "jiashan:嘉善县:Jiashan:330421",
    "haiyan:海盐县:Haiyan:330424",
    "haining:海宁市:Haining:330481",
    "pinghu:平湖市:Pinghu:330482",
    "tongxiang:桐乡市:Tongxiang:330483",
]


def add_jiaxing(*extra_districts):
    arguments = ["add_city", "jiaxing", "--name-zh", "嘉兴市", "--name-en", "Jiaxing", "--division", "330400"]
    for spec in [*JIAXING_DISTRICTS, *extra_districts]:
        arguments += ["--district", spec]
    call_command(*arguments, stdout=io.StringIO())


@pytest.fixture
def jiaxing(db):
    add_jiaxing()
    return City.objects.get(code="jiaxing")


@pytest.fixture
def two_cities(jiaxing):
    make_enterprise(
        "nanxun", credit_code=NANXUN_CODE, name="南浔甲企业", score_start=datetime.date(2016, 1, 1)
    )
    make_enterprise("nanhu", credit_code=NANHU_CODE, name="南湖丙企业", score_start=datetime.date(2016, 1, 1))


def city_official(city_code):
    return user_create_or_update(
        username=f"city-{city_code}", role="city_official", password="pw-for-tests-only", city_code=city_code
    )


class TestAddCity:
    def test_the_command_adds_jiaxing_and_its_districts(self, jiaxing):
        assert (jiaxing.name_zh, jiaxing.name_en, jiaxing.division) == ("嘉兴市", "Jiaxing", "330400")
        assert list(jiaxing.districts.values_list("code", "name_zh", "name_en", "division")) == [
            ("nanhu", "南湖区", "Nanhu", "330402"),
            ("xiuzhou", "秀洲区", "Xiuzhou", "330411"),
            ("jiashan", "嘉善县", "Jiashan", "330421"),
            ("haiyan", "海盐县", "Haiyan", "330424"),
            ("haining", "海宁市", "Haining", "330481"),
            ("pinghu", "平湖市", "Pinghu", "330482"),
            ("tongxiang", "桐乡市", "Tongxiang", "330483"),
        ]
        # Huzhou's five are untouched: 5 + 7 districts in all.
        assert District.objects.count() == 12

    def test_running_it_again_changes_nothing(self, jiaxing):
        add_jiaxing()
        assert (City.objects.count(), District.objects.count()) == (2, 12)

    def test_a_district_can_be_added_later(self, jiaxing):
        add_jiaxing("xinjiang:新疆区:Xinjiang:330499")
        assert jiaxing.districts.count() == 8

    def test_a_district_code_of_another_city_is_refused(self, jiaxing):
        with (
            translation.override("en"),
            pytest.raises(CommandError, match="District with this Code already exists"),
        ):
            add_jiaxing("nanxun:南浔:Nanxun:330409")
        assert District.objects.get(code="nanxun").city.code == "huzhou"

    def test_a_district_outside_the_citys_division_is_refused(self, db):
        with (
            translation.override("en"),
            pytest.raises(
                CommandError, match="The district anji2 has division 330523, which is not in the city 330400"
            ),
        ):
            add_jiaxing("anji2:安吉:Anji:330523")
        assert City.objects.filter(code="jiaxing").exists() is False

    def test_a_malformed_district_is_refused(self, db):
        with pytest.raises(CommandError, match="invalid district_spec value: 'nanhu:南湖区'"):
            call_command(
                "add_city", "jiaxing", "--name-zh", "嘉兴市", "--name-en", "Jiaxing", "--division", "330400",
                "--district", "nanhu:南湖区",
            )  # fmt: skip

    def test_the_admin_adds_a_city_with_its_districts(self, client, db):
        client.force_login(make_user("programme_admin"))
        response = client.post(
            "/admin/districts/city/add/",
            {
                "name_zh": "嘉兴市",
                "name_en": "Jiaxing",
                "code": "jiaxing",
                "division": "330400",
                "districts-TOTAL_FORMS": "2",
                "districts-INITIAL_FORMS": "0",
                "districts-0-name_zh": "南湖区",
                "districts-0-name_en": "Nanhu",
                "districts-0-code": "nanhu",
                "districts-0-division": "330402",
                "districts-1-name_zh": "秀洲区",
                "districts-1-name_en": "Xiuzhou",
                "districts-1-code": "xiuzhou",
                "districts-1-division": "330411",
            },
        )
        assert response.status_code == 302
        assert list(District.objects.filter(city__code="jiaxing").values_list("code", flat=True)) == [
            "nanhu",
            "xiuzhou",
        ]
        # And an official of the new city can be made at once.
        assert list(visible_districts(city_official("jiaxing")).values_list("code", flat=True)) == [
            "nanhu",
            "xiuzhou",
        ]


class TestTwoCitiesSeeNothingOfEachOther:
    def test_a_jiaxing_city_official_sees_only_jiaxing(self, client, two_cities):
        client.force_login(city_official("jiaxing"))
        assert [e.name for e in client.get("/enterprises/").context["page"]] == ["南湖丙企业"]
        assert client.get(f"/enterprises/{NANHU_CODE}/").status_code == 200
        assert client.get(f"/enterprises/{NANXUN_CODE}/").status_code == 404

    def test_a_jiaxing_district_official_sees_only_the_district(self, client, two_cities):
        make_enterprise("xiuzhou", name="秀洲丁企业")
        client.force_login(make_user("district_official", district="nanhu"))
        assert [e.name for e in client.get("/enterprises/").context["page"]] == ["南湖丙企业"]
        assert client.get(f"/enterprises/{NANXUN_CODE}/").status_code == 404

    def test_a_huzhou_city_official_sees_nothing_of_jiaxing(self, client, two_cities):
        client.force_login(city_official("huzhou"))
        page = client.get("/enterprises/")
        assert [e.name for e in page.context["page"]] == ["南浔甲企业"]
        assert "南湖" not in page.content.decode()
        assert client.get(f"/enterprises/{NANHU_CODE}/").status_code == 404
        assert list(client.get("/enterprises/", {"q": NANHU_CODE}).context["page"]) == []

    def test_a_huzhou_district_official_sees_nothing_of_jiaxing(self, client, two_cities):
        client.force_login(make_user("district_official", district="nanxun"))
        assert [e.name for e in client.get("/enterprises/").context["page"]] == ["南浔甲企业"]
        assert client.get(f"/enterprises/{NANHU_CODE}/").status_code == 404

    @pytest.mark.parametrize("user", ["jiaxing-city", "nanhu", "huzhou-city", "nanxun"])
    def test_no_official_of_either_city_gets_into_the_admin(self, client, two_cities, user):
        officials = {
            "jiaxing-city": lambda: city_official("jiaxing"),
            "nanhu": lambda: make_user("district_official", district="nanhu"),
            "huzhou-city": lambda: city_official("huzhou"),
            "nanxun": lambda: make_user("district_official", district="nanxun"),
        }
        client.force_login(officials[user]())
        for url in ["/admin/", "/admin/enterprises/enterprise/", "/admin/districts/district/"]:
            response = client.get(url)
            assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/")

    def test_a_city_official_needs_a_city_once_there_are_two(self, jiaxing):
        from django.core.exceptions import ValidationError

        with (
            translation.override("en"),
            pytest.raises(ValidationError, match=r"A city official needs a city"),
        ):
            user_create_or_update(username="wang", role="city_official", password="pw-for-tests-only")

    def test_the_programme_admin_sees_both_cities(self, client, two_cities):
        client.force_login(make_user("programme_admin"))
        assert [e.name for e in client.get("/enterprises/").context["page"]] == ["南湖丙企业", "南浔甲企业"]
