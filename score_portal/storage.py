"""Static files in production: WhiteNoise's compressed storage with hashed names."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern):
        regex = pattern[0] if isinstance(pattern, tuple) else pattern
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(filter(keep, group))) for glob, group in patterns)


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; `sourceMappingURL` comments are left untouched.

    Django rewrites a source-map comment to the map's hashed name and fails collectstatic when the
    map is missing; the vendored Chart.js build ships without its .map. Maps are for developers'
    tools only, so their references stay as written (a missing map is a 404 in the developer
    console, never on a page).
    """

    patterns = _without_source_maps(ManifestStaticFilesStorage.patterns)
