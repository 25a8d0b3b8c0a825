"""The properties marked `x-personal-data: true` in the spec, by name, with the schema facts that their
placeholders in recordings follow (type, format, length limits).

Rendered by tools/codegen/generate.py from openapi/templates/personal_fields.py.jinja; read by malomo.personal_data.
"""

from typing import Any

PERSONAL_FIELDS: dict[str, dict[str, Any]] = {
    "email": {"format": "email", "maxLength": 254, "type": "string"},
    "first_name": {"maxLength": 255, "type": "string"},
    "last_name": {"maxLength": 255, "type": "string"},
    "phone_number": {"maxLength": 64, "type": "string"},
}
