"""Test inputs of a China power company-year: a rulebook naming CN-ETS:power, a plan, a report.

Unit G1 burns coal: January–April with a measured element carbon of 0.55 tC/t (4 × 25 000 t:
vector CN2 of shared/reference/mrv-methods.md §9.2), May–December without one (8 × 12 500 t
at NCV_ar 20.908 GJ/t: vector CN1 / CN1a, by the year's default carbon per unit heat). The
site buys 10 000 MWh (11 × 800 + 1 200; vector CN3). May's element carbon is written with
basis ``default``: it must not enter the calculation.
"""

from __future__ import annotations

from decimal import Decimal

from tanshi.resources import preset_text

_OLD_RULE = """[[mrv]]
valid_from = 2016
valid_to = 2020
methodology = "ipcc2006-tier1-co2\""""

_NEW_RULES = """[[mrv]]
valid_from = 2019
valid_to = 2024
methodology = "CN-ETS:power"
parameter_regimes = ["CN-ETS"]
grid_region = "cn_national_grid"
verification = "verification_body"
source = "test: the power-sector guideline of each reporting year"
confidence = "assumption"

[[mrv]]
valid_from = 2016
valid_to = 2018
methodology = "ipcc2006-tier1-co2\""""


def rulebook_text() -> str:
    """demo-province with CN-ETS:power (version by reporting year) from 2019."""
    text = preset_text("demo-province")
    assert _OLD_RULE in text
    return text.replace(_OLD_RULE, _NEW_RULES)


PLAN = """
company = "P1"
version = 1
valid_from_year = 2019

[[streams]]
unit = "G1"
stream = "coal"
kind = "fuel"
subject = "coal"
activity_unit = "t"
parameters = { quantity = "measured", ncv_ar = "measured", carbon_content_ar = "measured" }

[[streams]]
unit = "site"
stream = "grid"
kind = "electricity"
subject = "grid"
activity_unit = "MWh"
parameters = { quantity = "measured" }
"""

REPORT = """unit,stream,month,quantity,ncv_ar,ncv_ar_basis,carbon_content_ar,carbon_content_ar_basis
G1,coal,1,25000,20.908,measured,0.55,measured
G1,coal,2,25000,20.908,measured,0.55,measured
G1,coal,3,25000,20.908,measured,0.55,measured
G1,coal,4,25000,20.908,measured,0.55,measured
G1,coal,5,12500,20.908,measured,0.60,default
G1,coal,6,12500,20.908,measured,,
G1,coal,7,12500,20.908,measured,,
G1,coal,8,12500,20.908,measured,,
G1,coal,9,12500,20.908,measured,,
G1,coal,10,12500,20.908,measured,,
G1,coal,11,12500,20.908,measured,,
G1,coal,12,12500,20.908,measured,,
G1,coal,total,200000,,,,
site,grid,1,800,,,,
site,grid,2,800,,,,
site,grid,3,800,,,,
site,grid,4,800,,,,
site,grid,5,800,,,,
site,grid,6,800,,,,
site,grid,7,800,,,,
site,grid,8,800,,,,
site,grid,9,800,,,,
site,grid,10,800,,,,
site,grid,11,800,,,,
site,grid,12,1200,,,,
site,grid,total,10000,,,,
"""

CO2_PER_C = Decimal(44) / Decimal(12)
OF_COAL = Decimal("0.99")
# CN2: 100 000 t × 0.55 tC/t × 0.99 × 44/12 = 199 650 tCO2
MEASURED_T = Decimal(100000) * Decimal("0.55") * OF_COAL * CO2_PER_C


def default_months_t(cc_default: str) -> Decimal:
    """CN1 (0.03085 → 234 139.28) / CN1a (0.03356 → 254 707.11): 100 000 t × 20.908 GJ/t ×
    CC_default × 0.99 × 44/12."""
    return Decimal(100000) * Decimal("20.908") * Decimal(cc_default) * OF_COAL * CO2_PER_C
