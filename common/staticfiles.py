"""Static files without source maps: third-party bundles ship them, and they are not served.

A source map publishes a library's unminified source and paths; nobody needs them in
production. The finders never see `*.map` (so collectstatic never copies them and the dev
server never serves them), and the manifest storage stops rewriting `sourceMappingURL`
comments, which would otherwise fail on the maps it cannot find.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles import finders
from whitenoise.storage import CompressedManifestStaticFilesStorage

SOURCE_MAP_PATTERN = "*.map"


def _is_source_map(path: str) -> bool:
    return path.endswith(".map")


class _NoSourceMaps:
    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), SOURCE_MAP_PATTERN])  # type: ignore[misc]

    def find(self, path: str, *args: Any, **kwargs: Any) -> Any:
        if _is_source_map(path):
            return []  # what Django's finders answer for a file they do not have
        return super().find(path, *args, **kwargs)  # type: ignore[misc]


class FileSystemFinder(_NoSourceMaps, finders.FileSystemFinder):
    """Django's FileSystemFinder (STATICFILES_DIRS) without source maps."""


class AppDirectoriesFinder(_NoSourceMaps, finders.AppDirectoriesFinder):
    """Django's AppDirectoriesFinder (each app's static/) without source maps."""


def _without_source_map_patterns(patterns: Any) -> tuple[Any, ...]:
    def keeps(pattern: Any) -> bool:
        regex = pattern if isinstance(pattern, str) else pattern[0]
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(p for p in group if keeps(p))) for glob, group in patterns)


class ManifestStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's compressed manifest storage, leaving sourceMappingURL comments alone."""

    patterns = _without_source_map_patterns(CompressedManifestStaticFilesStorage.patterns)
