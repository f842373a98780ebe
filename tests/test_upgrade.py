"""Upgrading a database made by the portal as it was before its apps were layered (commit BASE,
25 November 2026): every row and every login survive, each account keeps its role, and an open
session stays logged in.

The old code is taken from git history and run in a subprocess against a scratch database of the
kind the test run uses (an SQLite file, or a scratch PostgreSQL database); the new code then
migrates it, and a second subprocess looks at the result through the new code.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import valid_code

BASE = "ceee536a08a910efe565763ae613c17b1ee0ce7e"
REPO = Path(__file__).resolve().parent.parent

# Run by the old code: the demo data (an account of every role, enterprises, reports, suggestions,
# projects, workshops, attendance), an import, and an open session of the Anji official.
MAKE_OLD_DATA = """
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection

call_command("seed_demo", verbosity=0)
call_command("import_data", "enterprises", sys.argv[1], verbosity=0)
anji = User.objects.get(username="anji")
session = SessionStore()
session[SESSION_KEY] = str(anji.pk)
session[BACKEND_SESSION_KEY] = "score_portal.auth_backend.PortalBackend"
session[HASH_SESSION_KEY] = anji.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "counts": {
    table: model.objects.count()
    for model in __import__("django.apps").apps.apps.get_models(include_auto_created=True)
    for table in [model._meta.db_table]
}}))
"""

LOOK_AT_NEW = """
import json, sys
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from accounts.scoping import user_role, visible_districts
from enterprises.models import SafetyReport
from imports.models import ImportBatch

users = User.objects.select_related("profile").order_by("username")
client = Client()
client.cookies["sessionid"] = sys.argv[1]
page = client.get("/enterprises/", HTTP_HOST="127.0.0.1")
batch = ImportBatch.objects.get()
print(json.dumps({
    "counts": {
        model._meta.db_table: model.objects.count() for model in apps.get_models(include_auto_created=True)
    },
    "logins": [u.username for u in users if authenticate(username=u.username, password="score-demo-2026")],
    "roles": {u.username: user_role(u) and user_role(u).value for u in users},
    "districts": {u.username: [d.code for d in visible_districts(u)] for u in users},
    "session": [page.status_code, "安吉升级测试竹业有限公司" in page.content.decode()],
    "batch": [batch.kind, batch.file_name, batch.status, batch.created, batch.override_reason],
    "report_states": sorted(set(SafetyReport.objects.values_list("state", flat=True))),
    "content_types": sorted(
        f"{ct.app_label}.{ct.model}"
        for ct in ContentType.objects.filter(model__in=["city", "district", "profile", "importbatch"])
    ),
}))
"""


@pytest.fixture
def scratch_database(tmp_path):
    """A DATABASE_URL of the test run's kind, for a database that exists only for this test."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path}/upgrade.sqlite3"
        return
    import psycopg2

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_upgrade"[:63]
    params = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"]}
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(code_dir, database_url, *args):
    """`manage.py *args` of the code in `code_dir` against `database_url`; the last line it printed."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "true", "PYTHONPATH": str(code_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=code_dir, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (result.stdout.strip().splitlines() or [""])[-1]


def test_a_database_of_the_old_layout_upgrades_with_every_row_and_login(tmp_path, scratch_database):
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASE], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    code = valid_code("330523")
    csv_file = tmp_path / "enterprises.csv"
    csv_file.write_text(
        f"统一社会信用代码,企业名称,所属区县,职工人数,SCORE开始日期\n{code},安吉升级测试竹业有限公司,安吉县,120,2016-03-01\n",
        encoding="utf-8",
    )
    manage(old, scratch_database, "migrate", "--verbosity", "0")
    before = json.loads(
        manage(
            old, scratch_database, "shell", "-c", MAKE_OLD_DATA.replace("sys.argv[1]", repr(str(csv_file)))
        )
    )

    manage(REPO, scratch_database, "migrate", "--verbosity", "0")
    after = json.loads(
        manage(
            REPO, scratch_database, "shell", "-c", LOOK_AT_NEW.replace("sys.argv[1]", repr(before["session"]))
        )
    )

    # Every table keeps its rows; the role groups and their memberships became Profile.role.
    groups = {"auth_group": 4, "auth_user_groups": 5}
    assert {t: n for t, n in before["counts"].items() if t in groups} == groups
    # The table of failed logins went on purpose (accounts/0004: counted per username and address
    # now, in a new table); the old data had no failures to lose.
    dropped = {"score_portal_loginfailure": 0}
    assert {t: n for t, n in before["counts"].items() if t in dropped} == dropped
    assert "score_portal_loginfailure" not in after["counts"]
    assert after["counts"]["accounts_failedlogincount"] == 0
    # New models bring their content types and permissions: those only grow.
    grown = {"django_content_type", "auth_permission"}
    assert all(after["counts"][t] >= before["counts"][t] for t in grown)
    # The roll-up is derived from the rows: `migrate` makes it again from them when it is done
    # (dashboard.rollup.triggers_ensure), counting the months due today.
    derived = {t for t in before["counts"] if t.startswith("dashboard_") and t.endswith("rollup")}
    unchanged = {
        t: n
        for t, n in before["counts"].items()
        if t not in groups and t not in dropped and t not in grown and t not in derived
    }
    assert {t: after["counts"][t] for t in unchanged} == unchanged
    assert (after["counts"]["auth_group"], after["counts"]["auth_user_groups"]) == (0, 0)
    assert before["counts"]["enterprises_enterprise"] == 51  # 50 demo enterprises + 1 imported
    assert before["counts"]["training_attendance"] > 0 and before["counts"]["enterprises_safetyreport"] > 0
    # Every demo account logs in with its password and keeps its role and districts.
    assert after["logins"] == ["admin", "anji", "city", "nanxun", "trainer"]
    assert after["roles"] == {
        "admin": "programme_admin",
        "anji": "district_official",
        "city": "city_official",
        "nanxun": "district_official",
        "trainer": "trainer",
    }
    assert after["districts"]["anji"] == ["anji"]
    assert after["districts"]["trainer"] == ["nanxun"]
    assert after["districts"]["city"] == ["wuxing", "nanxun", "deqing", "changxing", "anji"]
    # The Anji official's open session is still logged in (logged out: 302 to the login page),
    # and sees the Anji enterprise imported before the upgrade.
    assert after["session"] == [200, True]
    assert after["batch"] == ["enterprises", "enterprises.csv", "committed", 1, ""]
    # Reports from before review states are submitted, waiting for their review (docs/domain.md,
    # "Enterprises report for themselves"); an import from before overrode no lock.
    assert after["report_states"] == ["submitted"]
    # The moved models' content types (their permissions, their admin history) moved with them.
    assert after["content_types"] == [
        "accounts.profile",
        "districts.city",
        "districts.district",
        "imports.importbatch",
    ]
