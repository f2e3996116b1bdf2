"""Sectors carry the years they are covered: parsing, checks, the rules of a year, describe."""

from __future__ import annotations

import pytest

from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook, rules_in_force
from tanshi.rulebook.describe import describe
from tanshi.rulebook.in_force import sectors_in_force, uncovered

DEMO = preset_text("demo-province")
KETS = preset_text("kr-kets")
SHENZHEN = preset_text("cn-pilot-shenzhen")
CHINA = preset_text("cn-national-power")

TELECOMS = 'code = "telecoms"\nname = "Telecommunications (not trade exposed)"\n'


def _parsed(text: str):
    rulebook, issues = parse_rulebook(text, "mine.toml")
    assert rulebook is not None, issues
    return rulebook, issues


def _line_of(text: str, where: str) -> str:
    number = int(where.split(":")[1].split(maxsplit=1)[0])
    return text.splitlines()[number - 1]


def test_a_sector_without_years_is_covered_every_year() -> None:
    rulebook, issues = _parsed(DEMO)
    assert issues == []
    power = rulebook.sectors[0]
    assert (power.valid_from, power.valid_to) == (None, None)
    assert power.every_year and power.years() == "all years"
    assert power.in_force(1990) and power.in_force(2100)
    assert len(sectors_in_force(rulebook, 2016)) == len(rulebook.sectors) == 5


def test_shenzhen_transport_joins_in_2015() -> None:
    rulebook, issues = _parsed(SHENZHEN)
    assert issues == []
    transport = next(sector for sector in rulebook.sectors if sector.code == "transport")
    assert (transport.valid_from, transport.valid_to, transport.years()) == (2015, None, "2015-")
    assert transport.confidence.value == "V3"
    codes = {
        year: {s.code for s in rules_in_force(rulebook, year).sectors} for year in (2014, 2015)
    }
    assert codes[2014] == {"manufacturing", "power", "buildings"}
    assert codes[2015] == codes[2014] | {"transport"}


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, {"power"}), (2024, {"power", "steel", "cement", "aluminium"}), (2025, None)],
)
def test_china_widens_to_steel_cement_and_aluminium_in_2024(year: int, expected) -> None:
    rulebook, issues = _parsed(CHINA)
    assert issues == []
    covered = {sector.code for sector in sectors_in_force(rulebook, year)}
    assert covered == (expected or {"power", "steel", "cement", "aluminium"})
    if year <= 2024:  # the preset rules on 2019-2024 (the 2025 power plan is a draft)
        assert {s.code for s in rules_in_force(rulebook, year).sectors} == covered
    industry = [s for s in rulebook.sectors if s.code in {"steel", "cement", "aluminium"}]
    assert [(s.valid_from, s.valid_to, s.confidence.value) for s in industry] == [
        (2024, None, "V")
    ] * 3
    assert all("26,000 tCO2" in s.name for s in industry)
    assert uncovered(rulebook, 2023, {"S": "steel", "P": "power"}).keys() == {"S"}
    shown = {name: text for name, text, _ in describe(rules_in_force(rulebook, 2024), "CNY")}
    assert shown["Allocation"].endswith("; steel, cement, aluminium: verified emissions")
    assert uncovered(rulebook, year, {"S": "steel"}) == ({"S": industry[0]} if year < 2024 else {})


def test_describe_lists_the_sectors_of_the_year_with_their_years() -> None:
    rulebook, _ = _parsed(SHENZHEN)
    lines = {
        year: {name: text for name, text, _ in describe(rules_in_force(rulebook, year), "CNY")}
        for year in (2014, 2015)
    }
    assert "Sector transport" not in lines[2014]
    assert (
        lines[2015]["Sector transport"] == "Public transport (buses, port, subway) (covered 2015-)"
    )
    assert lines[2015]["Sector manufacturing"] == "Manufacturing"


def test_a_closed_span_and_an_open_start_parse() -> None:
    text = DEMO.replace(
        'code = "aviation"\n', 'code = "aviation"\nvalid_from = 2017\nvalid_to = 2018\n'
    ).replace('code = "steel"\n', 'code = "steel"\nvalid_to = 2019\n')
    rulebook, issues = _parsed(text)
    assert issues == []
    by_code = {sector.code: sector for sector in rulebook.sectors}
    assert by_code["aviation"].years() == "2017-2018"
    assert by_code["steel"].years() == "-2019"
    covered = {
        year: {s.code for s in sectors_in_force(rulebook, year)} for year in range(2016, 2021)
    }
    assert [("aviation" in covered[year], "steel" in covered[year]) for year in range(2016, 2021)] == [
        (False, True), (True, True), (True, True), (False, True), (False, False),
    ]  # fmt: skip


def test_sector_years_are_checked_by_the_schema() -> None:
    text = DEMO.replace('code = "aviation"\n', 'code = "aviation"\nvalid_from = 1900\n')
    rulebook, issues = parse_rulebook(text, "mine.toml")
    assert rulebook is None
    assert [issue.code for issue in issues] == ["rulebook_greater_than_equal"]
    assert issues[0].where.endswith("sectors[4].valid_from")
    assert _line_of(text, issues[0].where) == "valid_from = 1900"


def test_reversed_sector_years_are_a_problem_at_their_line() -> None:
    text = DEMO.replace(
        'code = "aviation"\n', 'code = "aviation"\nvalid_from = 2019\nvalid_to = 2017\n'
    )
    _, issues = _parsed(text)
    assert [(issue.code, issue.where.split()[-1]) for issue in issues] == [
        ("validity_reversed", "sectors[4].valid_from")
    ]
    assert _line_of(text, issues[0].where) == "valid_from = 2019"


def test_a_rule_naming_a_sector_outside_its_years_is_reported() -> None:
    """K-ETS: telecoms has auction shares from 2019 and may bid in the 2019-2025 auction;
    covered only 2020-2024, every rule naming it in another year is reported."""
    text = KETS.replace(TELECOMS, TELECOMS + "valid_from = 2020\nvalid_to = 2024\n")
    rulebook, issues = _parsed(text)
    found = {(issue.code, issue.where.split()[-1]): issue for issue in issues}
    assert {code for code, _ in found} == {"sector_not_in_force"}
    shares = [
        index
        for index, share in enumerate(rulebook.auction_share)
        if "telecoms" in share.sectors
        and any(not 2020 <= year <= 2024 for year in range(share.valid_from, share.valid_to + 1))
    ]
    assert shares, "the K-ETS preset no longer has a telecoms share outside 2020-2024"
    for index in shares:
        position = rulebook.auction_share[index].sectors.index("telecoms")
        issue = found[("sector_not_in_force", f"auction_share[{index}].sectors[{position}]")]
        assert "covered 2020-2024" in issue.message
        assert _line_of(text, issue.where).startswith("sectors = ")
    auction = next(i for i in issues if ".eligible_sectors[" in i.where)
    assert "in force 2019-2025" in auction.message and "not in 2019, 2025;" in auction.message


def test_an_auction_naming_a_sector_before_it_joins_is_reported() -> None:
    text = KETS.replace(TELECOMS, TELECOMS + "valid_from = 2023\n")
    _, issues = _parsed(text)
    auction = [issue for issue in issues if ".eligible_sectors[" in issue.where]
    assert len(auction) == 1 and auction[0].code == "sector_not_in_force"
    assert "not in 2019-2022;" in auction[0].message


def test_allocation_years_without_any_sector_are_reported() -> None:
    text = SHENZHEN.replace(
        'code = "manufacturing"\n', 'code = "manufacturing"\nvalid_from = 2014\n'
    )
    for code in ("power", "buildings"):
        text = text.replace(f'code = "{code}"\n', f'code = "{code}"\nvalid_from = 2014\n')
    _, issues = _parsed(text)
    assert [(issue.code, issue.message) for issue in issues] == [
        (
            "no_sector_in_force",
            "allocation is in force in 2013 but no [[sectors]] entry covers 2013",
        )
    ]


@pytest.mark.parametrize(
    ("sectors", "expected"),
    [
        ('["steel", "glass"]', [("unknown_sector", "allocation[3].verified_emissions_sectors[1]")]),
        ('["steel", "steel"]', None),
    ],
)
def test_verified_emissions_sectors_must_be_declared_once(sectors: str, expected) -> None:
    line = 'verified_emissions_sectors = ["steel", "cement", "aluminium"]'
    assert CHINA.count(line) == 1
    rulebook, issues = parse_rulebook(
        CHINA.replace(line, f"verified_emissions_sectors = {sectors}"), "mine.toml"
    )
    if expected is None:
        assert rulebook is None and [i.code for i in issues] == ["rulebook_value_error"]
        assert "name each sector once" in issues[0].message
    else:
        assert [(i.code, i.where.split()[-1]) for i in issues] == expected


def test_verified_emissions_before_the_sector_joins_is_reported() -> None:
    """The 2023 rule may not allocate steel its verified emissions: steel joins in 2024."""
    text = CHINA.replace(
        "preallocation_base_year = 2022\n",
        'preallocation_base_year = 2022\nverified_emissions_sectors = ["steel"]\n',
    )
    _, issues = _parsed(text)
    assert [(i.code, i.where.split()[-1]) for i in issues] == [
        ("sector_not_in_force", "allocation[2].verified_emissions_sectors[0]")
    ]
    assert "not in 2023" in issues[0].message


def test_a_sector_declared_twice_is_still_a_problem() -> None:
    twice = DEMO.replace('code = "aviation"', 'code = "cement"')
    _, issues = _parsed(twice)
    assert [issue.code for issue in issues] == ["duplicate_sector"]


@pytest.mark.parametrize(("year", "expected"), [(2014, {"T": "transport"}), (2015, {})])
def test_uncovered_names_companies_outside_their_sector_years(year: int, expected) -> None:
    rulebook, _ = _parsed(SHENZHEN)
    companies = {"A": "manufacturing", "T": "transport", "X": "not-a-sector"}
    assert {c: s.code for c, s in uncovered(rulebook, year, companies).items()} == expected
