"""How long undoing an import takes against the import itself, in one process, on PostgreSQL:
36,000 safety rows created (their undo deletes them) and 36,000 changed (their undo sets them back).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_undo_benchmark .venv/bin/python benchmarks/undo_benchmark.py

The database named must exist and be migrated (`manage.py migrate`); the benchmark empties its
enterprises first. Not a test.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")


def main():
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection

    from benchmarks.history_benchmark import write_shape
    from imports.services import import_file
    from imports.undo import import_undo

    folder = Path(tempfile.mkdtemp())
    enterprises, safety = write_shape(folder, shape="current", enterprises=1000, months_per_enterprise=36)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE enterprises_enterprise, imports_recordchange CASCADE")
    admin, _created = User.objects.get_or_create(username="undo-benchmark", defaults={"is_superuser": True})
    import_file(kind="enterprises", file_name="e.csv", content=enterprises.read_bytes())
    content = safety.read_bytes()
    changed = content.replace(b",0,0\r\n", b",0,1\r\n")  # lost workdays 0 → 1 in every row: 36,000 updates

    def timed(call):
        started = time.perf_counter()
        result = call()
        return time.perf_counter() - started, result

    created_s, (batch, _plan) = timed(lambda: import_file(kind="safety", file_name="s.csv", content=content))
    changed_s, (changed_batch, plan) = timed(
        lambda: import_file(kind="safety", file_name="c.csv", content=changed)
    )
    undo_changed_s, counts_changed = timed(lambda: import_undo(batch=changed_batch, user=admin))
    undo_created_s, counts_created = timed(lambda: import_undo(batch=batch, user=admin))
    print(
        f"36,000 rows created: import {created_s:.2f} s, undo {undo_created_s:.2f} s "
        f"({undo_created_s / created_s:.2f}×; removed, restored = {counts_created})"
    )
    print(
        f"{plan.count('update'):,} rows changed: import {changed_s:.2f} s, undo {undo_changed_s:.2f} s "
        f"({undo_changed_s / changed_s:.2f}×; removed, restored = {counts_changed})"
    )


if __name__ == "__main__":
    main()
