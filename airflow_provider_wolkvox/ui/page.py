"""The Wolkvox view's HTML: plain server-rendered markup, every value escaped, no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from urllib.parse import quote, urlencode

from airflow_provider_wolkvox.ui.recorded import MonthCalendar

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a202c; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; } th, td { padding: 0.25rem 0.6rem; text-align: left; }
table.today td, table.today th { border-bottom: 1px solid #e2e8f0; }
table.calendar td { width: 1.1rem; height: 1.1rem; padding: 0; border: 1px solid #fff; }
table.calendar th { font-weight: normal; font-size: 0.7rem; color: #4a5568; padding: 0 0.2rem; }
td.loaded { background: #38a169; } td.empty { background: #ecc94b; } td.missing { background: #e2e8f0; }
.legend span { display: inline-block; width: 0.9rem; height: 0.9rem; vertical-align: middle;
  margin: 0 0.3rem; }
.notice { background: #ebf8ff; border: 1px solid #90cdf4; padding: 0.5rem 0.8rem; margin: 1rem 0; }
.muted { color: #4a5568; font-size: 0.85rem; }
"""


@dataclass(frozen=True)
class ConnectionToday:
    """One Wolkvox connection's API calls recorded since its local midnight."""

    conn_id: str
    timezone: str
    calls_today: int


def render_page(
    *,
    base: str,
    today: Sequence[ConnectionToday],
    calendars: Sequence[MonthCalendar],
    month: str,
    quota_message: str | None,
    generated_at: datetime,
) -> str:
    """The whole page; ``base`` is the path the app is mounted at (``/wolkvox``), for its forms."""
    notice = f'<p class="notice" id="quota-result">{escape(quota_message)}</p>' if quota_message else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wolkvox</title><style>{STYLE}</style></head>
<body>
<h1>Wolkvox</h1>
<p class="muted">From the loads Airflow recorded (the SQL operators' asset events),
{generated_at:%Y-%m-%d %H:%M} UTC.</p>
{notice}
<h2>API calls today</h2>
{_today_table(today, month, base)}
<h2>Windows loaded in {escape(month)}</h2>
<form method="get" action="{escape(base)}/">
<label>Month <input type="month" name="month" value="{escape(month)}"></label>
<button type="submit">Show</button></form>
<p class="legend muted">Each square is one hour (UTC):
<span style="background:#38a169"></span>loaded
<span style="background:#ecc94b"></span>loaded, no rows
<span style="background:#e2e8f0"></span>missing</p>
{"".join(_calendar(c) for c in calendars) or '<p id="no-loads">No loads recorded for this month.</p>'}
</body></html>
"""


def _today_table(today: Sequence[ConnectionToday], month: str, base: str) -> str:
    if not today:
        return '<p id="no-connections">No Wolkvox connection that you may read.</p>'
    rows = "".join(
        f'<tr data-conn-id="{escape(c.conn_id)}"><td>{escape(c.conn_id)}</td><td>{escape(c.timezone)}</td>'
        f'<td class="calls-today">{c.calls_today:,}</td>'
        f'<td><form method="post" action="{escape(_quota_action(base, c.conn_id, month))}">'
        '<button type="submit">Read quota now (spends 1 call)</button></form></td></tr>'
        for c in today
    )
    return (
        '<table class="today"><thead><tr><th>Connection</th><th>Time zone</th>'
        "<th>Calls since local midnight</th><th>Quota</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<p class="muted">Calls of SQL loads; XCom operators record none. The quota itself is only '
        "read on request, since reading it costs a call.</p>"
    )


def _calendar(calendar: MonthCalendar) -> str:
    head = "".join(f"<th>{hour:02d}</th>" for hour in range(24))
    body = []
    for day, hours in enumerate(calendar.hours):
        date = calendar.first_day + timedelta(days=day)
        cells = "".join(
            f'<td class="{state}" data-hour="{hour}" title="{date:%Y-%m-%d} {hour:02d}:00 UTC {state}"></td>'
            for hour, state in enumerate(hours)
        )
        body.append(f'<tr data-day="{date:%Y-%m-%d}"><th>{date:%d}</th>{cells}</tr>')
    key = f"{calendar.wolkvox_conn_id}/{calendar.report}/{calendar.params}"
    counts = ", ".join(f"{calendar.count(s)} {s}" for s in ("loaded", "empty", "missing"))
    return (
        f'<section class="calendar" data-key="{escape(key)}">'
        f"<h3>{escape(calendar.wolkvox_conn_id)} · {escape(calendar.report)} · "
        f'{escape(_params_title(calendar))} <span class="muted counts">({counts} hours)</span></h3>'
        f'<table class="calendar"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        "</section>"
    )


def _params_title(calendar: MonthCalendar) -> str:
    """``campaign 1`` for a campaign report, ``skill_id=all`` or ``no parameters`` for the others."""
    from airflow_provider_wolkvox.reports import REPORTS

    spec = REPORTS.get(calendar.report)
    if spec is not None and [p.name for p in spec.params] == ["campaign_id"]:
        return f"campaign {calendar.params}"
    return "no parameters" if calendar.params == "-" else calendar.params


def _quota_action(base: str, conn_id: str, month: str) -> str:
    """Where a quota button posts: the connection in the path, so Airflow checks access to it."""
    return f"{base}/connections/{quote(conn_id, safe='')}/quota?{urlencode({'month': month})}"


def render_error(message: str) -> str:
    """A page saying what was wrong with the request, for a 4xx answer."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wolkvox</title><style>{STYLE}</style></head>
<body>
<h1>Wolkvox</h1>
<p class="notice" id="error">{escape(message)}</p>
</body></html>
"""
