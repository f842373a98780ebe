import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.models import Role
from accounts.scoping import editable_districts, user_role, visible_districts
from common.months import Period
from dashboard.figures import district_figures
from districts.models import City, District
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month
from improvements.models import ImprovementProject, Suggestion
from score_portal.settings import database_from_url
from tests.factories import make_enterprise, make_user
from training.models import Attendance, Module, Participant, Workshop

ROOT = Path(__file__).resolve().parent.parent


def test_huzhou_and_its_five_districts_are_seeded(db):
    assert City.objects.get().name_zh == "湖州市"
    assert list(District.objects.values_list("code", "name_zh", "name_en", "division")) == [
        ("wuxing", "吴兴区", "Wuxing", "330502"),
        ("nanxun", "南浔区", "Nanxun", "330503"),
        ("deqing", "德清县", "Deqing", "330521"),
        ("changxing", "长兴县", "Changxing", "330522"),
        ("anji", "安吉县", "Anji", "330523"),
    ]


def test_the_five_score_modules_are_seeded(db):
    assert list(Module.objects.values_list("number", "name_en")) == [
        (1, "Workplace Cooperation"),
        (2, "Quality Management"),
        (3, "Productivity through Cleaner Production"),
        (4, "Human Resource Management"),
        (5, "Occupational Safety and Health"),
    ]


def test_roles_are_a_field_and_the_old_role_groups_are_gone(db):
    from django.contrib.auth.models import Group

    from accounts.models import Profile

    assert Profile._meta.get_field("role").choices == Role.choices
    assert Group.objects.filter(name__in=Role.values).exists() is False


def test_credit_code_is_stored_upper_case_without_spaces(nanxun):
    enterprise = make_enterprise(nanxun, credit_code=" 91330503375583185n ")
    enterprise.refresh_from_db()
    assert enterprise.credit_code == "91330503375583185N"


@pytest.mark.parametrize(
    ("role", "district", "visible", "editable"),
    [
        (
            "programme_admin",
            None,
            ["wuxing", "nanxun", "deqing", "changxing", "anji"],
            ["wuxing", "nanxun", "deqing", "changxing", "anji"],
        ),
        ("city_official", None, ["wuxing", "nanxun", "deqing", "changxing", "anji"], []),
        # It corrects its enterprises' suggestions and projects (reporting.improvement_views).
        ("district_official", "anji", ["anji"], ["anji"]),
        ("trainer", "nanxun", ["nanxun"], ["nanxun"]),
    ],
)
def test_scoping_per_role(db, role, district, visible, editable):
    user = make_user(role, district=district)
    assert list(visible_districts(user).values_list("code", flat=True)) == visible
    assert list(editable_districts(user).values_list("code", flat=True)) == editable


def test_user_without_role_sees_nothing(db):
    user = User.objects.create_user("nobody")
    assert user_role(user) is None
    assert visible_districts(user).exists() is False


class TestAddUser:
    @pytest.fixture(autouse=True)
    def english(self):
        with translation.override("en"):
            yield

    def test_creates_a_district_official_with_district(self, db, capsys):
        call_command(
            "add_user",
            "li",
            "--role",
            "district_official",
            "--district",
            "NANXUN",
            "--password",
            "Nanxun-safety-2026",
        )
        user = User.objects.get(username="li")
        assert user.check_password("Nanxun-safety-2026") is True
        assert user.profile.district.code == "nanxun"
        assert user_role(user) == Role.DISTRICT_OFFICIAL
        assert user.is_staff is False

    def test_programme_admin_gets_the_admin(self, db):
        call_command("add_user", "boss", "--role", "programme_admin", "--password", "Nanxun-safety-2026")
        user = User.objects.get(username="boss")
        assert (user.is_staff, user.is_superuser) == (True, True)

    def test_city_official_works_for_the_only_city(self, db):
        call_command("add_user", "wang", "--role", "city_official", "--password", "Huzhou-safety-2026")
        assert User.objects.get(username="wang").profile.city.code == "huzhou"

    def test_refuses_a_weak_password_with_the_validators_reasons(self, db, english):
        with pytest.raises(
            CommandError, match="This password is too short. It must contain at least 12 characters."
        ):
            call_command("add_user", "wang", "--role", "city_official", "--password", "x")
        with pytest.raises(CommandError, match="This password is too common."):
            call_command("add_user", "wang", "--role", "city_official", "--password", "password1234")
        with pytest.raises(CommandError, match="The password is too similar to the username."):
            call_command("add_user", "wangxiaoming", "--role", "city_official", "--password", "wangxiaoming1")
        assert User.objects.filter(username="wang").exists() is False

    def test_refuses_a_district_role_without_district(self, db):
        with pytest.raises(CommandError, match=r"The role trainer needs a district \(--district CODE\)"):
            call_command("add_user", "t", "--role", "trainer")
        assert User.objects.filter(username="t").exists() is False

    def test_refuses_an_unknown_district(self, db):
        with pytest.raises(CommandError, match="Unknown district jiaxing; known districts: wuxing, nanxun"):
            call_command("add_user", "t", "--role", "trainer", "--district", "jiaxing")

    def test_prints_a_generated_password(self, db, capsys):
        call_command("add_user", "t", "--role", "trainer", "--district", "anji")
        password = capsys.readouterr().out.split("password: ")[1].strip()
        assert User.objects.get(username="t").check_password(password) is True


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Enterprise,
            SafetyReport,
            Suggestion,
            ImprovementProject,
            Workshop,
            Participant,
            Attendance,
            User,
        )
    }


def test_seed_demo_twice_adds_nothing_the_second_time(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    figures = district_figures(District.objects.all(), Period(None, latest_due_month()))[1]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first
    assert district_figures(District.objects.all(), Period(None, latest_due_month()))[1] == figures
    # Every district has data (the pilot's 50 enterprises and the scale-up's 950), and one account
    # per role exists, with a consultant for each district's walk-throughs.
    assert first["Enterprise"] == 1000
    assert set(Enterprise.objects.values_list("district__code", flat=True)) == {
        "wuxing",
        "nanxun",
        "deqing",
        "changxing",
        "anji",
    }
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "admin",
        "anji",
        "city",
        "nanxun",
        "qiye-anji",
        "qiye-nanxun",
        "trainer",
        "trainer_anji",
        "trainer_changxing",
        "trainer_deqing",
        "trainer_wuxing",
    ]
    # The consultants of the other districts cannot log in; the demo logins can.
    assert User.objects.get(username="trainer_anji").has_usable_password() is False
    assert User.objects.get(username="trainer").check_password("score-demo-2026") is True
    for enterprise in Enterprise.objects.all():
        enterprise.full_clean()  # valid credit codes and every model rule


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Relative to the project, whatever the working directory.
        ("sqlite:///db.sqlite3", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(ROOT / "db.sqlite3")}),
        (
            "sqlite:////srv/score/db.sqlite3",
            {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/score/db.sqlite3"},
        ),
        (
            "postgres://score:s%40cret@db.local:5433/score",
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "score",
                "USER": "score",
                "PASSWORD": "s@cret",
                "HOST": "db.local",
                "PORT": "5433",
            },
        ),
        (
            "postgresql://score@db.local/score",
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "score",
                "USER": "score",
                "PASSWORD": "",
                "HOST": "db.local",
                "PORT": "",
            },
        ),
    ],
)
def test_database_url(url, expected):
    config = database_from_url(url)
    assert {key: config[key] for key in expected} == expected


def test_postgresql_connections_are_kept_for_a_minute_and_health_checked(monkeypatch):
    monkeypatch.delenv("DJANGO_CONN_MAX_AGE", raising=False)
    config = database_from_url("postgres://score@db.local/score")
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (60, True)
    monkeypatch.setenv("DJANGO_CONN_MAX_AGE", "0")
    assert database_from_url("postgres://score@db.local/score")["CONN_MAX_AGE"] == 0


def test_sqlite_connections_are_not_kept(monkeypatch):
    monkeypatch.setenv("DJANGO_CONN_MAX_AGE", "300")
    config = database_from_url("sqlite:///db.sqlite3")
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, False)


def test_database_url_with_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with sqlite:// or postgres://"):
        database_from_url("mysql://x/y")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://score@db.local:fivefour/score", "DATABASE_URL is not a valid database URL"),
        ("postgres://score@[db.local/score", "DATABASE_URL is not a valid database URL: Invalid IPv6 URL"),
        ("postgres://score@db.local/", "DATABASE_URL for PostgreSQL needs a database name"),
        # dj-database-url would take it for an in-memory database, empty in each thread.
        ("sqlite:///", "DATABASE_URL sqlite:/// needs a file name"),
    ],
)
def test_a_malformed_database_url_is_refused_with_its_reason(url, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        database_from_url(url)


def test_the_replica_url_is_named_in_its_error():
    with pytest.raises(
        ImproperlyConfigured, match="DATABASE_REPLICA_URL must start with sqlite:// or postgres://"
    ):
        database_from_url("mysql://x/y", "DATABASE_REPLICA_URL")


def test_missing_secret_key_stops_production_start_up():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='score_portal.settings'; django.setup()",
        ],
        env={"DJANGO_DEBUG": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false" in result.stderr


class TestPagesInBothLanguages:
    def test_login_page_is_chinese_by_default(self, client, db):
        assert "登录" in client.get("/accounts/login/").content.decode()

    def test_the_language_switch_is_kept(self, client, db):
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
        assert response.status_code == 302
        page = client.get("/accounts/login/").content.decode()
        assert "Log in" in page and "登录" not in page

    def test_404_page_in_both_languages(self, client, db, settings):
        settings.DEBUG = False
        assert "找不到页面" in client.get("/no-such-page/").content.decode()
        client.post("/i18n/setlang/", {"language": "en"})
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_500_page_in_both_languages(self, client, db, settings):
        from django.test import Client

        settings.DEBUG = False
        settings.ROOT_URLCONF = "tests.urls_broken"
        broken = Client(raise_request_exception=False)
        response = broken.get("/boom/")
        assert response.status_code == 500
        assert "出错了" in response.content.decode()
        broken.cookies["django_language"] = "en"
        assert "Something went wrong" in broken.get("/boom/").content.decode()

    def test_bad_login_is_explained_beside_the_form(self, client, db):
        response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()


def test_login_sends_an_official_to_work(client, db):
    make_user("district_official", district="anji", username="anji-official", password="pw-987654")
    response = client.post(
        "/accounts/login/", {"username": "anji-official", "password": "pw-987654"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dashboard/"  # officials work on the dashboard
    assert response.status_code == 200


def test_enterprise_detail_lists_its_reports(role_client, nanxun):
    enterprise = make_enterprise(nanxun, credit_code="91330503375583185N", name="南浔甲企业")
    SafetyReport.objects.create(
        enterprise=enterprise, month=datetime.date(2017, 3, 1), inspections=7, accidents=1
    )
    page = role_client("district_official", "nanxun").get("/enterprises/91330503375583185N/").content.decode()
    assert "南浔甲企业" in page and "2017-03" in page
