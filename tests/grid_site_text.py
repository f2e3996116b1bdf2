"""A site that only buys grid electricity, as text: its monitoring plan and monthly report.

12 × 1 000 MWh at the demo-province grid factor 0.6101 tCO2/MWh = 7 321.2 t.
"""

from __future__ import annotations

PLAN_TEMPLATE = """
company = "{company}"
version = 1
valid_from_year = 2016

[[streams]]
unit = "site"
stream = "grid"
kind = "electricity"
subject = "grid"
activity_unit = "MWh"
parameters = {{ quantity = "measured" }}
"""
MONTHS = "unit,stream,month,quantity\n" + "".join(f"site,grid,{m},1000\n" for m in range(1, 13))
REPORT_CSV = MONTHS + "site,grid,total,12000\n"  # 12 000 MWh × 0.6101 = 7 321.2 t
STATED_T = "7321.2"


def grid_site_plan(company: str) -> str:
    """The monitoring plan of ``company``'s grid-electricity site (version 1, from 2016)."""
    return PLAN_TEMPLATE.format(company=company)
