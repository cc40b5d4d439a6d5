"""Answers with any field names and any text, from the answer's bytes to a SQLite table.

Hypothesis writes answers a hostile or odd server could send: field names in any Unicode (NUL,
unpaired surrogates, case and punctuation variants of each other, reserved and key names, the
names that hung the old naming, names longer than every identifier limit), values of any text or
JSON, bodies escaped or not, raw surrogates encoded as ``json.loads`` reads them. Each goes through
what a task runs (``decoding.read_table``, the staging writer, ``load_window``) and must end in
exactly the rows a second implementation of the documented rules expects (column names, U+FFFD
for what no warehouse stores, NULL for a field a row lacks), or in a typed error with the table as
it was. Two answers load into one table, so a name's column must be the same in both.

``WOLKVOX_FUZZ_SCALE=10`` runs ten times the examples (``tests/fuzz.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.client.decoding import read_table
from airflow_provider_wolkvox.exceptions import WolkvoxError
from airflow_provider_wolkvox.reports import REPORTS, ReportSpec
from airflow_provider_wolkvox.reports.stored import stored_spec
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.schema import columns
from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.staging.writer import StagingWriter
from tests.fuzz import examples, sqlite_warehouse

WIZARD = REPORTS["wizard_1"]  # no documented field: every field of the answer is found on read
CODES = REPORTS["campaign_8"]  # the fast path: telephones as keys, counts summed
START = pendulum.datetime(2026, 11, 27, 6, tz="UTC")
END = START.add(hours=1)
HANGING = ["x_" * 30, "X_" * 30, "x-" * 30, "X-" * 30]
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


# -- the documented rules, written again -------------------------------------------------------


def column_by_hand(name: str, reserved: set[str]) -> str:
    """docs/warehouse.md, "Columns of fields found on read"."""
    if re.fullmatch(r"[a-z][a-z0-9_]{0,29}", name) and "__" not in name and name not in reserved:
        return name
    ascii_text = unicodedata.normalize("NFKD", name[:120].lower()).encode("ascii", "ignore").decode()
    readable = "_".join(re.findall(r"[a-z0-9]+", ascii_text))
    if not readable:
        readable = "field"
    elif not readable[0].isalpha():
        readable = "f_" + readable
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return readable[:20].rstrip("_") + "__" + base64.b32encode(digest).decode().lower()[:8]


def storable_by_hand(text: str) -> str:
    """docs/warehouse.md, "Text a warehouse cannot store": NUL and unpaired surrogates -> U+FFFD."""
    return "".join("\ufffd" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def value_by_hand(value: Any) -> str | None:
    """A field found on read, as text: strings as sent, other JSON as JSON (then made storable)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return storable_by_hand(text)


def reserved_by_hand(spec: ReportSpec) -> set[str]:
    params = [p.name for p in spec.params]
    return {*columns(stored_spec(spec)), *params, *(f"requested_{p}" for p in params), "answer_row"}


# -- answers ---------------------------------------------------------------------------------

letters = (
    st.characters()
    | st.characters(categories=["Cs"])
    | st.sampled_from(["\x00", "_", "-", " ", ".", "É", "ñ", "ǅ", "ℌ", "ﬁ", "İ"])
)
names = (
    st.text(letters, max_size=40)
    | st.sampled_from(["Foo", "foo", "FOO", "foo_", "fo", "date", "answer_row", "window_start", "loaded_at"])
    | st.sampled_from(HANGING)
    | st.text(st.sampled_from("aZ_-9 "), min_size=25, max_size=90)
)
texts = st.text(letters, max_size=30)
values = st.none() | texts | st.integers(-(10**20), 10**20) | st.lists(texts, max_size=2) | st.booleans()


@st.composite
def answers(draw: st.DrawFn, fields: st.SearchStrategy[list[str]]) -> tuple[list[dict[str, Any]], bytes]:
    """Rows over a few field names (each row a subset), and the body a server would send."""
    pool = draw(fields)
    rows = [
        {name: draw(values) for name in pool if draw(st.integers(0, 4))}
        for _ in range(draw(st.integers(0, 6)))
    ]
    envelope = {"code": draw(st.sampled_from([200, "200"])), "error": None, "msg": "x", "data": rows}
    text = json.dumps(envelope, ensure_ascii=draw(st.booleans()))
    return rows, text.encode("utf-8", "surrogatepass")  # a raw surrogate: json.loads reads it too


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    with sqlite_warehouse(tmp_path_factory.mktemp("fuzz-fields"), "wolkvox_fuzz_fields") as made:
        yield made


def fetch_and_load(db_hook: Any, spec: ReportSpec, body: bytes, table: str) -> int:
    """What a task does with one answer: read it, stage it on the writer thread, load it."""
    answer = read_table(spec, 200, body, conn_id="wolkvox_default", tz="America/Bogota")
    with Staging(spec=spec) as staging:
        with StagingWriter(staging) as writer:
            writer.add(answer.rows, (START, END), answer.extras, more=False)
        return load_window(
            db_hook, table=table, campaign_id="1" if spec.params else None, window_start=START,
            window_end=END, rows=staging.rows(), spec=staging.stored_spec, allow_empty=True,
            ledger_table=None,
        )  # fmt: skip


def dump(path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchall():
            return [], []
        names = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        return names, db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()


_tables = iter(range(10**9))


@settings(max_examples=examples(60), **SETTINGS)  # type: ignore[arg-type]
@given(first=answers(st.lists(names, max_size=8, unique=True)), second=answers(st.lists(names, max_size=8)))
def test_any_field_names_and_text_load_exactly_or_not_at_all(
    warehouse: tuple[Any, Path], first: Any, second: Any
) -> None:
    db_hook, path = warehouse
    table = f"fuzz_{next(_tables)}"
    reserved = reserved_by_hand(stored_spec(WIZARD))
    for _, body in (first, second):  # the same table twice: a name's column must not move
        rows = json.loads(body)["data"]  # what the server sent (two escaped surrogates may be one pair)
        before = dump(path, table)
        try:
            loaded = fetch_and_load(db_hook, WIZARD, body, table)
        except WolkvoxError as err:
            event(f"refused: {type(err).__name__}")
            refusal = str(err)
        else:
            event("loaded")
            refusal = ""
        if refusal:
            assert dump(path, table) == before, "a refused answer changed the table"
            continue
        assert loaded == len(rows)
        names_now, stored = dump(path, table)
        assert all(len(name) <= 30 and re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in names_now)
        at = {name: i for i, name in enumerate(names_now)}
        by_row = {row[at["answer_row"]]: row for row in stored}
        assert sorted(by_row) == list(range(1, len(rows) + 1))
        for number, sent in enumerate(rows, 1):
            row = by_row[number]
            expected = {column_by_hand(name, reserved): value_by_hand(value) for name, value in sent.items()}
            for column, value in expected.items():
                assert row[at[column]] == value, (number, column)
            others = set(at) - set(expected) - set(columns(stored_spec(WIZARD)))
            assert all(row[at[column]] is None for column in others), "a field the row lacks is not NULL"


telephones = st.text(st.sampled_from("0123\x00\ud800\udc00+") | st.characters(), min_size=1, max_size=6)


@settings(max_examples=examples(60), **SETTINGS)  # type: ignore[arg-type]
@given(
    rows=st.lists(st.tuples(telephones, st.lists(st.integers(0, 9), min_size=6, max_size=6)), max_size=8),
    ascii_only=st.booleans(),
)
def test_telephones_with_any_text_sum_per_stored_telephone(
    warehouse: tuple[Any, Path], rows: list[tuple[str, list[int]]], ascii_only: bool
) -> None:
    """campaign_8's fast path (msgspec, NUL escapes) and slow path (surrogates): a NUL or surrogate
    in a telephone is stored as U+FFFD, and telephones equal once stored sum, as the report says."""
    db_hook, path = warehouse
    unique = dict(rows)  # one row per telephone, as the API sends them
    data = [
        dict(zip(CODES.fields, [phone, *map(str, counts)], strict=True)) for phone, counts in unique.items()
    ]
    body = json.dumps({"code": 200, "error": None, "msg": "x", "data": data}, ensure_ascii=ascii_only)
    table = f"fuzz_codes_{next(_tables)}"
    loaded = fetch_and_load(db_hook, CODES, body.encode("utf-8", "surrogatepass"), table)
    expected: dict[str, list[int]] = {}
    for sent in json.loads(body)["data"]:  # what the server sent (two escaped surrogates may be one pair)
        summed = expected.setdefault(storable_by_hand(sent["telephone"]), [0] * 6)
        summed[:] = [a + int(sent[name]) for a, name in zip(summed, CODES.fields[1:], strict=True)]
    assert loaded == len(expected)
    with sqlite3.connect(path) as db:
        stored = db.execute(f"SELECT telephone, {', '.join(CODES.fields[1:])} FROM {table}").fetchall()
    assert {row[0]: list(row[1:]) for row in stored} == expected
