"""The regulator's re-check sample is drawn per jurisdiction, on both stores: over its own
companies' verified reports only, the share applied to their number, seeded and repeatable
(DP of tests/service_world.py beside SZ of tests/two_jurisdictions.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select

from service_world import NOW, World
from tanshi.mrv.verification_workflow import draw_recheck_sample
from tanshi.resources import verification_rules
from tanshi.services import verification as vf
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.schema import verification_events
from two_jurisdictions import add_shenzhen, verified_in_both

DP, SZ = ["A1", "B1", "C1"], ["S1", "S2"]


def test_the_library_draws_each_jurisdictions_sample_from_its_own_reports(world: World) -> None:
    add_shenzhen(world)
    verified_in_both(world)
    half = replace(verification_rules("demo-province"), recheck_sample_share=Decimal("0.5"))
    dp, sz = load_jurisdiction(world.engine, "DP"), load_jurisdiction(world.engine, "SZ")
    for seed in range(8):
        drawn = vf.recheck_sample(world.engine, dp, half, 2016, seed, NOW)
        # Half of DP's 3 reports, rounded up: 2 (half of all 5 would be 3).
        assert drawn == draw_recheck_sample(DP, half.recheck_sample_share, seed)
        assert len(drawn) == 2 and set(drawn) <= set(DP)
        other = vf.recheck_sample(world.engine, sz, half, 2016, seed, NOW)
        assert len(other) == 1 and set(other) <= set(SZ)
        assert vf.recheck_sample(world.engine, dp, half, 2016, seed, NOW) == drawn  # repeatable
    with world.engine.connect() as connection:
        recorded = [row.detail for row in connection.execute(
            select(verification_events.c.detail)
            .where(verification_events.c.action == "draw_recheck_sample")
            .order_by(verification_events.c.id)
        )]  # fmt: skip
    assert [(d["jurisdiction"], d["population"], d["seed"]) for d in recorded[:3]] == [
        ("DP", 3, 0), ("SZ", 2, 0), ("DP", 3, 0)]  # fmt: skip


def test_a_regulator_draws_over_its_own_jurisdictions_reports_only(world: World) -> None:
    add_shenzhen(world)
    verified_in_both(world)
    drawn = set()
    for seed in range(12):
        answer = world.client.post("/v1/verification/2016/sample", json={"seed": seed},
                                   headers=world.token("regulator") | {"Idempotency-Key": f"s{seed}"})  # fmt: skip
        assert answer.status_code == 200, answer.json()
        assert len(answer.json()["sample"]) == 1  # 10 % of DP's 3 reports, rounded up
        drawn |= set(answer.json()["sample"])
    assert drawn and drawn <= set(DP)
