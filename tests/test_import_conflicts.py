"""Writes that get in between an import's plan and its commit (another import of the same new rows,
an edit): the import's own message on the page and from import_data, nothing written, never a 500."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections

from enterprises.models import Enterprise, SafetyReport
from imports import engine
from imports.models import ImportBatch
from imports.services import ImportConflict, import_batch_confirm, import_batch_preview, import_file
from tests.factories import make_enterprise, make_user
from tests.import_files import csv_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
NEW_ENTERPRISES = csv_bytes(
    [
        ["统一社会信用代码", "企业名称", "区县", "职工人数", "开始日期"],
        [NANXUN_A, "南浔甲企业", "南浔", "88", "2015-08-15"],
        [NANXUN_B, "南浔乙企业", "南浔", "120", "2015-09-01"],
    ]
)
REFUSED = (
    "The import was refused: another import or an edit changed some of the same records while it "
    "was being written. Nothing was written; please try again."
)


@pytest.fixture
def admin_client(role_client):
    client = role_client("programme_admin")
    client.cookies["django_language"] = "en"
    return client


def upload(client, content, name="e.csv", kind="enterprises"):
    client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content)})
    return ImportBatch.objects.latest("pk")


def test_two_previews_of_the_same_new_enterprises_confirmed_one_after_the_other(admin_client):
    first, second = upload(admin_client, NEW_ENTERPRISES), upload(admin_client, NEW_ENTERPRISES)
    assert (first.status, first.created, second.status, second.created) == ("previewed", 2, "previewed", 2)
    assert admin_client.post(f"/imports/{first.pk}/confirm/")["Location"] == f"/imports/{first.pk}/done/"
    # The second was planned before the first wrote: its confirm plans again and finds the rows.
    response = admin_client.post(f"/imports/{second.pk}/confirm/", follow=True)
    assert response.redirect_chain[-1][0] == f"/imports/{second.pk}/"
    assert "The data in the portal changed since the preview." in response.content.decode()
    second.refresh_from_db()
    assert (second.status, second.created, second.unchanged) == ("unchanged", 0, 2)
    assert list(Enterprise.objects.values_list("last_import", flat=True)) == [first.pk, first.pk]


@pytest.fixture
def key_taken_meanwhile(monkeypatch):
    """Another writer inserts the first new enterprise's credit code after the plan, inside the
    commit, just before the import writes its new rows (PostgreSQL: COPY; elsewhere: INSERT)."""

    def taken_first(write):
        def write_after_another(model, creates, **kwargs):
            if model is Enterprise and creates:
                make_enterprise("nanxun", credit_code=creates[0]["credit_code"], name="别人先写的")
            return write(model, creates, **kwargs)

        return write_after_another

    monkeypatch.setattr(engine, "_copy_create", taken_first(engine._copy_create))
    monkeypatch.setattr(engine, "_insert_many", taken_first(engine._insert_many))
    return monkeypatch


def test_a_key_taken_while_the_confirm_writes_is_refused_with_the_imports_message(
    admin_client, key_taken_meanwhile
):
    batch = upload(admin_client, NEW_ENTERPRISES)
    response = admin_client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/imports/{batch.pk}/"
    assert REFUSED in response.content.decode()
    assert Enterprise.objects.count() == 0  # nothing written (the other writer's row was in it)
    batch.refresh_from_db()
    assert (batch.status, batch.created, bytes(batch.content)) == ("previewed", 2, NEW_ENTERPRISES)
    # Trying again, with nobody in the way, imports the file.
    key_taken_meanwhile.undo()
    assert admin_client.post(f"/imports/{batch.pk}/confirm/")["Location"] == f"/imports/{batch.pk}/done/"
    assert Enterprise.objects.count() == 2


def test_the_refusal_is_in_chinese_by_default(role_client, key_taken_meanwhile):
    client = role_client("programme_admin")
    batch = upload(client, NEW_ENTERPRISES)
    response = client.post(f"/imports/{batch.pk}/confirm/", follow=True)
    assert "导入被拒绝：写入时，另一次导入或一处编辑修改了其中部分相同的记录。未写入任何内容，请重试。" in (
        response.content.decode()
    )


def test_import_data_says_the_same_and_records_nothing(tmp_path, db, key_taken_meanwhile):
    path = tmp_path / "e.csv"
    path.write_bytes(NEW_ENTERPRISES)
    with pytest.raises(CommandError) as refused:
        call_command("import_data", "enterprises", str(path), "--language", "en")
    assert str(refused.value) == REFUSED
    assert (Enterprise.objects.count(), ImportBatch.objects.count()) == (0, 0)


# --- Real transactions: what a test inside one transaction cannot show ---------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_enterprise_deleted_while_its_reports_are_imported_fails_at_commit_with_the_message(
    monkeypatch,
):
    """The reports' foreign key is checked when the transaction commits (deferred): the database's
    refusal comes from COMMIT, outside the writes, and is still the import's own message."""
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    content = csv_bytes(
        [["统一社会信用代码", "月份", "检查次数", "事故起数"], [NANXUN_A, "2017-01", "1", "0"]]
    )

    def deleted_first(write):
        def write_after_a_delete(model, creates, **kwargs):
            if model is SafetyReport:
                Enterprise.objects.filter(pk=enterprise.pk).delete()
            return write(model, creates, **kwargs)

        return write_after_a_delete

    monkeypatch.setattr(engine, "_copy_create", deleted_first(engine._copy_create))
    monkeypatch.setattr(engine, "_insert_many", deleted_first(engine._insert_many))
    with pytest.raises(ImportConflict):
        import_file(kind="safety", file_name="s.csv", content=content)
    # Rolled back as a whole: the enterprise is there, without a report, and no import recorded.
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [NANXUN_A]
    assert (SafetyReport.objects.count(), ImportBatch.objects.count()) == (0, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirms_of_the_same_new_enterprises_at_the_same_moment(monkeypatch):
    """Both planned before either wrote: the second's COPY waits on the unique key the first holds,
    and fails when the first commits. That failure used to escape as psycopg2's own UniqueViolation
    (a 500); it is the import's refusal, and nothing of the second is written."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: the second confirm waits for the first")
    admin = make_user("programme_admin")
    first, _plan = import_batch_preview(
        user=admin, kind="enterprises", file_name="a.csv", content=NEW_ENTERPRISES
    )
    second, _plan = import_batch_preview(
        user=admin, kind="enterprises", file_name="b.csv", content=NEW_ENTERPRISES
    )
    first_wrote, second_writing = threading.Event(), threading.Event()
    copy_create = engine._copy_create

    def copy_in_turn(model, creates, **kwargs):
        if threading.current_thread().name == "first":
            copy_create(model, creates, **kwargs)
            first_wrote.set()
            # Holding its new rows, uncommitted, until the second is writing the same keys.
            assert second_writing.wait(30)
            time.sleep(0.5)
            return
        assert first_wrote.wait(30)  # the second planned while the first had not committed
        second_writing.set()
        copy_create(model, creates, **kwargs)

    monkeypatch.setattr(engine, "_copy_create", copy_in_turn)
    outcomes = {}

    def confirm(batch):
        try:
            import_batch_confirm(batch=batch)
            outcomes[threading.current_thread().name] = "committed"
        except ImportConflict as conflict:
            outcomes[threading.current_thread().name] = str(conflict)
        except Exception as error:  # noqa: BLE001 - the test reports whatever escaped
            outcomes[threading.current_thread().name] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=confirm, args=(first,), name="first"),
        threading.Thread(target=confirm, args=(second,), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # The threads speak the default language, Chinese.
    assert outcomes == {
        "first": "committed",
        "second": "导入被拒绝：写入时，另一次导入或一处编辑修改了其中部分相同的记录。未写入任何内容，请重试。",
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("committed", "previewed")
    assert list(Enterprise.objects.values_list("last_import", flat=True)) == [first.pk, first.pk]
