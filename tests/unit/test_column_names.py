"""Column names of fields found on read: one pure, bounded rule, the same column in every load.

Properties (hypothesis, over arbitrary Unicode with NUL and unpaired surrogates, case and
punctuation variants of one name, names that are prefixes of each other, reserved and key names,
names longer than every identifier limit): the naming ends, is deterministic, does not depend on
the order of arrival nor on the other names, gives distinct names, plain SQL identifiers within
every warehouse's limit, never a reserved one, and keeps a plain name as sent. (The four names
that hung the old rule: ``test_hostile_answers.py``.)
"""

from __future__ import annotations

import base64
import hashlib
import re
from itertools import permutations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.stored import (
    EXTRA_COLUMN_MAX,
    EXTRA_FIELDS_MAX,
    extra_column,
    extra_columns,
    legacy_columns,
    param_columns,
    reserved_columns,
    stored_spec,
    with_extras,
)
from airflow_provider_wolkvox.sql.flavors import FLAVORS
from airflow_provider_wolkvox.sql.schema import columns
from tests.fuzz import examples

SPECS = [REPORTS[api] for api in ("cdr_2", "skill_1", "speech_5", "campaign_8", "act_3", "quality_5")]
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

letters = st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(["\x00", "_", "-", " ", "É"])
any_name = st.text(letters, max_size=80)
plainish = st.text(st.sampled_from("abcxyz_019-. /ABC"), min_size=1, max_size=12)


@st.composite
def variants(draw: st.DrawFn) -> str:
    """A name near others: its case changed, punctuation swapped, cut short, grown long, prefixed."""
    base = draw(plainish)
    how = draw(st.sampled_from(["upper", "title", "punct", "prefix", "long", "x_", "plain"]))
    if how == "upper":
        return base.upper()
    if how == "title":
        return base.title()
    if how == "punct":
        return base.replace("_", draw(st.sampled_from(["-", " ", ".", "/", "__"])))
    if how == "prefix":
        return base[: draw(st.integers(0, len(base)))]
    if how == "long":
        return base * draw(st.integers(6, 40))  # past every identifier limit (30 to 300)
    if how == "x_":
        return draw(st.sampled_from(["x_", "X_", "x-", "X-", "x__"])) * draw(st.integers(1, 40)) + base
    return base


def reserved_name(spec: object) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(reserved_columns(spec)))  # type: ignore[arg-type]


@st.composite
def name_sets(draw: st.DrawFn) -> tuple[object, list[str]]:
    """A report, and a set of field names it does not list (what an answer may add)."""
    spec = draw(st.sampled_from(SPECS))
    names = draw(st.lists(any_name | variants() | reserved_name(spec), max_size=25, unique=True))
    known = spec.api_names  # type: ignore[attr-defined]
    return spec, [name for name in names if name not in known]


FAST = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(name_sets())
def test_names_are_distinct_plain_identifiers_within_every_limit_and_never_reserved(
    case: tuple[object, list[str]],
) -> None:
    spec, names = case
    reserved = reserved_columns(spec)  # type: ignore[arg-type]
    named = extra_columns(names, reserved)
    assert set(named) == set(names)
    made = list(named.values())
    assert len(set(made)) == len(made), "two fields share a column"
    limit = min(flavor.identifier_max for flavor in FLAVORS)
    for name, column in named.items():
        assert IDENTIFIER.fullmatch(column), (name, column)
        assert len(column) <= EXTRA_COLUMN_MAX <= limit
        assert column not in reserved
        assert column not in columns(stored_spec(spec))  # type: ignore[arg-type]
        plain = IDENTIFIER.fullmatch(name) and len(name) <= EXTRA_COLUMN_MAX and "__" not in name
        assert (column == name) is bool(plain and name not in reserved), (name, column)


@FAST
@given(name_sets(), st.randoms(use_true_random=False))
def test_a_fields_column_depends_on_its_own_name_only(case: tuple[object, list[str]], rnd: object) -> None:
    """Order of arrival, other fields, a grown set: the column of a name never changes."""
    spec, names = case
    reserved = reserved_columns(spec)  # type: ignore[arg-type]
    whole = extra_columns(names, reserved)
    shuffled = list(names)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert extra_columns(shuffled, reserved) == whole
    for name in names:
        assert extra_columns([name], reserved) == {name: whole[name]}
        assert extra_column(name, reserved) == whole[name]  # deterministic, and alone as in company
    half = names[: len(names) // 2]
    assert extra_columns(half, reserved) == {name: whole[name] for name in half}
    if names:
        grown = with_extras(stored_spec(spec), tuple(shuffled))  # type: ignore[arg-type]
        added = grown.schema[-len(names) :]
        assert {name: f.name for name, f in zip(shuffled, added, strict=True)} == whole


def b32(name: str) -> str:
    """The hash, written again: base32 of SHA-256 of the name's UTF-8 (surrogates passed), 8 letters."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return base64.b32encode(digest).decode().lower()[:8]


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("foo", "foo"),
        ("Foo", "foo__" + b32("Foo")),
        ("FOO", "foo__" + b32("FOO")),
        ("yes/no", "yes_no__" + b32("yes/no")),
        ("Duración", "duracion__" + b32("Duración")),
        ("1st", "f_1st__" + b32("1st")),
        ("", "field__" + b32("")),
        ("a\x00b", "a_b__" + b32("a\x00b")),
        ("\ud800", "field__" + b32("\ud800")),
        ("x" * 31, "x" * 20 + "__" + b32("x" * 31)),
        ("x" * 30, "x" * 30),
        ("x_" * 30, "x_" * 9 + "x__" + b32("x_" * 30)),
        ("X-" * 30, "x_" * 9 + "x__" + b32("X-" * 30)),
        ("a__b", "a_b__" + b32("a__b")),
        ("date", "date__" + b32("date")),  # a field of campaign_3
        ("campaign_id", "campaign_id__" + b32("campaign_id")),  # another (the parameter's namesake)
        ("row_campaign_id", "row_campaign_id"),  # an older release's name, free today
        ("campaign_id__", "campaign_id__" + b32("campaign_id__")),
        ("requested_campaign_id", "requested_campaign_i__" + b32("requested_campaign_id")),  # 20 + hash
        ("window_start", "window_start__" + b32("window_start")),
        ("loaded_at", "loaded_at__" + b32("loaded_at")),
    ],
)
def test_the_documented_rule_by_example(name: str, column: str) -> None:
    assert extra_column(name, reserved_columns(REPORTS["campaign_3"])) == column


def test_a_field_named_like_a_parameter_keeps_its_name_and_the_parameter_moves() -> None:
    """Issue 23's one rule: skill_1 takes skill_id and its answer brings a skill_id per row; the
    field keeps skill_id, the parameter's column is requested_skill_id (issue 22 hashed the field)."""
    spec = stored_spec(REPORTS["skill_1"])
    assert extra_column("skill_id", reserved_columns(spec)) == "skill_id"
    assert param_columns(spec) == ("skill_id",)
    assert param_columns(with_extras(spec, ("skill_id", "skill_name"))) == ("requested_skill_id",)
    assert extra_column("requested_skill_id", reserved_columns(spec)) == "requested_skill_id__" + b32(
        "requested_skill_id"
    )


def test_older_columns_of_a_field_are_known_for_the_migration() -> None:
    """0.1.0 stored skill_1's skill_id as x_skill_id, issue 22 as skill_id__<hash>."""
    spec = stored_spec(REPORTS["skill_1"])
    assert legacy_columns(spec, "skill_id") == ("x_skill_id", "x_x_skill_id", "skill_id__" + b32("skill_id"))
    assert legacy_columns(spec, "skill_name") == ()


def test_case_variants_get_columns_of_their_own_whatever_comes_first() -> None:
    """The old rule named Foo, foo, FOO foo, x_foo, x_x_foo in order of arrival: a later answer
    with only foo wrote into the column that held Foo's data."""
    spec = stored_spec(REPORTS["cdr_2"])
    for order in permutations(["Foo", "foo", "FOO"]):
        named = {f.api_name: f.name for f in with_extras(spec, order).schema if f.source}
        assert named == {"foo": "foo", "Foo": "foo__" + b32("Foo"), "FOO": "foo__" + b32("FOO")}
    assert [f.name for f in with_extras(spec, ("foo",)).schema][-1] == "foo"
    assert [f.name for f in with_extras(spec, ("Foo",)).schema][-1] == "foo__" + b32("Foo")


def test_no_reserved_name_holds_the_mark_so_made_names_never_meet_one() -> None:
    for spec in REPORTS.values():
        assert not [name for name in reserved_columns(spec) if "__" in name], spec.api
        # A bare parameter name is the one column a field may take (the parameter then moves).
        bare = {p.name for p in spec.params}
        assert set(columns(stored_spec(spec))) - bare <= reserved_columns(stored_spec(spec)), spec.api


def test_the_bound_holds_in_every_warehouse() -> None:
    assert min(flavor.identifier_max for flavor in FLAVORS) == EXTRA_COLUMN_MAX == 30


def test_two_names_on_one_column_fail_with_both_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal columns need equal readable parts and equal hashes: never by chance (40 bits), only by
    a hostile server's search. Refused, naming both, never merged. Shown with hashes cut to nothing."""
    import airflow_provider_wolkvox.reports.stored as stored

    reserved = reserved_columns(REPORTS["cdr_2"])
    assert len(set(extra_columns(["A", "a."], reserved).values())) == 2
    monkeypatch.setattr(stored, "HASH_LETTERS", 0)
    with pytest.raises(WolkvoxRowError, match=r"'A' and 'a\.', whose columns would both be a__;"):
        extra_columns(["a.", "A"], reserved)


def test_too_many_fields_fail_before_any_column_is_made() -> None:
    names = tuple(f"f{n}" for n in range(EXTRA_FIELDS_MAX + 1))
    with pytest.raises(WolkvoxRowError, match="sent 1,001 fields the report's spec does not list"):
        with_extras(stored_spec(REPORTS["cdr_2"]), names)
    assert len(with_extras(stored_spec(REPORTS["cdr_2"]), names[:-1]).fields) > EXTRA_FIELDS_MAX
