"""Peak memory and time of the largest file the import reader accepts, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/import_bounds_benchmark.py

Builds SCORE_IMPORT_MAX_ROWS rows (200,000 by default) × the safety import's 8 columns as an .xlsx,
and the same rows as a CSV, in a scratch database (`--database`, dropped first if it exists) holding
the enterprises they name. Then measures, each in a process of its own:
- the floor: Python's start-up; Python with `import django; django.setup()`;
- reading alone (imports.reading.table_read);
- the preview, as the upload page makes it: import_batch_preview reads, checks and plans the file
  against the database and keeps it in an ImportBatch;
- the confirm, as its button does: import_batch_confirm plans the kept file again and commits it
  (with the dashboard's roll-up, in one transaction);
- the floor of the write: the same rows as CSV COPYed by psycopg2 into a scratch table, nothing else.

A step's peak memory is its process's maximum resident set size, read by a measuring process that
starts that one child and then asks resource.getrusage(RUSAGE_CHILDREN). Not a test: it takes a few
minutes and needs PostgreSQL.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.import_benchmark import DISTRICTS, connect, credit_code, months, write_csv, write_xlsx  # noqa: E402

SAFETY_HEADER = [
    "统一社会信用代码",
    "月份",
    "安全检查次数",
    "发现隐患数",
    "整改隐患数",
    "事故起数",
    "受伤人数",
    "损失工作日",
]
SETUP = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'score_portal.settings'); django.setup()"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="score_import_bounds_benchmark")
    parser.add_argument("--rows", type=int, help="rows below the header (default: SCORE_IMPORT_MAX_ROWS)")
    parser.add_argument(
        "--ignored-columns",
        type=int,
        default=0,
        help="columns of remarks after the 8, which the import reads and ignores (rows × columns, header "
        "included, must stay within SCORE_IMPORT_MAX_CELLS)",
    )
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure_child(args.measure)
    if args.step:
        return run_step(*args.step)

    base = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL server (any database on it): this runs on PostgreSQL."
        )
    admin = connect(base)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    admin.close()
    url = urlunsplit(parts._replace(path=f"/{args.database}"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "score_portal.settings",
    }
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    rows = args.rows or int(
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"{SETUP}; from django.conf import settings; print(settings.SCORE_IMPORT_MAX_ROWS)",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        enterprises, safety_csv, safety_xlsx = write_files(folder, rows, args.ignored_columns)
        print(
            f"{rows:,} rows × {len(SAFETY_HEADER) + args.ignored_columns} columns: .xlsx {safety_xlsx.stat().st_size / 2**20:.1f} MB, "
            f"CSV {safety_csv.stat().st_size / 2**20:.1f} MB (written in {time.perf_counter() - started:.0f} s)"
        )
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "import_data", "enterprises", str(enterprises)],
            env=env,
            check=True,
            capture_output=True,
        )
        print(
            f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} CPUs\n"
        )
        print(f"{'step':<48}{'seconds':>9}{'CPU s':>7}{'peak MB':>9}   result")
        steps = [
            ("Python start-up", ["python"]),
            ("Python + import django; django.setup()", ["django"]),
            ("read the .xlsx (table_read)", ["read", str(safety_xlsx)]),
            ("preview the .xlsx (read, check, plan, keep)", ["preview", str(safety_xlsx)]),
            ("confirm the .xlsx (plan again, commit)", ["confirm"]),
            ("read the CSV (table_read)", ["read", str(safety_csv)]),
            ("preview the CSV", ["preview", str(safety_csv)]),
            ("confirm the CSV", ["confirm"]),
            ("COPY of the same rows into a scratch table", ["copy", str(safety_csv)]),
        ]
        batch = None
        for label, step in steps:
            if step[0] == "preview":
                clear_safety_reports(url)
            if step[0] == "confirm":
                step = ["confirm", batch]
            result = measure(step, env)
            if step[0] == "preview":
                batch = result["output"].split()[0]
            print(
                f"{label:<48}{result['seconds']:>9.2f}{result['cpu']:>7.2f}{result['peak_mb']:>9.0f}   "
                f"{result['output']}"
            )


def write_files(folder, rows, ignored_columns, enterprises=2000, seed=4):
    codes = [credit_code(DISTRICTS[i % 5][0], 200000 + i) for i in range(enterprises)]
    enterprises_csv = write_csv(
        folder / "enterprises.csv",
        ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期"],
        (
            [code, f"示例企业{i}", DISTRICTS[i % 5][1], 50 + i % 400, f"2015-{1 + i % 12:02d}-15"]
            for i, code in enumerate(codes)
        ),
    )
    per_enterprise = -(-rows // enterprises)
    spelled = list(months(per_enterprise))
    rng = random.Random(seed)
    safety = []
    for index in range(rows):
        found = rng.randint(0, 6)
        safety.append(
            [
                codes[index // per_enterprise],
                spelled[index % per_enterprise],
                rng.randint(0, 5),
                found,
                rng.randint(0, found),
                rng.randint(0, 1),
                rng.randint(0, 1),
                rng.randint(0, 10),
                *(f"备注{index % 97}" for _ in range(ignored_columns)),
            ]
        )
    header = SAFETY_HEADER + [f"备注{n + 1}" for n in range(ignored_columns)]
    return (
        enterprises_csv,
        write_csv(folder / "safety.csv", header, safety),
        write_xlsx(folder / "safety.xlsx", header, safety),
    )


def measure(step, env):
    """Run the measuring process for `step`; it reports the step's own time, CPU and peak memory."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", *step], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(step)} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_child(step):
    """In the measuring process: start the step as this process's only child and report it."""
    if step[0] == "python":
        command = [sys.executable, "-c", "pass"]
    elif step[0] == "django":
        command = [sys.executable, "-c", SETUP]
    else:
        command = [sys.executable, __file__, "--step", *step]
    started = time.perf_counter()
    child = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"{' '.join(step)} failed:\n{child.stdout}\n{child.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = child.stdout.strip().splitlines()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
                "output": lines[-1] if lines else "",
            }
        )
    )


def run_step(name, argument=None):
    """In the step's own process: the work measured, nothing else."""
    if name == "copy":
        return copy_rows(os.environ["DATABASE_URL"], argument)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")
    django.setup()
    from imports.models import ImportBatch
    from imports.reading import table_read
    from imports.services import import_batch_confirm, import_batch_preview

    if name == "read":
        path = Path(argument)
        table = table_read(path.read_bytes(), path.name)
        print(f"{len(table.rows)} rows")
    elif name == "preview":
        path = Path(argument)
        batch, plan = import_batch_preview(
            user=None, kind="safety", file_name=path.name, content=path.read_bytes()
        )
        print(batch.pk, batch.status, plan.counts())
    elif name == "confirm":
        batch, plan = import_batch_confirm(batch=ImportBatch.objects.get(pk=argument))
        print(batch.status, plan.counts() if plan else "")


def clear_safety_reports(url):
    connection = connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute("TRUNCATE enterprises_safetyreport")
    connection.close()


def copy_rows(url, path):
    connection = connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scratch_safety")
        with open(path, encoding="utf-8") as stream:
            extra = len(stream.readline().split(",")) - len(SAFETY_HEADER)
        cursor.execute(
            "CREATE TABLE scratch_safety (credit_code text, month text, inspections integer, "
            "hazards_found integer, hazards_fixed integer, accidents integer, injuries integer, "
            f"lost_workdays integer{''.join(f', remark_{n} text' for n in range(extra))})"
        )
        with open(path, encoding="utf-8") as stream:
            cursor.copy_expert("COPY scratch_safety FROM STDIN WITH (FORMAT csv, HEADER)", stream)
        cursor.execute("SELECT count(*) FROM scratch_safety")
        count = cursor.fetchone()[0]
        cursor.execute("DROP TABLE scratch_safety")
    connection.close()
    print(f"{count} rows")


if __name__ == "__main__":
    main()
