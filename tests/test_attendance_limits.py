"""Attendance lists at their limits: cells longer than the database holds, lists of hundreds of
people, and a request with more fields than the portal reads."""

import datetime

import pytest
from django.conf import settings

from tests.factories import make_enterprise, make_workshop
from training.models import Attendance, Participant


@pytest.fixture
def workshop(db):
    a = make_enterprise("nanxun", name="湖州绿源纺织有限公司")
    b = make_enterprise("nanxun", name="南浔精工机械有限公司")
    return make_workshop("nanxun", module=2, date=datetime.date(2024, 4, 12), enterprises=[a, b])


def grid(rows, *, present=True, start=0):
    """POST data of the attendance grid: rows of (name, enterprise, role, sex, phone), numbered
    from `start`."""
    data = {}
    for index, (name, enterprise, role, sex, phone) in enumerate(rows, start=start):
        data.update(
            {f"row-{index}-name": name, f"row-{index}-enterprise": enterprise, f"row-{index}-role": role,
             f"row-{index}-sex": sex, f"row-{index}-phone": phone, f"row-{index}-participant": ""}
        )  # fmt: skip
        if present:
            data[f"row-{index}-present"] = "on"
    return data


def test_a_name_or_phone_longer_than_stored_is_a_cell_error_and_the_grid_stays(role_client, workshop):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    long_name, long_phone = "王" * 101, "1" * 51
    response = client.post(
        f"/training/workshops/{workshop.pk}/attendance/",
        grid(
            [
                ("王" * 100, "绿源", "经理", "女", "1" * 50),  # at the limits (Participant: 100, 50)
                (long_name, "绿源", "经理", "女", ""),
                ("李强", "精工", "worker", "male", long_phone),
                # Stored without its spaces and dashes, so 50 digits fit however they are typed.
                ("赵敏", "精工", "worker", "female", "-".join(["1" * 10] * 5)),
            ]
        ),
    )
    assert response.status_code == 200  # not a DataError (PostgreSQL checks the lengths)
    rows = response.context["rows"]
    assert [row.errors for row in rows[:4]] == [
        {},
        {"name": "At most 100 characters; this has 101."},
        {"phone": "At most 50 characters; this has 51."},
        {},
    ]
    assert [(row.name, row.phone) for row in rows[:4]] == [
        ("王" * 100, "1" * 50),
        (long_name, ""),
        ("李强", long_phone),
        ("赵敏", "-".join(["1" * 10] * 5)),
    ]
    html = response.content.decode()
    assert "At most 50 characters; this has 51." in html and f'value="{long_phone}"' in html
    assert Participant.objects.count() == 0
    # The browser is told the same limits, read from the model.
    assert 'maxlength="100"' in html and 'maxlength="50"' in html


def test_a_trainer_saves_five_hundred_people_with_as_many_of_last_time_offered(role_client, workshop):
    """500 people come; 500 more, offered from last time, did not: 1,000 rows, 7,000 fields."""
    came = [
        (f"学员{n:03d}", "绿源" if n % 2 else "精工", "工人", "女" if n % 3 else "男", "") for n in range(500)
    ]
    offered = [(f"上次{n:03d}", "精工", "工人", "男", "") for n in range(500)]
    data = {**grid(came), **grid(offered, present=False, start=500)}
    assert len(data) == 7 * 500 + 6 * 500  # an unticked row sends no "came"
    response = role_client("trainer").post(f"/training/workshops/{workshop.pk}/attendance/", data)
    assert response.status_code == 302
    assert Attendance.objects.filter(workshop=workshop).count() == 500
    assert Participant.objects.count() == 500


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The page sent more than 10000 fields at once, more than the portal accepts in one request"),
        ("zh-hans", "页面一次提交了超过 10000 个字段，超出了平台单次请求接受的数量，因此未保存任何内容。"),
    ],
)
def test_more_fields_than_the_portal_reads_get_its_own_page_in_the_users_language(
    role_client, workshop, language, message
):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 10000
    client = role_client("trainer")
    client.cookies["django_language"] = language
    data = {f"row-{n}-name": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(f"/training/workshops/{workshop.pk}/attendance/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Bad Request (400)" not in html and "<nav" in html  # the portal's page, not Django's text
    assert Participant.objects.count() == 0
