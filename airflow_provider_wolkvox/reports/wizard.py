"""The Mr. Wizard family (wizard_*): questions agents asked the AI assistant, and their ratings.

No response table survives in the vendor's pages: every field is kept by schema on read, typed by its values,
and rows are numbered and belong to the request window they were asked for.
"""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    ReportSpec,
)


def _wizard(api: str, title: str, grain: str) -> ReportSpec:
    return ReportSpec(
        api=api,
        title=title,
        family="wizard",
        grain=grain,
        schema=(ROW_NUMBER_FIELD,),
        key=(ROW_NUMBER,),
        combine=DETAIL,
        fields_complete=False,
        key_note=ROW_NUMBER_NOTE,
    )


WIZARD_1 = _wizard("wizard_1", "Mr. Wizard detail", "one row per question an agent asked")
WIZARD_2 = _wizard("wizard_2", "positive ratings", "one row per answer rated positive")
WIZARD_3 = _wizard("wizard_3", "negative ratings", "one row per answer rated negative, with the reason")

REPORTS = (WIZARD_1, WIZARD_2, WIZARD_3)
