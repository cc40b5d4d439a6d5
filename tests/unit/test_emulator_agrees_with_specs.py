"""The emulator (our model of the API) and the provider's report specs were written apart from
the same catalogue; this checks they agree, so a spec is tested against answers it did not shape."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_wolkvox.reports import REPORTS as SPECS
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.testing.emulator_families import REPORTS as SERVED
from tests.airflow_compat import newest_release_only
from tests.unit.expected import ROW_NUMBER, kind_of, read

pytestmark = newest_release_only("The emulator against the specs (no Airflow involved)")

TZ = "America/Bogota"
DAY = datetime(2026, 11, 27, 5, tzinfo=timezone.utc)  # 2026-11-27 00:00 in Bogota
VALUES = {"skill_id": "all", "campaign_id": "1", "agent_id": "1003", "customer_id": "1038272527"}
VALUES |= {"destination": "COLOMBIA", "cod_act": "01 VENTA"}
SPECIAL = {"act_5": {"cod_act": "cod_act1"}, "skill_10": {"skill_id": "102"}}


@pytest.fixture(scope="module")
def emu() -> WolkvoxEmulator:
    return WolkvoxEmulator(["tok-specs-SECRET"], seed=7)  # ground truth only: never started


def test_the_same_reports_take_the_same_parameters() -> None:
    assert set(SPECS) == set(SERVED)
    for api, spec in SPECS.items():
        served = SERVED[api]
        expected = [(n, True, n in served.accepts_all) for n in served.required]
        expected += [(n, False, False) for n in served.optional]
        assert sorted((p.name, p.required, p.accepts_all) for p in spec.params) == sorted(expected), api


@pytest.mark.parametrize("api", sorted(SERVED))
def test_every_spec_reads_the_emulators_answer(emu: WolkvoxEmulator, api: str) -> None:
    spec, served = SPECS[api], SERVED[api]
    params = SPECIAL.get(api) or {n: VALUES[n] for n in served.required}
    rows = emu.ground_truth_rows(api, params, DAY, DAY + timedelta(days=1))
    assert rows, api
    sent = set(rows[0])
    by_name = {f.name: f for f in spec.schema}
    required = [f.api_name for f in spec.schema if not f.synthetic and f.name not in spec.optional_fields]
    assert not [name for name in required if name not in sent], "the spec expects fields never sent"
    if spec.date_field and served.date_field:
        assert by_name[spec.date_field].api_name == served.date_field
    table = spec.parse_table(rows, TZ)
    assert len(table.rows) == len(rows)
    assert set(table.extras) == sent - spec.api_names  # fields beyond the spec are kept, not lost
    # Every value typed as the test's own table of the catalogue's types and its own reader say
    # (tests/unit/expected.py): the spec's types and its parsers, checked against neither.
    documented = [f.api_name for f in spec.schema]
    for number, (raw, typed) in enumerate(zip(rows, table.rows, strict=True), 1):
        got = dict(zip([*documented, *table.extras], typed, strict=True))
        expected = {name: read(kind_of(api, name), raw.get(name), TZ) for name in documented}
        expected |= {name: raw.get(name) for name in table.extras}  # fields beyond the spec: text as sent
        if ROW_NUMBER in got:
            expected[ROW_NUMBER] = number
        assert got == expected, (api, number)
        assert [type(v) for v in got.values()] == [type(v) for v in expected.values()], (api, number)
