"""The campaign report family, computed from the emulator's dial events.

Every report is an aggregation or a listing of the same events
(:meth:`~airflow_provider_wolkvox.testing.emulator_data.DialData.events`), so the
reports agree with each other the way a real operation's would:

- campaign_1 counts every dial by final machine result (``records`` sum = dials);
- campaign_4 counts every dial attempt by result, a human answer split into
  ``ANSWER - AGENT`` and ``ANSWER - ABANDONED`` (``records`` sum = dials);
- campaign_2 counts the human-answered dials by the activity code the agent typed;
- campaign_3 lists every dial; campaign_5 every human-answered (preview) call;
- campaign_6 counts answering machines per campaign, campaign_7 lists them
  (one recording each), campaign_8 counts them per telephone;
- campaign_9 lists the WhatsApp message sent after each unanswered dial (at most
  one per telephone and second: the report has no message id);
- campaign_10 counts the dials per machine code (campaign_8's five columns).

Each event's attributes (conn id, customer, activity code, agent, message
status...) are derived from its identity with a cheap integer hash: deterministic
in every process. Dates are written in the emulator's local time zone, as the API
does; shares' ``percent`` is ``records / total * 100`` rounded half up to 2
decimals (campaign_1 and campaign_4 append `` %``, campaign_2 does not).

Standard library only, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from airflow_provider_wolkvox.testing.emulator_data import DialData, Event, Span, telephone
from airflow_provider_wolkvox.testing.emulator_operation import COD_ACTS, LAST_NAMES, NAMES, Operation, mix

Raw = dict[str, str]
"""One row as the API sends it: every value a string."""

RESULT_NAMES = ("NO ANSWER", "ANSWER MACHINE", "BUSY", "CONGESTION", "FAILED", "ANSWER")
"""Names of the result codes 0..5 of a dial event."""
MACHINE_CODES = RESULT_NAMES[:5]
"""campaign_10's machine codes, in campaign_8's column order (no_answer .. failed)."""
HUMAN = 5
AMD = 1
NO_ANSWER = 0
CITIES = ("Bogota", "Medellin", "Cali", "Barranquilla", "Cartagena")
WHATSAPP_STATUSES = ("sent", "delivered", "read", "failed")
_EPOCH = datetime(1970, 1, 1)
_CENT = Decimal("0.01")


def share(records: int, total: int) -> str:
    """``records / total * 100`` rounded half up to 2 decimals."""
    return str((Decimal(records) * 100 / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP))


class ReportData:
    """Renders every campaign report of ``data`` in the local time zone ``zone``."""

    def __init__(self, data: DialData, zone: tzinfo, operation: Operation | None = None) -> None:
        self.data = data
        self.zone = zone
        self.operation = operation or Operation(data, zone)
        self._offsets: dict[int, int | None] = {}

    # -- event attributes ----------------------------------------------------------------

    def local(self, moment: int) -> str:
        """Epoch seconds as the API writes a date: local wall-clock ``YYYY-mm-dd HH:MM:SS``."""
        hour = moment // 3600
        if hour not in self._offsets:  # None: the offset changes within this hour
            self._offsets[hour] = (
                None if _changes_within(self.zone, hour) else _offset(self.zone, hour * 3600)
            )
        offset = self._offsets[hour]
        if offset is None:
            offset = _offset(self.zone, moment)
        return (_EPOCH + timedelta(seconds=moment + offset)).strftime("%Y-%m-%d %H:%M:%S")

    def hash(self, event: Event) -> int:
        campaign, hour, code, index, _, _ = event
        return mix(self.data.seed, int(campaign), hour, code, index)

    @staticmethod
    def conn_id(event: Event) -> str:
        campaign, hour, code, index, _, _ = event
        return f"{campaign}-{hour}-{code}-{index}"

    def phone(self, index: int) -> str:
        return telephone(index, self.data.telephones)

    @staticmethod
    def customer_id(index: int) -> str:
        return str(1_000_000_000 + index * 7_919 % 1_000_000_000)

    # -- reports -------------------------------------------------------------------------

    def rows(self, api: str, campaign_id: str, spans: list[Span], limit: int | None = None) -> list[Raw]:
        """The answer of ``api`` (not campaign_8) over ``spans``: its first ``limit`` rows, or all."""
        render = self.renderers()[api]
        events = self.data.events(campaign_id, spans)
        return render(events)[:limit]

    def renderers(self) -> dict[str, Callable[[Iterable[Event]], list[Raw]]]:
        return {
            "campaign_1": self.campaign_1,
            "campaign_2": self.campaign_2,
            "campaign_3": self.campaign_3,
            "campaign_4": self.campaign_4,
            "campaign_5": self.campaign_5,
            "campaign_6": self.campaign_6,
            "campaign_7": self.campaign_7,
            "campaign_9": self.campaign_9,
            "campaign_10": self.campaign_10,
        }

    def campaign_1(self, events: Iterable[Event]) -> list[Raw]:
        return _shares("result", Counter(RESULT_NAMES[e[2]] for e in events), " %")

    def campaign_2(self, events: Iterable[Event]) -> list[Raw]:
        codes = Counter(COD_ACTS[self.hash(e) % len(COD_ACTS)] for e in events if e[2] == HUMAN)
        return _shares("cod_act", codes, "")

    def campaign_4(self, events: Iterable[Event]) -> list[Raw]:
        def attempt(event: Event) -> str:
            if event[2] != HUMAN:
                return RESULT_NAMES[event[2]]
            connected = self.operation.outbound_call(event).answered
            return "ANSWER - AGENT" if connected else "ANSWER - ABANDONED"

        return _shares("result", Counter(map(attempt, events)), " %")

    def campaign_3(self, events: Iterable[Event]) -> list[Raw]:
        rows = []
        for event in sorted(events, key=_order):
            campaign, _, code, _, moment, index = event
            row = {
                "campaign_id": campaign,
                "customer_name": NAMES[index % len(NAMES)],
                "customer_last_name": LAST_NAMES[index // len(NAMES) % len(LAST_NAMES)],
                "id_type": "CC",
                "customer_id": self.customer_id(index),
                "date": self.local(moment),
                "telephone": self.phone(index),
                "result": RESULT_NAMES[code],
            }
            row.update({f"opt{n}": "" for n in range(1, 13)})
            row["opt1"] = CITIES[index % len(CITIES)]
            row["opt2"] = f"ref\t{index % 100}"  # a tab: COPY must escape it
            row["conn_id"] = self.conn_id(event)
            rows.append(row)
        return rows

    def campaign_5(self, events: Iterable[Event]) -> list[Raw]:
        rows = []
        for event in sorted((e for e in events if e[2] == HUMAN), key=_order):
            campaign, _, _, _, moment, index = event
            call = self.operation.outbound_call(event)
            h = call.h
            cod_act = COD_ACTS[h % len(COD_ACTS)]
            duration = call.talk
            rows.append(
                {
                    "type_of_row": "CALL",
                    "campaign_id": campaign,
                    "customer_name": NAMES[index % len(NAMES)],
                    "customer_last_name": LAST_NAMES[index // len(NAMES) % len(LAST_NAMES)],
                    "result": "ANSWER",
                    "last_code_act": cod_act,
                    "comments_customer_reg": "",
                    "customer_id": self.customer_id(index),
                    "agent_id": str(1000 + call.agent) if call.answered else "",
                    "conn_id": self.conn_id(event),
                    "telephone": self.phone(index),
                    "hang_up": call.hang_up,
                    "type_interaction": "PREVIEW",
                    "call_result": "ANSWER",
                    "date": self.local(moment),
                    "time": f"{duration // 3600:02d}:{duration // 60 % 60:02d}:{duration % 60:02d}",
                    "cod_act": cod_act,
                    "comments": "llamar en la tarde\n2a linea" if (h >> 40) % 7 == 0 else "",
                }
            )
        return rows

    def campaign_6(self, events: Iterable[Event]) -> list[Raw]:
        amd = Counter(e[0] for e in events if e[2] == AMD)
        return [{"campaign_id": c, "total_amd": str(n)} for c, n in sorted(amd.items())]

    def campaign_7(self, events: Iterable[Event]) -> list[Raw]:
        return [
            {
                "customer_id": self.customer_id(e[5]),
                "campaign_id": e[0],
                "file_name": f"amd_{self.conn_id(e)}.wav",
                "telephone": self.phone(e[5]),
                "result": "ANSWER MACHINE",
                "date": self.local(e[4]),
            }
            for e in sorted((e for e in events if e[2] == AMD), key=_order)
        ]

    def campaign_9(self, events: Iterable[Event]) -> list[Raw]:
        rows = []
        seen: set[tuple[str, int, int]] = set()
        for event in sorted((e for e in events if e[2] == NO_ANSWER), key=_order):
            campaign, _, _, _, moment, index = event
            if (campaign, index, moment) in seen:
                continue  # one message per telephone and second
            seen.add((campaign, index, moment))
            h = self.hash(event)
            status = WHATSAPP_STATUSES[h % len(WHATSAPP_STATUSES)]
            rows.append(
                {
                    "campaing_id": campaign,
                    "telephone": self.phone(index),
                    "status": status,
                    "errors": "131026 Message undeliverable" if status == "failed" else "",
                    "date": self.local(moment),
                    "last_update": "" if status == "sent" else self.local(moment + 1 + (h >> 8) % 900),
                }
            )
        return rows

    def campaign_10(self, events: Iterable[Event]) -> list[Raw]:
        codes = Counter(e[2] for e in events if e[2] < len(MACHINE_CODES))
        return [{"machinecode": MACHINE_CODES[c], "cantidad": str(n)} for c, n in sorted(codes.items())]


def _order(event: Event) -> tuple[int, str, int, int, int]:
    campaign, hour, code, index, moment, _ = event
    return moment, campaign, hour, code, index


def _shares(name: str, counts: Counter[str], suffix: str) -> list[Raw]:
    total = sum(counts.values())
    return [
        {name: value, "records": str(n), "percent": share(n, total) + suffix}
        for value, n in sorted(counts.items())
        if n
    ]


def _offset(zone: tzinfo, moment: int) -> int:
    delta = datetime.fromtimestamp(moment, zone).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def _changes_within(zone: tzinfo, hour: int) -> bool:
    return _offset(zone, hour * 3600) != _offset(zone, hour * 3600 + 3599)
