"""Upgrading a database made by the portal before the write door (commit BASE, 7 December 2026):
a client made without a district read every district then, by design, and still does; a client of
Deqing still reads only Deqing; every account keeps its role and rights, every record its values
(at version 1). And back (the migration is reversible).

As tests/test_upgrade.py: the old code from git history makes the clients in a scratch database of
the test run's kind, the new code migrates it and looks at the result, each in a subprocess.
"""

import json
import subprocess

from tests.test_upgrade import REPO, manage
from tests.test_upgrade import scratch_database as scratch_database  # noqa: F401 (the fixture)

BASE = "9d10b50c4fff9a7b6bcfe7acc0528493d50f6af9"

MAKE_OLD_CLIENTS = """
import datetime
from django.core.management import call_command
from districts.models import District
from enterprises.models import Enterprise, SafetyReport
call_command("add_api_client", "credit-mechanism")
call_command("add_api_client", "deqing-risk", "--district", "deqing", "--write")
call_command("add_user", "chen", "--role", "programme_admin", "--password", "pw-for-tests-only")
call_command("add_user", "nanxun", "--role", "district_official", "--district", "nanxun", "--password", "pw-for-tests-only")
call_command("add_user", "trainer", "--role", "trainer", "--district", "nanxun", "--password", "pw-for-tests-only")
firm = Enterprise.objects.create(credit_code="91330503375583185N", name="南浔甲企业",
    district=District.objects.get(code="nanxun"), employees=10, score_start=datetime.date(2016, 1, 15))
for month in (1, 2):
    SafetyReport.objects.create(enterprise=firm, month=datetime.date(2016, month, 1), inspections=3, accidents=0)
"""

LOOK_AT_NEW = """
import json
from django.contrib.auth.models import User
from accounts.models import ApiClient
from accounts.scoping import Action, can, editable_districts, visible_districts
from enterprises.models import SafetyReport
clients = {
    c.name: [c.all_districts, [d.code for d in visible_districts(c)], [d.code for d in editable_districts(c)]]
    for c in ApiClient.objects.all()
}
report = SafetyReport.objects.select_related("enterprise").first()
users = {
    u.username: [u.profile.role, [d.code for d in visible_districts(u)], can(u, Action.WRITE, report)]
    for u in User.objects.select_related("profile")
}
reports = sorted((f"{r.month:%Y-%m}", r.inspections, r.version) for r in SafetyReport.objects.all())
print(json.dumps({"clients": clients, "users": users, "reports": reports}))
"""

EMPTY_A_CLIENT = """
from accounts.services import api_client_create
api_client_create(name="emptied", district_codes=["anji"])[0].districts.clear()
"""

LOOK_AT_OLD = """
import json
from accounts.models import ApiClient
print(json.dumps({
    c.name: [[d.code for d in c.districts.all()], c.revoked_at is not None] for c in ApiClient.objects.all()
}))
"""


def test_a_client_made_without_a_district_before_the_flag_still_reads_every_district(
    tmp_path,
    scratch_database,  # noqa: F811 (the fixture imported above)
):
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASE], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    manage(old, scratch_database, "migrate", "--verbosity", "0")
    manage(old, scratch_database, "shell", "-c", MAKE_OLD_CLIENTS)

    manage(REPO, scratch_database, "migrate", "--verbosity", "0")
    after = json.loads(manage(REPO, scratch_database, "shell", "-c", LOOK_AT_NEW))

    assert after["clients"] == {
        "credit-mechanism": [True, ["wuxing", "nanxun", "deqing", "changxing", "anji"], []],
        "deqing-risk": [False, ["deqing"], ["deqing"]],
    }
    # Every account keeps its role and its districts; only the programme admin writes a report.
    assert after["users"] == {
        "chen": ["programme_admin", ["wuxing", "nanxun", "deqing", "changxing", "anji"], True],
        "nanxun": ["district_official", ["nanxun"], False],
        "trainer": ["trainer", ["nanxun"], False],
    }
    # Every record is there, at its first version.
    assert after["reports"] == [["2016-01", 3, 1], ["2016-02", 3, 1]]

    # Back to the old schema: the city-wide client is city-wide there by having no district; a
    # client left with none (and no flag) would become city-wide there, so it is revoked.
    manage(REPO, scratch_database, "shell", "-c", EMPTY_A_CLIENT)
    manage(REPO, scratch_database, "migrate", "accounts", "0005", "--verbosity", "0")
    back = json.loads(manage(old, scratch_database, "shell", "-c", LOOK_AT_OLD))
    assert back == {
        "credit-mechanism": [[], False],
        "deqing-risk": [["deqing"], False],
        "emptied": [[], True],
    }
