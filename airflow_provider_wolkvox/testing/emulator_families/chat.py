"""chat family."""

from __future__ import annotations

from airflow_provider_wolkvox.testing.emulator_families.base import Report

REPORTS: tuple[Report, ...] = ()
