"""The meeting-room screen in a real browser: at its real size (1920 × 1080), on a laptop (1280)
and a phone (390), in both languages; the rotation, the refresh that fails, a display link."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from dashboard.display_links import display_link_create, display_link_revoke

pytestmark = pytest.mark.browser

SIZES = {1920: 1080, 1280: 800, 390: 844}
# The demo's city view, then its districts, in each language.
NAMES = {
    "zh-hans": ["湖州市", "吴兴区", "南浔区"],
    "en": ["Huzhou", "Wuxing", "Nanxun"],
}


def wait_for_screen(page):
    page.wait_for_selector(".screen-chart[data-rendered=true]")
    assert page.locator(".screen-chart[data-rendered=true]").count() == 4
    return page


def layout(page):
    """What a reader across the room gets: the size of the headline values, whether the page
    scrolls, and what each chart draws (its number of lines)."""
    return page.evaluate(
        """() => ({
            valueSizes: [...document.querySelectorAll('.screen-value')].map(
                v => parseFloat(getComputedStyle(v).fontSize)),
            scrolls: document.documentElement.scrollHeight > window.innerHeight,
            overflows: [...document.querySelectorAll('.screen-card')].filter(
                c => c.scrollWidth > c.clientWidth + 1).map(c => c.dataset.figure),
            lines: [...document.querySelectorAll('canvas[data-trend]')].map(
                c => Chart.getChart(c).data.datasets.length),
            highlighted: [...document.querySelectorAll('canvas[data-trend]')].map(
                c => Chart.getChart(c).data.datasets.filter(d => d.highlighted).map(d => d.label)),
            nav: document.querySelectorAll('nav, a').length,
        })"""
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_screen_fills_a_1920_display_without_scrolling(demo, logged_in, live_server, shoot, language):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/dashboard/screen/")
    wait_for_screen(page)
    assert page.locator("h1").inner_text() == NAMES[language][0]
    seen = layout(page)
    assert min(seen["valueSizes"]) >= 48  # readable across a room
    assert seen["scrolls"] is False
    assert seen["overflows"] == []
    assert seen["lines"] == [5, 5, 5, 5]  # the city view: a line per district
    # One of them highlighted, the same on every chart: the least complete district, named.
    (least,) = seen["highlighted"][0]
    assert seen["highlighted"] == [[least]] * 4
    assert least in page.locator("#screen-highlight").inner_text()
    assert seen["nav"] == 0
    # Legible from 3 m: no text under 20 px, the charts' labels included, and none turned.
    small = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(element => element.offsetParent !== null
              && [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
              .map(element => [element.textContent.trim().slice(0, 20), parseFloat(getComputedStyle(element).fontSize)])
              .filter(([, size]) => size < 20)"""
    )
    assert small == []
    ticks = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-trend]')].map(c => {
              const chart = Chart.getChart(c);
              return [chart.options.scales.x.ticks.font.size, chart.options.scales.y.ticks.font.size,
                      chart.scales.x.labelRotation];
          })"""
    )
    assert ticks == [[20, 20, 0]] * 4
    # The department and a running clock (Shanghai time, to the second).
    assert page.locator("#screen-department").inner_text() == "湖州市应急管理局"
    clock = page.locator("#screen-clock").inner_text()
    assert re.search(r"\d{2}:\d{2}:\d{2}", clock)
    expect(page.locator("#screen-clock")).not_to_have_text(clock, timeout=3000)  # it ticks
    # The districts ranked both ways, five each; a tile each, coloured by its completeness band.
    assert page.locator("#screen-rank-completeness li").count() == 5
    assert page.locator("#screen-rank-change li").count() == 5
    tiles = page.evaluate(
        "() => [...document.querySelectorAll('.screen-tile')].map(t => [t.dataset.district, t.className])"
    )
    assert sorted(code for code, _class in tiles) == ["anji", "changxing", "deqing", "nanxun", "wuxing"]
    assert all(re.search(r"\b(good|fair|poor|none)\b", classes) for _code, classes in tiles)
    # Who has not sent the latest due month's report: names only, never a phone number.
    overdue = page.locator("#screen-overdue li").all_inner_texts()
    assert overdue and not any(re.search(r"\d{3}-?\d{4}", name) for name in overdue)
    # The demo's city figures as the summary API gives them (the same period: its default), the
    # savings in whole yuan (¥ a hundred million and more: they must fit their card, above).
    total = page.request.get(f"{live_server.url}/dashboard/api/summary/").json()["total"]
    assert page.locator("[data-figure=enterprises] .screen-value").inner_text().replace(",", "") == str(
        total["enterprises"]
    )
    saved = page.locator("[data-figure=savings_rmb] .screen-value").inner_text()
    whole = Decimal(total["savings_rmb"]).quantize(Decimal(1), ROUND_HALF_UP)  # as Intl rounds
    assert saved.replace(",", "") == f"¥{whole}"
    assert float(total["savings_rmb"]) > 100_000_000
    shoot(f"screen-1920-{language}")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_screen_stays_legible_on_a_laptop_and_a_phone(
    demo, logged_in, live_server, shoot, width, language
):
    page = logged_in("programme_admin", language=language)
    page.set_viewport_size({"width": width, "height": SIZES[width]})
    page.goto(f"{live_server.url}/dashboard/screen/")
    wait_for_screen(page)
    seen = layout(page)
    assert min(seen["valueSizes"]) >= 32
    assert seen["overflows"] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    shoot(f"screen-{width}-{language}")


def test_the_screen_moves_through_the_city_and_its_districts(demo, logged_in, live_server):
    page = logged_in("city_official")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/dashboard/screen/?every=5")
    wait_for_screen(page)
    assert page.locator("h1").inner_text() == "湖州市"
    # The districts' own figures, as the summary API gives them; asked before the screen moves on,
    # since on a slow machine the request can outlast a turn of the screen.
    districts = page.request.get(f"{live_server.url}/dashboard/api/summary/").json()["districts"]
    expect(page.locator("h1")).to_have_text("吴兴区", timeout=9000)
    # The district shown and its figure, read at one instant (the screen moves on every 5 s).
    code, shown = page.evaluate(
        """() => [document.getElementById("screen").dataset.view,
                  document.querySelector("[data-figure=enterprises] .screen-value").textContent]"""
    )
    district = next(district for district in districts if district["code"] == code)
    assert shown.replace(",", "") == str(district["enterprises"]) != "0"
    # The district's own line highlighted among the others, muted.
    assert layout(page)["highlighted"] == [[page.locator("h1").inner_text()]] * 4
    expect(page.locator("h1")).to_have_text("南浔区", timeout=9000)


def test_a_failed_update_keeps_the_last_figures_with_their_time(demo, logged_in, live_server, shoot):
    page = logged_in("district_official", district="anji")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/dashboard/screen/?refresh=10")
    wait_for_screen(page)
    shown = page.locator("[data-figure=suggestions] .screen-value").inner_text()
    updated = page.locator("#screen-updated").inner_text()
    assert updated.startswith("更新于")
    # The server goes away: the next update fails.
    page.route("**/dashboard/screen/data/**", lambda route: route.abort())
    page.wait_for_selector("#screen-updated.stale", timeout=15000)
    assert page.locator("[data-figure=suggestions] .screen-value").inner_text() == shown
    assert page.locator("#screen-updated").inner_text().startswith("未能更新")
    assert updated[-5:] in page.locator("#screen-updated").inner_text()  # the figures' HH:MM
    shoot("screen-update-failed")
    # It comes back: the next try updates the screen again.
    page.unroute("**/dashboard/screen/data/**")
    page.wait_for_selector("#screen-updated:not(.stale)", timeout=35000)
    assert page.locator("[data-figure=suggestions] .screen-value").inner_text() == shown


def test_a_display_link_opens_the_screen_without_a_login_until_revoked(demo, page, live_server, shoot):
    city = User.objects.get(username="city")
    link, token = display_link_create(creator=city, name="会议室", language="en")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/dashboard/screen/?key={token}&refresh=10")
    wait_for_screen(page)
    assert page.locator("h1").inner_text() == "Huzhou"
    assert page.locator("html").get_attribute("lang") == "en"
    assert [c["name"] for c in page.context.cookies()] == []  # no session, no CSRF cookie
    shoot("screen-display-link-en")
    # Revoked while on the wall: at the next update the figures go, the reason comes.
    display_link_revoke(link=link)
    page.wait_for_selector("#screen-refused:not([hidden])", timeout=15000)
    assert page.locator("#screen-refused").inner_text().startswith("This display link has been revoked.")
    assert page.locator(".screen-figures").first.is_visible() is False
    shoot("screen-display-link-revoked")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_official_makes_a_display_link_and_a_wall_opens_it(
    demo, logged_in, live_server, browser, shoot, language
):
    page = logged_in("district_official", district="anji", language=language)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/")
    page.click("a[href='/dashboard/screen/links/']")  # in the navigation
    page.fill("input[name=name]", "三楼会议室")
    page.click("#new-link-form button[type=submit]")
    url = page.input_value("#created-link-url")
    assert url.startswith(f"{live_server.url}/dashboard/screen/?key=")
    shoot(f"screen-links-{language}")
    # The wall: another browser, nobody logged in.
    wall = browser.new_page(viewport={"width": 1920, "height": 1080})
    wall.goto(url)
    wait_for_screen(wall)
    assert wall.locator("h1").inner_text() == {"zh-hans": "安吉县", "en": "Anji"}[language]
    wall.close()
    page.reload()
    assert page.locator("#display-links tbody tr").count() == 1
    assert page.locator("#created-link-url").count() == 0  # shown once
