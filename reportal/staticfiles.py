"""How static files are named and stored for serving: hashed names and gzip copies (brotli ones too where the
`Brotli` package is installed; it is not a dependency, as its best level made `collectstatic` about a minute slower
for a few hundred bytes on the public pages).

`collectstatic` (run by `reportal demo`; run it once per release elsewhere) writes each file under a name with
its content hash plus compressed copies; whitenoise then serves the compressed copy to browsers that accept it and
marks hashed names cacheable for a year (`immutable`). Before anything was collected, pages still render with
the plain names, which whitenoise serves from the apps' folders.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStaticFiles(CompressedManifestStaticFilesStorage):
    manifest_strict = False  # a file added since the last collectstatic keeps its plain name instead of failing

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # not collected yet: the plain name, served from the app's static folder
            return name
