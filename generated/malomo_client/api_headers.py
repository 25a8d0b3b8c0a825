"""The headers malomo's client sends and reads, as the spec this package was generated from states them: the
`Accept` of its API version, and the response header that carries the request id.

Rendered by tools/codegen/generate.py from openapi/templates/api_headers.py.jinja, from the spec's
`info.x-malomo-media-type`, `info.version` and the name under which responses declare
`#/components/headers/RequestId`.
"""

MEDIA_TYPE = "application/vnd.malomo+json"
API_VERSION = "2"
ACCEPT = "application/vnd.malomo+json; version=2"
REQUEST_ID_HEADER = "X-Request-Id"
