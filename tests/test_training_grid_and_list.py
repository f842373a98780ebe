"""Issue #15: the grid's row numbers are the ones the server's messages use; the workshop list
carries each workshop's enterprises, counts and attendance button; the workshop form tells the
page which district each enterprise and trainer belongs to, and the server still refuses a
mismatch; role and sex are offered as choices."""

import datetime
import re

import pytest

from tests.factories import attend, make_enterprise, make_participant, make_user, make_workshop
from tests.html import main_content
from training.models import Attendance, Workshop

D = datetime.date
GREEN = "湖州绿源纺织有限公司"
WORKS = "南浔精工机械有限公司"


@pytest.fixture
def workshop(db):
    green = make_enterprise("nanxun", name=GREEN)
    works = make_enterprise("nanxun", name=WORKS)
    return make_workshop("nanxun", module=2, date=D(2024, 4, 12), enterprises=[green, works])


def posted(*rows):
    """POST data of the grid, rows given as (index, name, enterprise, role, sex, phone) in the
    order of the page: the index is the one in the fields' names, which need not follow it."""
    data = {}
    for index, name, enterprise, role, sex, phone in rows:
        data.update(
            {
                f"row-{index}-participant": "",
                f"row-{index}-name": name,
                f"row-{index}-enterprise": enterprise,
                f"row-{index}-role": role,
                f"row-{index}-sex": sex,
                f"row-{index}-phone": phone,
                f"row-{index}-present": "on",
            }
        )
    return data


def shown_numbers(html):
    return re.findall(r"data-row-number>(\d*)</td>", html)


def test_the_same_person_twice_names_the_row_number_the_grid_shows(role_client, workshop):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/training/workshops/{workshop.pk}/attendance/",
        posted(
            (0, "王芳", GREEN, "manager", "female", "13800000001"),
            (1, "", "", "", "", ""),  # a blank row keeps its number
            (2, "王芳", "绿源", "经理", "女", "138 0000 0001"),
        ),
    )
    html = main_content(response)
    assert Attendance.objects.count() == 0
    assert "The same person is already on row 1." in html
    assert "Row 3 has errors; nothing was saved. Correct the marked cells." in html
    # The page shows the three rows as 1, 2, 3, then three blank rows to type into.
    assert shown_numbers(html) == ["1", "2", "3", "4", "5", "6", ""]  # "" : the new-row template


def test_a_row_inserted_in_the_middle_is_numbered_where_it_stands(role_client, workshop):
    # Enter on row 1 with a filled row below inserts a row there with the next free index (7):
    # the page's order is 0, 7, 1, and the numbers follow the page, not the indexes.
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/training/workshops/{workshop.pk}/attendance/",
        posted(
            (0, "孙伟", WORKS, "worker", "male", ""),
            (7, "周丽", WORKS, "manager", "female", ""),
            (1, "周丽", "精工", "经理", "F", ""),
            (2, "吴红", WORKS, "厨师", "female", ""),
        ),
    )
    html = main_content(response)
    assert "The same person is already on row 2." in html
    assert "Rows 3, 4 have errors; nothing was saved. Correct the marked cells." in html
    names = [row.name for row in response.context["rows"][:4]]
    assert names == ["孙伟", "周丽", "周丽", "吴红"]
    assert [sorted(row.errors) for row in response.context["rows"][:4]] == [[], [], ["name"], ["role"]]


def test_the_row_numbers_are_in_chinese_messages_too(role_client, workshop):
    response = role_client("trainer").post(
        f"/training/workshops/{workshop.pk}/attendance/",
        posted((0, "王芳", GREEN, "经理", "女", ""), (1, "王芳", GREEN, "经理", "女", "")),
    )
    html = main_content(response)
    assert "同一人已在第 1 行。" in html
    assert "第 2 行有错误，未保存任何内容。请改正标出的单元格。" in html


def test_the_grid_offers_role_and_sex_as_choices(role_client, workshop):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    html = main_content(client.get(f"/training/workshops/{workshop.pk}/attendance/"))
    roles = re.search(r'<select [^>]*data-choice="role"[^>]*>(.*?)</select>', html, re.S)[1]
    sexes = re.search(r'<select [^>]*data-choice="sex"[^>]*>(.*?)</select>', html, re.S)[1]
    option = r'<option value="([^"]*)">([^<]*)</option>'
    assert re.findall(option, roles) == [("", "—"), ("manager", "Manager"), ("worker", "Worker")]
    assert re.findall(option, sexes) == [("", "—"), ("female", "Female"), ("male", "Male")]
    # The lists post nothing themselves: the word cell is what the server reads.
    assert not re.search(r'<select [^>]*name="row-', html)


def test_the_workshop_list_shows_enterprises_counts_and_an_attendance_button(role_client, workshop):
    green, works = workshop.enterprises.order_by("name")
    attend(
        workshop,
        make_participant(green, "王芳", role="manager", sex="female"),
        make_participant(green, "赵敏", role="worker", sex="female"),
        make_participant(works, "孙伟", role="worker", sex="male"),
    )
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    html = main_content(client.get("/training/"))
    row = re.search(rf'<tr data-workshop="{workshop.pk}">(.*?)</tr>', html, re.S)[1]
    enterprises = re.search(r'data-key="enterprises">(.*?)</td>', row, re.S)[1]
    assert sorted(enterprises.split("、")) == sorted([GREEN, WORKS])
    # 王芳 and 赵敏 women, 孙伟 a man: 3 people.
    assert re.search(r"data-people>(\d+)<", row)[1] == "3"
    assert re.search(r"data-sexes>([^<]*)<", row)[1] == "women 2 · men 1"
    assert f'href="/training/workshops/{workshop.pk}/attendance/" data-attendance>Attendance</a>' in row


def test_an_official_gets_the_workshops_attendance_list_from_the_button(role_client, workshop):
    client = role_client("district_official")
    client.cookies["django_language"] = "en"
    row = re.search(
        rf'<tr data-workshop="{workshop.pk}">(.*?)</tr>', main_content(client.get("/training/")), re.S
    )[1]
    assert f'href="/training/workshops/{workshop.pk}/" data-attendance>Attendance</a>' in row
    assert "/attendance/" not in row


def test_the_workshop_form_tells_each_choice_its_district(role_client, nanxun, anji):
    ours = make_enterprise("nanxun", name="甲")
    theirs = make_enterprise("anji", name="乙")
    our_trainer = make_user("trainer", district="nanxun", username="trainer-nanxun")
    their_trainer = make_user("trainer", district="anji", username="trainer-anji")
    html = main_content(role_client("programme_admin").get("/training/workshops/new/"))
    enterprises = re.findall(
        r'data-district="(\d+)">\s*<input [^>]*name="enterprises" [^>]*value="(\d+)"', html
    )
    assert sorted(enterprises) == sorted([(str(nanxun.pk), str(ours.pk)), (str(anji.pk), str(theirs.pk))])
    trainers = re.findall(r'data-district="(\d+)">\s*<input [^>]*name="trainers" [^>]*value="(\d+)"', html)
    assert sorted(trainers) == sorted(
        [(str(nanxun.pk), str(our_trainer.pk)), (str(anji.pk), str(their_trainer.pk))]
    )
    consultants = re.findall(r'<option value="(\d+)" data-district="(\d+)"', html)
    assert sorted(consultants) == sorted(
        [(str(our_trainer.pk), str(nanxun.pk)), (str(their_trainer.pk), str(anji.pk))]
    )


def test_the_server_still_refuses_an_enterprise_of_another_district(role_client, nanxun, anji):
    theirs = make_enterprise("anji", name="乙")
    client = role_client("programme_admin")
    client.cookies["django_language"] = "en"
    response = client.post(
        "/training/workshops/new/",
        {
            "district": nanxun.pk,
            "module": 1,
            "kind": "classroom",
            "date": "2024-03-10",
            "enterprises": [theirs.pk],
        },
    )
    assert Workshop.objects.count() == 0
    assert response.context["form"].errors["enterprises"] == ["Not in the workshop's district: 乙."]


@pytest.mark.django_db
def test_a_new_workshop_is_dated_today_unless_changed(role_client):
    html = main_content(role_client("trainer").get("/training/workshops/new/"))
    today = datetime.date.today().isoformat()
    assert re.search(r'<input type="date" name="date" [^>]*value="([^"]*)"', html)[1] == today


def test_a_refused_save_names_the_first_ten_rows_and_counts_only_the_good_ones(role_client, workshop):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    # Row 1 is good (a manager, a woman); rows 2 to 13 have an unknown role.
    rows = [(0, "王芳", GREEN, "manager", "female", "")]
    rows += [(n, f"人{n}", GREEN, "厨师", "male", "") for n in range(1, 13)]
    response = client.post(f"/training/workshops/{workshop.pk}/attendance/", posted(*rows))
    html = main_content(response)
    assert "Rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11… have errors; nothing was saved." in html
    totals = response.context["totals"]
    assert (totals["manager_female"], totals["worker_male"], totals["all"]) == (1, 0, 1)
