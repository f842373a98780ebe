"""Every page and API that reads a month from its URL answers a malformed one with 400 and the
message of common.months.parse_month, in the user's language."""

import datetime

import pytest
from django.utils.html import escape

from tests.factories import login_as, make_enterprise
from tests.html import main_content
from tests.test_months import MALFORMED, MESSAGES

D = datetime.date
CREDIT_CODE = "91330503375583185N"

# Every URL that reads a period (`from` and `to`, both optional), and how it answers an error:
# a page with the message, or the API's {"error": message}. The dashboard's URLs read the period
# through dashboard.forms.PeriodForm, whose `to` defaults to this month; the training downloads
# leave an empty `to` open. No URL requires a month: an empty one means none.
DASHBOARD_PERIOD_URLS = [
    ("/dashboard/", "page"),
    ("/dashboard/api/summary/", "json"),
    ("/dashboard/districts/nanxun/", "page"),
    ("/dashboard/export/districts.csv", "page"),
    ("/dashboard/export/districts.xlsx", "page"),
    ("/dashboard/districts/nanxun/export.csv", "page"),
    ("/dashboard/districts/nanxun/export.xlsx", "page"),
    (f"/enterprises/{CREDIT_CODE}/", "page"),
]
TRAINING_PERIOD_URLS = [
    ("/training/export.csv", "page"),
    ("/training/export.xlsx", "page"),
]
PERIOD_URLS = DASHBOARD_PERIOD_URLS + TRAINING_PERIOD_URLS
# Every month a URL reads: (url, parameter, answer).
MONTH_PARAMETERS = [
    *((url, field, answer) for url, answer in PERIOD_URLS for field in ("from", "to")),
    ("/training/", "month", "page"),  # the workshop list of one month
]
# The values the pages are tried with: what parse_month refuses (tests/test_months.py), but for
# the empty value, which here means "no month", and the 70 characters, which a browser would not send.
BAD_MONTHS = [case for case in MALFORMED if case[0] and len(case[0]) < 20]


@pytest.fixture
def official(client, db):
    """A city official, who may open every URL here, with an enterprise of Nanxun to look at."""
    make_enterprise("nanxun", credit_code=CREDIT_CODE, name="南浔甲企业", score_start=D(2017, 3, 10))
    return login_as(client, "city_official")


def refusal(client, url, query, language):
    """The response to `url?query` for a user who reads `language` (the portal's default: zh-hans)."""
    client.cookies["django_language"] = language
    return client.get(url, query)


def assert_says(response, answer, message):
    assert response.status_code == 400
    if answer == "json":
        assert response.json() == {"error": message}
    else:
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert escape(message) in main_content(response)


# 2026-12-01 in Shanghai, as in tests/test_months.py: the portal accepts 1990-01 to 2027-12.
pytestmark = pytest.mark.time_machine(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC))


@pytest.mark.parametrize(("url", "field", "answer"), MONTH_PARAMETERS)
@pytest.mark.parametrize(("text", "shown", "kind"), BAD_MONTHS)
def test_a_malformed_month_gets_400_and_says_why_in_the_users_language(
    official, url, field, answer, text, shown, kind
):
    english, chinese = MESSAGES[kind]
    assert_says(refusal(official, url, {field: text}, "zh-hans"), answer, chinese.format(value=shown))
    assert_says(refusal(official, url, {field: text}, "en"), answer, english.format(value=shown))


@pytest.mark.parametrize(("url", "answer"), PERIOD_URLS)
def test_a_period_that_starts_after_it_ends_gets_400_and_says_why(official, url, answer):
    query = {"from": "2017-06", "to": "2017-05"}
    chinese = "起始月份（2017-06）不能晚于结束月份（2017-05）。"
    assert_says(refusal(official, url, query, "zh-hans"), answer, chinese)
    english = "The period cannot start (2017-06) after it ends (2017-05)."
    assert_says(refusal(official, url, query, "en"), answer, english)


@pytest.mark.parametrize(("url", "field", "answer"), MONTH_PARAMETERS)
@pytest.mark.parametrize("text", ["", "1990-01", "2027-12"])
def test_no_month_and_the_first_and_last_month_of_the_range_are_accepted(official, url, field, answer, text):
    # A `from` with the last `to` there is: alone, 2027-12 would be after the default `to`, this month.
    query = {field: text, **({"to": "2027-12"} if field == "from" else {})}
    assert official.get(url, query).status_code == 200


@pytest.mark.parametrize("url", [url for url, _answer in DASHBOARD_PERIOD_URLS])
def test_a_from_in_next_year_is_after_the_default_to(official, url):
    # from 2027-12 to 2026-12, this month
    assert official.get(url, {"from": "2027-12"}).status_code == 400


@pytest.mark.parametrize("url", [url for url, _answer in TRAINING_PERIOD_URLS])
def test_a_from_in_next_year_is_a_training_download_to_the_last_record(official, url):
    assert official.get(url, {"from": "2027-12"}).status_code == 200


def test_a_download_refused_says_why_on_the_400_page(official):
    response = refusal(official, "/dashboard/export/districts.csv", {"to": "2016-13"}, "en")
    html = main_content(response)
    assert "The request cannot be read" in html
    assert '<div class="alert alert-danger" role="alert" id="bad-request">“2016-13” is not a month:' in html


def test_the_400_page_without_a_message_asks_to_check_the_address(client, db, settings):
    # Django's own answer to a suspicious request (here a host not allowed) uses the same page.
    settings.DEBUG = False
    response = client.get("/accounts/login/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert "无法读取此请求" in response.content.decode()
    assert "请检查网址，或返回后重试。" in response.content.decode()


def test_the_workshop_list_refuses_a_malformed_month_instead_of_listing_every_month(official):
    # It used to ignore "2024-13" and list the workshops of every month.
    response = refusal(official, "/training/", {"month": "2024-13", "module": "1"}, "en")
    assert response.status_code == 400
    assert "“2024-13” is not a month: write it as YYYY-MM, for example 2016-01." in main_content(response)
    assert "page" not in response.context


def test_a_training_download_refused_says_why_on_the_400_page(official):
    response = refusal(official, "/training/export.xlsx", {"from": "2024-4"}, "zh-hans")
    assert response.status_code == 400
    assert "无法读取此请求" in main_content(response)
    assert "“2024-4”不是月份：请写成 YYYY-MM，例如 2016-01。" in main_content(response)
