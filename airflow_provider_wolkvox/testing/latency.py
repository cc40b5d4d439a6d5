"""How long the emulated server works on a report request: a base plus a cost per row, with jitter.

The live API spends seconds to minutes per call, more for bigger answers, and holds the token
busy meanwhile: that, not local CPU, bounds a backfill. :class:`LatencyModel` lets the emulator
spend such time (scaled down) so a benchmark can compare a client's wall time with the server
time its calls cost. Off unless given; the jitter is drawn from a seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class LatencyModel:
    """``base_s + per_row_s * rows`` seconds per report answer, times ``1 +- jitter`` (uniform)."""

    base_s: float
    per_row_s: float
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if not (self.base_s >= 0 and self.per_row_s >= 0 and 0 <= self.jitter < 1):
            raise ValueError(
                "latency model needs base_s >= 0, per_row_s >= 0 and 0 <= jitter < 1, "
                f"got {self.base_s}, {self.per_row_s}, {self.jitter}"
            )

    def seconds(self, rows: int, rng: random.Random) -> float:
        """Server seconds for an answer of ``rows`` rows."""
        spread = rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
        return (self.base_s + self.per_row_s * rows) * (1 + spread)

    @classmethod
    def parse(cls, text: str) -> LatencyModel:
        """``BASE_S,PER_ROW_S[,JITTER]``, as the ``--latency-model`` flag takes it."""
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            raise ValueError(f"latency model {text!r} is not BASE_S,PER_ROW_S[,JITTER]") from None
        if len(values) not in (2, 3):
            raise ValueError(f"latency model {text!r} is not BASE_S,PER_ROW_S[,JITTER]")
        return cls(*values)
