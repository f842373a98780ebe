"""docs/domain.md, the project's own domain document, says what the code does: its figure tables hold
the very definitions the dashboard shows, its import tables the very headers the import kinds accept,
its districts and modules those the migrations seed; and nothing in the repository cites a domain
file other than it."""

import importlib
import os
import re
from pathlib import Path

import pytest
from django.utils import translation

from districts.models import District
from imports.kinds import import_kind
from improvements.imports import PROJECT_STATUS, SUGGESTION_STATUS
from training.models import Module

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_DOC = ROOT / "docs" / "domain.md"
# The header of every table of docs/domain.md whose second column is the dashboard's own words.
FIGURE_TABLE = "| figure | shown on the dashboard | exactly |"


def shown_definitions():
    """{figure key: the definition the dashboard shows, in English}, wherever the dashboard declares
    them: today dashboard.figures.DEFINITIONS; should they move into a registry of figures (issue
    #21) without that name, its declarations. The one place to change if they move again."""
    figures = importlib.import_module("dashboard.figures")
    if hasattr(figures, "DEFINITIONS"):
        declared = dict(figures.DEFINITIONS)
    else:
        registry = importlib.import_module("dashboard.registry")
        declared = {figure.key: figure.definition for figure in registry.FIGURES}
    with translation.override("en"):
        return {key: str(text) for key, text in declared.items()}


def tables(header):
    """The rows (lists of cells) of every table of docs/domain.md whose header line is `header`, one
    list per table, in the document's order."""
    found, rows = [], None
    for line in DOMAIN_DOC.read_text(encoding="utf-8").splitlines():
        if line == header:
            rows = []
            found.append(rows)
        elif not line.startswith("|"):
            rows = None
        elif rows is not None and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return found


def documented_definitions():
    """{figure key: its definition as the figure tables of docs/domain.md give it}."""
    documented = {}
    for table in tables(FIGURE_TABLE):
        for key, shown, *_exactly in table:
            assert key.strip("`") not in documented, f"{key} is in two figure tables"
            documented[key.strip("`")] = shown
    return documented


def test_the_domain_docs_figure_tables_hold_the_definitions_the_dashboard_shows():
    shown, documented = shown_definitions(), documented_definitions()
    # Said as the lines to write into docs/domain.md, so that a failure tells what to change.
    expected = [f"| `{key}` | {text} |" for key, text in shown.items() if documented.get(key) != text]
    assert expected == [], "docs/domain.md's figure tables should have these rows:\n" + "\n".join(expected)
    assert sorted(set(documented) - set(shown)) == []


def test_the_figure_tables_are_found():
    # "The figures", "Reporting" and "Rates", so that a table the parser missed cannot pass unseen.
    assert [len(table) > 0 for table in tables(FIGURE_TABLE)] == [True, True, True]


SKIPPED_DIRECTORIES = {".git", ".venv", "node_modules", "__pycache__", "test-results", "vendor"}
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".po", ".toml", ".js", ".json", ".cfg", ".ini", ".sh", ""}


def test_nothing_in_the_repository_cites_a_domain_file_other_than_docs_domain_md():
    # Spelled in two parts so that this file does not cite it either.
    other = "DOMAIN" + ".md"
    citing = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.startswith(".")
        ]
        for name in files:
            path = Path(directory) / name
            if path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
                if other in path.read_text(encoding="utf-8", errors="replace"):
                    citing.append(str(path.relative_to(ROOT)))
    for name in (".ci/run", ".importlinter"):
        if other in (ROOT / name).read_text(encoding="utf-8"):
            citing.append(name)
    assert sorted(citing) == []


IMPORT_TABLE = "| field | headers | rule |"
IMPORT_KINDS = ["enterprises", "safety", "suggestions", "projects"]  # the order of "Import files"
ARRIVING = "(arrives with"


def documented_columns():
    """{kind: [(field, headers, rule), …]} as the import tables of docs/domain.md give them, the
    shorthands ("the enterprises' credit code headers", "as for suggestions") written out."""
    found = dict(zip(IMPORT_KINDS, tables(IMPORT_TABLE), strict=True))
    credit_code_headers = found["enterprises"][0][1]
    columns = {}
    for kind, rows in found.items():
        columns[kind] = []
        for field, headers, rule in rows:
            if headers == "the enterprises' credit code headers":
                headers = credit_code_headers
            if headers == "as for suggestions":
                named = field.split(", ")
                columns[kind] += [row for row in columns["suggestions"] if row[0] in named]
            else:
                columns[kind].append((field, headers, rule))
    return columns


@pytest.mark.parametrize("kind", IMPORT_KINDS)
def test_the_import_tables_list_every_column_with_every_header_the_kind_accepts(kind):
    declared = [", ".join(column.headers) for column in import_kind(kind).columns]
    # Rows marked as arriving with a later issue describe columns not declared yet; once declared,
    # this fails until the mark is removed.
    documented = [headers for _field, headers, rule in documented_columns()[kind] if ARRIVING not in rule]
    assert documented == declared


@pytest.mark.parametrize(
    ("kind", "accepted"), [("suggestions", SUGGESTION_STATUS), ("projects", PROJECT_STATUS)]
)
def test_the_import_tables_list_every_spelling_of_a_status(kind, accepted):
    rule = next(rule for field, _headers, rule in documented_columns()[kind] if field == "status")
    assert sorted(re.findall(r"`([^`]+)`", rule)) == sorted(accepted)


def test_the_districts_table_is_the_districts_the_migration_seeds(db):
    (rows,) = tables("| code | 中文 | English | division |")
    seeded = [
        [f"`{d.code}`", d.name_zh, d.name_en, d.division]
        for d in District.objects.filter(city__division="330500")
    ]
    assert rows == seeded


def test_the_modules_table_is_the_modules_the_migration_seeds(db):
    (rows,) = tables("| number | English | 中文 |")
    assert rows == [[str(m.number), m.name_en, m.name_zh] for m in Module.objects.order_by("number")]
