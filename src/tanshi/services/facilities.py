"""A company's facilities: the emission units and source streams of its monitoring plan, its
generating units with their recorded output, and its installations with their activity.

Who may read them: the roles that read everything, verifiers (who verify against the plan),
and the company's own people (``may_read``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from tanshi.services.principals import Principal, Role
from tanshi.services.views import reading, utc_text
from tanshi.store.schema import activity_levels, companies, monitoring_plans, unit_outputs


def may_read(principal: Principal, company: str) -> bool:
    return principal.reads_all or principal.role is Role.VERIFIER or principal.company == company


def _scaled(value: int, places: int) -> str:
    return f"{Decimal(value).scaleb(-places):f}"


def _plan(connection: Any, company_id: int) -> dict[str, Any] | None:
    row = connection.execute(
        select(monitoring_plans)
        .where(monitoring_plans.c.company_id == company_id)
        .order_by(monitoring_plans.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    units: dict[str, list[dict[str, Any]]] = {}
    for stream in row.plan.get("streams", []):
        units.setdefault(str(stream["unit"]), []).append(
            {"stream": str(stream["stream"]), "kind": str(stream["kind"]),
             "subject": str(stream["subject"]), "activity_unit": str(stream["activity_unit"]),
             "parameters": {str(k): str(v) for k, v in dict(stream["parameters"]).items()}}
        )  # fmt: skip
    return {
        "version": int(row.version), "valid_from_year": int(row.valid_from_year),
        "filed_at": utc_text(row.filed_at),
        "emission_units": [{"unit": unit, "streams": streams}
                           for unit, streams in sorted(units.items())],
    }  # fmt: skip


def _generating_units(connection: Any, company_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(unit_outputs)
        .where(unit_outputs.c.company_id == company_id)
        .order_by(unit_outputs.c.unit_code, unit_outputs.c.year)
    ).all()
    units: dict[str, dict[str, Any]] = {}
    for r in rows:
        unit = units.setdefault(r.unit_code, {"unit": r.unit_code, "output": []})
        unit["output"].append(
            {"year": int(r.year), "unit_class": r.unit_class, "cooling": r.cooling,
             "load_factor": _scaled(r.load_factor_ppm, 6),
             "heat_ratio": _scaled(r.heat_ratio_ppm, 6),
             "electricity_mwh": _scaled(r.electricity_mwh_milli, 3),
             "heat_gj": _scaled(r.heat_gj_milli, 3), "source": r.source}
        )  # fmt: skip
    return list(units.values())


def _installations(connection: Any, company_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(activity_levels)
        .where(activity_levels.c.company_id == company_id)
        .order_by(activity_levels.c.installation, activity_levels.c.year)
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        installation = found.setdefault(r.installation, {
            "installation": r.installation, "benchmark": r.benchmark,
            "leakage_exposed": bool(r.leakage_exposed), "cbam_good": bool(r.cbam_good),
            "activity": []})  # fmt: skip
        installation["activity"].append(
            {"year": int(r.year), "activity": _scaled(r.activity_milli, 3), "source": r.source}
        )
    return list(found.values())


def facilities_of(engine: Engine, company: str) -> dict[str, Any] | None:
    """The company's facilities, or None if there is no such company."""
    with reading(engine) as connection:
        company_id = connection.execute(
            select(companies.c.id).where(companies.c.code == company)
        ).scalar()
        if company_id is None:
            return None
        return {
            "company": company, "monitoring_plan": _plan(connection, company_id),
            "generating_units": _generating_units(connection, company_id),
            "installations": _installations(connection, company_id),
        }  # fmt: skip
