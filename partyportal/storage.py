"""Production's static files storage: WhiteNoise's compressed manifest, with each name's URL worked out once per
process (the manifest does not change while the process runs: collectstatic comes before a restart). Without it,
every ``{% static %}`` looked the name up in the manifest again, a visible share of a list page's time (the admin's
boolean icons: one per row)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
