"""How much of one file the import engine reads, and what it says past that.

The upload limit (SCORE_IMPORT_MAX_MB) bounds the bytes sent, not what they expand to: a 4 MB
workbook can unpack to gigabytes, a sheet can claim a cell in its millionth row, a CSV can hold two
million rows. The reader checks these bounds as it goes, before the work they would cost, and
refuses past them with a message naming the limit.
"""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message says why in the user's language."""


def number_text(value):
    """`value` with its digits grouped as the active language groups them (200,000)."""
    return number_format(value, force_grouping=True)


@dataclass
class ReadLimits:
    rows: int  # rows below the header row
    columns: int
    cells: int  # rows × columns of the sheet read, blank cells inside it included
    unzipped_bytes: int  # of a workbook's parts, unpacked
    seconds: int
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_settings(cls):
        return cls(
            rows=settings.SCORE_IMPORT_MAX_ROWS,
            columns=settings.SCORE_IMPORT_MAX_COLUMNS,
            cells=settings.SCORE_IMPORT_MAX_CELLS,
            unzipped_bytes=settings.SCORE_IMPORT_MAX_UNZIPPED_BYTES,
            seconds=settings.SCORE_IMPORT_READ_SECONDS,
        )

    def check_time(self):
        if time.monotonic() - self.started > self.seconds:
            raise UnreadableFile(
                _(
                    "Reading the file took more than %(limit)s seconds, the portal's limit. "
                    "Split it into smaller files."
                )
                % {"limit": number_text(self.seconds)}
            )

    def check_rows(self, last_row):
        """`last_row`: the file's row number (header = 1) of the last row read so far."""
        if last_row - 1 > self.rows:
            raise UnreadableFile(
                _(
                    "The file has more than %(limit)s rows below its header; the portal reads at most "
                    "%(limit)s rows from one file. Split it into smaller files."
                )
                % {"limit": number_text(self.rows)}
            )

    def check_columns(self, count, row):
        if count > self.columns:
            raise UnreadableFile(
                _(
                    "Row %(row)s reaches column %(count)s; the portal reads at most %(limit)s columns. "
                    "Delete the columns the import does not need."
                )
                % {"row": number_text(row), "count": number_text(count), "limit": number_text(self.columns)}
            )

    def check_cells(self, count):
        if count > self.cells:
            raise UnreadableFile(
                _(
                    "The file holds more than %(limit)s cells (rows × columns, blank ones included); "
                    "the portal reads at most %(limit)s from one file. Split it into smaller files."
                )
                % {"limit": number_text(self.cells)}
            )

    def check_unzipped(self, size):
        if size > self.unzipped_bytes:
            raise UnreadableFile(
                _(
                    "Unpacked, this workbook takes %(size)s MB; the portal reads workbooks of at most "
                    "%(limit)s MB unpacked. Split it into smaller files."
                )
                % {"size": number_text(-(-size // 2**20)), "limit": number_text(self.unzipped_bytes // 2**20)}
            )
