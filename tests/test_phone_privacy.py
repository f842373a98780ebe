"""Attendees' phone numbers (PIPL): officials see them masked, 138****5678, on the workshop page
and in every attendance download; the district's trainers and programme admins see them whole."""

import csv
import datetime
import io

import pytest

from common.text import phone_masked
from tests.exports import xlsx_rows
from tests.factories import attend, login_as, make_enterprise, make_participant, make_workshop

WHOLE = "13812345678"
MASKED = "138****5678"


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13812345678", "138****5678"),
        ("0572-2625918", "057*****5918"),
        ("+8613812345678", "+86*******5678"),
        ("12345678", "******78"),
        ("110", "*10"),
        ("", ""),
    ],
)
def test_the_mask_keeps_the_first_three_and_last_four(phone, shown):
    assert phone_masked(phone) == shown


@pytest.fixture
def workshop(db):
    enterprise = make_enterprise("nanxun", name="南浔甲企业")
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[enterprise])
    attend(workshop, make_participant(enterprise, "王芳", role="worker", sex="female", phone=WHOLE))
    return workshop


PAGES = {"programme_admin": WHOLE, "trainer": WHOLE, "city_official": MASKED, "district_official": MASKED}


@pytest.mark.parametrize(("role", "shown"), PAGES.items())
def test_the_workshop_page_shows_the_phone_as_the_role_may_see_it(client, workshop, role, shown):
    page = login_as(client, role, "nanxun").get(workshop.get_absolute_url()).content.decode()
    assert f">{shown}</td>" in page  # the phone cell, labelled for a phone screen
    if shown == MASKED:
        assert WHOLE not in page


@pytest.mark.parametrize(("role", "shown"), PAGES.items())
@pytest.mark.parametrize("download", ["workshop.csv", "workshop.xlsx", "period.csv", "period.xlsx"])
def test_every_attendance_download_carries_the_phone_as_the_role_may_see_it(
    client, workshop, role, shown, download
):
    where, file_format = download.split(".")
    url = (
        f"/training/workshops/{workshop.pk}/export.{file_format}"
        if where == "workshop"
        else f"/training/export.{file_format}"
    )
    response = login_as(client, role, "nanxun").get(url)
    assert response.status_code == 200
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        rows = xlsx_rows(response.content)
    assert [row[-1] for row in rows[1:]] == [shown]
