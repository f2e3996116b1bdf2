"""EU-style ``[[registry]]`` rules that tests append to the demo-province rulebook, and the
small registry world the lifecycle and control tests run them in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.services import jurisdiction
from tanshi.services.lifecycle import add_representative
from tanshi.services.registry import execute

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Refuses what is proposed or approved while the registry is closed.
CONTROLS = """
[[registry]]
valid_from = 2016
valid_to = 2020
business_hours_start = "10:00"
business_hours_end = "16:00"
business_days = [1, 2, 3, 4, 5]
holidays = [2017-05-01]
untrusted_transfer_delay_hours = 26
trusted_list_activation_working_days = 4
daily_limit_units = 1000
out_of_hours = "refuse"
source = "Test controls after the EU registry (26 h delay, 4 working days, 10:00-16:00)"
confidence = "assumption"
"""

# As the EU registry since 2021 (Reg. 2019/1122 Art. 20(4), 23(2), 35(2)-(3)): queues what
# comes while closed, trusts the holder's own accounts, lets the holder waive the second
# approval of transfers to its trusted list.
EU_CONTROLS = """
[[registry]]
valid_from = 2016
valid_to = 2020
business_hours_start = "10:00"
business_hours_end = "16:00"
business_days = [1, 2, 3, 4, 5]
holidays = [2017-04-14, 2017-04-17, 2017-05-01]
untrusted_transfer_release_time = "12:00"
trusted_list_activation_working_days = 4
trusted_list_activation_time = "12:00"
out_of_hours = "queue"
same_holder_trusted = true
second_approval_waiver = true
source = "Test controls after Reg. 2019/1122 Art. 20(4), 23(2)-(4), 35(2)-(3)"
confidence = "assumption"
"""

# EU_CONTROLS with Art. 23(4)'s removals: one representative proposes, another confirms.
EU_TWO_TO_REMOVE = EU_CONTROLS.replace(
    "second_approval_waiver = true\n",
    'second_approval_waiver = true\ntrusted_list_removal = "two_representatives"\n',
)


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=SHANGHAI)


def world(
    engine: Engine, controls: str, *, opened_at: datetime | None = None
) -> tuple[jurisdiction.Jurisdiction, int, int, int]:
    """demo-province with ``controls``: companies A (serials 1..2000 of DPEA-2016; alice
    initiates, bob approves) and B, set up at ``opened_at`` (default 2017-04-03 09:00
    Shanghai); returns the jurisdiction, A's and B's accounts and the unit class."""
    opened_at = opened_at or at("2017-04-03T09:00")
    source = preset_text("demo-province") + controls
    rulebook, issues = parse_rulebook(source)
    assert rulebook is not None and not issues, issues
    j = jurisdiction.open_jurisdiction(engine, rulebook, source, opened_at, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    jurisdiction.register_company(engine, j, "B", "Beta", "cement")
    with engine.connect() as connection:
        a = jurisdiction.account_id(connection, "DP-OH-A")
        b = jurisdiction.account_id(connection, "DP-OH-B")
    unit = jurisdiction.unit_class_id(engine, j, "DPEA", 2016)
    for type_code, movement in (
        ("issuance", Movement(j.issuance_account, j.holding_account, unit, 5000)),
        ("allocation", Movement(j.holding_account, a, unit, 2000)),
    ):
        key = "issue" if type_code == "issuance" else "alloc"
        request = TransactionRequest(type_code, key, (movement,), opened_at)
        assert execute(engine, request).ok
    add_representative(engine, "DP-OH-A", "alice", initiate=True, approve=False)
    add_representative(engine, "DP-OH-A", "bob", initiate=False, approve=True)
    return j, a, b, unit


def transfer(key: str, a: int, b: int, unit: int, quantity: int, when: str) -> TransactionRequest:
    return TransactionRequest("transfer", key, (Movement(a, b, unit, quantity),), at(when))


# EU_CONTROLS with Art. 23(3a)-(3b): account limits set by two representatives, and above 500
# units (a test figure) a transfer only to a trusted account.
EU_LIMITS = EU_CONTROLS.replace(
    "second_approval_waiver = true\n",
    'second_approval_waiver = true\naccount_transaction_limits = "two_representatives"\n'
    "untrusted_transfer_max_units = 500\n",
)

# EU_LIMITS where the regulator (the national administrator) confirms a representative's
# change instead of a second representative, or where either may (Art. 23(3b) in full).
EU_LIMITS_BY_REGULATOR = EU_LIMITS.replace('"two_representatives"', '"regulator"')
EU_LIMITS_EITHER = EU_LIMITS.replace('"two_representatives"', '"representative_or_regulator"')
# EU_LIMITS where an account's own limit may not be above the registry's threshold (500).
EU_LIMITS_CAPPED = EU_LIMITS + "account_limit_at_most_threshold = true\n"
