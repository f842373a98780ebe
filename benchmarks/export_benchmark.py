"""How long the XLSX writer takes for a 10,000-row export, formatted (common.spreadsheets) against
the unformatted writer it replaced, in one run (a benchmark, not a test).

    .venv/bin/python benchmarks/export_benchmark.py [--rows 10000] [--repeat 7]

Two tables of `--rows` rows each, as the portal exports them: the enterprise list of a district
(13 columns: codes and names, a date, counts, an amount of RMB) and an attendance list (11 columns:
a date, Chinese text, masked phones). For each it times, alternating rounds so that a busy machine
weighs on both alike:

- before: the writer as it was before "Excel ready to hand over" (fixed widths, no title, no
  frozen header, no number formats), kept here verbatim as the floor;
- after: common.spreadsheets.spreadsheet with the title block, fitted widths and number formats.

It prints the median of each in milliseconds and their ratio (the target: after ≤ 1.5 × before).
No database: the rows are built in memory, so only the writer is measured.
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_portal.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from common.spreadsheets import cell_safe, spreadsheet, title_block, xlsx_text  # noqa: E402


def before(*, headers, rows, sheet, widths=()):
    """The XLSX branch of common.spreadsheets.spreadsheet before the change, verbatim."""
    headers = [xlsx_text(cell_safe(str(header))) for header in headers]
    rows = ([xlsx_text(cell_safe(value)) for value in row] for row in rows)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.append(headers)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def enterprise_rows(count):
    return [
        [
            f"9133050300000{n:04d}X",
            f"湖州第{n}纺织有限公司",
            "纺织",
            "2016",
            datetime.date(2016, 1 + n % 12, 1 + n % 28),
            20 + n % 900,
            n % 40,
            n % 7,
            Decimal(f"{n * 13 % 100000}.50"),
            n % 120,
            n % 3,
            12,
            12,
        ]
        for n in range(count)
    ]


def attendance_rows(count):
    return [
        [
            datetime.date(2024, 1 + n % 12, 1 + n % 28),
            "模块2：质量管理",
            "课堂培训",
            "南浔区培训中心",
            "南浔区",
            f"湖州第{n % 500}纺织有限公司",
            f"9133050300000{n % 500:04d}X",
            f"王{n}",
            "工人",
            "女",
            f"138****{n % 10000:04d}",
        ]
        for n in range(count)
    ]


def timed(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    translation.activate("zh-hans")
    tables = {
        "enterprises": (
            [f"h{n}" for n in range(13)],
            enterprise_rows(options.rows),
            [22, 30, 12, 8, 12, 8, 8, 8, 12, 8, 8, 8, 8],
            [
                None,
                None,
                None,
                None,
                "date",
                "count",
                "count",
                "count",
                "money",
                "count",
                "count",
                "count",
                "count",
            ],
        ),
        "attendance": (
            [f"h{n}" for n in range(11)],
            attendance_rows(options.rows),
            [12, 8, 14, 24, 10, 30, 22, 12, 10, 6, 16],
            ["date"] + [None] * 10,
        ),
    }
    print(f"{options.rows:,} rows, median of {options.repeat} alternating rounds, ms")
    for name, (headers, rows, widths, kinds) in tables.items():
        times = {"before": [], "after": []}

        def unformatted(headers=headers, rows=rows, name=name, widths=widths):
            before(headers=headers, rows=rows, sheet=name, widths=widths)

        def formatted(headers=headers, rows=rows, name=name, kinds=kinds):
            spreadsheet(
                headers=headers,
                rows=rows,
                file_format="xlsx",
                sheet=name,
                kinds=kinds,
                title=title_block(what="SCORE", districts=["南浔区"]),
            )

        for _round in range(options.repeat):
            times["before"].append(timed(unformatted))
            times["after"].append(timed(formatted))
        old, new = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"{name:12} before {old:8.0f}   after {new:8.0f}   ratio {new / old:.2f}")


if __name__ == "__main__":
    main()
