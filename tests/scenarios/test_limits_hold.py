"""Random sequences of borrowing, offsets and banking requests against the registry: each is
accepted exactly when the limit allows it, and the totals never pass the limits."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services import allocation, compliance, flexibility, jurisdiction, verified_entry
from tanshi.services.registry import execute

# P's base years average 100 000 t, so each phase-1 allocation is 100 000 (kr-kets: × 1).
# 2015: verified 120 000 → borrowing limit 10% = 12 000, offsets cap 10% = 12 000.
# 2017: banking limit floor(10% × average allocation 100 000) + 20 000 = 30 000 (the
# allocation before the 2016 deduction of what was borrowed for 2015).
BORROW_LIMIT, OFFSETS_CAP, BANKING_LIMIT = 12000, 12000, 30000


def moment(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T03:00:00+00:00")  # noon in Seoul


def open_year(engine: Engine, seed: int) -> jurisdiction.Jurisdiction:
    """kr-kets with P allocated for 2015, holding 30 000 KCU, verified 120 000 t for 2015."""
    rulebook, text = load_rulebook("kr-kets")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, moment("2014-12-01"), is_demo=False)
    jurisdiction.register_company(engine, j, "P", "Pyeong Power", "power")
    for year in (2011, 2012, 2013):
        verified_entry.enter_verified_emissions(engine, "P", year, Decimal(100000), "test")
    allocation.allocate_year(engine, j, 2015, moment("2015-01-12"))
    project = jurisdiction.open_project_account(engine, j, "K1", "K1")
    credits = jurisdiction.unit_class_id(engine, j, "KCU", 2015, "K1")
    with engine.connect() as connection:
        operator = jurisdiction.account_id(
            connection, jurisdiction.operator_account_code("KR", "P")
        )
    for type_code, source, target in (("offset_issuance", j.issuance_account, project),
                                      ("transfer", project, operator)):  # fmt: skip
        request = TransactionRequest(type_code, f"{type_code}-{seed}",
                                     (Movement(source, target, credits, 30000),),
                                     moment("2015-06-01"))  # fmt: skip
        assert execute(engine, request).ok
    verified_entry.enter_verified_emissions(engine, "P", 2015, Decimal(120000), "test")
    return j


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_limits_hold_for_any_sequence(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    j = open_year(engine, seed)
    borrowed = offsets = banked = 0
    day = moment("2016-05-02")
    for number in range(12):
        quantity = rng.randint(1, 5000)
        if rng.random() < 0.5:
            _, issues = flexibility.borrow(engine, j, "P", 2015, quantity, f"b{number}", day)
            fits = borrowed + quantity <= BORROW_LIMIT
            borrowed += quantity if fits else 0
            expected = [] if fits else ["borrowing_limit_exceeded"]
        else:
            _, issues = compliance.surrender(engine, j, "P", "KCU-2015-K1", quantity, 2015,
                                             f"o{number}", day)  # fmt: skip
            fits = offsets + quantity <= OFFSETS_CAP
            offsets += quantity if fits else 0
            expected = [] if fits else ["offset_cap_exceeded"]
        assert [issue.code for issue in issues] == expected, (number, quantity)
    assert borrowed <= BORROW_LIMIT and offsets <= OFFSETS_CAP
    allocation.allocate_year(engine, j, 2016, moment("2016-07-01"))
    allocation.allocate_year(engine, j, 2017, moment("2017-01-10"))
    day = moment("2017-07-05")
    accepted: list[tuple[str, int]] = []
    for number in range(8):
        quantity = rng.randint(1, 12000)
        _, issues = flexibility.bank(engine, j, "P", 2017, quantity, f"k{number}", day)
        fits = banked + quantity <= BANKING_LIMIT
        banked += quantity if fits else 0
        accepted += [(f"k{number}", quantity)] if fits else []
        assert [issue.code for issue in issues] == ([] if fits else ["banking_limit_exceeded"])
    assert banked <= BANKING_LIMIT
    line = next(line for line in compliance.positions(engine, j, 2015) if line.company == "P")
    assert line.borrowed_t == borrowed and line.surrendered_offsets_t == offsets
    assert (
        next(p for p in compliance.positions(engine, j, 2017) if p.company == "P").banked_t
        == banked
    )
    # Fill the limit; then sending an accepted request again still replays it.
    if banked < BANKING_LIMIT:
        _, issues = flexibility.bank(engine, j, "P", 2017, BANKING_LIMIT - banked, "fill", day)
        accepted.append(("fill", BANKING_LIMIT - banked))
        assert not issues
    refused = flexibility.bank(engine, j, "P", 2017, 1, "over", day)[1]
    assert [issue.code for issue in refused] == ["banking_limit_exceeded"]
    key, quantity = accepted[0]
    again, issues = flexibility.bank(engine, j, "P", 2017, quantity, key, day)
    assert not issues and again is not None and again.replayed
