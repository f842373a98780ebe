"""How long the printed report takes on PostgreSQL (a benchmark, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal \
        .venv/bin/python benchmarks/report_benchmark.py [--enterprises 1000] [--months 36] [--repeat 5]

Issue #15 asks for the report "generated in under 5 s at 1,000 enterprises". In a scratch database
(`<name>_report_bench`, dropped afterwards) it loads the dashboard benchmark's data
(benchmarks/dashboard_benchmark.py: that many enterprises over the five districts with `--months`
months of safety reports, 3 % of them missing, suggestions and completed projects) plus a year of
training (per district, each module's classroom workshop every month with twenty of its
enterprises' people, and walk-throughs), builds the roll-up, and then times, as a city official:

- the city's report in Chinese and in English (`/dashboard/report.pdf?from=…&to=…`: every district),
- one district's report (`&district=nanxun`),
- what the report is made of: its figures alone (dashboard.report.report_context, and each of
  the four figure functions it calls), and the PDF of those figures alone (WeasyPrint),
- the floor measured in the same run: WeasyPrint making a one-page PDF of one line of Chinese in
  the same font (its start, the font's loading and subsetting: what no report can go below).

Median and 95th percentile of wall-clock time, the mean CPU time (this process and its PostgreSQL
backend), the query count and the PDF's pages.

    … report_benchmark.py --against COMMIT [--rounds 4]

compares this code with COMMIT's (issue #24: "within 1.2× of the commit before"): on one set of
data, loaded once, it runs rounds that alternate which code goes first, each code in a process of
its own (`--code DIR`, COMMIT's files from `git archive`), timing the city's report (Chinese), the
dashboard page and the screen's data (page cache off, so that each request computes), and prints
each one's median over the rounds and the ratio.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `--code DIR`: time the code checked out in DIR (a commit before, for --against), not this one.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import translation  # noqa: E402

from benchmarks.dashboard_benchmark import data_months, load, summary, timed  # noqa: E402


def load_training(first_month):
    """A year of workshops from `first_month`: per district, module and month one classroom
    workshop with twenty people of its district's enterprises, and per district and month two
    walk-throughs."""
    import datetime

    from districts.models import District
    from enterprises.models import Enterprise
    from training.models import Attendance, Module, Participant, Workshop

    modules = list(Module.objects.order_by("number"))
    workshops, attendances = [], []
    for district in District.objects.all():
        enterprises = list(Enterprise.objects.filter(district=district).order_by("pk")[:40])
        people = Participant.objects.bulk_create(
            Participant(
                enterprise=enterprises[number % len(enterprises)],
                name=f"学员{number}",
                role=["manager", "worker"][number % 2],
                sex=["female", "male"][number // 2 % 2],
                phone=f"138{number:08d}",
            )
            for number in range(200)
        )
        for month in range(12):
            index = first_month.year * 12 + first_month.month - 1 + month
            day = datetime.date(index // 12, index % 12 + 1, 12)
            for module in modules:
                workshop = Workshop.objects.create(district=district, module=module, date=day, place="培训室")
                workshops.append(workshop)
                attendances += [
                    Attendance(workshop=workshop, participant=person)
                    for person in people[(month * 20) % 180 :][:20]
                ]
            for visit in range(2):
                walkthrough = Workshop.objects.create(
                    district=district, module=modules[visit], date=day, kind="walkthrough", place="车间"
                )
                walkthrough.enterprises.set(enterprises[month * 2 + visit : month * 2 + visit + 1])
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    return len(workshops)


def bench(count, months, repeat):
    from pypdf import PdfReader
    from weasyprint import HTML

    from accounts.scoping import visible_districts
    from dashboard.figures import district_figures, largest_savings, monthly_trend, training_figures
    from dashboard.forms import PeriodForm
    from dashboard.report import report_context, report_pdf

    user, reports = load(count, months, 0.03)
    first, last = data_months(months)
    workshops = load_training(first)
    client = Client()
    client.force_login(user)
    period = f"from={first:%Y-%m}&to={last:%Y-%m}"
    city_url = f"/dashboard/report.pdf?{period}"
    district_url = f"{city_url}&district=nanxun"

    def get(url, language):
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    results = []
    for label, url, language in [
        ("city report, Chinese", city_url, "zh-hans"),
        ("city report, English", city_url, "en"),
        ("Nanxun's report, Chinese", district_url, "zh-hans"),
    ]:
        with CaptureQueriesContext(connection) as captured:
            response = get(url, language)
        pages = len(PdfReader(io.BytesIO(response.content)).pages)
        extra = f"{len(captured.captured_queries)} queries, {pages} pages, {len(response.content) // 1024} KB"
        results.append(
            summary(label, timed(lambda url=url, language=language: get(url, language), repeat), extra)
        )

    translation.activate("zh-hans")
    form = PeriodForm({"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"})
    assert form.is_valid()
    districts = list(visible_districts(user))
    context = report_context(districts, form.period)
    results.append(
        summary("  its figures alone", timed(lambda: report_context(districts, form.period), repeat))
    )
    for label, call in [
        ("    district figures", lambda: district_figures(districts, form.period)),
        ("    monthly trend", lambda: monthly_trend(districts, form.period)),
        ("    training figures", lambda: training_figures(districts, form.period)),
        ("    largest savings", lambda: largest_savings(districts, form.period)),
    ]:
        results.append(summary(label, timed(call, repeat)))
    results.append(summary("  its PDF alone", timed(lambda: report_pdf(context), repeat)))
    trivial = (
        '<html lang="zh-hans"><body style="font-family: \'WenQuanYi Zen Hei\'">'
        "<p>SCORE 项目报告：湖州市</p></body></html>"
    )
    results.append(summary("floor: a one-line PDF", timed(lambda: HTML(string=trivial).write_pdf(), repeat)))
    print(
        f"\n{count} enterprises, {reports} safety reports, {workshops} classroom workshops, {months} months"
    )
    print("\n".join(results))


TIMED_PAGES = ("report", "dashboard", "screen")


def time_pages(username, period, repeat):
    """--time-only: {page: median ms} of the city's report in Chinese, the dashboard page and the
    screen's data for `username`, the page cache off, after two warm-ups each; printed as JSON."""
    from django.contrib.auth.models import User

    settings.SCORE_PAGE_CACHE = False
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = "zh-hans"
    urls = {
        "report": f"/dashboard/report.pdf?{period}",
        "dashboard": f"/dashboard/?{period}",
        "screen": "/dashboard/screen/data/",
    }

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    print(
        json.dumps(
            {
                page: statistics.median(timed(lambda url=url: get(url), repeat)[0])
                for page, url in urls.items()
            }
        )
    )


def against(commit, count, months, repeat, rounds):
    """Interleaved rounds of this code and `commit`'s on the same data (see the module's docstring)."""
    base = Path(tempfile.mkdtemp(prefix="score-before-"))
    subprocess.run(f"git archive {commit} | tar -x -C {base}", shell=True, check=True, cwd=ROOT)
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", "-l", "zh_Hans"],
        cwd=base,
        check=True,
        capture_output=True,
    )
    user, reports = load(count, months, 0.03)
    first, last = data_months(months)
    load_training(first)
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    connection.close()
    medians = {"before": [], "after": []}
    for number in range(rounds):
        order = [("before", base), ("after", ROOT)]
        for name, code in order if number % 2 == 0 else reversed(order):
            answer = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "report_benchmark.py"),
                    "--code",
                    str(code),
                    "--time-only",
                    user.username,
                    "--period",
                    f"from={first:%Y-%m}&to={last:%Y-%m}",
                    "--repeat",
                    str(repeat),
                ],
                env={**os.environ, "DATABASE_URL": url},
                capture_output=True,
                text=True,
                cwd=code,
            )
            if answer.returncode:
                sys.exit(answer.stderr[-2000:])
            medians[name].append(json.loads(answer.stdout.strip().splitlines()[-1]))
    print(
        f"\n{count} enterprises, {reports} safety reports, {months} months; {rounds} rounds of {repeat}, "
        f"before = {commit}"
    )
    for page in TIMED_PAGES:
        before = statistics.median(round_[page] for round_ in medians["before"])
        after = statistics.median(round_[page] for round_ in medians["after"])
        print(f"{page:<10} before {before:8.1f} ms   after {after:8.1f} ms   {after / before:5.2f}×")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, nargs="+", default=[1000])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", help="a commit to compare with, in interleaved rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--time-only", help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_only:
        setup_test_environment(debug=False)
        settings.ALLOWED_HOSTS = ["testserver"]
        time_pages(args.time_only, args.period, args.repeat)
        return
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL.")
    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    # A scratch database beside the one DATABASE_URL names, never that one.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_report_bench"
    started = time.perf_counter()
    for count in args.enterprises:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            if args.against:
                against(args.against, count, args.months, args.repeat, args.rounds)
            else:
                bench(count, args.months, args.repeat)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
