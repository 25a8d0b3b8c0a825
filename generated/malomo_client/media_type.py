"""The API version this package was generated for, as the client asks for it in `Accept`.

Rendered by tools/codegen/generate.py from openapi/templates/media_type.py.jinja, from the spec's
`info.x-malomo-media-type` and `info.version`.
"""

MEDIA_TYPE = "application/vnd.malomo+json"
API_VERSION = "2"
ACCEPT = "application/vnd.malomo+json; version=2"
