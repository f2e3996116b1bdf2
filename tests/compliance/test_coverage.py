"""Whether a company is covered in a year: one definition (compliance.coverage.covered), and
the SQL filter of the coverage headline agreeing with its sector test."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from tanshi.compliance.coverage import covered
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table, preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.rulebook.in_force import sector_covered, sectors_not_in_force, uncovered
from tanshi.rulebook.model import Rulebook, Sector
from tanshi.services import jurisdiction, mrv, views
from tanshi.services.compliance import positions
from tanshi.services.year_positions import covered_companies
from tanshi.store.schema import companies, jurisdictions

DEMO, _ = parse_rulebook(preset_text("demo-province"), "demo.toml")
assert DEMO is not None
CODES = ("power", "steel", "cement", "transport", "paper")  # the last two never declared
YEARS = st.integers(2010, 2020)


@st.composite
def rulebooks(draw: st.DrawFn) -> Rulebook:
    """The demo rulebook with generated sectors: some codes declared, each with its years."""
    declared = draw(st.lists(st.sampled_from(CODES[:3]), unique=True, min_size=1))
    sectors = []
    for code in declared:
        start = draw(st.none() | YEARS)
        end = draw(st.none() | st.integers(start or 2010, 2020))
        sectors.append(Sector(code=code, name=code.title(), valid_from=start, valid_to=end,
                              source="generated", confidence="assumption"))  # fmt: skip
    return DEMO.model_copy(update={"sectors": tuple(sectors)})


@given(rulebooks(), YEARS, st.sampled_from(CODES), st.booleans(), st.booleans(), st.booleans())
def test_covered_is_the_sector_of_the_year_and_something_done_for_it(
    rulebook: Rulebook, year: int, sector: str, allocated: bool, verified: bool, surrendered: bool
) -> None:
    declared = {found.code: found for found in rulebook.sectors}
    in_year = sector not in declared or declared[sector].in_force(year)
    assert sector_covered(rulebook, year, sector) is in_year
    assert covered(rulebook, year, sector, allocated=allocated, verified=verified,
                   surrendered=surrendered) is (in_year and (allocated or verified or surrendered))  # fmt: skip


@given(rulebooks(), YEARS, st.dictionaries(st.from_regex(r"C[0-9]{1,3}", fullmatch=True),
                                           st.sampled_from(CODES)))  # fmt: skip
def test_the_sector_filters_agree_with_sector_covered(
    rulebook: Rulebook, year: int, sectors: dict[str, str]
) -> None:
    left_out = sectors_not_in_force(rulebook, year)
    for company, code in sectors.items():
        assert (code in left_out) is (not sector_covered(rulebook, year, code))
        assert (company in uncovered(rulebook, year, sectors)) is (code in left_out)


_numbers = count(1)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rulebooks(), YEARS, st.lists(st.sampled_from(CODES), max_size=8))
def test_the_coverage_headline_counts_what_sector_covered_says(
    engine: Engine, rulebook: Rulebook, year: int, sectors: list[str]
) -> None:
    """The headline filters companies by sector in SQL; it counts exactly the companies whose
    sector ``sector_covered`` says is covered (an undeclared code counts as covered)."""
    number = next(_numbers)
    code = f"G{number}"
    with engine.begin() as connection:
        jurisdiction_id = connection.execute(insert(jurisdictions).values(
            code=code, rulebook_id="generated", rulebook_version="1", rulebook_sha256="0" * 64,
            rulebook_text="", is_demo=True, opened_at=datetime(2010, 1, 1, tzinfo=UTC),
        )).inserted_primary_key[0]  # fmt: skip
        for index, sector in enumerate(sectors):
            connection.execute(insert(companies).values(
                jurisdiction_id=jurisdiction_id, code=f"{code}-{index}", name="A company",
                sector=sector,
            ))  # fmt: skip
    counted = views.coverage(engine, year, code, {code: sectors_not_in_force(rulebook, year)})
    assert counted["companies"] == sum(sector_covered(rulebook, year, s) for s in sectors)


def test_the_public_list_and_the_positions_agree_on_who_is_covered(engine: Engine) -> None:
    """Shenzhen's transport joins in 2015: in 2014 its bus company T is not covered although it
    has verified emissions; U (manufacturing) has done nothing for either year."""
    rulebook, text = load_rulebook("cn-pilot-shenzhen")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2013, 1, 1, tzinfo=UTC), is_demo=False
    )
    for company, sector in (("M", "manufacturing"), ("T", "transport"), ("U", "manufacturing")):
        jurisdiction.register_company(engine, j, company, f"Company {company}", sector)
    for company in ("M", "T"):
        for year in (2014, 2015):
            diesel = ActivityRecord(
                company, year, SourceKind.FUEL, "gas_diesel_oil", Decimal(1000), "t"
            )
            assert not mrv.record_activity(engine, [diesel])
            mrv.report_and_verify(engine, j, parameter_table(), company, year)
    for year, expected in ((2014, ["M"]), (2015, ["M", "T"])):
        listed = [found.company for found in covered_companies(engine, j, year)]
        assert listed == [p.company for p in positions(engine, j, year) if p.covered] == expected
