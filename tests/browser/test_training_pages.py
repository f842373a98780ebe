"""Issue #15 in a real browser, on a laptop (1280 px) and a phone (390 px), in Chinese and English:
the workshop list, the new-workshop form narrowing its enterprises to the district chosen, and the
attendance grid (cursor, row numbers, totals of accepted rows, role and sex as lists on a phone)."""

import datetime

import pytest

from tests.factories import attend, make_enterprise, make_participant, make_workshop
from training.models import Attendance, Participant

pytestmark = pytest.mark.browser

GREEN = "湖州绿源纺织有限公司"
WORKS = "南浔精工机械有限公司"
BAMBOO = "安吉竹业有限公司"
WIDTHS = {"laptop": 1280, "phone": 390}

# The cells of a workshop's row a person needs (date, module, enterprises, people, the button).
KEY_CELLS = ["date", "module", "enterprises", "people", "attendance"]

WORDS = {
    "zh-hans": {"manager": "管理人员", "worker": "职工", "female": "女", "male": "男", "duplicate": "同一人已在第 1 行。"},
    "en": {"manager": "manager", "worker": "worker", "female": "female", "male": "male",
           "duplicate": "The same person is already on row 1."},
}  # fmt: skip


def outside_the_screen(page, selector):
    """The elements of `selector` reaching past the left or right edge of the window."""
    return page.locator(selector).evaluate_all(
        """cells => cells.filter(c => {
             const box = c.getBoundingClientRect();
             return box.width === 0 || box.left < 0 || box.right > window.innerWidth;
           }).map(c => c.outerHTML.slice(0, 80))"""
    )


def no_sideways_scrolling(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def totals(page):
    return {
        cell.get_attribute("data-total"): int(cell.inner_text())
        for cell in page.locator("[data-totals] [data-total]").all()
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_the_workshop_list_shows_each_workshops_enterprises_counts_and_button(
    logged_in, live_server, shoot, language, screen
):
    width = WIDTHS[screen]
    green = make_enterprise("nanxun", name=GREEN)
    works = make_enterprise("nanxun", name=WORKS)
    first = make_workshop("nanxun", module=1, date=datetime.date(2024, 3, 10), enterprises=[green, works])
    second = make_workshop("nanxun", module=2, date=datetime.date(2024, 4, 12), enterprises=[works])
    make_workshop("nanxun", module=3, date=datetime.date(2024, 5, 8), kind="walkthrough", enterprises=[green])
    attend(
        first,
        make_participant(green, "王芳", role="manager", sex="female"),
        make_participant(works, "孙伟", role="worker", sex="male"),
    )
    attend(second, make_participant(works, "周丽", role="worker", sex="female"))

    page = logged_in("trainer", district="nanxun", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/training/")
    shoot(f"training-list-{screen}-{language}")

    no_sideways_scrolling(page, width)
    rows = page.locator("tr[data-workshop]")
    assert rows.count() == 3
    for key in KEY_CELLS:
        assert outside_the_screen(page, f"tr[data-workshop] [data-key={key}]") == []
    # Newest first: 2024-05-08, 2024-04-12, 2024-03-10; each with its own enterprises and people.
    dates = [rows.nth(n).locator("[data-key=date]").inner_text() for n in range(3)]
    assert [d.split()[-1] for d in dates] == ["2024-05-08", "2024-04-12", "2024-03-10"]
    enterprises = rows.nth(2).locator("[data-key=enterprises]").inner_text()
    assert GREEN in enterprises and WORKS in enterprises
    assert [rows.nth(n).locator("[data-people]").inner_text() for n in range(3)] == ["0", "1", "2"]
    assert rows.nth(2).locator("[data-sexes]").inner_text() == (
        "女 1 · 男 1" if language == "zh-hans" else "women 1 · men 1"
    )
    button = rows.nth(1).locator("[data-attendance]")
    assert button.is_visible() is True
    assert button.get_attribute("href") == f"/training/workshops/{second.pk}/attendance/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_choosing_a_district_lists_only_its_enterprises(logged_in, live_server, shoot, language, screen):
    width = WIDTHS[screen]
    make_enterprise("nanxun", name=GREEN)
    make_enterprise("nanxun", name=WORKS)
    make_enterprise("anji", name=BAMBOO)
    page = logged_in("programme_admin", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/training/workshops/new/")

    def listed():
        return page.locator("#enterprise-choices .form-check:visible label").all_inner_texts()

    # No district yet: nothing to tick, and the page says why.
    assert listed() == []
    assert page.locator("#enterprise-choices [data-choose-district]").is_visible() is True

    page.select_option("select[name=district]", label="南浔区" if language == "zh-hans" else "Nanxun")
    assert listed() == [WORKS, GREEN]  # by name: 南 (U+5357) before 湖 (U+6E56)
    page.get_by_label(GREEN).check()
    shoot(f"training-workshop-form-nanxun-{screen}-{language}")
    no_sideways_scrolling(page, width)

    # Another district: its enterprises only, and the one ticked before is unticked (it would be
    # refused on saving).
    page.select_option("select[name=district]", label="安吉县" if language == "zh-hans" else "Anji")
    assert listed() == [BAMBOO]
    assert page.locator("#enterprise-choices input:checked").count() == 0
    shoot(f"training-workshop-form-anji-{screen}-{language}")
    no_sideways_scrolling(page, width)


def type_row(page, values):
    """Type a row from its name cell on: Tab between cells, Enter for the next row."""
    for index, value in enumerate(values):
        if value:
            page.keyboard.type(value)
        if index < len(values) - 1:
            page.keyboard.press("Tab")
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_laptop_grid_starts_in_row_1_numbers_rows_and_counts_only_accepted_ones(
    logged_in, live_server, shoot, language
):
    words = WORDS[language]
    green = make_enterprise("nanxun", name=GREEN)
    works = make_enterprise("nanxun", name=WORKS)
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[green, works])
    page = logged_in("trainer", district="nanxun", language=language)
    page.goto(f"{live_server.url}/training/workshops/{workshop.pk}/attendance/")

    # The cursor is in the first row's name cell: typing starts at once.
    assert page.evaluate("document.activeElement.name") == "row-0-name"
    type_row(page, ["王芳", "绿源", words["manager"], words["female"], "13800000001"])
    # 王芳 again, her phone typed with spaces: the same person, refused on saving.
    type_row(page, ["王芳", "绿源", words["manager"], words["female"], "138 0000 0001"])
    type_row(page, ["孙伟", "精工", words["worker"], words["male"], ""])
    type_row(page, ["赵敏", "安吉", words["worker"], words["female"], ""])  # not an enterprise of it
    type_row(page, ["", "精工", words["worker"], words["male"], ""])  # no name
    shoot(f"training-attendance-refused-rows-laptop-{language}")

    numbers = page.locator("[data-row-number]").all_inner_texts()
    assert numbers[:6] == ["1", "2", "3", "4", "5", "6"]
    refused = page.locator("tr[data-refused] [data-row-number]").all_inner_texts()
    assert [n.strip(" !") for n in refused] == ["2", "4", "5"]
    # Counted: 王芳 (manager, woman) and 孙伟 (worker, man); rows 2, 4 and 5 would be refused.
    assert totals(page) == {"manager_female": 1, "manager_male": 0, "manager": 1, "worker_female": 0,
                            "worker_male": 1, "worker": 1, "female": 1, "male": 1, "all": 2}  # fmt: skip

    # The server refuses the same rows and names row 1 as the grid numbers it.
    with page.expect_navigation():
        page.click("[data-save]")
    assert Attendance.objects.count() == 0
    feedback = page.locator("tr[data-row]").nth(1).locator(".invalid-feedback").inner_text()
    assert feedback == words["duplicate"]
    assert page.locator("tr[data-row]").nth(1).locator("[data-row-number]").inner_text().strip(" !") == "2"
    # The cursor is on the first cell to correct.
    assert page.evaluate("document.activeElement.name") == "row-1-name"
    shoot(f"training-attendance-refused-saved-laptop-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_on_a_phone_enterprise_role_and_sex_are_chosen_from_lists(logged_in, live_server, shoot, language):
    words = WORDS[language]
    green = make_enterprise("nanxun", name=GREEN)
    works = make_enterprise("nanxun", name=WORKS)
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[green, works])
    page = logged_in("trainer", district="nanxun", language=language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/training/workshops/{workshop.pk}/attendance/")
    no_sideways_scrolling(page, 390)
    assert page.evaluate("document.activeElement.name") == "row-0-name"

    rows = page.locator("tr[data-row]")
    first, second = rows.nth(0), rows.nth(1)
    # The typed cells give way to lists.
    for name in ["enterprise", "role", "sex"]:
        assert first.locator(f"[data-cell={name}]").is_visible() is False
        assert first.locator(f"[data-choice={name}]").is_visible() is True
    options = first.locator("[data-choice=enterprise] option").all_inner_texts()
    assert options == ["—", WORKS, GREEN]
    assert first.locator("[data-row-number]").inner_text().endswith("1")

    first.locator("[data-cell=name]").fill("王芳")
    first.locator("[data-choice=enterprise]").select_option(GREEN)
    first.locator("[data-choice=role]").select_option("manager")
    first.locator("[data-choice=sex]").select_option("female")
    second.locator("[data-cell=name]").fill("孙伟")
    second.locator("[data-choice=enterprise]").select_option(WORKS)
    second.locator("[data-choice=role]").select_option("worker")
    second.locator("[data-choice=sex]").select_option("male")
    # The choice becomes the text the server reads, words in the page's language.
    assert first.locator("[data-cell=enterprise]").input_value() == GREEN
    assert first.locator("[data-cell=role]").input_value() == words["manager"]
    assert second.locator("[data-cell=sex]").input_value() == words["male"]
    assert totals(page)["all"] == 2
    cells = ["[data-cell=name]", "[data-choice=enterprise]", "[data-choice=role]", "[data-choice=sex]"]
    for selector in [*cells, "[data-cell=present]"]:
        assert outside_the_screen(page, f"tr[data-row]:nth-child(-n+2) {selector}") == []
    no_sideways_scrolling(page, 390)
    shoot(f"training-attendance-phone-lists-{language}")

    with page.expect_navigation():
        page.click("[data-save]")
    assert sorted(Participant.objects.values_list("name", "enterprise__name", "role", "sex")) == [
        ("孙伟", WORKS, "worker", "male"),
        ("王芳", GREEN, "manager", "female"),
    ]
    assert workshop.attendances.count() == 2
    # The workshop's page lists them, one card each, still without sideways scrolling.
    assert page.url == f"{live_server.url}/training/workshops/{workshop.pk}/"
    no_sideways_scrolling(page, 390)
    assert outside_the_screen(page, ".attendance-list td") == []
    shoot(f"training-workshop-saved-phone-{language}")
