"""common.months: the one reading of a month typed into a URL or a form, and the accepted range."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from common.months import Period, add_months, check_period, date_range, parse_month

D = datetime.date

# 2026-12-01 in Shanghai: next year is 2027, so the portal accepts 1990-01 to 2027-12.
TODAY = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)

NOT_A_MONTH_EN = (
    "“{value}” is not a month: write it as YYYY-MM, for example 2016-01. "
    "The portal accepts months from 1990-01 to 2027-12."
)
NOT_A_MONTH_ZH = "“{value}”不是月份：请写成 YYYY-MM，例如 2016-01。门户接受 1990-01 至 2027-12 的月份。"
OUT_OF_RANGE_EN = (
    "“{value}” is not a month the portal accepts: write a month from 1990-01 to 2027-12 "
    "as YYYY-MM, for example 2016-01."
)
OUT_OF_RANGE_ZH = (
    "“{value}”不在门户接受的月份之内：请写 1990-01 至 2027-12 之间的月份，格式为 YYYY-MM，例如 2016-01。"
)

# (what was typed, how the message repeats it, which message)
MALFORMED = [
    ("2016-13", "2016-13", "not a month"),
    ("2016-00", "2016-00", "not a month"),
    ("2016-1", "2016-1", "not a month"),
    ("16-01", "16-01", "not a month"),
    ("0000-01", "0000-01", "not a month"),  # there is no year 0
    ("000001", "000001", "not a month"),
    ("201601", "201601", "not a month"),
    ("2016/01", "2016/01", "not a month"),
    ("2016-01-15", "2016-01-15", "not a month"),
    ("20160-01", "20160-01", "not a month"),
    ("+2016-01", "+2016-01", "not a month"),
    ("2016-+1", "2016-+1", "not a month"),
    ("2016−01", "2016−01", "not a month"),  # U+2212 MINUS SIGN
    ("２０１６-０１", "２０１６-０１", "not a month"),  # fullwidth digits
    ("٢٠١٦-٠١", "٢٠١٦-٠١", "not a month"),  # Arabic-Indic digits
    ("2016-01\x00", "2016-01\ufffd", "not a month"),  # NUL: shown as the replacement character
    ("2016-01\n", "2016-01\ufffd", "not a month"),
    (" 2016-01", " 2016-01", "not a month"),
    ("2016-01 ", "2016-01 ", "not a month"),
    ("", "", "not a month"),
    ("abc", "abc", "not a month"),
    ("2016-01" * 10, "2016-012016-012016-0…", "not a month"),  # 70 characters: the first 20
    ("1989-12", "1989-12", "out of range"),
    ("0001-01", "0001-01", "out of range"),
    ("2028-01", "2028-01", "out of range"),  # the year after next year
    ("9999-12", "9999-12", "out of range"),
]
MESSAGES = {
    "not a month": (NOT_A_MONTH_EN, NOT_A_MONTH_ZH),
    "out of range": (OUT_OF_RANGE_EN, OUT_OF_RANGE_ZH),
}


def refusal(text, language):
    """The messages parse_month refuses `text` with, in `language` (translated when read)."""
    with pytest.raises(ValidationError) as refused:
        parse_month(text)
    with translation.override(language):
        return refused.value.messages


@time_machine.travel(TODAY)
@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("1990-01", D(1990, 1, 1)),  # the first month accepted
        ("2016-01", D(2016, 1, 1)),
        ("2016-12", D(2016, 12, 1)),
        ("2026-12", D(2026, 12, 1)),
        ("2027-12", D(2027, 12, 1)),  # the last month of next year
    ],
)
def test_a_month_written_yyyy_mm_in_the_range_is_its_first_day(text, month):
    assert parse_month(text) == month


@time_machine.travel(TODAY)
@pytest.mark.parametrize(("text", "shown", "kind"), MALFORMED)
def test_anything_else_is_refused_with_the_form_and_the_range_in_the_users_language(text, shown, kind):
    english, chinese = MESSAGES[kind]
    assert refusal(text, "en") == [english.format(value=shown)]
    assert refusal(text, "zh-hans") == [chinese.format(value=shown)]


@time_machine.travel(TODAY)
def test_the_message_names_the_code_of_its_reason():
    with pytest.raises(ValidationError) as refused:
        parse_month("2016-13")
    assert refused.value.code == "invalid"
    with pytest.raises(ValidationError) as refused:
        parse_month("1989-12")
    assert refused.value.code == "out_of_range"


@time_machine.travel(TODAY)
def test_the_range_runs_from_1990_to_the_last_day_of_next_year():
    assert date_range() == (D(1990, 1, 1), D(2027, 12, 31))


@time_machine.travel(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC))
def test_next_year_counts_from_today_in_shanghai_whatever_time_zone_is_active():
    # 16:30 UTC on 31 December is 00:30 on 1 January 2027 in Shanghai: next year is 2028.
    with timezone.override(datetime.UTC):
        assert date_range() == (D(1990, 1, 1), D(2028, 12, 31))
        assert parse_month("2028-12") == D(2028, 12, 1)


@time_machine.travel(datetime.datetime(2026, 12, 31, 15, 30, tzinfo=datetime.UTC))
def test_until_midnight_in_shanghai_the_year_after_next_is_still_refused():
    # 15:30 UTC on 31 December is 23:30 in Shanghai, still 2026: the last month is 2027-12.
    with pytest.raises(ValidationError, match="2028-12"):
        parse_month("2028-12")


def test_an_inverted_period_is_refused_and_an_open_one_is_not():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_period(D(2017, 6, 1), D(2017, 5, 1))
    with translation.override("en"):
        assert refused.value.messages == ["The period cannot start (2017-06) after it ends (2017-05)."]
    with translation.override("zh-hans"):
        assert refused.value.messages == ["起始月份（2017-06）不能晚于结束月份（2017-05）。"]
    assert check_period(D(2017, 5, 1), D(2017, 5, 1)) is None  # one month
    assert check_period(None, D(2017, 5, 1)) is None
    assert check_period(D(2017, 5, 1), None) is None


@pytest.mark.parametrize(
    ("month", "count", "result"),
    [
        (D(2016, 1, 1), 1, D(2016, 2, 1)),
        (D(2016, 12, 1), 1, D(2017, 1, 1)),  # across the year
        (D(2016, 1, 1), -1, D(2015, 12, 1)),
        (D(2016, 3, 1), -24, D(2014, 3, 1)),
        (D(2016, 3, 1), 0, D(2016, 3, 1)),
        (D(2016, 3, 31), 1, D(2016, 4, 1)),  # any day of a month gives the next month's first day
    ],
)
def test_add_months_gives_the_first_day_of_the_month_count_months_on(month, count, result):
    assert add_months(month, count) == result


def test_a_period_ends_on_the_first_day_after_its_last_month():
    period = Period(first=D(2016, 11, 1), last=D(2017, 2, 1))
    assert period.end == D(2017, 3, 1)
    assert period.last_day == D(2017, 2, 28)
    assert period.months() == [D(2016, 11, 1), D(2016, 12, 1), D(2017, 1, 1), D(2017, 2, 1)]
