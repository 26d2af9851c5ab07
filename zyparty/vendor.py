"""Browser libraries served straight from the installed Python packages that ship them.

The repository holds no third-party or built assets: plotly.js comes from the pinned ``plotly`` wheel
(``plotly/package_data/plotly.min.js``) and is found here like any static file, so
``{% static "vendor/plotly.min.js" %}`` works under runserver, WhiteNoise (``WHITENOISE_USE_FINDERS``) and
``collectstatic`` alike, with no internet access.
"""

import importlib.util
import os

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Warning
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"
# Served name (under ``vendor/``) → (package, file inside the package).
ASSETS = {
    "plotly.min.js": ("plotly", "package_data/plotly.min.js"),
}


def _package_file(package, relative):
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), relative)
    return path if os.path.isfile(path) else None


class _AssetStorage(FileSystemStorage):
    """One package folder, listed under the ``vendor/`` prefix by collectstatic and WhiteNoise."""

    def __init__(self, location):
        super().__init__(location=location)
        self.prefix = PREFIX


class PackageAssetFinder(BaseFinder):
    def _resolved(self):
        for name, (package, relative) in ASSETS.items():
            yield name, _package_file(package, relative)

    def check(self, **kwargs):
        return [Warning(f"{package} does not ship {relative}: charts cannot be drawn", id="zyparty.W001")
                for name, (package, relative) in ASSETS.items() if _package_file(package, relative) is None]

    def find(self, path, find_all=False, **kwargs):
        find_all = kwargs.get("all", find_all)
        for name, location in self._resolved():
            if location and path == f"{PREFIX}/{name}":
                return [location] if find_all else location
        return [] if find_all else None

    def list(self, ignore_patterns):
        for name, location in self._resolved():
            if location:
                yield os.path.basename(location), _AssetStorage(os.path.dirname(location))
