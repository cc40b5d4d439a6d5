"""Stub: filled below."""

from __future__ import annotations

from typing import Any


class Channels:
    def __init__(self, op: Any) -> None:
        self.op = op

    def mailings(self, window: Any) -> list[Any]:
        return []

    def law_2300(self, window: Any) -> list[Any]:
        return []

    def skill_interactions(self, ctx: Any) -> list[Any]:
        return []
