"""The Markdown docs/reports.md shows for each spec, so a test can hold the page to the specs."""

from __future__ import annotations

from collections.abc import Iterable

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    PER_REQUEST,
    ROW_NUMBER,
    SHARES,
    SUM,
    Combine,
    ReportSpec,
)

COMBINE_TITLES: dict[Combine, str] = {
    SUM: "summed per key",
    SHARES: "shares",
    PER_REQUEST: "kept per request window",
    DETAIL: "detail rows",
}


def combination(spec: ReportSpec) -> str:
    """How the spec's request windows combine, in a sentence."""
    if spec.combine == SUM:
        text = f"**summed per key**: {_names(spec.additive_fields)} add up over disjoint request windows"
        if spec.attribute_fields:
            text += f"; {_names(spec.attribute_fields)} depend only on the key and are kept from any window"
        return text
    if spec.combine == SHARES:
        assert spec.shares is not None
        count, percent = spec.shares.count, spec.shares.percent
        text = (
            f"**shares**: {_names(spec.additive_fields)} summed per key, `{percent}` recomputed from "
            f"the sums (`{count} / total {count} * 100`, rounded half up to 2 decimals), never averaged"
        )
        if spec.attribute_fields:
            text += f"; {_names(spec.attribute_fields)} kept from any window"
        return text
    if spec.combine == PER_REQUEST:
        return (
            "**kept per request window**: never summed; each request window's rows are stored with "
            "`request_start` and `request_end` (UTC) in the key"
        )
    if ROW_NUMBER in spec.key:
        return (
            "**detail rows**, kept per request window (`request_start`, `request_end` in the key) "
            "and numbered in the order the API sends them"
        )
    return (
        "**detail rows, concatenated**: every request window's rows are kept; two rows with the "
        "same key fail the load with a `WolkvoxRowError` naming the report and the key"
    )


def spec_doc(spec: ReportSpec) -> str:
    """The docs' description of ``spec``: parameters, grain, combination, key, fields and types."""
    params = (
        "; ".join(
            f"`{p.name}` ({'required' if p.required else 'optional'}"
            f"{', or `all`' if p.accepts_all else ''}): {p.description}"
            for p in spec.params
        )
        or "none besides the dates"
    )
    key = f"({', '.join(spec.key)})"
    if spec.key_note:
        key += f": {spec.key_note}"
    lines = [
        f"- Family: {spec.family}",
        f"- Default table: `{spec.default_table}`",
        f"- Parameters: {params}",
        f"- Grain: {spec.grain}",
        f"- Combination: {combination(spec)}",
        f"- Key: {key}",
    ]
    if spec.date_field:
        lines.append(
            f"- Date of a row: `{spec.date_field}` (a row belongs to the window by its own date, "
            "read in the connection's time zone, stored UTC)"
        )
    elif spec.combine == DETAIL:
        lines.append("- Date of a row: none documented; a row belongs to the request window it came in")
    if not spec.fields_complete:
        lines.append(
            "- Field list: **cut off** in the vendor's pages: the fields below besides the key and the "
            "date are optional (NULL when a row lacks them), and further fields are kept by schema on "
            "read, typed by their values"
        )
    if spec.note:
        lines.append(f"- Note: {spec.note}")
    lines += ["", "| field | API name | type | meaning |", "|---|---|---|---|"]
    for f in spec.schema:
        api_name = "(numbered by the provider)" if f.synthetic else f"`{f.api_name}`"
        flags = [
            *(["optional"] if f.name in spec.optional_fields else []),
            *(["may be empty: NULL"] if f.nullable else []),
            *(["attribute"] if f.attribute else []),
        ]
        kind = f.type + (f" ({', '.join(flags)})" if flags else "")
        lines.append(f"| `{f.name}` | {api_name} | {kind} | {f.description} |")
    return "\n".join(lines)


def combine_table(specs: Iterable[ReportSpec]) -> str:
    """Which reports combine how: one line per rule."""
    by_rule: dict[Combine, list[str]] = {rule: [] for rule in COMBINE_TITLES}
    for spec in specs:
        rule = spec.combine
        by_rule[rule].append(f"`{spec.api}`")
    lines = ["| rule | reports |", "|---|---|"]
    lines += [f"| {COMBINE_TITLES[rule]} | {', '.join(apis)} |" for rule, apis in by_rule.items()]
    return "\n".join(lines)


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def sections(specs: Iterable[ReportSpec]) -> str:
    """Every spec's section of docs/reports.md (``python -m airflow_provider_wolkvox.reports._docs``)."""
    return "\n".join(f"### `{spec.api}`: {spec.title}\n\n{spec_doc(spec)}\n" for spec in specs)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    from airflow_provider_wolkvox.reports import REPORTS

    print(combine_table(REPORTS.values()), end="\n\n")
    print(sections(REPORTS.values()))
