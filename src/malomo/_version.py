"""The client's version and User-Agent: a leaf module that imports nothing of the package."""

import importlib.metadata

# The installed distribution's version: the client's semver, not the API's `info.version`.
try:
    VERSION = importlib.metadata.version("malomo-openapi")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0+unknown"
USER_AGENT = f"malomo-openapi/{VERSION}"
