"""Upgrading a database made by the portal before API clients had `all_districts` (commit BASE,
7 December 2026): a client made without a district read every district then, by design, and still
does; a client of Deqing still reads only Deqing. And back (the migration is reversible).

As tests/test_upgrade.py: the old code from git history makes the clients in a scratch database of
the test run's kind, the new code migrates it and looks at the result, each in a subprocess.
"""

import json
import subprocess

from tests.test_upgrade import REPO, manage
from tests.test_upgrade import scratch_database as scratch_database  # noqa: F401 (the fixture)

BASE = "9d10b50c4fff9a7b6bcfe7acc0528493d50f6af9"

MAKE_OLD_CLIENTS = """
from django.core.management import call_command
call_command("add_api_client", "credit-mechanism")
call_command("add_api_client", "deqing-risk", "--district", "deqing", "--write")
"""

LOOK_AT_NEW = """
import json
from accounts.models import ApiClient
from accounts.scoping import editable_districts, visible_districts
print(json.dumps({
    c.name: [c.all_districts, [d.code for d in visible_districts(c)], [d.code for d in editable_districts(c)]]
    for c in ApiClient.objects.all()
}))
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

    assert after == {
        "credit-mechanism": [True, ["wuxing", "nanxun", "deqing", "changxing", "anji"], []],
        "deqing-risk": [False, ["deqing"], ["deqing"]],
    }

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
