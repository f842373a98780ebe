"""Login throttling, upload checks, the admin's record of changes, the read-replica router."""

import datetime
import io

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.models import FailedLoginCount
from dashboard.db_router import ReplicaRouter, reads_from_replica
from enterprises.models import Enterprise
from imports.uploads import ImportFileField, validate_import_file
from tests.factories import make_enterprise, make_user

PASSWORD = "pw-for-tests-only"


def log_in(client, username, password, address="10.0.0.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def li(db):
    return make_user("district_official", district="anji", username="li", password=PASSWORD)


class TestLoginThrottling:
    def test_five_failures_lock_the_username_even_for_the_right_password(self, client, li):
        for _ in range(5):
            assert log_in(client, "li", "wrong").status_code == 200
        response = log_in(client, "li", PASSWORD)
        assert response.status_code == 200
        assert "登录失败次数过多" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_the_message_in_english(self, client, li):
        for _ in range(5):
            log_in(client, "li", "wrong")
        client.cookies["django_language"] = "en"
        page = log_in(client, "li", PASSWORD).content.decode()
        assert "Too many failed logins for this account or from this computer." in page
        assert "Please wait 15 minutes and try again" in page

    def test_four_failures_do_not_lock(self, client, li):
        for _ in range(4):
            log_in(client, "li", "wrong")
        assert log_in(client, "li", PASSWORD).status_code == 302

    def test_the_username_is_locked_from_every_address(self, client, li):
        # Five failures from five computers: the account is what is protected.
        for number in range(5):
            log_in(client, "li", "wrong", address=f"10.0.0.{number + 1}")
        assert log_in(client, "li", PASSWORD, address="10.0.9.9").status_code == 200

    def test_the_username_is_matched_in_any_case(self, client, li):
        for _ in range(5):
            log_in(client, "LI", "wrong")
        assert log_in(client, "li", PASSWORD).status_code == 200

    def test_twenty_failures_from_one_address_lock_it_for_every_username(self, client, li):
        for number in range(20):
            log_in(client, f"guess{number}", "wrong", address="10.0.0.66")
        assert log_in(client, "li", PASSWORD, address="10.0.0.66").status_code == 200
        # Another computer is not affected.
        assert log_in(client, "li", PASSWORD, address="10.0.0.67").status_code == 302

    def test_the_lock_ends_when_the_window_has_passed(self, client, li):
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
            for _ in range(5):
                log_in(client, "li", "wrong")
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 14, tzinfo=datetime.UTC)):
            assert log_in(client, "li", PASSWORD).status_code == 200
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 16, tzinfo=datetime.UTC)):
            assert log_in(client, "li", PASSWORD).status_code == 302

    def test_the_window_starts_at_the_first_failure(self, client, li):
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
            for _ in range(4):
                log_in(client, "li", "wrong")
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 10, tzinfo=datetime.UTC)):
            log_in(client, "li", "wrong")
        # Five failures in the window 9:00-9:15.
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 12, tzinfo=datetime.UTC)):
            assert log_in(client, "li", PASSWORD).status_code == 200
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 16, tzinfo=datetime.UTC)):
            assert log_in(client, "li", PASSWORD).status_code == 302

    def test_a_successful_login_does_not_count_against_the_address(self, client, li):
        for number in range(19):
            log_in(client, f"guess{number}", "wrong", address="10.0.0.66")
        # Each success is counted in advance (19 + 1 = 20) and taken back when the password is right.
        for _ in range(3):
            assert log_in(client, "li", PASSWORD, address="10.0.0.66").status_code == 302
            client.logout()
        log_in(client, "guess19", "wrong", address="10.0.0.66")
        # Now 20 failures from the address.
        assert log_in(client, "li", PASSWORD, address="10.0.0.66").status_code == 200

    def test_failures_are_kept_in_the_database_and_old_ones_forgotten(self, client, li):
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
            log_in(client, "li", "wrong")
        with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)):
            log_in(client, "wang", "wrong", address="10.0.0.2")
        # Kept: wang's failure from 10.0.0.2; forgotten: li's and 10.0.0.1's, an hour old.
        assert set(FailedLoginCount.objects.values_list("kind", "value", "failures")) == {
            ("username", "wang", 1),
            ("address", "10.0.0.2", 1),
        }

    def test_a_successful_login_forgives_the_usernames_failures(self, client, li):
        for _ in range(4):
            log_in(client, "li", "wrong")
        assert log_in(client, "li", PASSWORD).status_code == 302
        client.logout()
        for _ in range(4):
            log_in(client, "li", "wrong")
        assert log_in(client, "li", PASSWORD).status_code == 302

    def test_the_admin_login_is_throttled_too(self, client, db):
        make_user("programme_admin", username="boss", password=PASSWORD)
        for _ in range(5):
            log_in(client, "boss", "wrong", path="/admin/login/")
        response = log_in(client, "boss", PASSWORD, path="/admin/login/")
        assert response.status_code == 200
        assert "登录失败次数过多" in response.content.decode()

    def test_the_address_comes_from_the_trusted_proxy(self, client, li, settings):
        settings.SCORE_TRUSTED_PROXY_COUNT = 1
        for _ in range(5):
            client.post(
                "/accounts/login/",
                {"username": f"x{_}", "password": "wrong"},
                REMOTE_ADDR="10.0.0.1",
                headers={"X-Forwarded-For": "1.2.3.4, 172.16.0.9"},
            )
        # The proxy's own entry (the last) is the client; what the client wrote before it is not.
        addresses = FailedLoginCount.objects.filter(kind="address").values_list("value", flat=True)
        assert set(addresses) == {"172.16.0.9"}


def upload(name, content):
    return SimpleUploadedFile(name, content)


def xlsx_bytes():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["统一社会信用代码", "企业名称"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestImportUploads:
    @pytest.fixture(autouse=True)
    def english(self):
        with translation.override("en"):
            yield

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("企业.xlsx", None),
            ("ENTERPRISES.XLSX", None),
            ("企业.csv", "统一社会信用代码,企业名称\n".encode()),
            ("企业.csv", "统一社会信用代码,企业名称\n".encode("gb18030")),
            ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ],
    )
    def test_excel_and_csv_files_are_accepted(self, name, content):
        assert validate_import_file(upload(name, content if content is not None else xlsx_bytes())) is None

    def test_a_file_over_the_limit_is_refused_with_both_sizes(self, settings):
        settings.SCORE_IMPORT_MAX_BYTES = 1024 * 1024  # 1 MB
        with pytest.raises(ValidationError) as info:
            validate_import_file(upload("big.csv", b"a,b\n" * (3 * 1024 * 1024 // 8)))
        # 3 MiB / 8 lines of 4 bytes ("a,b\\n") = 1.5 MiB; filesizeformat puts a no-break space before MB.
        assert info.value.messages == [
            "The file is 1.5\xa0MB; the portal takes files up to 1.0\xa0MB. Split it into smaller files."
        ]

    def test_another_type_is_refused_by_its_name(self):
        with pytest.raises(
            ValidationError,
            match=r"report\.pdf is not a file the portal can read: send \.xlsx, \.xls or \.csv\.",
        ):
            validate_import_file(upload("report.pdf", b"%PDF-1.4"))

    def test_an_empty_file_is_refused(self):
        with pytest.raises(ValidationError, match="The file is empty."):
            validate_import_file(upload("empty.csv", b""))

    def test_the_check_leaves_the_file_at_its_start_for_the_reader(self):
        uploaded = upload("企业.csv", b"a,b\n1,2\n")
        validate_import_file(uploaded)
        assert uploaded.read() == b"a,b\n1,2\n"

    def test_the_form_field_checks_and_tells_the_browser_what_to_offer(self):
        field = ImportFileField()
        assert field.widget_attrs(field.widget)["accept"] == ".csv,.xlsx,.xls"
        with pytest.raises(ValidationError, match="report.pdf is not a file the portal can read"):
            field.clean(upload("report.pdf", b"%PDF-1.4"))

    def test_the_message_in_chinese(self):
        with translation.override("zh-hans"), pytest.raises(ValidationError, match="平台无法读取 report.pdf"):
            validate_import_file(upload("report.pdf", b"%PDF-1.4"))


class TestAdminChangeRecord:
    @pytest.fixture
    def entries(self, db):
        boss = make_user("programme_admin", username="boss")
        deputy = make_user("programme_admin", username="deputy")
        enterprise = make_enterprise("anji", name="安吉乙企业")
        user_type = ContentType.objects.get_for_model(type(boss))
        enterprise_type = ContentType.objects.get_for_model(Enterprise)
        LogEntry.objects.log_actions(
            user_id=boss.pk, queryset=[enterprise], action_flag=CHANGE, change_message="改了职工人数"
        )
        LogEntry.objects.create(
            user=deputy,
            content_type=user_type,
            object_id=str(boss.pk),
            object_repr="boss",
            action_flag=CHANGE,
            change_message="重设密码",
        )
        return {"boss": boss, "deputy": deputy, "enterprise_type": enterprise_type, "user_type": user_type}

    def test_a_change_made_in_the_admin_is_recorded(self, client, db):
        boss = make_user("programme_admin", username="boss")
        enterprise = make_enterprise("anji", name="安吉乙企业", employees=100)
        client.force_login(boss)
        data = {
            "credit_code": enterprise.credit_code,
            "name": "安吉乙企业",
            "district": enterprise.district_id,
            "score_start": "2016-01-15",
            "employees": "120",
            "safety_reports-TOTAL_FORMS": "0",
            "safety_reports-INITIAL_FORMS": "0",
        }
        response = client.post(f"/admin/enterprises/enterprise/{enterprise.pk}/change/", data)
        assert response.status_code == 302
        entry = LogEntry.objects.get()
        assert (entry.user, entry.object_repr, entry.action_flag) == (boss, str(enterprise), CHANGE)
        with translation.override("en"):
            assert entry.get_change_message() == "Changed Employees."

    def test_programme_admins_read_every_entry(self, client, entries):
        client.force_login(entries["boss"])
        page = client.get("/admin/admin/logentry/").content.decode()
        assert "改了职工人数" in page and "重设密码" in page

    def test_filtered_by_user(self, client, entries):
        client.force_login(entries["boss"])
        page = client.get("/admin/admin/logentry/", {"user__id__exact": entries["deputy"].pk})
        assert [e.change_message for e in page.context["cl"].result_list] == ["重设密码"]

    def test_filtered_by_model(self, client, entries):
        client.force_login(entries["boss"])
        response = client.get(
            "/admin/admin/logentry/", {"content_type__id__exact": entries["enterprise_type"].pk}
        )
        assert [e.change_message for e in response.context["cl"].result_list] == ["改了职工人数"]

    def test_filtered_by_date(self, client, entries):
        LogEntry.objects.filter(change_message="重设密码").update(
            action_time=timezone.now() - datetime.timedelta(days=40)
        )
        client.force_login(entries["boss"])
        response = client.get(
            "/admin/admin/logentry/",
            {"action_time__gte": (timezone.now() - datetime.timedelta(days=1)).isoformat()},
        )
        assert [e.change_message for e in response.context["cl"].result_list] == ["改了职工人数"]

    def test_entries_cannot_be_added_changed_or_deleted(self, client, entries):
        client.force_login(entries["boss"])
        entry = LogEntry.objects.get(change_message="重设密码")
        assert client.get("/admin/admin/logentry/add/").status_code == 403
        assert client.post(f"/admin/admin/logentry/{entry.pk}/change/", {}).status_code == 403
        assert client.post(f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        assert LogEntry.objects.filter(pk=entry.pk).exists() is True
        # Viewing one is allowed, read-only.
        page = client.get(f"/admin/admin/logentry/{entry.pk}/change/")
        assert page.status_code == 200
        assert 'name="change_message"' not in page.content.decode()

    def test_the_list_needs_the_same_queries_for_more_entries(
        self, client, entries, django_assert_num_queries
    ):
        client.force_login(entries["boss"])
        client.get("/admin/admin/logentry/")
        for number in range(20):
            LogEntry.objects.create(
                user=entries["deputy"],
                content_type=entries["user_type"],
                object_id="1",
                object_repr=f"u{number}",
                action_flag=CHANGE,
            )
        # session, user; the user filter's users, the content-type filter's types; count, count
        # without filters, the page joined with user and content type; the date hierarchy's
        # first and last dates, then its days.
        with django_assert_num_queries(9):
            client.get("/admin/admin/logentry/")


class TestReplicaRouter:
    def test_reads_go_to_the_primary_by_default(self):
        assert ReplicaRouter().db_for_read(Enterprise) is None

    def test_a_view_marked_for_the_replica_reads_from_it_and_writes_to_the_primary(self):
        router = ReplicaRouter()

        @reads_from_replica
        def dashboard(request):
            return router.db_for_read(Enterprise), router.db_for_write(Enterprise)

        assert dashboard(None) == ("replica", "default")
        # And only for the duration of that view.
        assert router.db_for_read(Enterprise) is None

    def test_only_the_primary_is_migrated(self):
        router = ReplicaRouter()
        assert (
            router.allow_migrate("default", "enterprises"),
            router.allow_migrate("replica", "enterprises"),
        ) == (
            True,
            False,
        )

    def test_database_replica_url_turns_the_router_on(self):
        import os
        import subprocess
        import sys

        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()\n"
            "from django.conf import settings as s\n"
            "print(s.DATABASES['replica']['HOST'], s.DATABASE_ROUTERS)"
        )
        env = {
            "PATH": os.environ["PATH"],
            "DATABASE_URL": "postgres://score@db-primary:5432/score",
            "DATABASE_REPLICA_URL": "postgres://score@db-replica:5432/score",
        }
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert result.stdout.strip() == "db-replica ['dashboard.db_router.ReplicaRouter']"


class TestRequestBodyLimit:
    def test_a_body_over_the_limit_is_refused_before_it_is_read(self, client, db, settings):
        settings.SCORE_IMPORT_MAX_BYTES = 1024 * 1024  # 1 MB, so 2 MB with the margin
        client.force_login(make_user("programme_admin"))
        big = upload("企业.csv", b"a,b\n" * (600 * 1024))  # 2.4 MB
        response = client.post("/enterprises/", {"file": big})
        assert response.status_code == 413
        page = response.content.decode()
        assert "文件过大" in page and "最大 1 MB" in page

    def test_the_page_in_english(self, client, db, settings):
        settings.SCORE_IMPORT_MAX_BYTES = 1024 * 1024
        client.cookies["django_language"] = "en"
        response = client.post("/accounts/login/", {"file": upload("a.csv", b"a,b\n" * (600 * 1024))})
        assert response.status_code == 413
        assert "The portal accepts files of at most 1 MB." in response.content.decode()

    def test_a_body_within_the_limit_goes_through(self, client, db, settings):
        settings.SCORE_IMPORT_MAX_BYTES = 1024 * 1024
        response = client.post("/accounts/login/", {"file": upload("a.csv", b"a,b\n" * (400 * 1024))})
        assert response.status_code == 200  # the login form, shown again
