"""A rulebook's [[mrv]] rule may name a calculation method; checks of the names and years."""

from __future__ import annotations

import pytest
from cn_power_text import rulebook_text
from sqlalchemy import create_engine

from tanshi.core.errors import TanshiError
from tanshi.mrv.methods import PLUGINS
from tanshi.mrv.rule_methods import RuleMethod, check_rule_methods, method_for_year, method_names
from tanshi.resources import parameter_table, parse_installed
from tanshi.services.demo import run_demo


def test_rule_names_are_rulebook_methodologies_plugin_families_and_ids() -> None:
    names = method_names()
    assert {"ipcc2006-tier1-co2", "CN-ETS:power", "CN-ETS:power:2022"} <= names
    assert set(PLUGINS) <= names


def test_the_family_picks_the_version_of_the_year() -> None:
    versions = {year: method_for_year("CN-ETS:power", year) for year in (2019, 2021, 2022, 2030)}
    assert {year: m.spec.version for year, m in versions.items()} == {  # type: ignore[union-attr]
        2019: "2019-2020", 2021: "2021", 2022: "2022", 2030: "2023+"
    }  # fmt: skip


def test_a_rulebook_naming_cn_power_for_its_years_is_valid() -> None:
    rulebook, issues = parse_installed(rulebook_text(), "cn.toml")
    assert rulebook is not None and issues == []
    assert rulebook.mrv[1].methodology == "CN-ETS:power"


def test_years_without_a_version_and_missing_regimes_are_located_errors() -> None:
    # CN-ETS:power from 2017 (no version before 2019), without its CN-ETS parameter tables
    text = rulebook_text().replace(
        "valid_from = 2019\nvalid_to = 2024", "valid_from = 2017\nvalid_to = 2024"
    )
    text = text.replace("valid_from = 2016\nvalid_to = 2018", "valid_from = 2016\nvalid_to = 2016")
    text = text.replace('parameter_regimes = ["CN-ETS"]', 'parameter_regimes = ["IPCC-2006"]')
    _, issues = parse_installed(text, "cn.toml")
    found = {issue.code: issue for issue in issues}
    assert set(found) == {"method_year_not_covered", "method_regime_not_listed"}
    assert "2017–2018" in found["method_year_not_covered"].message
    line = text.splitlines().index('methodology = "CN-ETS:power"') + 1
    assert found["method_year_not_covered"].where == f"cn.toml:{line} mrv[1].methodology"
    assert "['CN-ETS']" in found["method_regime_not_listed"].message


def test_a_pinned_version_outside_its_years_and_an_unknown_name() -> None:
    pinned = [RuleMethod(0, "CN-ETS:power:2022", 2022, 2023, ("CN-ETS",))]
    (issue,) = check_rule_methods(pinned)
    assert issue.code == "method_year" and issue.where == "mrv[0].methodology"
    text = rulebook_text().replace('"CN-ETS:power"', '"CN-ETS:powr"')
    _, issues = parse_installed(text, "cn.toml")
    assert [issue.code for issue in issues] == ["unknown_methodology"]


def test_the_demo_refuses_a_rulebook_whose_methods_read_monthly_reports() -> None:
    text = rulebook_text()
    rulebook, _ = parse_installed(text, "cn.toml")
    assert rulebook is not None
    with pytest.raises(TanshiError, match=r"\['CN-ETS:power'\] cannot compute"):
        run_demo(create_engine("sqlite://"), rulebook, text, parameter_table())


def test_a_method_monitoring_plans_cannot_feed_is_refused() -> None:
    cement = [RuleMethod(0, "IPCC-2006:cement-clinker", 2020, 2020, ("IPCC-2006",))]
    (issue,) = check_rule_methods(cement)
    assert issue.code == "method_not_reportable" and "clinker_produced" in issue.message
    stationary = [RuleMethod(0, "IPCC-2006:stationary-tier1", 2020, 2020, ("IPCC-2006",))]
    assert check_rule_methods(stationary) == []
