"""The kinds of file the portal imports. Each is declared next to its model, and its app registers
it here when Django starts (`AppConfig.ready`): the engine knows no app above it."""

KINDS = {}


def kind_register(kind):
    """Make the ImportKind `kind` importable under its name."""
    KINDS[kind.name] = kind


def import_kind(name):
    """The declaration of the kind called `name` (KeyError for an unknown name)."""
    return KINDS[name]
