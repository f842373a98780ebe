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
# a page with the message, or the API's {"error": message}.
PERIOD_URLS = [
    ("/dashboard/", "page"),
    ("/dashboard/api/summary/", "json"),
    ("/dashboard/districts/nanxun/", "page"),
    ("/dashboard/export/districts.csv", "page"),
    ("/dashboard/export/districts.xlsx", "page"),
    ("/dashboard/districts/nanxun/export.csv", "page"),
    ("/dashboard/districts/nanxun/export.xlsx", "page"),
    (f"/enterprises/{CREDIT_CODE}/", "page"),
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


@pytest.mark.parametrize(("url", "answer"), PERIOD_URLS)
@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize(("text", "shown", "kind"), BAD_MONTHS)
def test_a_malformed_month_of_a_period_gets_400_and_says_why(official, url, answer, field, text, shown, kind):
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


@pytest.mark.parametrize(("url", "answer"), PERIOD_URLS)
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"from": "", "to": ""}, 200),  # no month: since the first record, to this month
        ({"from": "1990-01", "to": "2027-12"}, 200),  # the whole range
        ({"from": "2027-12"}, 400),  # from next December to this month, the default `to`: inverted
    ],
)
def test_empty_months_and_the_edges_of_the_range_are_accepted(official, url, answer, query, status):
    assert official.get(url, query).status_code == status


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
