"""enterprise_accounts DISTRICT --out FILE.xlsx: an account for each of the district's enterprises
that has none, and the workbook that hands them over."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from accounts.models import Profile
from accounts.services import user_create_or_update
from tests.factories import make_enterprise

NANXUN_CODE = "91330503375583185N"
NEIGHBOUR_CODE = "91330503MA2B000018"
ANJI_CODE = "91330523285269512N"
HEADERS = (
    "统一社会信用代码\nCredit code",
    "企业名称\nEnterprise name",
    "用户名\nUsername",
    "初始密码\nInitial password",
)


@pytest.fixture
def district(db):
    make_enterprise("nanxun", credit_code=NANXUN_CODE, name="南浔甲企业")
    make_enterprise("nanxun", credit_code=NEIGHBOUR_CODE, name="南浔丙企业")
    make_enterprise("anji", credit_code=ANJI_CODE, name="安吉乙企业")
    # 南浔甲企业 has an account already, with a password of its own.
    user_create_or_update(
        username="jia-clerk", role="enterprise", password="Jia-own-password-1", enterprise_code=NANXUN_CODE
    )


def run(*args, language="en"):
    from io import StringIO

    out = StringIO()
    call_command("enterprise_accounts", *args, "--language", language, stdout=out)
    return out.getvalue()


def sheet_rows(path):
    sheet = load_workbook(path).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_makes_the_missing_accounts_and_writes_every_account(district, tmp_path):
    out = run("nanxun", "--out", str(tmp_path / "nanxun.xlsx"))
    assert (
        out
        == f"Accounts made: 1; enterprises that had accounts already: 1. Written to {tmp_path / 'nanxun.xlsx'}.\n"
    )
    rows = sheet_rows(tmp_path / "nanxun.xlsx")
    # The title block (what, districts, when made, the note on passwords), a blank row, the table.
    assert rows[0] == ("Enterprise accounts", None, None, None)
    assert rows[1] == ("Districts: Nanxun", None, None, None)
    assert rows[2][0].startswith(f"Made at: {datetime.date.today():%Y}")
    assert rows[3][0].startswith(
        "Initial passwords are shown here only; each must be changed at the first login."
    )
    assert rows[4] == (None, None, None, None)
    assert rows[5] == HEADERS
    # In the enterprises' order (by name within the district): 丙 before 甲.
    assert len(rows) == 8
    bing, jia = rows[6:]
    assert bing[:3] == (NEIGHBOUR_CODE, "南浔丙企业", "91330503ma2b000018")
    assert jia == (NANXUN_CODE, "南浔甲企业", "jia-clerk", None)
    user = User.objects.get(username="91330503ma2b000018")
    assert user.check_password(bing[3]) is True
    assert (user.profile.role, user.profile.enterprise.credit_code, user.profile.must_change_password) == (
        "enterprise",
        NEIGHBOUR_CODE,
        True,
    )
    # The account that was there keeps its password; Anji is not touched.
    assert User.objects.get(username="jia-clerk").check_password("Jia-own-password-1") is True
    assert Profile.objects.filter(enterprise__credit_code=ANJI_CODE).exists() is False


def test_a_second_run_makes_nothing_and_shows_no_password(district, tmp_path):
    run("nanxun", "--out", str(tmp_path / "first.xlsx"))
    out = run("NANXUN", "--out", str(tmp_path / "second.xlsx"))
    assert out.startswith("Accounts made: 0; enterprises that had accounts already: 2.")
    assert sheet_rows(tmp_path / "second.xlsx")[6:] == [
        (NEIGHBOUR_CODE, "南浔丙企业", "91330503ma2b000018", None),
        (NANXUN_CODE, "南浔甲企业", "jia-clerk", None),
    ]
    assert Profile.objects.filter(enterprise__district__code="nanxun").count() == 2


def test_an_enterprise_with_several_accounts_has_a_row_for_each(district, tmp_path):
    user_create_or_update(
        username="jia-boss", role="enterprise", password="Jia-own-password-2", enterprise_code=NANXUN_CODE
    )
    run("nanxun", "--out", str(tmp_path / "n.xlsx"))
    assert sheet_rows(tmp_path / "n.xlsx")[7:] == [
        (NANXUN_CODE, "南浔甲企业", "jia-boss", None),
        (NANXUN_CODE, "南浔甲企业", "jia-clerk", None),
    ]


def test_the_title_in_chinese(district, tmp_path):
    out = run("nanxun", "--out", str(tmp_path / "n.xlsx"), language="zh-hans")
    assert out.startswith("新建账号：1 个；已有账号的企业：1 家。")
    rows = sheet_rows(tmp_path / "n.xlsx")
    assert rows[0][0] == "企业账号"
    assert rows[3][0].startswith("初始密码只在此表中列出，首次登录时须修改。")
    assert rows[5] == HEADERS


def test_refuses_an_unknown_district(district, tmp_path):
    with pytest.raises(CommandError, match="^Unknown district jiaxing; known districts: wuxing, nanxun, "):
        run("jiaxing", "--out", str(tmp_path / "n.xlsx"))
    assert (tmp_path / "n.xlsx").exists() is False


def test_refuses_to_write_over_a_file_and_makes_nothing(district, tmp_path):
    (tmp_path / "n.xlsx").write_bytes(b"the first run's passwords")
    with pytest.raises(
        CommandError,
        match=r"n\.xlsx exists already; choose another name \(it may hold passwords not yet handed over\)\.$",
    ):
        run("nanxun", "--out", str(tmp_path / "n.xlsx"))
    assert (tmp_path / "n.xlsx").read_bytes() == b"the first run's passwords"
    assert Profile.objects.filter(enterprise__credit_code=NEIGHBOUR_CODE).exists() is False


def test_refuses_a_name_that_is_not_xlsx(district, tmp_path):
    with pytest.raises(CommandError, match=r"^The workbook's name must end in \.xlsx: .*n\.csv\.$"):
        run("nanxun", "--out", str(tmp_path / "n.csv"))


def test_refuses_a_missing_folder_and_makes_nothing(district, tmp_path):
    with pytest.raises(CommandError, match=r"^There is no folder .*nowhere\.$"):
        run("nanxun", "--out", str(tmp_path / "nowhere" / "n.xlsx"))
    assert Profile.objects.filter(enterprise__credit_code=NEIGHBOUR_CODE).exists() is False
