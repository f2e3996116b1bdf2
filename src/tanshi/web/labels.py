"""What each code a page shows is called (statuses, roles, kinds, types, states), as msgids.

Pages never show a code as it is stored: templates write ``{{ value|label }}``, which looks
the code up here and translates its English name with the catalog (the .po translates every
name). A code not listed is shown translated as it is, so a new one reads as a code until it
gets a name; tests/web/test_labels.py renders every page in both languages and fails on a
code shown as ``snake_case``. Codes shown on purpose (a refusal's code beside its
explanation, an account or unit class code) are in ``<code>`` or are not snake_case.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from jinja2 import pass_context
from jinja2.runtime import Context

from tanshi.web.i18n import in_context

ROLES = {
    "regulator": "regulator", "compliance_officer": "compliance officer",
    "verifier": "verifier", "trader": "trader", "exchange_operator": "exchange operator",
    "auditor": "auditor", "administrator": "administrator",
}  # fmt: skip
ORGANISATION_KINDS = {
    "company": "company", "exchange": "exchange", "operator": "operator",
}  # fmt: skip
PROPOSAL_STATUSES = {
    "awaiting_approval": "awaiting approval", "delayed": "delayed", "executed": "executed",
    "failed": "failed", "cancelled": "cancelled", "approved": "approved", "queued": "queued",
}  # fmt: skip
ACCOUNT_KINDS = {
    "issuance": "issuance", "jurisdiction_holding": "jurisdiction holding account",
    "operator_holding": "operator holding account", "trading": "trading",
    "exchange_clearing": "exchange clearing account", "project": "project",
    "surrender": "surrender", "cancellation": "cancellation", "deletion": "deletion",
    "reserve_new_entrant": "new entrant reserve",
    "reserve_market_stability": "market stability reserve",
    "reserve_auction": "auction reserve", "frozen_units": "frozen units account",
}  # fmt: skip
ACCOUNT_STATUSES = {
    "open": "open", "restricted": "restricted", "suspended": "suspended", "frozen": "frozen",
    "closure_pending": "closure pending", "closed": "closed",
}  # fmt: skip
# Where an announced auction stands (auction/book.py Phase): "open" reads 进行中 here, but
# an open account is 正常 — the two are told apart by a message context (KINDS below).
AUCTION_PHASES = {
    "announced": "announced", "open": "open", "closed": "closed", "cleared": "cleared",
}  # fmt: skip
TRANSACTION_TYPES = {
    "offset_issuance": "offset issuance", "allocation": "allocation", "transfer": "transfer",
    "deduction": "deduction", "forced_compliance": "forced compliance",
    "surrender_reversal": "surrender reversal", "allocation_reversal": "allocation reversal",
    "auction_delivery": "auction delivery", "voluntary_retirement": "voluntary retirement",
    "carry_over": "carry-over", "trading_reservation": "units set aside for trading",
    "trading_release": "units given back from trading", "trade_settlement": "trade settlement",
    "closure_transfer": "closure transfer", "borrowing": "borrowing",
    "court_transfer": "court-ordered transfer",
}  # fmt: skip
UNIT_KINDS = {
    "allowance": "allowance", "offset": "offset",
    "carbon_inclusive_credit": "carbon-inclusive credit",
}  # fmt: skip
COMPLIANCE = {
    "compliant": "compliant", "non_compliant": "non-compliant",
    "no_verified_emissions": "no verified emissions", "excluded": "excluded",
}  # fmt: skip
VERIFICATION = {
    "submitted": "submitted", "assigned": "assigned", "in_verification": "in verification",
    "correction_requested": "correction requested", "verified": "verified",
    "recheck_assigned": "assigned for re-check", "recheck_confirmed": "re-check confirmed",
    "recheck_flagged": "re-check flagged", "misstatement": "misstatement",
    "non_conformity": "non-conformity", "error": "error", "warning": "warning",
    "measured": "measured", "default": "default", "fuel": "fuel", "electricity": "electricity",
}  # fmt: skip
MARKET = {
    "buy": "buy", "sell": "sell", "opening_call": "opening call auction",
    "continuous": "continuous trading", "closing_call": "closing call auction",
    "halted": "halted", "settled": "settled", "pending": "pending", "minute": "minute",
    "hour": "hour", "day": "day", "week": "week",
    "position_limit_exceeded": "position limit exceeded", "large_holder": "large holder",
    "wash_trade_suspected": "suspected wash trade", "order_at_price_limit": "order at the price limit",
}  # fmt: skip
CASH = {
    "participant": "participant", "clearing": "clearing", "fees": "fees", "bank": "bank",
    "deposit": "deposit", "withdrawal": "withdrawal", "funds_reservation": "funds reserved",
    "funds_release": "funds released", "settlement": "settlement",
    "auction_payment": "auction payment", "auction_proceeds": "auction proceeds",
}  # fmt: skip
ALLOCATION = {
    "planned": "planned", "allocated": "allocated", "trued_up": "trued up",
    "already_allocated": "allocated before", "booked": "booked",
    "already_booked": "booked before", "waiting": "waiting", "not_applicable": "not applicable",
    "grandfathering": "grandfathering", "benchmark_output": "output benchmark",
    "eu_benchmark": "EU benchmark",
}  # fmt: skip
SECTORS = {
    "power": "power", "cement": "cement", "steel": "steel", "aluminium": "aluminium",
    "chemicals": "chemicals", "petrochemicals": "petrochemicals", "paper": "paper",
    "aviation": "aviation", "domestic_aviation": "domestic aviation", "refining": "refining",
    "buildings": "buildings", "district_heating": "district heating",
    "manufacturing": "manufacturing", "semiconductors": "semiconductors",
    "telecoms": "telecoms", "waste": "waste",
}  # fmt: skip
ADMINISTRATION = {
    "add_user": "add a user", "reset_admin_second_factor": "new second factor of an administrator",
    "reset_representative_second_factor": "new second factor of an account representative",
    "grant_account_rights": "rights on a registry account",
}  # fmt: skip
# What a monitoring plan says how it obtains, per source stream (mrv/monitoring_plan.py).
PLAN_PARAMETERS = {
    "quantity": "quantity", "ncv": "net calorific value", "carbon_content": "carbon content",
    "oxidation_factor": "oxidation factor", "emission_factor": "emission factor",
}  # fmt: skip
# How sure a rule's citation is (rulebook/records.py Confidence); V, V3 and M read as tags.
CONFIDENCE = {"assumption": "assumption"}
# What a source stream burns or uses: subjects of the parameter table (data/parameters).
SUBJECTS = {
    "anthracite": "anthracite", "coal": "coal", "coke_oven_coke": "coke oven coke",
    "coking_coal": "coking coal", "crude_oil": "crude oil", "fuel_oil": "fuel oil",
    "gas_diesel_oil": "gas/diesel oil", "jet_kerosene": "jet kerosene", "lignite": "lignite",
    "lpg": "liquefied petroleum gas", "motor_gasoline": "motor gasoline",
    "natural_gas": "natural gas", "other_bituminous_coal": "other bituminous coal",
    "petroleum_coke": "petroleum coke", "residual_fuel_oil": "residual fuel oil",
    "sub_bituminous_coal": "sub-bituminous coal", "cn_national_grid": "national grid (China)",
    "grid": "grid electricity",
    "clinker": "clinker", "carbonate_sorbent": "carbonate sorbent", "urea": "urea",
    "coal_conventional_300mw_or_less": "conventional coal unit, 300 MW or less",
    "coal_conventional_over_300mw": "conventional coal unit, over 300 MW",
    "coal_unconventional": "unconventional coal unit",
}  # fmt: skip
LABELS: dict[str, str] = {
    **ROLES, **ORGANISATION_KINDS, **PROPOSAL_STATUSES, **ACCOUNT_KINDS, **ACCOUNT_STATUSES,
    **TRANSACTION_TYPES, **UNIT_KINDS, **COMPLIANCE, **VERIFICATION, **MARKET, **CASH,
    **ALLOCATION, **SUBJECTS, **ADMINISTRATION, **SECTORS, **PLAN_PARAMETERS, **CONFIDENCE,
}  # fmt: skip

# Where an order stands (services/trading.py order_status) and how an ended one ended
# (services/order_outcomes.py); read in "order status" context.
ORDER_STATUSES = {"open": "open", "ended": "ended", "refused": "refused", "unknown": "unknown",
                  "filled": "filled", "cancelled": "cancelled", "expired": "expired"}  # fmt: skip
# The rulebook's sections a problem names (``the rulebook has no {section} rule``, rulebook/
# in_force.py rule_for); read in "rulebook section" context (web/problems.py NAMED).
RULEBOOK_SECTIONS = {
    "allocation": "allocation", "compliance": "compliance", "penalty": "penalty", "mrv": "MRV",
}  # fmt: skip
# What an auction's unsold volume becomes (rulebook [[auction]] unsold), as a clearing's
# problems name it (``{unsold_rule}``, web/problems.py NAMED).
UNSOLD_RULES = {"roll_over": "roll over", "withhold": "withhold", "cancel": "cancel"}
# Codes whose name depends on what they name: ``{{ code|label("account status") }}`` reads the
# name in the catalog's ``msgctxt "account status"`` before the plain msgid.
KINDS: dict[str, dict[str, str]] = {
    "account status": ACCOUNT_STATUSES, "auction phase": AUCTION_PHASES,
    "order status": ORDER_STATUSES, "rulebook section": RULEBOOK_SECTIONS,
    "unsold rule": UNSOLD_RULES,
}  # fmt: skip


def name_of(code: object) -> str:
    """The English name (a msgid) of a code, or the code itself when it has none."""
    text = str(code.value if isinstance(code, Enum) else code)
    return LABELS.get(text, text)


@pass_context
def label(context: Context, code: object, kind: str = "") -> str:
    """The ``label`` filter of templates: the code's name in the page's language, read as a
    ``kind`` of KINDS when one is given."""
    if kind:
        text = str(code.value if isinstance(code, Enum) else code)
        return in_context(context["locale"], kind, KINDS[kind].get(text, name_of(text)))
    translate: Callable[[str], str] = context["_"]
    return translate(name_of(code))


def is_subject(name: object) -> bool:
    """The ``subject`` test of templates: ``name`` is a subject of the parameter table. The
    demo's plans name each source stream by the fuel it burns (``other_bituminous_coal``),
    which a page then shows by the fuel's name; a stream named otherwise stays as written."""
    return str(name) in SUBJECTS
