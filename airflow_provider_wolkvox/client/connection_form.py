"""The connection form as Airflow 3.0 and 3.1 read it: hook classmethods, built from provider info.

Airflow 3.2 and later read ``conn-fields`` and ``ui-field-behaviour`` from ``get_provider_info()``
and skip the hook classmethods (so they raise no deprecation warning there). Airflow 3.0 and 3.1
only call ``get_connection_form_widgets`` and ``get_ui_field_behaviour`` on the hook class, with
WTForms field classes that their ``HookMetaService`` swaps for form-schema builders. Both come
from the same provider-info entry, so the form is the same on every release.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_wolkvox.get_provider_info import get_provider_info

CONN_TYPE = "wolkvox"

# JSON-schema type -> the WTForms field Airflow 3.0/3.1 accept for it (they have no float field;
# the timeout extra still takes fractions when typed into the connection's extra JSON).
_FIELD_CLASSES = {"string": "StringField", "number": "IntegerField", "boolean": "BooleanField"}


def _connection_type() -> dict[str, Any]:
    [conn_type] = [t for t in get_provider_info()["connection-types"] if t["connection-type"] == CONN_TYPE]
    return dict(conn_type)


def ui_field_behaviour() -> dict[str, Any]:
    """Hidden, relabelled and placeholder standard fields, with the snake_case keys the hook API uses."""
    return {key.replace("-", "_"): value for key, value in _connection_type()["ui-field-behaviour"].items()}


def form_widgets() -> dict[str, Any]:
    """One optional WTForms field per extra; imports WTForms only when Airflow asks for the form."""
    import wtforms
    from wtforms.validators import Optional

    widgets: dict[str, Any] = {}
    for name, field in _connection_type()["conn-fields"].items():
        schema = field["schema"]
        field_class = getattr(wtforms, _FIELD_CLASSES[schema["type"][0]])
        widgets[name] = field_class(
            field["label"],
            validators=[Optional()],
            description=field["description"],
            default=schema.get("default"),
        )
    return widgets
