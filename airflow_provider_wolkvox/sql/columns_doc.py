"""Every column a report's table lands, per report, as docs/reports.md shows it (a test holds the
page to it; ``python -m airflow_provider_wolkvox.sql.columns_doc`` prints every report's block).

The table lists the columns a load makes from the spec: the request's parameters, the window,
the request window where rows are kept per request, the report's fields with their types per
warehouse, ``loaded_at``; the key and the NULL rule under it. What schema on read may add is
said after it, as it depends on the answers, not on the spec.
"""

from __future__ import annotations

from airflow_provider_wolkvox.reports import ReportSpec
from airflow_provider_wolkvox.reports.stored import stored_spec
from airflow_provider_wolkvox.sql.schema import schema_doc

FOUND_LINK = "[typed by its values](warehouse.md#typed-columns-found-on-read)"


def report_columns_doc(spec: ReportSpec) -> str:
    """The "In the warehouse" block of ``spec``'s section: its columns, then schema on read."""
    stored = stored_spec(spec)
    return f"In the warehouse:\n\n{schema_doc(stored)}\n\n{found_doc(spec)}"


def found_doc(spec: ReportSpec) -> str:
    """Which columns of ``spec``'s table come from schema on read."""
    if spec.fields_complete:
        text = (
            "Columns found on read: none while the API sends the fields above; a field it starts "
            f"sending becomes a nullable column, {FOUND_LINK}."
        )
    else:
        text = (
            "Columns found on read: the vendor's field list is cut off, so every further field an "
            f"answer brings becomes a nullable column as the loads first see it, {FOUND_LINK} "
            "(NULL in rows loaded before)."
        )
    fields = set(stored_spec(spec).fields)
    clashing = [p.name for p in spec.params if p.name not in fields]
    if clashing:
        names = ", ".join(f"`{name}`" for name in clashing)
        moved = ", ".join(f"`requested_{name}`" for name in clashing)
        text += (
            f" A field found on read named {names} keeps its name, and the parameter's column "
            f"becomes {moved} (one naming rule)."
        )
    return text


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    from airflow_provider_wolkvox.reports import REPORTS

    for report in REPORTS.values():
        print(f"### `{report.api}`\n\n{report_columns_doc(report)}\n")
