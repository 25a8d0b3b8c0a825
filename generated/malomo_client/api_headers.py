"""The headers malomo's client sends and reads, as the spec this package was generated from states them: the
`Accept` of its API version, the response header that carries the request id, and the paths the spec's
servers serve the API under (a 404 elsewhere means a wrong base URL).

Rendered by tools/codegen/generate.py from openapi/templates/api_headers.py.jinja, from the spec's
`info.x-malomo-media-type`, `info.version` and the name under which responses declare
`#/components/headers/RequestId`.
"""

MEDIA_TYPE = "application/vnd.malomo+json"
API_VERSION = "2"
ACCEPT = "application/vnd.malomo+json; version=2"
REQUEST_ID_HEADER = "X-Request-Id"
SERVER_PATHS: tuple[str, ...] = ("",)
