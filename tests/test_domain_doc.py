"""docs/domain.md, the project's own domain document, says what the code does: its figure tables hold
the very definitions the dashboard shows, and nothing in the repository cites a domain file other
than it."""

import importlib
import os
from pathlib import Path

from django.utils import translation

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


def documented_definitions():
    """{figure key: its definition as the figure tables of docs/domain.md give it}."""
    documented, in_table = {}, False
    for line in DOMAIN_DOC.read_text(encoding="utf-8").splitlines():
        if line == FIGURE_TABLE:
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            key, shown = (cell.strip() for cell in line.strip("|").split("|")[:2])
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
    # 11 figures in "The figures", 6 in "Reporting", 10 in "Rates".
    assert len(documented_definitions()) == 27


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
