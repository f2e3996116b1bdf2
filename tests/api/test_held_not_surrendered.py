"""A company's position shows the year's allowances it still holds; the regulator's
drill-down says when a non-compliant company holds units it did not surrender."""

from __future__ import annotations

from datetime import UTC, datetime

from verified_case import verified_case

from service_world import World
from tanshi.services.compliance import run_compliance
from tanshi.services.jurisdiction import load_jurisdiction

AFTER_DEADLINE = datetime(2017, 7, 1, 1, 0, tzinfo=UTC)  # 09:00 in the province


def test_non_compliant_while_holding_allowances_is_said(world: World) -> None:
    verified_case(world)  # A1: about 7,200 t verified; it holds its 1,000 t and surrenders none
    lines = run_compliance(world.engine, load_jurisdiction(world.engine, "DP"), 2016,
                           AFTER_DEADLINE)  # fmt: skip
    assert next(line for line in lines if line.position.company == "A1").shortfall_t > 1000
    page = world.browser("regulator").get("/regulator/companies/A1?year=2016").text
    assert '持有但未清缴的 2016 年度配额（吨）</th><td class="n">1,000<' in page
    assert "未履约，但仍持有 1,000 吨 2016 年度配额" in page
    own = world.browser("officer-a").get("/company?year=2016").text
    assert '持有但未清缴的 2016 年度配额（吨）</th><td class="n">1,000<' in own
