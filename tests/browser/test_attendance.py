"""A trainer enters a workshop's attendance from the keyboard, by pasting and from last time."""

import datetime

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.factories import attend, make_enterprise, make_participant, make_workshop
from training.models import Attendance, Participant, Workshop

pytestmark = pytest.mark.browser

GREEN = "湖州绿源纺织有限公司"
WORKS = "南浔精工机械有限公司"

# What each language calls things on the page, and the words the trainer types in it.
LANGUAGES = {
    "zh-hans": {
        "h1": "签到",
        "typed": [("孙伟", "精工", "职工", "男", ""), ("周丽", "精工", "经理", "女", "13700000002"),
                  ("吴红", "精工", "工人", "女", "")],
        "paste": "郑明\t南浔精工机械有限公司\t管理人员\t男\t13900000003\n冯梅\t精工\t工人\t女\t\n"
                 "钱多\t绿源\t经理\t男\t\n何静\t绿源\t职工\t女\t\n马丽\t绿源\t职工\t女\t\n",
        "manager": "管理人员",
        "worker": "职工",
    },
    "en": {
        "h1": "Attendance",
        "typed": [("孙伟", "精工", "worker", "M", ""), ("周丽", "精工", "Manager", "F", "13700000002"),
                  ("吴红", "精工", "worker", "female", "")],
        "paste": "Name\tEnterprise\tRole\tSex\tPhone\n"
                 "郑明\t南浔精工机械有限公司\tmanager\tmale\t13900000003\n冯梅\t精工\tworker\tF\t\n"
                 "钱多\t绿源\tmanager\tM\t\n何静\t绿源\tWorker\tFemale\t\n马丽\t绿源\tworker\tf\t\n",
        "manager": "manager",
        "worker": "worker",
    },
}  # fmt: skip


def totals(page):
    return {
        cell.get_attribute("data-total"): int(cell.inner_text())
        for cell in page.locator("[data-totals] [data-total]").all()
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_trainer_types_pastes_and_prefills_the_attendance(logged_in, live_server, shoot, language):
    words = LANGUAGES[language]
    short = "zh" if language == "zh-hans" else "en"
    green = make_enterprise("nanxun", name=GREEN)
    make_enterprise("nanxun", name=WORKS)
    earlier = make_workshop("nanxun", module=1, date=datetime.date(2024, 3, 10), enterprises=[green])
    team = [
        make_participant(green, "王芳", role="manager", sex="female", phone="13800000001"),
        make_participant(green, "李强", role="manager", sex="male"),
        make_participant(green, "赵敏", role="worker", sex="female"),
        make_participant(green, "陈刚", role="worker", sex="male"),
    ]
    attend(earlier, *team)

    page = logged_in("trainer", district="nanxun", language=language)
    assert page.url == f"{live_server.url}/training/"
    shoot(f"training-list-{short}")

    # Create the workshop.
    page.click("a[href='/training/workshops/new/']")
    page.select_option("select[name=module]", index=1)  # module 2
    page.check("input[name=kind][value=classroom]")
    page.fill("input[name=date]", "2024-04-12")
    page.fill("input[name=place]", "南浔区应急管理局培训室")
    page.get_by_label(GREEN).check()
    page.get_by_label(WORKS).check()
    shoot(f"training-workshop-form-{short}")
    with page.expect_navigation():
        page.click("form.workshop-form button[type=submit]")
    shoot(f"training-workshop-form-submitted-{short}")
    workshop = Workshop.objects.get(module__number=2)
    assert page.url == f"{live_server.url}/training/workshops/{workshop.pk}/attendance/"
    assert page.locator("h1").inner_text() == words["h1"]

    # Three people typed with the keyboard alone: Tab between cells, Enter for the next row.
    page.locator("[data-cell=name]").first.focus()
    for number, row in enumerate(words["typed"]):
        for index, value in enumerate(row):
            if value:
                page.keyboard.type(value)
            if index < len(row) - 1:
                page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        # Enter lands in the next row's name cell, with the enterprise carried over.
        assert page.evaluate("document.activeElement.name") == f"row-{number + 1}-name"
    shoot(f"training-attendance-typed-{short}")
    assert totals(page)["all"] == 3

    # Five rows pasted from Excel into the empty row the cursor is on.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.evaluate("text => navigator.clipboard.writeText(text)", words["paste"])
    page.keyboard.press("Control+V")
    names = page.locator("[data-cell=name]").evaluate_all("cells => cells.map(c => c.value)")
    assert names[:8] == ["孙伟", "周丽", "吴红", "郑明", "冯梅", "钱多", "何静", "马丽"]
    roles = page.locator("[data-cell=role]").evaluate_all("cells => cells.map(c => c.value)")
    assert roles[3] == words["manager"] and roles[4] == words["worker"]  # words read and shown alike
    # Part of a name is completed to the one enterprise of the workshop that has it.
    firms = page.locator("[data-cell=enterprise]").evaluate_all("cells => cells.map(c => c.value)")
    assert firms[:8] == [WORKS] * 5 + [GREEN] * 3
    assert totals(page)["all"] == 8
    shoot(f"training-attendance-pasted-{short}")

    # The same people as last time: 绿源's team of 2024-03-10, offered unticked; 王芳, 李强 and 赵敏 came.
    page.click("[data-prefill]")
    # (wait_for_function would evaluate a string, which the portal's CSP rightly forbids)
    page.locator("[data-cell=name]").nth(11).wait_for(state="attached")
    assert page.locator("[data-prefill-status]").inner_text().endswith("4")  # 王芳 李强 赵敏 陈刚
    for name in ["王芳", "李强", "赵敏"]:
        index = page.locator("[data-cell=name]").evaluate_all(
            "(cells, n) => cells.findIndex(c => c.value === n)", name
        )
        checkbox = page.locator("tr[data-row]").nth(index).locator("[data-cell=present]")
        assert checkbox.is_checked() is False
        checkbox.focus()
        page.keyboard.press("Space")
    # managers: 周丽 王芳 (women), 郑明 钱多 李强 (men); workers: 吴红 冯梅 何静 马丽 赵敏 (women),
    # 孙伟 (man): 2 + 3 + 5 + 1 = 11, women 7, men 4. 陈刚 stays unticked.
    expected = {"manager_female": 2, "manager_male": 3, "manager": 5, "worker_female": 5, "worker_male": 1,
                "worker": 6, "female": 7, "male": 4, "all": 11}  # fmt: skip
    assert totals(page) == expected
    shoot(f"training-attendance-prefilled-{short}")

    with page.expect_navigation():
        page.click("[data-save]")
    assert page.url == f"{live_server.url}/training/workshops/{workshop.pk}/"
    assert totals(page) == expected
    shoot(f"training-workshop-saved-{short}")
    assert workshop.attendances.count() == 11
    # 4 of last time + 8 new people; 王芳 and the others of last time are the same people again.
    assert Participant.objects.count() == 12
    assert set(Attendance.objects.filter(workshop=workshop, participant__in=team).values_list(
        "participant__name", flat=True)) == {"王芳", "李强", "赵敏"}  # fmt: skip

    # The saved list opens again for corrections, and fits a phone screen.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/training/workshops/{workshop.pk}/attendance/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert totals(page)["all"] == 11
    shoot(f"training-attendance-phone-{short}")


def test_bad_rows_stay_on_the_page_marked(logged_in, live_server, shoot):
    green = make_enterprise("nanxun", name=GREEN)
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[green])
    page = logged_in("trainer", district="nanxun")
    page.goto(f"{live_server.url}/training/workshops/{workshop.pk}/attendance/")
    page.locator("[data-cell=name]").first.focus()
    for value in ["王芳", "绿源", "厨师", "女"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.click("[data-save]")
    assert page.locator(".invalid-feedback").inner_text() == "未知的角色“厨师”：请写管理人员或职工。"
    assert page.locator("[data-cell=role]").first.input_value() == "厨师"
    assert Attendance.objects.count() == 0
    shoot("training-attendance-errors-zh")


def _on_screen(page, selector_or_handle, height):
    box = (
        page.locator(selector_or_handle) if isinstance(selector_or_handle, str) else selector_or_handle
    ).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_refused_save_on_a_phone_opens_at_the_error_of_the_last_row(logged_in, live_server, shoot):
    green = make_enterprise("nanxun", name=GREEN)
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[green])
    attend(
        workshop,
        *[make_participant(green, f"学员{n:02d}", role="worker", sex="female") for n in range(1, 31)],
    )
    page = logged_in("trainer", district="nanxun")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/training/workshops/{workshop.pk}/attendance/")
    # Save and the total are in reach at the top of a 30-card list: the bar sticks to the bottom.
    assert _on_screen(page, "[data-save]", 844)
    assert _on_screen(page, '[data-bar] [data-total="all"]', 844)
    assert page.locator('[data-bar] [data-total="all"]').inner_text() == "30"
    # The last person is given the first one's name: the same person twice, a row refused.
    page.locator("[data-cell=name]").nth(29).fill("学员01")
    with page.expect_navigation():
        page.click("[data-save]")
    assert Attendance.objects.filter(workshop=workshop).count() == 30  # nothing saved
    last = page.locator("tr[data-row]").nth(29)
    assert last.locator("[data-row-number]").inner_text() == "30"
    focused = page.evaluate_handle("document.activeElement")
    assert focused.get_attribute("data-cell") == "name" and focused.input_value() == "学员01"
    assert last.locator(".invalid-feedback").inner_text() == "同一人已在第 1 行。"
    assert (
        page.evaluate("document.activeElement.closest('tr').querySelector('[data-row-number]').textContent")
        == "30"
    )
    # Thousands of pixels down, yet on screen and clear of the bar, which is still there.
    assert page.evaluate("window.scrollY") > 2000
    bar_top = page.locator("[data-bar]").bounding_box()["y"]
    box = focused.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= bar_top
    assert _on_screen(page, "[data-save]", 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # What the trainer sees (the screen, not the whole page: the bar sticks to the screen).
    page.screenshot(path=f"{SCREENSHOTS}/training-attendance-phone-refused-last-row.png")
