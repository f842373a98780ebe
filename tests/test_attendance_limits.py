"""Attendance lists at their limits: cells longer than the database holds."""

import datetime

import pytest

from tests.factories import make_enterprise, make_workshop
from training.models import Participant


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
