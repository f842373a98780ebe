"""The kinds of file the portal imports; each is declared next to its model."""

from django.utils.module_loading import import_string

KINDS = {
    "enterprises": "enterprises.imports.ENTERPRISES",
    "safety": "enterprises.imports.SAFETY",
    "suggestions": "improvements.imports.SUGGESTIONS",
    "projects": "improvements.imports.PROJECTS",
}


def import_kind(name):
    """The declaration of the kind called `name` (KeyError for an unknown name)."""
    return import_string(KINDS[name])
