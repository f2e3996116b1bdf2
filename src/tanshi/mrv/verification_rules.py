"""Verification rules as data: materiality bands, rotation, re-check sample, data-check limits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import Issue


@dataclass(frozen=True, slots=True)
class Sourced:
    """Where a rule comes from and how sure we are (V, V3, M, assumption)."""

    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class MaterialityBand:
    """Materiality ``share`` for reports of at most ``up_to_t`` (None: no upper bound)."""

    up_to_t: Decimal | None
    share: Decimal
    origin: Sourced


@dataclass(frozen=True, slots=True)
class PlausibleRange:
    """The values of a measured parameter that need no explanation."""

    parameter: str
    subject: str
    unit: str
    low: Decimal
    high: Decimal
    origin: Sourced


@dataclass(frozen=True, slots=True)
class VerificationRules:
    """Everything the verification workflow and the data checks take from rules."""

    rulebook: str
    valid_from: int
    valid_to: int
    materiality: tuple[MaterialityBand, ...]
    max_consecutive_years: int
    recheck_sample_share: Decimal
    year_on_year_change_share: Decimal
    plausible_ranges: tuple[PlausibleRange, ...]

    def range_of(self, parameter: str, subject: str) -> PlausibleRange | None:
        for item in self.plausible_ranges:
            if item.parameter == parameter and item.subject == subject:
                return item
        return None


def _decimal(value: object) -> Decimal:
    # TOML floats are read as Decimal (parse_float), ints converted exactly.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"{value!r} is not a number")
    return Decimal(value)


def parse_verification_rules(
    text: str, origin: str
) -> tuple[VerificationRules | None, list[Issue]]:
    """Read a verification-rules TOML file; every problem is returned, nothing raised."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue("rules_toml_invalid", str(error), origin)]
    issues: list[Issue] = []

    def sourced(table: dict, where: str) -> Sourced:
        source, confidence = table.get("source"), table.get("confidence")
        if not source or not confidence:
            issues.append(
                Issue("rule_without_source", "every rule needs a source and a confidence", where)
            )
        return Sourced(str(source or ""), str(confidence or ""))

    try:
        head = data["rules"]
        bands = []
        for index, band in enumerate(data["materiality"]):
            up_to = band.get("up_to_t")
            bands.append(
                MaterialityBand(
                    None if up_to is None else _decimal(up_to),
                    _decimal(band["share"]),
                    sourced(band, f"{origin} materiality[{index}]"),
                )
            )
        ranges = tuple(
            PlausibleRange(
                str(item["parameter"]),
                str(item["subject"]),
                str(item["unit"]),
                _decimal(item["low"]),
                _decimal(item["high"]),
                sourced(item, f"{origin} plausible_range[{index}]"),
            )
            for index, item in enumerate(data.get("plausible_range", []))
        )
        sourced(data["rotation"], f"{origin} rotation")
        sourced(data["recheck"], f"{origin} recheck")
        sourced(data["data_checks"], f"{origin} data_checks")
        rules = VerificationRules(
            rulebook=str(head["rulebook"]),
            valid_from=int(head["valid_from"]),
            valid_to=int(head["valid_to"]),
            materiality=tuple(bands),
            max_consecutive_years=int(data["rotation"]["max_consecutive_years"]),
            recheck_sample_share=_decimal(data["recheck"]["sample_share"]),
            year_on_year_change_share=_decimal(data["data_checks"]["year_on_year_change_share"]),
            plausible_ranges=ranges,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        return None, [
            *issues,
            Issue("rules_field_invalid", f"missing or bad field: {error}", origin),
        ]
    open_ended = [band for band in rules.materiality if band.up_to_t is None]
    bounded = [band.up_to_t for band in rules.materiality if band.up_to_t is not None]
    if (
        len(open_ended) != 1
        or rules.materiality[-1].up_to_t is not None
        or bounded != sorted(bounded)
    ):
        issues.append(
            Issue(
                "materiality_bands_invalid",
                "list materiality bands by ascending up_to_t, the last without up_to_t",
                f"{origin} materiality",
            )
        )
    if rules.max_consecutive_years < 1:
        issues.append(Issue("rotation_invalid", "max_consecutive_years must be >= 1", origin))
    return rules, issues
