"""campaign_*: the campaign family of :mod:`..emulator_reports`, from the dial events."""

from __future__ import annotations

from airflow_provider_wolkvox.testing.emulator_data import FIELDS
from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report


def _rows(api: str) -> Report:
    def rows(ctx: Context) -> list[Raw]:
        if api == "campaign_8":
            names = FIELDS
            return [
                dict(zip(names, (phone, *map(str, counts)), strict=True))
                for phone, counts in ctx.campaigns.data.rows(ctx.params["campaign_id"], ctx.spans)
            ]
        return ctx.campaigns.rows(api, ctx.params["campaign_id"], ctx.spans)

    return Report(api, ("campaign_id",), ("campaign_id",), rows, DETAIL.get(api))


DETAIL = {"campaign_3": "date", "campaign_5": "date", "campaign_7": "date", "campaign_9": "date"}
REPORTS = tuple(_rows(f"campaign_{n}") for n in range(1, 11))
"""campaign_2 and campaign_9 have no page in the catalogue but public clients use them."""
