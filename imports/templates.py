"""A template per kind of import file, generated from the kind's declaration (imports.engine's
ImportKind): an XLSX whose first sheet has the headers in Chinese and English and one example
row, and whose second sheet lists the rules of every column and across columns.

The example row's key cell starts with EXAMPLE_MARK, so the engine leaves that row out (with a
warning) when the template comes back: as downloaded, it imports nothing; filled in below the
example, it imports the rows typed."""

from django.utils.translation import gettext as _

from common.spreadsheets import xlsx_workbook
from common.text import listed
from imports.engine import EXAMPLE_MARK


def _chinese_and_english(column):
    """The column's first Chinese header over its first English one (the engine reads either,
    and both on two lines of one cell)."""
    chinese = next((header for header in column.headers if not header.isascii()), "")
    english = next((header for header in column.headers if header.isascii()), "")
    return "\n".join(header for header in (chinese, english) if header)


def _rule_of(column):
    """What a column takes, in words, from its declaration."""
    parse = column.parse
    if hasattr(parse, "accepted"):
        text = _("One of: %(values)s.") % {"values": listed(sorted(set(parse.accepted)))}
    elif getattr(parse, "limit", None):
        text = _("Text, at most %(limit)d characters.") % {"limit": parse.limit}
    elif hasattr(parse, "limit"):
        text = _("Text.")
    else:
        text = str(column.rule_text)
    return text


def _example_row(kind):
    cells = [column.example_cell for column in kind.columns]
    key = next(index for index, column in enumerate(kind.columns) if column.field == kind.key[0])
    cells[key] = f"{EXAMPLE_MARK} {cells[key]}"
    return cells


def import_template(kind):
    """(bytes, file name) of the XLSX template of `kind`, in the active language."""
    required, optional = _("required"), _("optional")
    rules = [
        [
            _chinese_and_english(column),
            str(column.label),
            required if column.required else optional,
            listed(column.headers),
            _rule_of(column),
        ]
        for column in kind.columns
    ]
    rules += [[_("Across columns"), "", "", "", str(rule.text)] for rule in kind.rules if rule.text]
    rules += [
        [
            _("Example row"),
            "",
            "",
            "",
            _(
                "A row whose %(column)s starts with %(mark)s is the example: it is never imported. "
                "Delete it or leave it; type your rows below it."
            )
            % {
                "column": str(next(c.label for c in kind.columns if c.field == kind.key[0])),
                "mark": EXAMPLE_MARK,
            },
        ]
    ]
    body = xlsx_workbook(
        [
            {
                "sheet": str(kind.label),
                "headers": [_chinese_and_english(column) for column in kind.columns],
                "rows": [_example_row(kind)],
                "kinds": [None] * len(kind.columns),
            },
            {
                "sheet": _("rules"),
                "headers": [_("Column"), _("Holds"), _("Required"), _("Headers accepted"), _("Rule")],
                "rows": rules,
            },
        ]
    )
    return body, f"score-{kind.name}-{_('template')}.xlsx"
