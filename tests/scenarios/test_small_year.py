"""A small compliance year of demo-province, run on SQLite and on PostgreSQL.

The scenario is the test's docstring (after beancount's ``load_doc``): comment lines give
the numbers derived by hand, command lines run the year, ``expect`` lines check the table.
"""

from __future__ import annotations

from scenario_text import scenario
from sqlalchemy import Engine, text


@scenario
def test_small_year(engine: Engine) -> None:
    """
    # A small compliance year of demo-province, checked by hand.
    # Emissions come from purchased electricity only: E = MWh × 0.6101 tCO2/MWh
    # (the grid factor demo-province adopts), so every number below is simple arithmetic.
    #
    # Allocation 2016 = floor(average of 2013-2015 × 0.97):
    #   A 100 000 MWh/yr → 61 010 t → 59 179.7 → 59 179     B 50 000 → 30 505 → 29 589
    #   C  20 000 MWh/yr → 12 202 t → 11 835.94 → 11 835    D 10 000 →  6 101 →  5 917
    # 2016 emissions: A 101 000 MWh → 61 620.1 → obligation 61 620
    #                 B  40 000 MWh → 24 404.0 → 24 404
    #                 C  25 000 MWh → 15 252.5 → 15 253 (rounded half up)
    #                 D  does not report
    # Average 2016 price: (3 000 × 30.00 + 1 000 × 34.00) / 4 000 = CNY 31.00
    # C: offset cap floor(15 253 × 10%) = 1 525; 11 835 + 1 000 bought + 1 525 offsets = 14 360
    #    shortfall 15 253 − 14 360 = 893; penalty 893 × 3 × 31.00 = CNY 83 049.00;
    #    the 2017 allocation of C is 11 835 − 893 = 10 942.

    rulebook demo-province
    company A "Alpha Power" power
    company B "Beta Cement" cement
    company C "Gamma Steel" steel
    company D "Delta Air" aviation

    activity A 2013 electricity grid 100000 MWh
    activity A 2014 electricity grid 100000 MWh
    activity A 2015 electricity grid 100000 MWh
    activity B 2013 electricity grid 50000 MWh
    activity B 2014 electricity grid 50000 MWh
    activity B 2015 electricity grid 50000 MWh
    activity C 2013 electricity grid 20000 MWh
    activity C 2014 electricity grid 20000 MWh
    activity C 2015 electricity grid 20000 MWh
    activity D 2013 electricity grid 10000 MWh
    activity D 2014 electricity grid 10000 MWh
    activity D 2015 electricity grid 10000 MWh
    report 2013 2014 2015 on 2016-03-31

    allocate 2016 on 2016-06-30
    expect-allocation 2016 A=59179 B=29589 C=11835 D=5917

    trade B -> A 3000 DPEA-2016 at 30.00 on 2016-08-01
    trade B -> C 1000 DPEA-2016 at 34.00 on 2016-09-15
    trade D -> A 999999 DPEA-2016 at 30.00 on 2016-10-01 !insufficient_units
    trade A -> B 10 DPEA-2016 at 30.005 on 2016-10-02 !price_off_tick
    offsets P1 2015 issue 2000 on 2016-09-30
    offsets P1 2015 transfer C 2000 on 2016-11-15

    activity A 2016 electricity grid 101000 MWh
    activity B 2016 electricity grid 40000 MWh
    activity C 2016 electricity grid 25000 MWh
    report 2016 on 2017-03-31

    surrender A 61620 DPEA-2016 for 2016 on 2017-06-20
    surrender B 24404 DPEA-2016 for 2016 on 2017-06-20
    surrender C 2000 DPCER-2015-P1 for 2016 on 2017-06-21 !offset_cap_exceeded
    surrender C 1525 DPCER-2015-P1 for 2016 on 2017-06-21
    surrender C 12835 DPEA-2016 for 2016 on 2017-06-21
    surrender B 1 DPEA-2016 for 2016 on 2017-07-05 !surrender_after_deadline
    compliance 2016 on 2017-07-01

    expect A verified=61620.100 allocated=59179 bought=3000 sold=0 allowances=61620 offsets=0 shortfall=0 penalty=0.00 status=compliant
    expect B verified=24404.000 allocated=29589 bought=0 sold=4000 allowances=24404 offsets=0 shortfall=0 penalty=0.00 status=compliant
    expect C verified=15252.500 allocated=11835 bought=1000 sold=0 allowances=12835 offsets=1525 shortfall=893 penalty=83049.00 status=non_compliant
    expect D verified= allocated=5917 bought=0 sold=0 allowances=0 offsets=0 shortfall= penalty= status=no_verified_emissions
    expect-price 31.00
    expect-allocation 2017 A=59179 B=29589 C=10942 D=5917
    """
    with engine.connect() as connection:
        deduction = connection.execute(
            text("SELECT year, quantity_units FROM allocation_deductions")
        ).all()
    assert [tuple(row) for row in deduction] == [(2017, 893)]


@scenario
def test_shortfall_booked_when_next_year_is_already_allocated(engine: Engine) -> None:
    """
    # C's 2017 allocation (11 835) is made before 2016 compliance runs, so its shortfall of
    # 15 253 − 11 835 = 3 418 is booked in the registry: 11 835 − 3 418 = 8 417 remain.
    # Surrendering at 00:30 on 1 July in Shanghai (16:30 UTC on 30 June) is too late.
    rulebook demo-province
    company C "Gamma Steel" steel
    activity C 2013 electricity grid 20000 MWh
    activity C 2014 electricity grid 20000 MWh
    activity C 2015 electricity grid 20000 MWh
    report 2013 2014 2015 on 2016-03-31
    allocate 2016 on 2016-06-30
    activity C 2016 electricity grid 25000 MWh
    report 2016 on 2017-03-31
    surrender C 11835 DPEA-2016 for 2016 on 2017-06-20
    surrender C 1 DPEA-2016 for 2016 on 2017-06-30T16:30:00+00:00 !surrender_after_deadline
    allocate 2017 on 2017-06-30
    expect-holding C DPEA-2017 11835
    compliance 2016 on 2017-07-01
    expect C shortfall=3418 status=non_compliant
    expect-holding C DPEA-2017 8417
    """
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT year, quantity_units, transaction_id IS NOT NULL FROM allocation_deductions"
            )
        ).all()
    assert [tuple(row) for row in rows] == [(2017, 3418, True)]


@scenario
def test_four_eyes_and_a_delay_over_the_weekend(engine: Engine) -> None:
    """
    # Controls after the EU registry: 10:00-16:00 on working days, 26 hours for transfers to
    # an account off the trusted list, released at the next opening. Times are Shanghai's.
    rulebook demo-province +controls
    company A "Alpha Power" power
    company B "Beta Cement" cement
    activity A 2013 electricity grid 100000 MWh
    activity A 2014 electricity grid 100000 MWh
    activity A 2015 electricity grid 100000 MWh
    report 2013 2014 2015 on 2016-03-31
    allocate 2016 on 2016-06-30
    representative DP-OH-A alice initiate
    representative DP-OH-A bob approve

    propose t1 DP-OH-A -> DP-OH-B 500 DPEA-2016 as alice at 2017-04-07T14:00+08:00
    approve t1 as alice at 2017-04-07T14:30+08:00 !approver_must_differ_from_initiator
    approve t1 as bob at 2017-04-07T15:00+08:00 delayed until 2017-04-10T10:00+08:00
    release at 2017-04-10T09:59+08:00
    release at 2017-04-10T10:00+08:00 executed
    expect-holding B DPEA-2016 500

    propose t2 DP-OH-A -> DP-OH-B 100 DPEA-2016 as alice at 2017-04-08T11:00+08:00 !outside_business_hours
    propose t3 DP-OH-A -> DP-OH-B 600 DPEA-2016 as alice at 2017-04-11T11:00+08:00
    propose t4 DP-OH-A -> DP-OH-B 600 DPEA-2016 as alice at 2017-04-11T11:05+08:00 !daily_limit_exceeded
    cancel t3 as alice at 2017-04-11T11:10+08:00
    expect-holding B DPEA-2016 500
    """
