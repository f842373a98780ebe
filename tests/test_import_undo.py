"""Undoing a confirmed import (issue "Excel, imports and phones, finished"): what it created is
removed, what it changed goes back, by the write door (history path `undo`); refused, naming the
rows, where that would lose a later write; once only."""

import datetime

import pytest
from django.test import Client
from django.utils import translation

from enterprises.models import Enterprise, SafetyReport
from imports.models import ImportBatch, RecordChange
from imports.services import import_file
from imports.undo import UndoRefused, import_undo
from tests.factories import make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes
from tests.test_api import ANJI_A, NANXUN_A, Api, token_for

SAFETY = ["统一社会信用代码", "月份", "安全检查次数", "事故起数"]
ENTERPRISES = ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期"]
NEW_CODE = "91330521000000123C"


@pytest.fixture
def firm(db):
    nanxun = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业")
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 2), inspections=3, accidents=1)
    return nanxun


@pytest.fixture
def admin(db):
    return make_user("programme_admin", username="chen")


def inspections(firm):
    return {f"{r.month:%Y-%m}": r.inspections for r in SafetyReport.objects.filter(enterprise=firm)}


def test_undo_removes_what_an_import_created_and_sets_back_what_it_changed(firm, admin):
    # 2016-01 changes from 3 to 7; 2016-03 is new; 2016-02 is unchanged.
    content = csv_bytes(
        [SAFETY, [NANXUN_A, "2016-01", 7, 1], [NANXUN_A, "2016-02", 3, 1], [NANXUN_A, "2016-03", 5, 0]]
    )
    batch, _plan = import_file(kind="safety", file_name="march.csv", content=content, user=admin)
    assert inspections(firm) == {"2016-01": 7, "2016-02": 3, "2016-03": 5}
    assert import_undo(batch=batch, user=admin) == (1, 1)
    assert inspections(firm) == {"2016-01": 3, "2016-02": 3}
    undo = sorted(
        (c.record_key, c.action, c.changes) for c in RecordChange.objects.filter(path="undo", by="chen")
    )
    assert undo == [
        ("2016-01", "update", {"inspections": [7, 3]}),
        ("2016-03", "delete", {"inspections": [5, None], "accidents": [0, None]}),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.undone_by) == (ImportBatch.Status.UNDONE, admin)


def test_an_import_is_undone_once(firm, admin):
    batch, _plan = import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 7, 1]])
    )
    import_undo(batch=batch, user=admin)
    with translation.override("en"), pytest.raises(UndoRefused, match="undone already"):
        import_undo(batch=batch, user=admin)


def test_undo_is_refused_when_a_record_was_written_again_since(firm, admin):
    first, _plan = import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 7, 1]])
    )
    import_file(kind="safety", file_name="b.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 8, 1]]))
    refused = f"{NANXUN_A} 2016-01: inspections written again since this import"
    with translation.override("en"), pytest.raises(UndoRefused, match=refused):
        import_undo(batch=first, user=admin)
    assert inspections(firm)["2016-01"] == 8  # nothing lost, nothing written


def test_undo_of_new_enterprises_is_refused_once_they_have_reports(db, admin):
    content = csv_bytes([ENTERPRISES, [NEW_CODE, "德清新企业", "德清", 30, "2016-01-15"]])
    batch, _plan = import_file(kind="enterprises", file_name="e.csv", content=content)
    import_file(kind="safety", file_name="s.csv", content=csv_bytes([SAFETY, [NEW_CODE, "2016-01", 1, 0]]))
    refused = f"{NEW_CODE}: the enterprise this import created has monthly safety reports since"
    with translation.override("en"), pytest.raises(UndoRefused, match=refused):
        import_undo(batch=batch, user=admin)
    assert Enterprise.objects.filter(credit_code=NEW_CODE).exists()


def test_undo_of_an_enterprises_import_sets_back_a_district(db, admin):
    make_enterprise("anji", credit_code=ANJI_A, name="安吉乙企业", employees=20)
    content = csv_bytes([ENTERPRISES, [ANJI_A, "安吉乙企业", "德清", 20, "2016-01-15"]])
    batch, _plan = import_file(kind="enterprises", file_name="e.csv", content=content)
    assert Enterprise.objects.get(credit_code=ANJI_A).district.code == "deqing"
    import_undo(batch=batch, user=admin)
    assert Enterprise.objects.get(credit_code=ANJI_A).district.code == "anji"


def test_an_api_write_is_undone_from_the_import_pages(firm, admin):
    writer = Api(token_for("nanxun-writer", ["nanxun"], write=True))
    row = {"credit_code": NANXUN_A, "month": "2016-05", "inspections": 2, "accidents": 0}
    assert writer.post("/api/v1/imports/safety/", {"rows": [row]}).json()["created"] == 1
    batch = ImportBatch.objects.get(api_client__name="nanxun-writer")
    client = Client()
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/undo/", headers={"Accept-Language": "en"})
    assert "removes the 1 records this import created" in page.content.decode()
    response = client.post(f"/imports/{batch.pk}/undo/")
    assert response.status_code == 302
    assert "2016-05" not in inspections(firm)
    # Again: refused with a message, nothing written.
    again = client.post(f"/imports/{batch.pk}/undo/", follow=True, headers={"Accept-Language": "en"})
    assert "This import has been undone already." in again.content.decode()


def test_only_a_programme_admin_undoes(firm):
    batch, _plan = import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 7, 1]])
    )
    client = Client()
    client.force_login(make_user("district_official", district="nanxun"))
    assert client.post(f"/imports/{batch.pk}/undo/").status_code == 403
    assert inspections(firm)["2016-01"] == 7


def test_undoing_the_later_import_first_lets_the_earlier_one_be_undone(firm, admin):
    first, _plan = import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 7, 1]])
    )
    later, _plan = import_file(
        kind="safety", file_name="b.csv", content=csv_bytes([SAFETY, [NANXUN_A, "2016-01", 8, 1]])
    )
    import_undo(batch=later, user=admin)
    assert inspections(firm)["2016-01"] == 7
    import_undo(batch=first, user=admin)
    assert inspections(firm)["2016-01"] == 3
