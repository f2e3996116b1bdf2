"""IPCC 2006 Tier 1 CO2 from stationary combustion, plus purchased electricity by grid factor.

Fuel:         E = quantity × NCV × EF_CO2            (Vol. 2 Ch. 2 Eq. 2.1, defaults of Ch. 1)
              with NCV in GJ per activity unit and EF_CO2 in kgCO2/TJ, so E[t] = q·NCV·EF / 10^6
Electricity:  E = MWh × EF_grid                      (grid factor of the rulebook's region)

The IPCC default oxidation factor is 1, so no oxidation term appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tanshi.core.issues import Issue
from tanshi.mrv.activity import ActivityRecord, SourceKind, check_activity
from tanshi.mrv.methodology import Calculation, MethodologyContext, SourceLine
from tanshi.mrv.parameters import Parameter

_KG_PER_TJ_TO_T_PER_GJ = Decimal(1_000_000)


class IpccTier1Co2:
    """CO2 from fuels (IPCC 2006 Tier 1) and purchased electricity (grid factor)."""

    key = "ipcc2006-tier1-co2"

    def calculate(
        self,
        company: str,
        year: int,
        records: Sequence[ActivityRecord],
        context: MethodologyContext,
    ) -> Calculation:
        issues: list[Issue] = list(check_activity(records))
        lines: list[SourceLine] = []
        used: dict[str, Parameter] = {}
        for record in records:
            if record.kind is SourceKind.FUEL:
                wanted = [("ncv", record.subject, record.unit), ("ef_co2", record.subject, "TJ")]
            else:
                wanted = [("ef_grid", context.grid_region, "MWh")]
            resolved: list[Parameter] = []
            for parameter, subject, per in wanted:
                found = context.table.resolve(context.regimes, year, subject, parameter, per)
                if isinstance(found, Issue):
                    issues.append(
                        Issue(found.code, found.message, f"{record.where}: {found.where}")
                    )
                else:
                    resolved.append(found)
            if len(resolved) != len(wanted):
                continue
            for item in resolved:
                used[item.key] = item
            if record.kind is SourceKind.FUEL:
                ncv, ef = resolved
                emissions = record.quantity * ncv.value * ef.value / _KG_PER_TJ_TO_T_PER_GJ
            else:
                emissions = record.quantity * resolved[0].value
            lines.append(
                SourceLine(
                    kind=record.kind,
                    subject=record.subject,
                    quantity=record.quantity,
                    unit=record.unit,
                    emissions_tco2=emissions,
                    parameter_keys=tuple(item.key for item in resolved),
                )
            )
        total = sum((line.emissions_tco2 for line in lines), Decimal(0))
        return Calculation(
            company=company,
            year=year,
            methodology=self.key,
            emissions_tco2=total,
            lines=tuple(lines),
            parameters=tuple(used[key] for key in sorted(used)),
            issues=tuple(issues),
        )
