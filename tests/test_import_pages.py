"""The web import: upload → preview → confirm → done, the error sheet and the history."""

import csv
import datetime
import hashlib
import io

import openpyxl
import pytest
from django.utils import timezone

from enterprises.models import Enterprise, SafetyReport
from imports.models import ImportBatch
from imports.services import import_batch_confirm
from tests.factories import make_enterprise
from tests.import_files import csv_bytes, xlsx_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
SAFETY_HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "事故起数"]


@pytest.fixture
def admin_client(role_client):
    return role_client("programme_admin")


def upload(client, kind, content, name, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content)}, **extra)


def test_upload_preview_confirm_done(admin_client):
    rows = [
        ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期", "备注"],
        [NANXUN_A, "南浔甲企业", "南浔", "88", "2015-08-15", "x"],
        [NANXUN_B, "南浔乙企业", "Nanxun", "1,200", "2015/9/1", ""],
    ]
    response = upload(admin_client, "enterprises", csv_bytes(rows, "gbk"), "企业.csv")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.pk}/"
    assert Enterprise.objects.count() == 0  # nothing written before the confirmation
    assert (batch.status, batch.rows, batch.created, batch.file_name) == ("previewed", 2, 2, "企业.csv")
    assert bytes(batch.content) == csv_bytes(rows, "gbk")

    page = admin_client.get(f"/imports/{batch.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-count="created">2<' in html
    assert "备注" in html  # the ignored column is listed
    assert [row.number for row, _shown in page.context["rows"]] == [2, 3]
    # As it will be saved: the district's name, the number without its separator, the ISO date.
    assert [text for text, _old in page.context["rows"][1][1]] == [
        NANXUN_B,
        "南浔乙企业",
        "南浔区",
        "1200",
        "2015-09-01",
    ]
    assert Enterprise.objects.count() == 0

    done = admin_client.post(f"/imports/{batch.pk}/confirm/")
    assert done["Location"] == f"/imports/{batch.pk}/done/"
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.updated, bytes(batch.content)) == ("committed", 2, 0, b"")
    assert batch.committed_at is not None
    assert list(
        Enterprise.objects.order_by("credit_code").values_list("credit_code", "employees", "last_import")
    ) == [
        (NANXUN_A, 88, batch.pk),
        (NANXUN_B, 1200, batch.pk),
    ]
    assert "新增 2 条" in admin_client.get(done["Location"]).content.decode()
    # A second confirm (a double click) writes nothing more.
    assert admin_client.post(f"/imports/{batch.pk}/confirm/")["Location"] == f"/imports/{batch.pk}/done/"
    assert Enterprise.objects.count() == 2


def test_a_confirm_after_the_data_changed_checks_again(admin_client):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    upload(admin_client, "safety", csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]]), "s.csv")
    batch = ImportBatch.objects.get()
    admin_client.get(f"/imports/{batch.pk}/")
    # Someone else records October before the confirmation: the planned "new" row is now an update.
    SafetyReport.objects.create(
        enterprise=enterprise, month=datetime.date(2017, 10, 1), inspections=9, accidents=0
    )
    response = admin_client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert response.redirect_chain[-1][0] == f"/imports/{batch.pk}/"
    assert "数据在预览之后有变化" in response.content.decode()
    assert response.context["counts"]["updated"] == 1
    assert SafetyReport.objects.get().inspections == 9  # nothing written by the stale confirm
    admin_client.post(f"/imports/{batch.pk}/confirm/")
    assert SafetyReport.objects.get().inspections == 3


def test_a_file_already_in_the_portal_is_not_left_awaiting_confirmation(admin_client):
    """Nothing to import is a state of its own in the history, not an import waiting forever."""
    make_enterprise("nanxun", credit_code=NANXUN_A)
    content = csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]])
    upload(admin_client, "safety", content, "first.csv")
    first = ImportBatch.objects.get()
    admin_client.post(f"/imports/{first.pk}/confirm/")
    upload(admin_client, "safety", content, "again.csv")
    again = ImportBatch.objects.latest("pk")
    assert (again.status, again.unchanged, again.get_status_display()) == (
        "unchanged",
        1,
        "无需导入：数据已在平台中",
    )
    assert "nothing-to-do" in admin_client.get(f"/imports/{again.pk}/").content.decode()
    # A confirm anyway (a second tab) writes nothing and leaves it as it is.
    admin_client.post(f"/imports/{again.pk}/confirm/")
    again.refresh_from_db()
    assert again.status == "unchanged"
    assert "无需导入：数据已在平台中" in admin_client.get("/imports/history/").content.decode()


def test_a_confirm_that_finds_the_rows_already_written_says_nothing_to_import(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    content = csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]])
    upload(admin_client, "safety", content, "one.csv")
    upload(admin_client, "safety", content, "two.csv")
    one, two = ImportBatch.objects.order_by("pk")
    admin_client.post(f"/imports/{one.pk}/confirm/")
    # The second admin's confirm finds every row already written by the first.
    response = admin_client.post(f"/imports/{two.pk}/confirm/", follow=True)
    assert response.redirect_chain[-1][0] == f"/imports/{two.pk}/"
    two.refresh_from_db()
    assert (two.status, two.created, two.unchanged) == ("unchanged", 0, 1)
    assert SafetyReport.objects.count() == 1


def test_errors_are_listed_with_row_and_header_in_english(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"], [NANXUN_A, "2017-13", "-2", "0"]]
    admin_client.cookies["django_language"] = "en"
    upload(admin_client, "safety", csv_bytes(rows), "s.csv")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.errors) == ("invalid", 2)
    page = admin_client.get(f"/imports/{batch.pk}/")
    assert [(e.row, e.column, e.value, e.message) for e in page.context["errors"]] == [
        (3, "月份", "2017-13", "There is no month 13."),
        (3, "安全检查次数", "-2", "Cannot be negative."),
    ]
    html = page.content.decode()
    assert "The file has 2 errors and cannot be imported." in html
    assert 'id="confirm"' not in html
    assert admin_client.post(f"/imports/{batch.pk}/confirm/")["Location"] == f"/imports/{batch.pk}/"
    assert SafetyReport.objects.count() == 0


def test_the_error_sheet_of_a_csv_is_the_csv_with_an_error_column(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        SAFETY_HEADERS,
        [NANXUN_A, "2017-10", "3", "0"],
        ["", "", "", ""],
        [NANXUN_A, "2017-11", "x", "0"],
    ]
    admin_client.cookies["django_language"] = "en"
    upload(admin_client, "safety", csv_bytes(rows, "gbk"), "安全.csv")
    batch = ImportBatch.objects.get()
    response = admin_client.get(f"/imports/{batch.pk}/errors/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # 安全 is %E5%AE%89 %E5%85%A8 in percent-encoded UTF-8.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AE%89%E5%85%A8-errors.csv"
    sheet = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Row numbers as in the file: the blank row 3 stays, the error is on row 4.
    assert sheet == [
        [*SAFETY_HEADERS, "Errors"],
        [NANXUN_A, "2017-10", "3", "0", ""],
        [],
        [NANXUN_A, "2017-11", "x", "0", "安全检查次数: Expected a whole number."],
    ]


def test_the_error_sheet_of_an_xlsx_keeps_the_workbook(admin_client):
    rows = [SAFETY_HEADERS, [NANXUN_B, datetime.datetime(2017, 10, 1), 3, 0]]
    upload(admin_client, "safety", xlsx_bytes(rows), "safety.xlsx")
    batch = ImportBatch.objects.get()
    response = admin_client.get(f"/imports/{batch.pk}/errors/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == [*SAFETY_HEADERS, "错误"]
    assert sheet["B2"].value == datetime.datetime(2017, 10, 1)
    assert sheet["E2"].value.startswith("统一社会信用代码: 平台中没有")


def test_a_file_over_the_size_limit_is_refused_with_a_message(admin_client, settings):
    settings.SCORE_IMPORT_MAX_BYTES = 1024
    admin_client.cookies["django_language"] = "en"
    response = upload(
        admin_client,
        "enterprises",
        b"credit_code\r\n" + b"x" * 2000,
        "big.csv",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is 2.0\xa0KB; the portal takes files up to 1.0\xa0KB. Split it into smaller files."
    ]
    assert ImportBatch.objects.count() == 0


def test_a_wrong_extension_is_refused_by_the_form(admin_client):
    admin_client.cookies["django_language"] = "en"
    response = upload(admin_client, "enterprises", b"%PDF-1.4", "scan.pdf")
    assert response.context["form"].errors["file"] == [
        "scan.pdf is not a file the portal can read: send .xlsx, .xls or .csv."
    ]
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (bytes(range(256)) * 8, "junk.csv", "This file is not a CSV text file (it holds binary data)."),
        (
            b"\x00\x01garbage" * 50,
            "junk.xlsx",
            "This file is not a real .xlsx workbook (its content is something else).",
        ),
        # A renamed program, and a workbook named .csv: the reader looks at the content, not the name.
        (b"MZ\x90\x00\x03" * 50, "setup.xlsx", "This file is not a real .xlsx workbook"),
        (
            b"PK\x03\x04\x14\x00" * 50,
            "data.csv",
            "This file is an Excel workbook, not CSV: save it as .xlsx or .xls.",
        ),
        (b"PK\x03\x04broken zip", "broken.xlsx", "The workbook cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken", "broken.xls", "The workbook cannot be read"),
        (b"name,district\r\nA,Nanxun\r\n", "e.csv", "The required column credit code is missing"),
    ],
)
def test_bad_files_get_a_message_never_a_500(admin_client, content, name, message):
    admin_client.cookies["django_language"] = "en"
    response = upload(admin_client, "enterprises", content, name, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportBatch.objects.get().status == "invalid"
    assert Enterprise.objects.count() == 0


def test_history_lists_imports_with_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    for number in range(3):
        ImportBatch.objects.create(
            kind="safety",
            file_name=f"f{number}.csv",
            file_size=10,
            sha256="a" * 64,
            status="committed",
            created=number,
        )
    # session, user (the programme admin's role needs no group query), count for the paginator, the
    # page of imports joined with their users
    with django_assert_num_queries(4):
        response = admin_client.get("/imports/history/")
    assert [b.file_name for b in response.context["page"]] == ["f2.csv", "f1.csv", "f0.csv"]
    for number in range(20):
        ImportBatch.objects.create(
            kind="safety", file_name=f"g{number}.csv", file_size=10, sha256="a" * 64, status="committed"
        )
    with django_assert_num_queries(4):
        admin_client.get("/imports/history/")


def test_officials_cannot_import(role_client):
    client = role_client("city_official")
    assert upload(client, "enterprises", b"x", "e.csv").status_code == 403
    assert ImportBatch.objects.count() == 0


def test_the_nav_shows_imports_to_programme_admins_only(admin_client, role_client):
    assert 'href="/imports/"' in admin_client.get("/enterprises/").content.decode()
    assert 'href="/imports/"' not in role_client("city_official").get("/enterprises/").content.decode()


def test_the_preview_query_count_does_not_grow_with_the_rows(admin_client, django_assert_num_queries):
    make_enterprise("nanxun", credit_code=NANXUN_A)

    def preview_of(months):
        rows = [SAFETY_HEADERS] + [
            [NANXUN_A, f"{2000 + m // 12}-{m % 12 + 1}", "1", "0"] for m in range(months)
        ]
        upload(admin_client, "safety", csv_bytes(rows), f"{months}.csv")
        return ImportBatch.objects.latest("pk").pk

    small, large = preview_of(2), preview_of(200)
    # session, user (a superuser: no group query), the import with its user, the enterprises of
    # the file, their approved exemptions, their existing reports. 2 rows or 200, the same 6 queries.
    with django_assert_num_queries(6):
        admin_client.get(f"/imports/{small}/")
    with django_assert_num_queries(6):
        response = admin_client.get(f"/imports/{large}/")
    assert response.context["counts"]["created"] == 200


def age(batch, days):
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def test_uploads_not_confirmed_in_time_lose_their_file_but_stay_in_the_history(admin_client, settings):
    settings.SCORE_IMPORT_KEEP_DAYS = 7
    make_enterprise("nanxun", credit_code=NANXUN_A)
    content = csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]])
    upload(admin_client, "safety", content, "old.csv")
    upload(admin_client, "safety", content, "recent.csv")
    old, recent = ImportBatch.objects.order_by("pk")
    age(old, 8)
    age(recent, 6)
    upload(admin_client, "safety", content, "new.csv")  # any upload clears the old files
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, bytes(old.content), old.file_name, old.sha256) == (
        "expired",
        b"",
        "old.csv",
        hashlib.sha256(content).hexdigest(),
    )
    assert (recent.status, bytes(recent.content)) == ("previewed", content)
    assert "已过期：未在期限内确认" in admin_client.get("/imports/history/").content.decode()


def test_an_expired_upload_asks_for_the_file_again_and_writes_nothing(admin_client, settings):
    settings.SCORE_IMPORT_KEEP_DAYS = 7
    make_enterprise("nanxun", credit_code=NANXUN_A)
    upload(admin_client, "safety", csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]]), "s.csv")
    batch = ImportBatch.objects.get()
    age(batch, 8)  # no upload since: the batch still holds its file
    for response in (
        admin_client.post(f"/imports/{batch.pk}/confirm/", follow=True),
        admin_client.get(f"/imports/{batch.pk}/", follow=True),
        admin_client.get(f"/imports/{batch.pk}/errors/", follow=True),
    ):
        assert response.redirect_chain[-1][0] == "/imports/"
        assert "这次上传超过 7 天未确认" in response.content.decode()
    assert SafetyReport.objects.count() == 0
    batch.refresh_from_db()
    assert (batch.status, bytes(batch.content)) == ("expired", b"")


def test_committed_imports_keep_their_record_however_old(admin_client, settings):
    settings.SCORE_IMPORT_KEEP_DAYS = 7
    make_enterprise("nanxun", credit_code=NANXUN_A)
    upload(admin_client, "safety", csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]]), "s.csv")
    batch = ImportBatch.objects.get()
    admin_client.post(f"/imports/{batch.pk}/confirm/")
    age(batch, 400)
    upload(admin_client, "safety", csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-11", "3", "0"]]), "t.csv")
    batch.refresh_from_db()
    assert batch.status == "committed"
    assert admin_client.get(f"/imports/{batch.pk}/done/").status_code == 200


def test_a_refused_file_counts_its_good_rows_and_its_rows_with_errors(admin_client):
    """Not "0 new": how many rows are fine, how many need fixing, how many errors in all."""
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        SAFETY_HEADERS,
        [NANXUN_A, "2017-10", "3", "0"],
        [NANXUN_A, "2017-13", "-1", "0"],  # two errors: the month and the count
        [NANXUN_A, "2017-11", "2", "0"],
    ]
    upload(admin_client, "safety", csv_bytes(rows), "s.csv")
    html = admin_client.get(f"/imports/{ImportBatch.objects.get().pk}/").content.decode()
    assert 'data-count="rows">3<' in html
    assert 'data-count="clean">2<' in html
    assert 'data-count="error-rows">1<' in html
    assert 'data-count="errors">2<' in html
    assert 'data-count="created"' not in html  # no "0 new" for a file that cannot be imported
    assert "没有错误的行" in html


def test_a_file_level_error_does_not_claim_good_rows(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    upload(admin_client, "safety", csv_bytes([["统一社会信用代码", "月份"], [NANXUN_A, "2017-10"]]), "s.csv")
    html = admin_client.get(f"/imports/{ImportBatch.objects.get().pk}/").content.decode()
    assert 'data-count="errors">' in html
    assert 'data-count="clean"' not in html


def test_the_confirm_itself_refuses_an_upload_past_its_time(admin_client, settings):
    """Not only the pages: the service that writes checks the age, under the batch's lock."""
    settings.SCORE_IMPORT_KEEP_DAYS = 7
    make_enterprise("nanxun", credit_code=NANXUN_A)
    upload(admin_client, "safety", csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2017-10", "3", "0"]]), "s.csv")
    batch = ImportBatch.objects.get()
    age(batch, 8)
    batch.refresh_from_db()
    assert batch.status == "previewed"  # nobody has opened it since: not yet marked
    confirmed, plan = import_batch_confirm(batch=batch)
    assert (plan, confirmed.status, bytes(confirmed.content)) == (None, "expired", b"")
    assert SafetyReport.objects.count() == 0


@pytest.mark.parametrize("page", ["", "errors/"])
def test_an_upload_past_its_time_is_refused_by_each_page_even_unmarked(admin_client, settings, page):
    settings.SCORE_IMPORT_KEEP_DAYS = 7
    make_enterprise("nanxun", credit_code=NANXUN_A)
    bad = [SAFETY_HEADERS, [NANXUN_A, "2017-13", "3", "0"]]  # an error, so the error sheet exists
    upload(admin_client, "safety", csv_bytes(bad), "s.csv")
    batch = ImportBatch.objects.get()
    age(batch, 8)
    response = admin_client.get(f"/imports/{batch.pk}/{page}")
    assert response["Location"] == "/imports/"
    batch.refresh_from_db()
    assert (batch.status, bytes(batch.content)) == ("expired", b"")


def test_history_rows_say_when_their_reports_were_received(admin_client):
    """A safety report's received_at is the confirmation of the import that brought it in: each
    row of the history shows that moment (a preview not confirmed shows none)."""
    import datetime
    import zoneinfo

    confirmed = datetime.datetime(2018, 3, 5, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    ImportBatch.objects.create(
        kind="safety",
        file_name="m.csv",
        file_size=10,
        sha256="a" * 64,
        status="committed",
        committed_at=confirmed,
    )
    ImportBatch.objects.create(
        kind="safety", file_name="p.csv", file_size=10, sha256="a" * 64, status="previewed"
    )
    page = admin_client.get("/imports/history/").content.decode()
    rows = page.split("<tbody>")[1].split("</tr>")
    # Labelled for a phone, where each row is a card.
    received = '<td class="text-nowrap" data-label="收到时间">'
    assert f"{received}2018-03-05 09:30</td>" in next(row for row in rows if "m.csv" in row)
    assert f"{received}—</td>" in next(row for row in rows if "p.csv" in row)
