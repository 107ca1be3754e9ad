"""Static files as served in production: hashed names, compressed, cached forever."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):  # type: ignore[no-untyped-def]
    def is_source_map(pattern) -> bool:  # type: ignore[no-untyped-def]
        regex = pattern[0] if isinstance(pattern, tuple) else pattern
        return "sourceMappingURL" in regex

    return tuple(
        (glob, tuple(pattern for pattern in group if not is_source_map(pattern)))
        for glob, group in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, leaving `sourceMappingURL` comments alone.

    Vendored minified bundles name source maps that are not shipped; rewriting those names
    would make `collectstatic` fail on the missing files.
    """

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
