"""The verification workflow of one year, written as text, on SQLite and on PostgreSQL.

Emissions: electricity × 0.6101 tCO2/MWh; coal × 25.8 GJ/t × 94 600 kgCO2/TJ / 10^6.
Materiality (demo-province, after EU AVR): 5% up to 500 kt. Re-check sample: 10% of the
verified reports (at least one), drawn with a seed.
"""

from __future__ import annotations

from scenario_text import scenario
from sqlalchemy import Engine


@scenario
def test_verification_year(engine: Engine) -> None:
    """
    rulebook demo-province
    company A "Alpha Power" power
    company B "Beta Cement" cement
    company C "Gamma Steel" steel
    body VB01 "First Verifiers"
    body VB02 "Second Opinion Ltd"
    body VB03 "Third Party Co"
    body VB09 "Lapsed Audit" unaccredited
    conflict VB03 C "VB03 drew up C's monitoring plan"

    # 2015 is a base year, accepted as reported: A 100 000 MWh → 61 010 t, B 50 000 → 30 505 t.
    activity A 2015 electricity grid 100000 MWh
    activity B 2015 electricity grid 50000 MWh
    report 2015 on 2016-03-31

    # A: 12 × 8 000 = 96 000 MWh → 58 569.6 t (−4.0% on 2015: no trend warning).
    plan A 2016 site/grid electricity grid MWh quantity=measured
    months A 2016 site/grid 8000 x12
    submit A 2016 stated 58569.6 on 2017-03-31
    submit A 2016 stated 58569.6 on 2017-04-01 !case_exists
    assign A 2016 VB01 on 2017-04-10
    # VB01 finds a meter read counted twice: −1 000 t, 1 000 / 58 569.6 = 1.71% ≤ 5%:
    # not material, so the report passes with the verifier's correction: 57 569.6 t.
    finding A 2016 by VB01 misstatement -1000 "December meter read entered twice" on 2017-05-02
    verify A 2016 by VB02 on 2017-05-03 !not_permitted
    verify A 2016 by VB01 on 2017-05-03 -> verified
    finding A 2016 by VB01 non_conformity "late" on 2017-05-04 !invalid_state
    expect-case A 2016 state=verified body=VB01 reported=58569.600 verified=57569.600
    expect-verified A 2016 57569.600

    # B: every check can stop a submission; the errors come back all at once.
    plan B 2016 site/grid electricity grid MWh quantity=measured
    months B 2016 site/grid 5000 x11
    submit B 2016 stated 33555.5 on 2017-03-31 !missing_months
    months B 2016 site/grid 5000 x12
    submit B 2016 stated 36606 on 2017-03-31 total site/grid=59000 !annual_total_mismatch
    months B 2016 site/grid 5000 x12
    submit B 2016 stated 36000 on 2017-03-31 !emissions_total_mismatch
    # 60 000 MWh → 36 606 t: +20.0% on 30 505 t exactly, not *more* than 20%: no warning.
    months B 2016 site/grid 5000 x12
    submit B 2016 stated 36606 on 2017-03-31
    warnings
    assign B 2016 VB02 on 2017-04-10
    # VB02 finds July's 5 000 MWh unreported: +3 050.5 t, 3 050.5 / 36 606 = 8.33% > 5%:
    # material, so B must correct and resubmit.
    finding B 2016 by VB02 misstatement 3050.5 "July meter not read" on 2017-05-02
    verify B 2016 by VB02 on 2017-05-03 -> correction_requested
    expect-case B 2016 state=correction_requested verified= revisions=1
    # Corrected: 65 000 MWh → 39 656.5 t, +30.0% on 2015: flagged for the verifier.
    months B 2016 site/grid 5000 x6
    months B 2016 site/grid 10000 m7
    months B 2016 site/grid 5000 m8-12
    submit B 2016 stated 39656.5 on 2017-05-10
    warnings year_on_year_change
    verify B 2016 by VB02 on 2017-05-20 -> verified
    expect-case B 2016 state=verified reported=39656.500 verified=39656.500 revisions=2

    # C: 12 000 t coal → 29 288.16 t, 20 000 MWh → 12 202 t; 41 490.16 t in all.
    # The plan says NCV is measured: a default in months 1-11 and 35 GJ/t (above the
    # plausible 19.9-30.5) in month 12 are warnings for the verifier, not errors.
    plan C 2016 boilers/coal fuel other_bituminous_coal t quantity=measured ncv=measured
    plan C 2016 site/grid electricity grid MWh quantity=measured
    months C 2016 boilers/coal 1000 x11 ncv=25.8:default
    months C 2016 boilers/coal 1000 m12 ncv=35:measured
    months C 2016 site/grid 1666.666 x11
    months C 2016 site/grid 1666.674 m12
    submit C 2016 stated 41490.16 on 2017-03-31
    warnings default_where_measured parameter_out_of_range
    assign C 2016 VB99 on 2017-04-10 !body_unknown
    assign C 2016 VB09 on 2017-04-10 !body_not_accredited
    assign C 2016 VB03 on 2017-04-10 !conflict_of_interest
    assign D 2016 VB01 on 2017-04-10 !case_unknown
    assign C 2016 VB01 on 2017-04-10
    finding C 2016 by VB01 non_conformity "NCV not measured in months 1-11" on 2017-05-02
    finding C 2016 by VB01 misstatement "no amount" on 2017-05-02 !finding_invalid
    verify C 2016 by VB01 on 2017-05-03 -> verified
    expect-verified C 2016 41490.160

    # The regulator re-checks a seeded sample: ceil(10% × 3) = 1 report; seed 1 draws A.
    sample 2016 seed 1 -> A
    recheck-assign A 2016 VB01 on 2017-06-01 !recheck_by_same_body
    recheck-assign A 2016 VB02 on 2017-06-01
    # VB02 finds 61 000 t: 3 430.4 / 57 569.6 = 5.96% > 5%, flagged; compliance uses 61 000.
    recheck A 2016 by VB02 61000 on 2017-06-10 -> recheck_flagged
    expect-case A 2016 state=recheck_flagged recheck_body=VB02
    expect-verified A 2016 61000.000
    expect-events A 2016 submit:ok submit:case_exists assign:ok record_finding:ok verify:not_permitted verify:ok record_finding:invalid_state assign_recheck:recheck_by_same_body assign_recheck:ok record_recheck:ok
    """
