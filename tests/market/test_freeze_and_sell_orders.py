"""A freeze order meets units waiting for a sell order: refused with what to do, until the
exchange gives the units back."""

from __future__ import annotations

from settlement_setup import NOW, setup
from sqlalchemy import Engine

from tanshi.registry import ResultCode
from tanshi.services import reservations
from tanshi.services.audit import verify_registry
from tanshi.services.unit_freeze_reads import Balance, balances
from tanshi.services.unit_freezes import freeze_units


def test_units_reserved_for_a_sell_order_are_frozen_only_once_given_back(engine: Engine) -> None:
    """A holds 300; 250 wait for a sell order. A freeze of 100 takes the 50 left and more:
    refused, naming the reservation; a freeze of 50 goes ahead; once the exchange releases
    the order's units, the rest can be frozen."""
    w = setup(engine)
    reservation, issues = reservations.reserve_units(
        engine, w.j, "DP-OH-A", "DPEA-2016", 250, "order-1", NOW
    )
    assert issues == [] and reservation is not None
    refused = freeze_units(engine, "DP-OH-A", "DPEA-2016", 100, "court 1", "claim",
                           "regulator", "f1", NOW)  # fmt: skip
    assert (refused.freeze_id, refused.result) == (None, ResultCode.UNITS_RESERVED_FOR_SELL_ORDERS)
    assert "order-1" in refused.detail and "at most 50 t" in refused.detail
    # More than the account holds even with its reservations: plainly insufficient.
    assert freeze_units(engine, "DP-OH-A", "DPEA-2016", 301, "court 1", "claim", "regulator",
                        "f2", NOW).result is ResultCode.INSUFFICIENT_UNITS  # fmt: skip
    assert freeze_units(engine, "DP-OH-A", "DPEA-2016", 50, "court 1", "claim", "regulator",
                        "f3", NOW).result is ResultCode.OK  # fmt: skip
    released, issues = reservations.release_units(engine, w.j, "order-1", None, "cancel-1", NOW)
    assert issues == [] and released == 250
    again = freeze_units(engine, "DP-OH-A", "DPEA-2016", 100, "court 1", "claim", "regulator",
                         "f1", NOW)  # fmt: skip
    assert again.result is ResultCode.OK
    assert balances(engine, "DP-OH-A") == [Balance("DPEA-2016", 150, 150)]
    assert verify_registry(engine).ok
