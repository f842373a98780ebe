"""Read-only lists and mappings made again whenever they are read: views of a declaration (the
figures' registry, a model's reported values) that other modules import by name, so that what is
declared later (as a test does) is in them too."""

from collections.abc import Mapping, Sequence


class LiveMapping(Mapping):
    """A read-only mapping made by `make()` whenever it is read."""

    def __init__(self, make):
        self._make = make

    def __getitem__(self, key):
        return self._make()[key]

    def __iter__(self):
        return iter(self._make())

    def __len__(self):
        return len(self._make())

    def __repr__(self):
        return repr(self._make())


class LiveList(Sequence):
    """A read-only list made by `make()` whenever it is read."""

    def __init__(self, make):
        self._make = make

    def __getitem__(self, index):
        return self._make()[index]

    def __len__(self):
        return len(self._make())

    def __add__(self, other):
        return list(self._make()) + list(other)

    def __repr__(self):
        return repr(self._make())
