"""Files shipped inside the package: rulebook presets, parameter tables, venues, scenarios."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from tanshi.core.errors import RulebookInvalid, TanshiError
from tanshi.core.issues import Issue, has_errors
from tanshi.market.settlement_rules import SettlementRules, parse_settlement_rules
from tanshi.market.surveillance import SurveillanceRules, parse_surveillance_rules
from tanshi.market.tape import Market
from tanshi.market.venues import Venue, parse_venue
from tanshi.mrv.gwp import gwp_parameters
from tanshi.mrv.parameters import ParameterTable, parse_parameter_table
from tanshi.mrv.rule_methods import RuleMethod, check_rule_methods, method_names
from tanshi.mrv.verification_rules import VerificationRules, parse_verification_rules
from tanshi.rulebook import Rulebook, parse_rulebook
from tanshi.rulebook.parse import LineIndex, locate
from tanshi.scenario.exchange_calibration import Calibration, parse_calibration, parse_markets
from tanshi.scenario.flow_targets import FlowTargets, parse_flow_targets

_DATA = resources.files("tanshi") / "data"


def _shipped(folder: str, suffix: str) -> list[str]:
    """The names of the files ending in ``suffix`` shipped in ``data/<folder>``."""
    return sorted(
        item.name.removesuffix(suffix)
        for item in (_DATA / folder).iterdir()
        if item.name.endswith(suffix)
    )


def _shipped_text(folder: str, name: str, suffix: str, what: str, plural: str) -> str:
    """The text of a shipped file; raises TanshiError naming the ones there are."""
    names = _shipped(folder, suffix)
    if name not in names:
        raise TanshiError(f"no {what} '{name}'; known {plural}: {', '.join(names)}")
    return (_DATA / folder / f"{name}{suffix}").read_text(encoding="utf-8")


def preset_ids() -> list[str]:
    """The ids of the rulebook presets shipped with tanshi."""
    return _shipped("rulebooks", ".toml")


def preset_text(preset_id: str) -> str:
    """The TOML text of a shipped preset; raises TanshiError naming the known presets."""
    return _shipped_text("rulebooks", preset_id, ".toml", "rulebook preset", "presets")


def rulebook_text(preset_or_path: str) -> tuple[str, str]:
    """The text and display name of a preset id or a rulebook file path."""
    path = Path(preset_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise TanshiError(f"no rulebook file at {path}; give a preset id or a .toml path")
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError as error:
            raise TanshiError(
                f"{path} is not UTF-8 text ({error.reason}); save it as UTF-8"
            ) from error
        except OSError as error:
            raise TanshiError(f"cannot read {path}: {error.strerror}") from error
    return preset_text(preset_or_path), f"{preset_or_path}.toml"


def parse_installed(text: str, origin: str) -> tuple[Rulebook | None, list[Issue]]:
    """Parse a rulebook and also check it names only installed methodologies and regimes.

    A ``[[mrv]]`` rule may name a calculation method (``CN-ETS:power``): every year of the rule
    must have a version of it, and the rule must list the method's parameter regimes.
    """
    regimes = {parameter.regime for parameter in parameter_table().parameters}
    rulebook, issues = parse_rulebook(
        text, origin, methodologies=method_names(), parameter_regimes=regimes
    )
    if rulebook is None:
        return rulebook, issues
    rules = [
        RuleMethod(index, rule.methodology, rule.valid_from, rule.valid_to,
                   tuple(rule.parameter_regimes))
        for index, rule in enumerate(rulebook.mrv)
    ]  # fmt: skip
    index = LineIndex(text)
    for issue in check_rule_methods(rules):
        issues.append(Issue(issue.code, issue.message, locate(origin, index, _path(issue.where))))
    return rulebook, issues


def _path(where: str) -> list[str | int]:
    """``mrv[0].methodology`` as ``["mrv", 0, "methodology"]``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"[\[\].]+", where) if part]


def load_rulebook(preset_or_path: str) -> tuple[Rulebook, str]:
    """A valid rulebook and its text; raises RulebookInvalid listing every error."""
    text, origin = rulebook_text(preset_or_path)
    rulebook, issues = parse_installed(text, origin)
    if rulebook is None or has_errors(issues):
        raise RulebookInvalid(f"rulebook {origin}", issues)
    return rulebook, text


@functools.cache
def parameter_table() -> ParameterTable:
    """Every shipped parameter table and the GWP sets, merged; raises TanshiError if broken."""
    parameters = []
    folder = _DATA / "parameters"
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".csv"):
            continue
        rows, issues = parse_parameter_table(item.read_text(encoding="utf-8"), item.name)
        if issues:
            raise TanshiError("broken parameter table:\n" + "\n".join(map(str, issues)))
        parameters.extend(rows)
    parameters.extend(gwp_parameters())
    return ParameterTable.of(parameters)


@functools.cache
def exchange_markets() -> tuple[Market, ...]:
    """The national market and the pilots, with names, from ``data/market/markets.csv``."""
    text = _shipped_text("market", "markets", ".csv", "market table", "market tables")
    markets, issues = parse_markets(text, "markets.csv")
    if issues:
        raise TanshiError("broken markets table:\n" + "\n".join(map(str, issues)))
    return tuple(markets)


@functools.cache
def exchange_calibration() -> Calibration:
    """The sourced calibration targets of the synthetic exchanges."""
    text = _shipped_text("market", "calibration-cn", ".csv", "market table", "market tables")
    calibration, issues = parse_calibration(text, "calibration-cn.csv")
    if issues:
        raise TanshiError("broken calibration table:\n" + "\n".join(map(str, issues)))
    return calibration


@functools.cache
def agent_targets(flow_id: str = "demo") -> FlowTargets:
    """The sourced parameters of the trading agents, ``data/market/agents-<id>.toml``."""
    text = _shipped_text("market", f"agents-{flow_id}", ".toml", "agents file", "agents files")
    targets, issues = parse_flow_targets(text, f"agents-{flow_id}.toml")
    if targets is None or issues:
        raise TanshiError("broken agents file:\n" + "\n".join(map(str, issues)))
    return targets


@functools.cache
def surveillance_rules(venue_id: str = "demo") -> SurveillanceRules:
    """The sourced surveillance thresholds, ``data/market/surveillance-<id>.toml``."""
    name = f"surveillance-{venue_id}"
    text = _shipped_text("market", name, ".toml", "surveillance file", "surveillance files")
    rules, issues = parse_surveillance_rules(text, f"{name}.toml")
    if rules is None or issues:
        raise TanshiError("broken surveillance file:\n" + "\n".join(map(str, issues)))
    return rules


def scenario_ids() -> list[str]:
    """The names of the scenario files shipped with tanshi."""
    return _shipped("scenarios", ".yaml")


def scenario_text(name_or_path: str) -> tuple[str, str]:
    """The text and display name of a shipped scenario or a scenario file path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError as error:
            raise TanshiError(
                f"{path} is not UTF-8 text ({error.reason}); save it as UTF-8"
            ) from error
        except OSError as error:
            raise TanshiError(f"cannot read {path}: {error.strerror}") from error
    text = _shipped_text("scenarios", name_or_path, ".yaml", "scenario", "scenarios")
    return text, f"{name_or_path}.yaml"


@functools.cache
def verification_rules(rulebook_id: str) -> VerificationRules:
    """The shipped verification rules of a rulebook; raises TanshiError if absent or broken."""
    path = _DATA / "verification" / f"{rulebook_id}.toml"
    if not path.is_file():
        raise TanshiError(
            f"no verification rules for rulebook '{rulebook_id}'; add "
            f"src/tanshi/data/verification/{rulebook_id}.toml (see docs/verification.md)"
        )
    rules, issues = parse_verification_rules(path.read_text(encoding="utf-8"), path.name)
    if rules is None or has_errors(issues):
        raise TanshiError("broken verification rules:\n" + "\n".join(map(str, issues)))
    return rules


def venue_ids() -> list[str]:
    """The ids of the trading-venue files shipped with tanshi (e.g. ``ceex``)."""
    return _shipped("venues", ".toml")


def venue_text(venue_id: str) -> str:
    """The TOML text of a shipped venue; raises TanshiError naming the known venues."""
    return _shipped_text("venues", venue_id, ".toml", "venue", "venues")


def load_venue(venue_id: str) -> Venue:
    """A shipped venue, checked; raises TanshiError listing every problem."""
    venue, issues = parse_venue(venue_text(venue_id), f"{venue_id}.toml")
    if venue is None or has_errors(issues):
        raise TanshiError(f"venue {venue_id} is invalid: " + "; ".join(map(str, issues)))
    return venue


def load_settlement_rules(preset_id: str) -> SettlementRules:
    """The shipped settlement terms ``data/settlement/<preset_id>.toml``; raises if broken."""
    folder = _DATA / "settlement"
    known = sorted(
        i.name.removesuffix(".toml") for i in folder.iterdir() if i.name.endswith(".toml")
    )
    if preset_id not in known:
        raise TanshiError(f"no settlement rules '{preset_id}'; shipped: {', '.join(known)}")
    text = (folder / f"{preset_id}.toml").read_text(encoding="utf-8")
    rules, issues = parse_settlement_rules(text, f"settlement/{preset_id}.toml")
    if rules is None or has_errors(issues):
        raise TanshiError("broken settlement rules:\n" + "\n".join(map(str, issues)))
    return rules
