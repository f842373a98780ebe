"""Workshops and attendance pages: scoping, saving all-or-nothing, matching people, exports."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from tests.exports import xlsx_export
from tests.factories import attend, make_enterprise, make_participant, make_user, make_workshop
from training.models import Attendance, Participant, Workshop
from training.services import AttendanceInvalid, AttendanceRow, attendance_save, role_from_word, sex_from_word

D = datetime.date


@pytest.fixture
def nanxun_workshop(db):
    a = make_enterprise("nanxun", name="湖州绿源纺织有限公司")
    b = make_enterprise("nanxun", name="南浔精工机械有限公司")
    return make_workshop("nanxun", module=2, date=D(2024, 4, 12), enterprises=[a, b])


@pytest.fixture
def anji_workshop(db):
    d = make_enterprise("anji", name="安吉竹业有限公司")
    workshop = make_workshop("anji", module=1, date=D(2024, 3, 15), enterprises=[d])
    attend(workshop, make_participant(d, "冯梅", role="worker", sex="female"))
    return workshop


def grid(*rows):
    """POST data of the attendance grid: rows of (name, enterprise, role, sex, phone[, present])."""
    data = {}
    for index, row in enumerate(rows):
        name, enterprise, role, sex, phone = row[:5]
        present = row[5] if len(row) > 5 else True
        data.update(
            {
                f"row-{index}-name": name,
                f"row-{index}-enterprise": enterprise,
                f"row-{index}-role": role,
                f"row-{index}-sex": sex,
                f"row-{index}-phone": phone,
                f"row-{index}-participant": "",
            }
        )
        if present:
            data[f"row-{index}-present"] = "on"
    return data


@pytest.mark.parametrize(
    ("word", "role"),
    [("管理人员", "manager"), ("经理", "manager"), (" Manager ", "manager"), ("M", "manager"),
     ("职工", "worker"), ("工人", "worker"), ("worker", "worker"), ("厨师", None)],
)  # fmt: skip
def test_role_words_in_chinese_and_english(word, role):
    assert role_from_word(word) == role


@pytest.mark.parametrize(
    ("word", "sex"),
    [("女", "female"), ("F", "female"), ("Female", "female"), ("男", "male"), ("m", "male"), ("x", None)],
)
def test_sex_words_in_chinese_and_english(word, sex):
    assert sex_from_word(word) == sex


def test_trainer_lands_on_the_workshop_list(role_client):
    response = role_client("trainer").get("/")
    assert response["Location"] == "/training/"


def test_trainer_lists_only_the_workshops_of_their_district(role_client, nanxun_workshop, anji_workshop):
    response = role_client("trainer", district="nanxun").get("/training/")
    assert [w.pk for w in response.context["page"]] == [nanxun_workshop.pk]
    assert "安吉竹业有限公司" not in response.content.decode()


def test_choice_words_start_with_a_capital_in_english_tables(role_client, nanxun_workshop):
    client = role_client("trainer", district="nanxun")
    client.cookies["django_language"] = "en"
    html = client.get("/training/").content.decode()
    assert 'data-key="kind">Classroom training</td>' in html


def test_workshop_list_filters_by_module_kind_and_month(role_client, nanxun_workshop):
    walk = make_workshop("nanxun", module=2, date=D(2024, 5, 3), kind="walkthrough")
    client = role_client("trainer")
    assert [w.pk for w in client.get("/training/", {"kind": "walkthrough"}).context["page"]] == [walk.pk]
    assert [w.pk for w in client.get("/training/", {"month": "2024-04"}).context["page"]] == [
        nanxun_workshop.pk
    ]
    assert [w.pk for w in client.get("/training/", {"module": "1"}).context["page"]] == []


def test_trainer_cannot_open_or_change_another_districts_workshop(role_client, anji_workshop):
    client = role_client("trainer", district="nanxun")
    pk = anji_workshop.pk
    for url in [f"/training/workshops/{pk}/", f"/training/workshops/{pk}/edit/",
                f"/training/workshops/{pk}/attendance/", f"/training/workshops/{pk}/export.csv"]:  # fmt: skip
        assert client.get(url).status_code == 404
    enterprise = anji_workshop.enterprises.get()
    response = client.post(
        f"/training/workshops/{pk}/attendance/", grid(("王五", enterprise.name, "职工", "男", ""))
    )
    assert response.status_code == 404
    response = client.post(
        f"/training/workshops/{pk}/edit/", {"place": "别处", "module": 1, "kind": "classroom"}
    )
    assert response.status_code == 404
    assert list(anji_workshop.attendances.values_list("participant__name", flat=True)) == ["冯梅"]
    assert Workshop.objects.get(pk=pk).place == "培训室"


def test_official_reads_workshops_but_cannot_edit_attendance(role_client, nanxun_workshop):
    client = role_client("district_official", district="nanxun")
    pk = nanxun_workshop.pk
    assert client.get("/training/").status_code == 200
    assert client.get(f"/training/workshops/{pk}/").status_code == 200
    assert client.get(f"/training/workshops/{pk}/attendance/").status_code == 403
    assert client.get("/training/workshops/new/").status_code == 403
    response = client.post(
        f"/training/workshops/{pk}/attendance/", grid(("王五", "湖州绿源纺织有限公司", "职工", "男", ""))
    )
    assert response.status_code == 403
    assert Attendance.objects.count() == 0


def test_trainer_creates_a_workshop_in_their_own_district(role_client, nanxun, anji):
    client = role_client("trainer", district="nanxun")
    mine = make_enterprise("nanxun", name="甲")
    response = client.post(
        "/training/workshops/new/",
        {"district": nanxun.pk, "module": 1, "kind": "classroom", "date": "2024-03-10", "place": "会议室",
         "enterprises": [mine.pk]},
    )  # fmt: skip
    workshop = Workshop.objects.get()
    assert response["Location"] == f"/training/workshops/{workshop.pk}/attendance/"
    assert (workshop.district, workshop.module.number, list(workshop.enterprises.all())) == (
        nanxun,
        1,
        [mine],
    )


def test_trainer_cannot_create_a_workshop_in_another_district(role_client, anji):
    client = role_client("trainer", district="nanxun")
    theirs = make_enterprise("anji", name="乙")
    response = client.post(
        "/training/workshops/new/",
        {
            "district": anji.pk,
            "module": 1,
            "kind": "classroom",
            "date": "2024-03-10",
            "enterprises": [theirs.pk],
        },
    )
    assert response.status_code == 200
    assert Workshop.objects.count() == 0
    assert "district" in response.context["form"].errors


def test_a_walkthrough_needs_one_enterprise_a_consultant_and_an_inspector(role_client, nanxun):
    client = role_client("trainer", district="nanxun")
    one, two = make_enterprise("nanxun"), make_enterprise("nanxun")
    with translation.override("en"):
        response = client.post(
            "/training/workshops/new/",
            {"district": nanxun.pk, "module": 1, "kind": "walkthrough", "date": "2024-03-10",
             "enterprises": [one.pk, two.pk]},
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip
    errors = response.context["form"].errors
    assert Workshop.objects.count() == 0
    assert set(errors) == {"enterprises", "consultant", "inspector"}


def test_a_walkthrough_with_its_consultant_and_inspector_is_saved(role_client, nanxun):
    client = role_client("trainer", district="nanxun")
    consultant = make_user("trainer", district="nanxun", username="consultant-1")
    one = make_enterprise("nanxun")
    client.post(
        "/training/workshops/new/",
        {"district": nanxun.pk, "module": 1, "kind": "walkthrough", "date": "2024-03-10",
         "enterprises": [one.pk], "consultant": consultant.pk, "inspector": "张检查"},
    )  # fmt: skip
    workshop = Workshop.objects.get()
    assert (workshop.consultant, workshop.inspector) == (consultant, "张检查")
    assert list(workshop.trainers.all()) == [consultant]


def test_attendance_is_saved_and_the_totals_shown(role_client, nanxun_workshop):
    client = role_client("trainer")
    response = client.post(
        f"/training/workshops/{nanxun_workshop.pk}/attendance/",
        grid(
            ("王芳", "湖州绿源纺织有限公司", "经理", "女", "13800000001"),
            ("李强", "绿源", "manager", "M", ""),
            ("赵敏", "南浔精工机械有限公司", "工人", "female", ""),
            ("", "", "", "", ""),  # a blank row is ignored
            ("", "南浔精工机械有限公司", "", "", ""),  # so is one with the enterprise Enter carried over
            ("钱多", "南浔精工", "职工", "男", "", False),  # not ticked: did not come
        ),
    )
    assert response["Location"] == f"/training/workshops/{nanxun_workshop.pk}/"
    people = sorted(Participant.objects.values_list("name", "role", "sex", "phone"))
    assert people == [
        ("李强", "manager", "male", ""),
        ("王芳", "manager", "female", "13800000001"),
        ("赵敏", "worker", "female", ""),
    ]
    totals = client.get(f"/training/workshops/{nanxun_workshop.pk}/").context["totals"]
    # managers: 王芳 (woman), 李强 (man); workers: 赵敏 (woman).
    assert (totals["manager_female"], totals["manager_male"], totals["worker_female"], totals["all"]) == (
        1,
        1,
        1,
        3,
    )


def test_bad_rows_are_marked_and_nothing_is_saved(role_client, nanxun_workshop):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/training/workshops/{nanxun_workshop.pk}/attendance/",
        grid(
            ("王芳", "湖州绿源纺织有限公司", "经理", "女", "13800000001"),
            ("李强", "湖州绿源纺织有限公司", "厨师", "M", ""),
            ("", "湖州绿源纺织有限公司", "worker", "X", ""),
            ("孙伟", "安吉竹业有限公司", "worker", "male", ""),
            ("王芳", "湖州绿源纺织有限公司", "manager", "female", "13800000001"),
        ),
    )
    assert response.status_code == 200
    assert Participant.objects.count() == 0 and Attendance.objects.count() == 0
    html = response.content.decode()
    assert "Unknown role “厨师”: write manager or worker." in html
    assert "Unknown sex “X”: write female or male." in html
    assert "Enter the name." in html
    assert "“安吉竹业有限公司” is not an enterprise of this workshop." in html
    assert "The same person is already on row 1." in html
    # What the trainer typed is still there.
    assert 'value="厨师"' in html and 'value="安吉竹业有限公司"' in html
    assert [sorted(row.errors) for row in response.context["rows"][:5]] == [
        [], ["role"], ["name", "sex"], ["enterprise"], ["name"]
    ]  # fmt: skip


def test_bad_rows_are_explained_in_chinese_by_default(role_client, nanxun_workshop):
    response = role_client("trainer").post(
        f"/training/workshops/{nanxun_workshop.pk}/attendance/", grid(("李强", "绿源", "厨师", "男", ""))
    )
    assert "未知的角色“厨师”" in response.content.decode()


def test_the_service_raises_and_saves_nothing_on_a_bad_row(nanxun_workshop):
    trainer = make_user("trainer", district="nanxun")
    rows = [
        AttendanceRow(name="王芳", enterprise="绿源", role="经理", sex="女"),
        AttendanceRow(name="李强", enterprise="绿源", role="经理", sex="?"),
    ]
    with pytest.raises(AttendanceInvalid, match="nothing was saved|未保存"):
        attendance_save(workshop=nanxun_workshop, rows=rows, user=trainer)
    assert Participant.objects.count() == 0


def test_the_service_refuses_a_user_of_another_district(nanxun_workshop):
    rows = [AttendanceRow(name="王芳", enterprise="绿源", role="经理", sex="女")]
    for user in [make_user("trainer", district="anji"), make_user("district_official", district="nanxun")]:
        with pytest.raises(PermissionDenied):
            attendance_save(workshop=nanxun_workshop, rows=rows, user=user)
    assert Participant.objects.count() == 0


def test_phones_are_matched_without_spaces_and_a_walkthrough_needs_no_enterprise_typed(role_client):
    enterprise = make_enterprise("nanxun", name="甲")
    walk = make_workshop("nanxun", module=1, date=D(2024, 4, 2), kind="walkthrough", enterprises=[enterprise])
    wang = make_participant(enterprise, "王芳", role="manager", sex="female", phone="13800000001")
    role_client("trainer").post(
        f"/training/workshops/{walk.pk}/attendance/", grid(("王芳", "", "经理", "女", "138-0000 0001"))
    )
    assert list(walk.attendances.values_list("participant", flat=True)) == [wang.pk]
    assert Participant.objects.count() == 1


def test_a_saved_list_can_be_corrected(role_client, nanxun_workshop):
    client = role_client("trainer")
    url = f"/training/workshops/{nanxun_workshop.pk}/attendance/"
    client.post(url, grid(("王放", "绿源", "经理", "女", ""), ("李强", "绿源", "经理", "男", "")))
    rows = client.get(url).context["rows"]
    typo = next(r for r in rows if r.name == "王放")
    data = grid(("王芳", "绿源", "经理", "女", ""), ("李强", "绿源", "经理", "男", "", False))
    data["row-0-participant"] = typo.participant
    client.post(url, data)
    # The typo is corrected in place (no second person), and 李强 is off the list but kept as a person.
    assert sorted(Participant.objects.values_list("name", flat=True)) == ["李强", "王芳"]
    assert list(nanxun_workshop.attendances.values_list("participant__name", flat=True)) == ["王芳"]


def test_people_are_matched_across_workshops(role_client, nanxun_workshop):
    client = role_client("trainer")
    enterprise = nanxun_workshop.enterprises.get(name="湖州绿源纺织有限公司")
    earlier = make_workshop("nanxun", module=1, date=D(2024, 3, 10), enterprises=[enterprise])
    wang = make_participant(enterprise, "王芳", role="manager", sex="female", phone="13800000001")
    li = make_participant(enterprise, "李强", role="manager", sex="male")
    attend(earlier, wang, li)
    client.post(
        f"/training/workshops/{nanxun_workshop.pk}/attendance/",
        # Same name and phone; a name typed without the phone; a phone added to a person saved without.
        grid(("王芳", "绿源", "经理", "女", "13800000001"), ("李强", "绿源", "经理", "男", "13900000002")),
    )
    assert Participant.objects.count() == 2
    assert set(nanxun_workshop.attendances.values_list("participant", flat=True)) == {wang.pk, li.pk}
    assert Participant.objects.get(pk=li.pk).phone == "13900000002"


def test_the_same_people_as_last_time_are_offered_unticked(role_client, nanxun_workshop):
    client = role_client("trainer")
    green = nanxun_workshop.enterprises.get(name="湖州绿源纺织有限公司")
    first = make_workshop("nanxun", module=1, date=D(2024, 1, 10), enterprises=[green])
    second = make_workshop("nanxun", module=1, date=D(2024, 2, 10), kind="walkthrough", enterprises=[green])
    later = make_workshop("nanxun", module=3, date=D(2024, 9, 10), enterprises=[green])
    old = make_participant(green, "老人", role="worker", sex="male")
    wang = make_participant(green, "王芳", role="manager", sex="female")
    li = make_participant(green, "李强", role="worker", sex="male")
    attend(first, old, wang)
    attend(second, wang, li)  # the latest before 2024-04-12
    attend(later, old)  # after this workshop: not "last time"
    response = client.get(f"/training/workshops/{nanxun_workshop.pk}/attendance/", {"prefill": "1"})
    offered = [(r.name, r.present) for r in response.context["rows"] if not r.is_blank]
    assert offered == [("王芳", False), ("李强", False)]
    data = client.get(f"/training/workshops/{nanxun_workshop.pk}/attendance/previous/").json()
    assert [p["name"] for p in data["people"]] == ["王芳", "李强"]


def test_attendance_page_query_count_does_not_grow(role_client, nanxun_workshop, django_assert_num_queries):
    client = role_client("trainer")
    enterprise = nanxun_workshop.enterprises.first()
    attend(
        nanxun_workshop,
        *[make_participant(enterprise, f"人{n}", role="worker", sex="male") for n in range(20)],
    )
    # session, user with its role and profile, the workshop, its attendance with people and
    # enterprises, the enterprises for the list of names.
    with django_assert_num_queries(5):
        client.get(f"/training/workshops/{nanxun_workshop.pk}/attendance/")


def test_workshop_list_query_count_does_not_grow(role_client, nanxun_workshop, django_assert_num_queries):
    client = role_client("trainer")
    for day in range(1, 21):
        make_workshop("nanxun", module=1, date=D(2024, 5, day), enterprises=[make_enterprise("nanxun")])
    # session, user with its role and profile, count for the paginator, the page with module,
    # district and people count, its enterprises, its trainers, the modules for the filter, whether
    # the user may add a workshop (an editable district exists).
    with django_assert_num_queries(8):
        client.get("/training/")


def test_attendance_exports_of_a_workshop(role_client, nanxun_workshop):
    enterprise = nanxun_workshop.enterprises.get(name="湖州绿源纺织有限公司")
    attend(nanxun_workshop, make_participant(enterprise, "王芳", role="manager", sex="female", phone="138"))
    client = role_client("district_official", district="nanxun")
    response = client.get(f"/training/workshops/{nanxun_workshop.pk}/export.csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body[1:])))
    assert lines[0][:3] == ["日期", "模块", "类型"]
    assert lines[1] == ["2024-04-12", "模块2：质量管理", "课堂培训", "培训室", "南浔区", "湖州绿源纺织有限公司",
                        enterprise.credit_code, "王芳", "管理人员", "女", "*38"]  # fmt: skip
    # An official sees the phone masked (tests/test_phone_privacy.py): "138" keeps its last two.
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # The file is named in the user's language (RFC 5987: percent-encoded UTF-8).
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''%E5%87%BA%E5%8B%A4-nanxun-20240412-{nanxun_workshop.pk}.csv"
    )
    response = client.get(f"/training/workshops/{nanxun_workshop.pk}/export.xlsx")
    sheet, title, rows = xlsx_export(response.content)
    assert list(rows[1][7:]) == ["王芳", "管理人员", "女", "*38"]
    # Fitted: the enterprise's name is 10 Chinese characters, 20 wide, and 2 of margin.
    assert sheet.title == "出勤" and sheet.column_dimensions["F"].width == 22
    assert title[:2] == ["2024-04-12 培训的出勤：模块2：质量管理，培训室", "区县：南浔区"]
    assert response["Content-Disposition"].endswith(f"-20240412-{nanxun_workshop.pk}.xlsx")


def test_an_english_attendance_export_is_named_in_plain_ascii(role_client, nanxun_workshop):
    client = role_client("district_official", district="nanxun")
    client.cookies["django_language"] = "en"
    response = client.get(f"/training/workshops/{nanxun_workshop.pk}/export.csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="attendance-nanxun-20240412-{nanxun_workshop.pk}.csv"'
    )


def test_attendance_exports_do_not_let_a_typed_name_run_as_a_formula(role_client, nanxun_workshop):
    """A name typed as =HYPERLINK(…) stays text in Excel, as in the dashboard's exports."""
    enterprise = nanxun_workshop.enterprises.get(name="湖州绿源纺织有限公司")
    attend(
        nanxun_workshop,
        make_participant(enterprise, '=HYPERLINK("http://x","王芳")', role="worker", sex="female"),
    )
    client = role_client("district_official", district="nanxun")
    body = client.get(f"/training/workshops/{nanxun_workshop.pk}/export.csv").content.decode("utf-8")
    assert list(csv.reader(io.StringIO(body[1:])))[1][7] == '\'=HYPERLINK("http://x","王芳")'
    response = client.get(f"/training/workshops/{nanxun_workshop.pk}/export.xlsx")
    sheet, _title, rows = xlsx_export(response.content)
    cell = sheet.cell(row=sheet.max_row, column=8)
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://x","王芳")', "s")


def test_attendance_export_of_a_period_keeps_to_the_months_and_districts(
    role_client, nanxun_workshop, anji_workshop
):
    enterprise = nanxun_workshop.enterprises.first()
    attend(nanxun_workshop, make_participant(enterprise, "四月", role="worker", sex="male"))
    may = make_workshop("nanxun", module=3, date=D(2024, 5, 2), enterprises=[enterprise])
    attend(may, make_participant(enterprise, "五月", role="worker", sex="male"))
    client = role_client("trainer", district="nanxun")
    body = client.get("/training/export.csv", {"from": "2024-04", "to": "2024-04"}).content.decode("utf-8")
    names = [line[7] for line in csv.reader(io.StringIO(body[1:]))][1:]
    assert names == ["四月"]  # 五月 is in May; 冯梅 is in Anji
    assert client.get("/training/export.csv", {"from": "2024-13"}).status_code == 400


def test_the_next_page_of_workshops_keeps_the_filters(role_client):
    for day in range(1, 29):
        make_workshop("nanxun", module=1, date=D(2024, 2, day))
        make_workshop("nanxun", module=1, date=D(2024, 3, day))
    # 28 + 28 = 56 workshops in February and March: two pages of 50.
    html = role_client("trainer").get("/training/", {"module": "1"}).content.decode()
    assert 'href="?module=1&amp;page=2"' in html


def test_workshop_page_and_exports_query_count_does_not_grow(
    role_client, nanxun_workshop, django_assert_num_queries
):
    client = role_client("trainer")
    enterprise = nanxun_workshop.enterprises.first()
    attend(
        nanxun_workshop,
        *[make_participant(enterprise, f"人{n}", role="worker", sex="male") for n in range(20)],
    )
    # session, user with its role and profile, the workshop, its attendance with people and
    # enterprises, its enterprises, its trainers, whether the user may edit it.
    with django_assert_num_queries(7):
        client.get(f"/training/workshops/{nanxun_workshop.pk}/")
    # session, user, the workshop, its attendance with workshop, module, district, people and
    # enterprises in one query.
    with django_assert_num_queries(4):
        client.get(f"/training/workshops/{nanxun_workshop.pk}/export.xlsx")
    # session, user, the user's districts (for the file's name and title), the attendance of the
    # period in one query.
    with django_assert_num_queries(4):
        client.get("/training/export.csv", {"from": "2024-01", "to": "2024-12"})


def test_an_attendance_list_saved_over_a_newer_one_is_refused_and_what_was_typed_kept(
    role_client, nanxun_workshop
):
    client = role_client("trainer")
    url = f"/training/workshops/{nanxun_workshop.pk}/attendance/"
    first = grid(("王芳", "湖州绿源纺织有限公司", "经理", "女", "13800000001"))
    assert client.post(url, {**first, "shown_version": "1"}).status_code == 302  # version 1 → 2
    # A second trainer's page, opened before that save, still shows version 1.
    late = grid(("李强", "绿源", "manager", "M", ""))
    response = client.post(url, {**late, "shown_version": "1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert "李强" in response.content.decode()  # what was typed is still on the page
    assert list(Participant.objects.values_list("name", flat=True)) == ["王芳"]


def test_a_workshop_form_saved_over_a_newer_version_is_refused(role_client, nanxun_workshop):
    client = role_client("trainer")
    url = f"/training/workshops/{nanxun_workshop.pk}/edit/"
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {
        k: ([x.pk for x in v] if hasattr(v, "__iter__") and not isinstance(v, str) else getattr(v, "pk", v))
        for k, v in data.items()
        if v is not None
    }
    data["date"] = "2026-03-02"
    nanxun_workshop.refresh_from_db()
    Workshop.objects.filter(pk=nanxun_workshop.pk).update(version=5, place="新会议室")  # saved meanwhile
    response = client.post(url, data, follow=True, headers={"Accept-Language": "en"})
    assert "changed by someone else" in response.content.decode()
    nanxun_workshop.refresh_from_db()
    assert (nanxun_workshop.place, nanxun_workshop.version) == ("新会议室", 5)
